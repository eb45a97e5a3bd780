"""Contacts with their standings and labels."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from memberaudit.models import Character
from memberaudit.models.contacts import CharacterContact, CharacterContactLabel
from memberaudit.views.tables import Column, Table

from . import cells, register_table


def _contacts(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterContact.objects.filter(character=character).select_related("contact")


def _prepare(page: list[CharacterContact], character: Character) -> None:
    labels = dict(CharacterContactLabel.objects.filter(character=character).values_list("label_id", "name"))
    for contact in page:
        contact.label_names = [labels.get(i) or f"#{i}" for i in contact.label_ids or []]


def _standing(contact: CharacterContact):
    style = "success" if contact.standing > 0 else "danger" if contact.standing < 0 else "secondary"
    return format_html('<span class="badge text-bg-{}">{}</span>', style, f"{contact.standing:+.1f}")


register_table(
    Table(
        name="contacts",
        section="contacts",
        title=_("Contacts"),
        rows=_contacts,
        prepare=_prepare,
        default_order=(2, "desc"),
        page_length=50,
        columns=(
            Column(
                "name",
                _("Name"),
                lambda c: cells.entity(c, "contact"),
                order_by=("contact__name",),
                search=("contact__name",),
            ),
            Column(
                "type",
                _("Type"),
                lambda c: c.get_contact_type_display(),
                order_by=("contact_type",),
                search=("contact_type",),
            ),
            Column("standing", _("Standing"), _standing, order_by=("standing",), css="text-end"),
            Column("labels", _("Labels"), lambda c: ", ".join(c.label_names)),
            Column("is_watched", _("Watched"), lambda c: c.is_watched, order_by=("is_watched",)),
            Column("is_blocked", _("Blocked"), lambda c: c.is_blocked, order_by=("is_blocked",)),
        ),
    )
)
