"""The character's public details (bio, rendered from EVE markup) and corporation history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from memberaudit.core import markup
from memberaudit.models import Character, CharacterCorporationHistory, CharacterDetails
from memberaudit.views.tables import Column, Table

from . import cells, register_table, tab_context


@tab_context("details")
def details_context(character: Character) -> dict[str, Any]:
    details = (
        CharacterDetails.objects.filter(character=character)
        .select_related("corporation", "alliance", "faction")
        .first()
    )
    if details is None:
        return {"details": None}
    return {
        "details": details,
        "corporation": cells.entity(details, "corporation"),
        "alliance": cells.entity(details, "alliance") if details.alliance_id else "",
        "faction": cells.entity(details, "faction") if details.faction_id else "",
        # sanitized by core.markup: only allowlisted tags, attributes and links remain
        "bio_html": mark_safe(markup.to_safe_html(details.description)),  # noqa: S308
    }


def _history(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterCorporationHistory.objects.filter(character=character).select_related("corporation")


register_table(
    Table(
        name="corporation_history",
        section="corporation_history",
        title=_("Corporation history"),
        rows=_history,
        columns=(
            Column("start_date", _("Joined"), lambda h: h.start_date, order_by=("start_date",)),
            Column(
                "corporation",
                _("Corporation"),
                lambda h: cells.entity(h, "corporation"),
                order_by=("corporation__name",),
                search=("corporation__name",),
            ),
            Column("is_deleted", _("Closed"), lambda h: h.is_deleted, order_by=("is_deleted",)),
        ),
    )
)
