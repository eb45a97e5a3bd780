"""Planetary industry colonies."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from memberaudit.models.planets import CharacterPlanet
from memberaudit.views.tables import Column, Table

from . import cells, register_table

register_table(
    Table(
        name="planets",
        section="planets",
        title=_("Planets"),
        rows=lambda character, params: CharacterPlanet.objects.filter(character=character).select_related(
            "eve_solar_system"
        ),
        default_order=(0, "asc"),
        columns=(
            Column(
                "solar_system",
                _("Solar system"),
                cells.solar_system,
                order_by=("eve_solar_system__name", "planet_id"),
                search=("eve_solar_system__name",),
            ),
            Column(
                "planet_type",
                _("Planet type"),
                lambda p: p.planet_type,
                order_by=("planet_type",),
                search=("planet_type",),
            ),
            Column(
                "upgrade_level",
                _("Command center level"),
                lambda p: p.upgrade_level,
                order_by=("upgrade_level",),
            ),
            Column(
                "num_pins", _("Installations"), lambda p: p.num_pins, order_by=("num_pins",), css="text-end"
            ),
            Column("last_update", _("Last update"), lambda p: p.last_update, order_by=("last_update",)),
        ),
    )
)
