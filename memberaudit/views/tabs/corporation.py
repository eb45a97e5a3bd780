"""Titles, corporation roles and medals."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from memberaudit.core import esi_labels, markup
from memberaudit.models import Character
from memberaudit.models.corporation import CharacterMedal, CharacterRole, CharacterTitle
from memberaudit.views.tables import Column, Table

from . import cells, register_table


def _safe_markup(text: str):
    # sanitized by core.markup: only allowlisted tags, attributes and links remain
    return mark_safe(markup.to_safe_html(text))  # noqa: S308


register_table(
    Table(
        name="titles",
        section="titles",
        title=_("Titles"),
        rows=lambda character, params: CharacterTitle.objects.filter(character=character),
        default_order=(0, "asc"),
        columns=(
            # titles may carry EVE markup (colours)
            Column("name", _("Title"), lambda t: _safe_markup(t.name), order_by=("name",), search=("name",)),
        ),
    )
)


def _role_name(role: CharacterRole) -> str:
    return esi_labels.corporation_role(role.role)


register_table(
    Table(
        name="roles",
        section="roles",
        title=_("Corporation roles"),
        rows=lambda character, params: CharacterRole.objects.filter(character=character),
        default_order=(0, "asc"),
        page_length=50,
        columns=(
            Column("role", _("Role"), _role_name, order_by=("role",), search=("role",)),
            Column("location", _("Where"), lambda r: r.get_location_display(), order_by=("location",)),
        ),
    )
)


def _medals(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterMedal.objects.filter(character=character).select_related("corporation", "issuer")


register_table(
    Table(
        name="medals",
        section="medals",
        title=_("Medals"),
        rows=_medals,
        columns=(
            Column("date", _("Awarded"), lambda m: cells.moment(m.date), order_by=("date",)),
            Column("title", _("Medal"), lambda m: m.title, order_by=("title",), search=("title",)),
            Column(
                "corporation",
                _("Corporation"),
                lambda m: cells.entity(m, "corporation"),
                order_by=("corporation__name",),
                search=("corporation__name",),
            ),
            Column("issuer", _("Issuer"), lambda m: cells.entity(m, "issuer"), order_by=("issuer__name",)),
            Column("reason", _("Reason"), lambda m: m.reason, search=("reason",)),
            Column("description", _("Description"), lambda m: m.description),
        ),
    )
)
