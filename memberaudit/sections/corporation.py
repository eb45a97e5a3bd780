"""Corporation titles, corporation roles and medals of a character."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.corporation import CharacterMedal, CharacterRole, CharacterTitle

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows

#: ESI's key for each place a role applies
ROLE_LOCATIONS = {
    "roles": CharacterRole.Location.UNIVERSAL,
    "roles_at_hq": CharacterRole.Location.HQ,
    "roles_at_base": CharacterRole.Location.BASE,
    "roles_at_other": CharacterRole.Location.OTHER,
}


@register
class TitlesSection(Section):
    name = "titles"
    title = _("Titles")
    ring = 2
    scopes = ("esi-characters.read_titles.v1",)
    operations = ("GetCharactersCharacterIdTitles",)
    models = (CharacterTitle,)
    description = "The titles the character holds in its corporation, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {"title_id": item["title_id"], "name": (item.get("name") or "")[:255]}
            for item in payload
            if item.get("title_id") is not None
        ]
        return replace_rows(CharacterTitle, {"character": ctx.character}, rows, key="title_id")


@register
class RolesSection(Section):
    name = "roles"
    title = _("Corporation roles")
    ring = 2
    scopes = ("esi-characters.read_corporation_roles.v1",)
    operations = ("GetCharactersCharacterIdRoles",)
    models = (CharacterRole,)
    description = (
        "The character's corporation roles: general ones and those at headquarters, at base "
        "and elsewhere, every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdRoles")
        return NOT_MODIFIED if response.not_modified else (response.data or {})

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {"role": role, "location": location}
            for key, location in ROLE_LOCATIONS.items()
            for role in sorted(set(payload.get(key) or []))
        ]
        return replace_rows(CharacterRole, {"character": ctx.character}, rows, key=("role", "location"))


@register
class MedalsSection(Section):
    name = "medals"
    title = _("Medals")
    ring = 3
    scopes = ("esi-characters.read_medals.v1",)
    operations = ("GetCharactersCharacterIdMedals",)
    models = (CharacterMedal,)
    description = (
        "Medals awarded to the character with issuer, reason and date, every ring 3 cycle "
        "(they rarely change)."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {
                "medal_id": medal["medal_id"],
                "date": medal["date"],
                "title": (medal.get("title") or "")[:255],
                "description": medal.get("description", ""),
                "corporation_id": medal.get("corporation_id"),
                "issuer_id": medal.get("issuer_id"),
                "reason": medal.get("reason", ""),
                "status": medal.get("status", ""),
                "graphics": medal.get("graphics") or [],
            }
            for medal in payload
        ]
        return replace_rows(CharacterMedal, {"character": ctx.character}, rows, key=("medal_id", "date"))

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "entities": ids(medal.get(key) for medal in payload for key in ("corporation_id", "issuer_id"))
        }
