"""NPC standings, loyalty points and faction warfare statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from memberaudit.models import Character
from memberaudit.models.standings import CharacterFwStats, CharacterLoyaltyEntry, CharacterStanding
from memberaudit.views.tables import Column, Table

from . import cells, register_table, tab_context


def _standings(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterStanding.objects.filter(character=character).select_related("eve_entity")


register_table(
    Table(
        name="standings",
        section="standings",
        title=_("Standings"),
        rows=_standings,
        default_order=(2, "desc"),
        page_length=50,
        columns=(
            Column(
                "name",
                _("Name"),
                lambda s: cells.entity(s, "eve_entity"),
                order_by=("eve_entity__name",),
                search=("eve_entity__name",),
            ),
            Column("type", _("Type"), lambda s: s.get_from_type_display(), order_by=("from_type",)),
            Column(
                "standing",
                _("Standing"),
                lambda s: f"{s.standing:+.2f}",
                order_by=("standing",),
                css="text-end",
            ),
        ),
    )
)


def _loyalty(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterLoyaltyEntry.objects.filter(character=character).select_related("corporation")


register_table(
    Table(
        name="loyalty",
        section="loyalty",
        title=_("Loyalty points"),
        rows=_loyalty,
        default_order=(1, "desc"),
        columns=(
            Column(
                "corporation",
                _("Corporation"),
                lambda e: cells.entity(e, "corporation"),
                order_by=("corporation__name",),
                search=("corporation__name",),
            ),
            Column(
                "loyalty_points",
                _("Loyalty points"),
                lambda e: e.loyalty_points,
                order_by=("loyalty_points",),
                css="text-end",
            ),
        ),
    )
)


@tab_context("fw_stats")
def fw_stats_context(character: Character) -> dict[str, Any]:
    stats = CharacterFwStats.objects.filter(character=character).select_related("faction").first()
    return {"fw_stats": stats, "faction": cells.entity(stats, "faction") if stats else ""}
