"""Planetary industry colonies: the planet by name, its system with security and region."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EvePlanet

from memberaudit.core import formatting
from memberaudit.models import Character
from memberaudit.models.planets import CharacterPlanet
from memberaudit.views.tables import Column, Table

from . import cells, register_table


def _planets(character: Character, params: Mapping[str, str]) -> QuerySet:
    # the planet's name from EVE's static data when loaded (a subquery: no query per row)
    name = EvePlanet.objects.filter(id=OuterRef("planet_id")).values("name")[:1]
    return (
        CharacterPlanet.objects.filter(character=character)
        .select_related("eve_solar_system__eve_constellation__eve_region")
        .annotate(planet_name=Subquery(name))
    )


def _planet(planet: CharacterPlanet) -> str:
    if planet.planet_name:
        return planet.planet_name
    return gettext("Planet %(id)s") % {"id": planet.planet_id}


register_table(
    Table(
        name="planets",
        section="planets",
        title=_("Planets"),
        rows=_planets,
        default_order=(1, "asc"),
        columns=(
            Column("planet", _("Planet"), _planet, order_by=("planet_name", "planet_id")),
            Column(
                "solar_system",
                _("Solar system"),
                cells.solar_system_cell,
                order_by=("eve_solar_system__name", "planet_id"),
                search=("eve_solar_system__name",),
            ),
            Column(
                "planet_type",
                _("Planet type"),
                lambda p: formatting.humanize_identifier(p.planet_type),
                order_by=("planet_type",),
                search=("planet_type",),
            ),
            Column(
                "upgrade_level",
                _("Command center level"),
                lambda p: p.upgrade_level,
                order_by=("upgrade_level",),
                css="text-end",
            ),
            Column(
                "num_pins", _("Installations"), lambda p: p.num_pins, order_by=("num_pins",), css="text-end"
            ),
            Column(
                "last_update",
                _("Last update"),
                lambda p: cells.moment(p.last_update),
                order_by=("last_update",),
            ),
        ),
    )
)
