"""Planetary industry colonies (ring 3: they change slowly)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.planets import CharacterPlanet

from .base import Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows


@register
class PlanetsSection(Section):
    name = "planets"
    title = _("Planets")
    ring = 3
    scopes = ("esi-planets.manage_planets.v1",)
    operations = ("GetCharactersCharacterIdPlanets",)
    models = (CharacterPlanet,)
    description = (
        "Planetary industry colonies with planet type, command center level and number of "
        "installations, every ring 3 cycle."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {
                "planet_id": planet["planet_id"],
                "eve_solar_system_id": planet["solar_system_id"],
                "planet_type": planet["planet_type"],
                "upgrade_level": planet["upgrade_level"],
                "num_pins": planet["num_pins"],
                "last_update": planet["last_update"],
            }
            for planet in payload
        ]
        return replace_rows(CharacterPlanet, {"character": ctx.character}, rows, key="planet_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        # solar systems are resolved as locations (which creates the EveSolarSystem)
        return {"locations": ids(planet["solar_system_id"] for planet in payload)}
