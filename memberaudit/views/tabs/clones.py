"""Implants, jump clones and the home location."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EveType

from memberaudit.models import Character, CharacterCloneInfo, CharacterImplant, CharacterJumpClone
from memberaudit.views.tables import Column, Table, unknown_name

from . import cells, register_table, tab_context
from .columns import type_column


def _implants(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterImplant.objects.filter(character=character).select_related("eve_type")


register_table(
    Table(
        name="implants",
        section="implants",
        title=_("Implants"),
        rows=_implants,
        default_order=(0, "asc"),
        columns=(type_column("eve_type", _("Implant")),),
    )
)


@tab_context("jump_clones")
def jump_clones_context(character: Character) -> dict[str, Any]:
    info = CharacterCloneInfo.objects.filter(character=character).select_related("home_location").first()
    return {
        "clone_info": info,
        "home_location": cells.location(info, "home_location") if info else "",
    }


def _jump_clones(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterJumpClone.objects.filter(character=character).select_related(cells.location_related())


def _prepare(page: list[CharacterJumpClone], character: Character) -> None:
    """Names of all implants on the page's clones (one query)."""
    type_ids = {type_id for clone in page for type_id in clone.implant_type_ids or []}
    names = dict(EveType.objects.filter(id__in=type_ids).values_list("id", "name")) if type_ids else {}
    for clone in page:
        clone.implant_names = [names.get(i) or unknown_name(i) for i in clone.implant_type_ids or []]


register_table(
    Table(
        name="jump_clones",
        section="jump_clones",
        title=_("Jump clones"),
        rows=_jump_clones,
        prepare=_prepare,
        default_order=(0, "asc"),
        columns=(
            Column(
                "location",
                _("Location"),
                cells.location,
                order_by=("location__name",),
                search=("location__name",),
            ),
            Column("name", _("Name"), lambda c: c.name, order_by=("name",), search=("name",)),
            Column("implants", _("Implants"), lambda c: ", ".join(c.implant_names)),
        ),
    )
)
