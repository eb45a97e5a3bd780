"""Contacts with standings, watch and block flags and labels; contact labels."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.contacts import CharacterContact, CharacterContactLabel

from .base import NOT_MODIFIED, Changes, Counterparties, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows


@register
class ContactsSection(Section):
    name = "contacts"
    title = _("Contacts")
    ring = 2
    scopes = ("esi-characters.read_contacts.v1",)
    operations = ("GetCharactersCharacterIdContacts", "GetCharactersCharacterIdContactsLabels")
    models = (CharacterContact, CharacterContactLabel)
    counterparties = (
        Counterparties(CharacterContact, "contact_id", kind_field="contact_type", standing="standing"),
    )
    description = (
        "The contact list with standings, watched and blocked flags and contact labels, every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        contacts = ctx.esi("GetCharactersCharacterIdContacts", paged=True)
        labels = ctx.esi("GetCharactersCharacterIdContactsLabels")
        if contacts.not_modified and labels.not_modified:
            return NOT_MODIFIED
        # a part that answered 304 is left as stored
        return {
            "contacts": None if contacts.not_modified else contacts.data,
            "labels": None if labels.not_modified else labels.data,
        }

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        scope = {"character": ctx.character}
        changes = Changes()
        if payload.get("labels") is not None:
            rows = [
                {"label_id": label["label_id"], "name": label.get("label_name", "")}
                for label in payload["labels"]
            ]
            changes += replace_rows(CharacterContactLabel, scope, rows, key="label_id")
        if payload.get("contacts") is not None:
            rows = [
                {
                    "contact_id": contact["contact_id"],
                    "contact_type": contact["contact_type"],
                    "standing": contact["standing"],
                    "is_watched": bool(contact.get("is_watched", False)),
                    "is_blocked": bool(contact.get("is_blocked", False)),
                    "label_ids": sorted(set(contact.get("label_ids") or [])),
                }
                for contact in payload["contacts"]
            ]
            changes += replace_rows(CharacterContact, scope, rows, key="contact_id")
        return changes

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"entities": ids(contact["contact_id"] for contact in payload.get("contacts") or [])}
