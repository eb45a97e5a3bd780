"""Planetary colonies of generated characters: the layout ESI serves for each colony.

``GET /characters/{character_id}/planets/{planet_id}/`` describes one colony: its pins (a
command center, extractor control units with their heads, factories), the links between them
and the routes goods take. As ESI documents, a colony is only recalculated when its owner
views it in the client, which is also when the colony's ``last_update`` in the planet list
moves; an extractor's program runs until its ``expiry_time`` whether anyone looks or not.

Each colony gets 0-3 extractors whose programs ended already, end within a day or end later,
so the viewer has every case to show. Deterministic per seed like the rest of the world: a
colony draws from its own random stream (character and planet), so the planet list and the
other sections keep their bytes. A tick lets the pilot visit one colony now and then
(:func:`visit`): extractors that stopped get a new program, running ones are recalculated,
and the colony's ``last_update`` moves to the moment of the visit.

Only types the emulated universe knows are used (command center, extractor control unit,
basic industry facility, Aqueous Liquids, the Water schematic), so every id in a layout
resolves through ``/universe/types`` and ``/universe/schematics`` like in ESI.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import universe as U

if TYPE_CHECKING:
    from .world import CharacterData, World

COMMAND_CENTER_TYPE_ID = 2254
EXTRACTOR_TYPE_ID = 3060
FACTORY_TYPE_ID = 2473
PRODUCT_TYPE_ID = 2268
SCHEMATIC_ID = 121
#: pin ids are item ids of their own, far from assets, journal, mails and contracts
PIN_ID_BASE = 1_060_000_000_000
#: extraction programs run at most two weeks in EVE
MAX_PROGRAM = timedelta(days=14)
#: cycle lengths of extraction programs (seconds)
CYCLE_TIMES = (900, 1800, 3600, 7200)
#: colony visits per hour of a character with colonies (a tick of a day visits one for sure)
VISIT_RATE = 0.15


def _rng(world: World, *parts: Any) -> random.Random:
    # the recipe of ``world._rng``: a stream per purpose, independent of the others
    return random.Random(":".join(str(p) for p in (world.seed, *parts)))


def _coordinate(rng: random.Random, low: float, high: float) -> float:
    """A latitude or longitude in radians, as ESI gives them."""
    return round(rng.uniform(low, high), 4)


def _last_cycle_start(start: datetime, cycle: int, expiry: datetime, seen: datetime) -> datetime:
    """When the current cycle started, as the game calculated it when the colony was last viewed."""
    elapsed = max(0, int((min(seen, expiry) - start).total_seconds()))
    cycles = min(elapsed // cycle, max(0, int((expiry - start).total_seconds()) // cycle - 1))
    return start + timedelta(seconds=cycles * cycle)


def _program(start: datetime, target: datetime, cycle: int) -> datetime:
    """The expiry of a program started at ``start`` that should run to about ``target``."""
    length = min(max(target - start, timedelta(seconds=cycle)), MAX_PROGRAM)
    return start + timedelta(seconds=max(1, math.floor(length.total_seconds() / cycle)) * cycle)


def _target(rng: random.Random, t0: datetime) -> datetime:
    """When an extractor should run out: ended (1/4), within a day (1/4) or later (1/2)."""
    kind = rng.choice(("ended", "soon", "later", "later"))
    if kind == "ended":
        hours = -rng.randint(1, 96)
    elif kind == "soon":
        hours = rng.randint(1, 20)
    else:
        hours = rng.randint(30, 300)
    return t0 + timedelta(hours=hours, minutes=rng.randint(0, 59))


def _layout(world: World, data: CharacterData, planet: dict, t0: datetime) -> dict:
    """A colony as the game last calculated it (at the planet's ``last_update``)."""
    rng = _rng(world, data.profile.character_id, "colony", planet["planet_id"])
    seen: datetime = planet["last_update"]
    built = seen - timedelta(days=rng.randint(2, 120), minutes=rng.randint(0, 1439))
    n_pins = planet["num_pins"]
    n_extractors = min(rng.choice((0, 1, 1, 2, 2, 3)), n_pins - 2)
    n_factories = n_pins - 1 - n_extractors

    def pin_id() -> int:
        return data.next_id("pin", PIN_ID_BASE)

    center_lat = _coordinate(rng, 0.3, 2.8)
    center_lon = _coordinate(rng, 0.1, 6.2)
    command_center: dict[str, Any] = {
        "install_time": built,
        "latitude": center_lat,
        "longitude": center_lon,
        "pin_id": pin_id(),
        "type_id": COMMAND_CENTER_TYPE_ID,
    }
    if rng.random() < 0.5:
        command_center["contents"] = [{"amount": rng.randint(100, 20000), "type_id": PRODUCT_TYPE_ID}]
    extractors = []
    for _ in range(n_extractors):
        cycle = rng.choice(CYCLE_TIMES)
        # the program was set on a visit at or before the last view, after the colony was built
        start = max(built, seen - timedelta(minutes=rng.randint(0, 6000)))
        expiry = _program(start, _target(rng, t0), cycle)
        lat = _coordinate(rng, center_lat - 0.05, center_lat + 0.05)
        lon = _coordinate(rng, center_lon - 0.05, center_lon + 0.05)
        extractors.append(
            {
                "expiry_time": expiry,
                "extractor_details": {
                    "cycle_time": cycle,
                    "head_radius": round(rng.uniform(0.005, 0.02), 4),
                    "heads": [
                        {
                            "head_id": head,
                            "latitude": _coordinate(rng, lat - 0.02, lat + 0.02),
                            "longitude": _coordinate(rng, lon - 0.02, lon + 0.02),
                        }
                        for head in range(rng.randint(1, 10))
                    ],
                    "product_type_id": PRODUCT_TYPE_ID,
                    "qty_per_cycle": rng.randint(500, 12000),
                },
                "install_time": built + timedelta(minutes=rng.randint(0, 600)),
                "last_cycle_start": _last_cycle_start(start, cycle, expiry, seen),
                "latitude": lat,
                "longitude": lon,
                "pin_id": pin_id(),
                "type_id": EXTRACTOR_TYPE_ID,
            }
        )
    _name, schematic_cycle = U.SCHEMATICS[SCHEMATIC_ID]
    factories = []
    for _ in range(n_factories):
        factory: dict[str, Any] = {
            "factory_details": {"schematic_id": SCHEMATIC_ID},
            "install_time": built + timedelta(minutes=rng.randint(0, 600)),
            "last_cycle_start": seen - timedelta(seconds=rng.randint(0, schematic_cycle)),
            "latitude": _coordinate(rng, center_lat - 0.08, center_lat + 0.08),
            "longitude": _coordinate(rng, center_lon - 0.08, center_lon + 0.08),
            "pin_id": pin_id(),
            "schematic_id": SCHEMATIC_ID,
            "type_id": FACTORY_TYPE_ID,
        }
        if rng.random() < 0.6:
            factory["contents"] = [{"amount": rng.randint(40, 6000), "type_id": PRODUCT_TYPE_ID}]
        factories.append(factory)

    links = []
    routes = []
    for factory in factories:
        links.append(
            {
                "destination_pin_id": factory["pin_id"],
                "link_level": rng.randint(0, 2),
                "source_pin_id": command_center["pin_id"],
            }
        )
    for position, extractor in enumerate(extractors):
        links.append(
            {
                "destination_pin_id": command_center["pin_id"],
                "link_level": rng.randint(0, 2),
                "source_pin_id": extractor["pin_id"],
            }
        )
        if factories:
            factory = factories[position % len(factories)]
            route: dict[str, Any] = {
                "content_type_id": PRODUCT_TYPE_ID,
                "destination_pin_id": factory["pin_id"],
                "quantity": float(extractor["extractor_details"]["qty_per_cycle"]),
                "route_id": len(routes) + 1,
                "source_pin_id": extractor["pin_id"],
            }
            if rng.random() < 0.5:  # routed through the command center
                route["waypoints"] = [command_center["pin_id"]]
            routes.append(route)
    return {"links": links, "pins": [command_center, *extractors, *factories], "routes": routes}


def generate(world: World, data: CharacterData, planets: list[dict], t0: datetime) -> None:
    """The layout of each of the character's colonies, as of ``t0``."""
    for planet in planets:
        data.set_colony(planet["planet_id"], _layout(world, data, planet, t0), t0)


def _visited(layout: dict, rng: random.Random, moment: datetime) -> dict:
    """The layout after a visit at ``moment``: stopped extractors restarted, the rest recalculated."""
    pins = []
    for pin in layout["pins"]:
        details = pin.get("extractor_details")
        if details is None:
            pins.append(pin)
            continue
        pin = dict(pin)
        cycle = details["cycle_time"]
        if pin["expiry_time"] <= moment:
            target = moment + timedelta(hours=rng.randint(12, 240))
            pin["expiry_time"] = _program(moment, target, cycle)
            pin["last_cycle_start"] = moment
        else:
            start = pin["last_cycle_start"]
            pin["last_cycle_start"] = _last_cycle_start(start, cycle, pin["expiry_time"], moment)
        pins.append(pin)
    return {**layout, "pins": pins}


def visit(world: World, data: CharacterData, before: datetime, after: datetime, index: int) -> None:
    """Now and then the pilot views one colony between ``before`` and ``after`` (tick ``index``)."""
    planets = data.get("planets").data
    if not planets:
        return
    rng = _rng(world, data.profile.character_id, "colony-visit", index)
    hours = (after - before).total_seconds() / 3600
    if rng.random() >= min(1.0, VISIT_RATE * hours):
        return
    planet_id = rng.choice(planets)["planet_id"]
    seconds = max(1, int((after - before).total_seconds()))
    moment = before + timedelta(seconds=rng.randint(1, seconds))
    data.set_colony(planet_id, _visited(data.colonies[planet_id].data, rng, moment), after)
    data.set(
        "planets",
        [dict(p, last_update=moment) if p["planet_id"] == planet_id else p for p in planets],
        after,
    )
