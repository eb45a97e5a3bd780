"""Planetary industry colonies and when their extractors run out (ring 3: they change slowly).

The planet list says when each colony was last recalculated (``last_update``). ESI
recalculates a colony's layout only when the pilot views it in the client, so the layout
(``GET /characters/{id}/planets/{planet_id}/``) is asked for only when a colony's
``last_update`` differs from the one its stored extractor figures belong to: new colonies,
colonies the pilot has looked at since, and layouts a previous run could not get. From the
layout we keep per colony the number of extractor control units and when the first and the
last of their programs end, which is what the planets tab shows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.esi import gateway
from memberaudit.models.planets import CharacterPlanet

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import batch_size, dt, replace_rows

logger = logging.getLogger(__name__)

LIST_OPERATION = "GetCharactersCharacterIdPlanets"
LAYOUT_OPERATION = "GetCharactersCharacterIdPlanetsPlanetId"


def extractor_summary(layout: dict[str, Any]) -> dict[str, Any]:
    """Extractor control units of a colony layout: how many, first and last program end (ISO text).

    An extractor is a pin with ``extractor_details``; one without ``expiry_time`` has no
    program and only counts.
    """
    extractors = [pin for pin in layout.get("pins") or [] if pin.get("extractor_details") is not None]
    expiries = sorted(moment for moment in (dt(pin.get("expiry_time")) for pin in extractors) if moment)
    return {
        "extractors": len(extractors),
        "first": expiries[0].isoformat() if expiries else None,
        "last": expiries[-1].isoformat() if expiries else None,
    }


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a == b


@register
class PlanetsSection(Section):
    name = "planets"
    title = _("Planets")
    ring = 3
    scopes = ("esi-planets.manage_planets.v1",)
    operations = (LIST_OPERATION, LAYOUT_OPERATION)
    models = (CharacterPlanet,)
    description = (
        "Planetary industry colonies with planet type, command center level and number of "
        "installations, every ring 3 cycle; a colony's layout is fetched when the colony changed, "
        "for the number of extractors and when their programs end."
    )

    # --- fetch ----------------------------------------------------------------------------

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi(LIST_OPERATION)
        if response.not_modified:
            planets = None
            wanted = self._pending(ctx)
        else:
            planets = sorted(response.data or [], key=lambda planet: planet["planet_id"])
            wanted = self._changed(ctx, planets)
        layouts = self._fetch_layouts(ctx, wanted)
        if planets is None and not layouts:
            return NOT_MODIFIED
        return {"planets": planets, "layouts": layouts}

    @staticmethod
    def _changed(ctx: SyncContext, planets: list[dict]) -> dict[int, str]:
        """Listed colonies whose layout we have not seen at their current ``last_update``."""
        seen = dict(
            CharacterPlanet.objects.filter(character=ctx.character).values_list(
                "planet_id", "layout_last_update"
            )
        )
        return {
            planet["planet_id"]: dt(planet["last_update"]).isoformat()
            for planet in planets
            if not _same_moment(seen.get(planet["planet_id"]), dt(planet["last_update"]))
        }

    @staticmethod
    def _pending(ctx: SyncContext) -> dict[int, str]:
        """With an unchanged list: stored colonies whose layout a previous run could not get."""
        return {
            planet_id: last_update.isoformat()
            for planet_id, last_update, layout_last_update in CharacterPlanet.objects.filter(
                character=ctx.character
            ).values_list("planet_id", "last_update", "layout_last_update")
            if not _same_moment(layout_last_update, last_update)
        }

    @staticmethod
    def _fetch_layouts(ctx: SyncContext, wanted: dict[int, str]) -> list[dict]:
        """Extractor summaries of these colonies (planet id -> the ``last_update`` asked for).

        A colony ESI no longer has is recorded without extractors (not asked again until it
        changes). When the budget runs low or ESI fails, the layouts fetched so far are kept and
        the rest follow next run (``postponed``).
        """
        layouts = []
        for planet_id in sorted(wanted):
            try:
                # the full answer, not a 304: we only ask when the stored figures are out of date,
                # and an ETag may stem from a run whose store failed
                response = ctx.esi(LAYOUT_OPERATION, planet_id=planet_id, refetch=True)
                summary = extractor_summary(response.data or {})
            except gateway.NotFound:
                summary = {"extractors": None, "first": None, "last": None}
            except gateway.TokenError:
                raise
            except (gateway.EsiPaused, gateway.RouteDown) as exc:  # no use asking for the others now
                logger.info("%s: colony layouts postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            except gateway.EsiError as exc:  # this colony is asked for again next run
                logger.warning("%s: layout of colony %s: %s", ctx.character, planet_id, exc)
                ctx.postponed = True
                continue
            layouts.append({"planet_id": planet_id, "last_update": wanted[planet_id], **summary})
        return layouts

    # --- store ----------------------------------------------------------------------------

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        changes = Changes()
        if payload["planets"] is not None:
            rows = [
                {
                    "planet_id": planet["planet_id"],
                    "eve_solar_system_id": planet["solar_system_id"],
                    "planet_type": planet["planet_type"],
                    "upgrade_level": planet["upgrade_level"],
                    "num_pins": planet["num_pins"],
                    "last_update": planet["last_update"],
                }
                for planet in payload["planets"]
            ]
            changes += replace_rows(CharacterPlanet, {"character": ctx.character}, rows, key="planet_id")
        changes += self._store_layouts(ctx, payload["layouts"])
        return changes

    @staticmethod
    def _store_layouts(ctx: SyncContext, layouts: list[dict]) -> Changes:
        """Write the extractor figures of colonies that are (still) stored."""
        if not layouts:
            return Changes()
        by_planet = {layout["planet_id"]: layout for layout in layouts}
        rows = CharacterPlanet.objects.filter(character=ctx.character, planet_id__in=list(by_planet))
        updated = []
        for row in rows:
            layout = by_planet[row.planet_id]
            values = {
                "extractors": layout["extractors"],
                "extractors_expire_first": dt(layout["first"]),
                "extractors_expire_last": dt(layout["last"]),
                "layout_last_update": dt(layout["last_update"]),
            }
            if any(getattr(row, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(row, field, value)
                updated.append(row)
        CharacterPlanet.objects.bulk_update(
            updated,
            ["extractors", "extractors_expire_first", "extractors_expire_last", "layout_last_update"],
            batch_size=batch_size(),
        )
        return Changes(updated=len(updated))

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        # solar systems are resolved as locations (which creates the EveSolarSystem)
        return {"locations": ids(planet["solar_system_id"] for planet in payload["planets"] or [])}
