"""Planetary industry colonies: the list is replaced on every update; a colony's layout (for
its extractors) is fetched only when the colony changed since we last saw it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import httpx2 as httpx
import pytest
from helpers import create_character, write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.planets import CharacterPlanet
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.planets import extractor_summary
from memberaudit.testing.esi_emulator.emulator import EsiEmulator

SECTION = registry.get("planets")
PLANETS_SCOPE = "esi-planets.manage_planets.v1"
LIST_OPERATION = "GetCharactersCharacterIdPlanets"
LAYOUT_OPERATION = "GetCharactersCharacterIdPlanetsPlanetId"


@pytest.fixture
def character(db) -> Character:
    return create_character("planeteer")


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def _planet(planet_id: int, **extra) -> dict:
    planet = {
        "planet_id": planet_id,
        "solar_system_id": 30000142,
        "planet_type": "barren",
        "owner_id": 90_000_001,
        "upgrade_level": 4,
        "num_pins": 12,
        "last_update": "2026-11-01T10:00:00Z",
    }
    planet.update(extra)
    return planet


def _layout(planet_id: int, first: str | None = "2026-11-02T10:00:00+00:00", **extra) -> dict:
    layout = {
        "planet_id": planet_id,
        "last_update": "2026-11-01T10:00:00+00:00",
        "extractors": 2,
        "first": first,
        "last": "2026-11-05T10:00:00+00:00",
    }
    layout.update(extra)
    return layout


def _payload(planets: list[dict] | None, layouts: list[dict] | None = None) -> dict:
    return {"planets": planets, "layouts": layouts or []}


# --- store logic --------------------------------------------------------------------------


def test_colonies_are_replaced(character):
    assert SECTION.store(_ctx(character), _payload([_planet(1), _planet(2)])).created == 2
    changes = SECTION.store(
        _ctx(character), _payload([_planet(2, upgrade_level=5), _planet(3, planet_type="gas")])
    )
    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 1)
    assert dict(CharacterPlanet.objects.values_list("planet_id", "upgrade_level")) == {2: 5, 3: 4}


def test_second_store_writes_nothing(character):
    payload = _payload([_planet(1), _planet(2)], [_layout(1)])
    SECTION.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert SECTION.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert not write_statements(queries)


def test_extractor_figures_are_stored_with_the_update_they_belong_to(character):
    SECTION.store(_ctx(character), _payload([_planet(1), _planet(2)], [_layout(1)]))

    planet = CharacterPlanet.objects.get(planet_id=1)
    assert (planet.extractors, planet.extractors_expire_first, planet.extractors_expire_last) == (
        2,
        datetime(2026, 11, 2, 10, tzinfo=UTC),
        datetime(2026, 11, 5, 10, tzinfo=UTC),
    )
    assert planet.layout_last_update == planet.last_update
    untouched = CharacterPlanet.objects.get(planet_id=2)
    assert (untouched.extractors, untouched.layout_last_update) == (None, None)


def test_a_layout_stored_while_the_list_answered_304_keeps_the_colonies(character):
    SECTION.store(_ctx(character), _payload([_planet(1)]))

    changes = SECTION.store(_ctx(character), _payload(None, [_layout(1), _layout(99)]))

    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 0)
    assert list(CharacterPlanet.objects.values_list("planet_id", "extractors")) == [(1, 2)]


def test_extractor_summary_counts_extractor_pins_and_their_first_and_last_expiry():
    layout = {
        "pins": [
            {"pin_id": 1, "type_id": 2254},
            {"pin_id": 2, "extractor_details": {"heads": []}, "expiry_time": "2026-11-03T08:00:00Z"},
            {"pin_id": 3, "extractor_details": {"heads": []}, "expiry_time": "2026-11-01T08:00:00Z"},
            {"pin_id": 4, "extractor_details": {"heads": []}},  # no program
            {"pin_id": 5, "factory_details": {"schematic_id": 121}, "expiry_time": "2026-10-01T00:00:00Z"},
        ]
    }
    assert extractor_summary(layout) == {
        "extractors": 3,
        "first": "2026-11-01T08:00:00+00:00",
        "last": "2026-11-03T08:00:00+00:00",
    }
    assert extractor_summary({"pins": [{"pin_id": 1}]}) == {"extractors": 0, "first": None, "last": None}


def test_related_ids_name_the_solar_systems_of_the_colonies():
    assert SECTION.related_ids(_payload([_planet(1)])) == {"locations": {30000142}}
    assert SECTION.related_ids(_payload(None, [_layout(1)])) == {"locations": set()}


# --- end to end with the ESI emulator -------------------------------------------------------


@pytest.fixture(scope="module")
def esi_emulator():
    """This module's own emulator: its tests tick the clock and set faults."""
    with EsiEmulator(characters=4, seed=7) as emulator:
        yield emulator


def _raw(esi, character_id: int, path: str = "") -> dict | list:
    """What the emulator serves, fetched directly (not through our client)."""
    token = esi.mint_token(character_id, [PLANETS_SCOPE])
    response = httpx.get(
        f"{esi.url}characters/{character_id}/planets{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


def _calls(esi, operation_id: str) -> dict[str, int]:
    return esi.stats()["by_route"].get(operation_id, {})


def _expire_esi_cache() -> None:
    """What real time does between runs: django-esi's cached responses expire, ETags stay."""
    cache.delete_pattern("esi_*")


def _served_figures(esi, character_id: int) -> dict[int, tuple]:
    """planet id -> (extractors, first expiry, last expiry, last update), from what ESI serves."""
    figures = {}
    for planet in _raw(esi, character_id):
        layout = _raw(esi, character_id, f"/{planet['planet_id']}")
        expiries = sorted(
            datetime.fromisoformat(pin["expiry_time"])
            for pin in layout["pins"]
            if "extractor_details" in pin and "expiry_time" in pin
        )
        extractors = sum("extractor_details" in pin for pin in layout["pins"])
        figures[planet["planet_id"]] = (
            extractors,
            expiries[0] if expiries else None,
            expiries[-1] if expiries else None,
            datetime.fromisoformat(planet["last_update"]),
        )
    return figures


def _stored_figures(character: Character) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in CharacterPlanet.objects.filter(character=character).values_list(
            "planet_id",
            "extractors",
            "extractors_expire_first",
            "extractors_expire_last",
            "layout_last_update",
        )
    }


@pytest.fixture
def colonist(esi, register_character) -> Character:
    """A character with several colonies (so that a tick changes some and not others)."""
    esi.reset_limits()
    for info in esi.characters():
        if len(_raw(esi, info["character_id"])) >= 3:
            return register_character(info["character_id"], scopes=[PLANETS_SCOPE])
    raise AssertionError("the emulator should have a character with three colonies or more")


def test_update_stores_the_colonies_and_their_extractors_esi_served(esi, colonist):
    esi.reset_stats()
    result = engine.update_section(colonist, "planets")
    layout_calls = _calls(esi, LAYOUT_OPERATION)

    assert result.outcome == "changed", result.message
    served = _served_figures(esi, colonist.character_id)
    assert _stored_figures(colonist) == served
    planets = _raw(esi, colonist.character_id)
    stored = CharacterPlanet.objects.filter(character=colonist)
    assert set(stored.values_list("planet_id", "eve_solar_system_id", "planet_type", "num_pins")) == {
        (p["planet_id"], p["solar_system_id"], p["planet_type"], p["num_pins"]) for p in planets
    }
    assert layout_calls == {"200": len(planets)}
    # the emulator serves every case the tab shows: with and without programs that have ended
    assert any(figures[0] for figures in served.values())


def test_unchanged_colonies_are_not_asked_for_again(esi, colonist):
    engine.update_section(colonist, "planets")
    _expire_esi_cache()
    esi.reset_stats()

    with CaptureQueriesContext(connection) as queries:
        result = engine.update_section(colonist, "planets")

    assert result.outcome == "unchanged", result.message
    assert _calls(esi, LIST_OPERATION) == {"304": 1}
    assert _calls(esi, LAYOUT_OPERATION) == {}
    assert [sql for sql in write_statements(queries) if "characterplanet" in sql] == []


def test_a_tick_refetches_only_the_colonies_the_pilot_viewed(esi, colonist):
    engine.update_section(colonist, "planets")
    before = _stored_figures(colonist)
    esi.tick(24 * 3600)  # a day: the pilot visits one colony
    _expire_esi_cache()
    esi.reset_stats()

    result = engine.update_section(colonist, "planets")
    calls = (_calls(esi, LIST_OPERATION), _calls(esi, LAYOUT_OPERATION))

    served = _served_figures(esi, colonist.character_id)
    viewed = {planet_id for planet_id, figures in served.items() if figures[3] != before[planet_id][3]}
    assert result.outcome == "changed", result.message
    assert viewed and len(viewed) < len(served)
    assert calls == ({"200": 1}, {"200": len(viewed)})
    assert _stored_figures(colonist) == {
        planet_id: served[planet_id] for planet_id in served
    }  # the viewed colony has its new programs, the others kept theirs
    for planet_id in set(served) - viewed:
        assert served[planet_id] == before[planet_id]


def test_failing_layouts_keep_the_colonies_and_follow_next_run(esi, colonist):
    esi.set_faults(route_error_rates={LAYOUT_OPERATION: 1.0}, error_statuses=[503])

    first = engine.update_section(colonist, "planets")

    assert first.outcome == "changed", first.message
    planets = CharacterPlanet.objects.filter(character=colonist)
    assert planets.count() == len(_raw(esi, colonist.character_id))
    assert not planets.filter(layout_last_update__isnull=False).exists()
    assert engine.cached_until(colonist.pk, "planets") is None  # the rest is due at once

    esi.set_faults()
    esi.reset_limits()
    _expire_esi_cache()
    esi.reset_stats()
    second = engine.update_section(colonist, "planets")
    list_calls = _calls(esi, LIST_OPERATION)

    assert second.outcome == "changed", second.message
    assert second.changes.updated == planets.count()
    assert list_calls == {"304": 1}
    assert _stored_figures(colonist) == _served_figures(esi, colonist.character_id)


def test_a_low_rate_limit_postpones_the_remaining_layouts(esi, colonist):
    from memberaudit.esi import budget

    esi.set_faults(rate_limits={"char-industry": 6})
    first = engine.update_section(colonist, "planets")

    assert first.outcome == "changed", first.message
    planets = CharacterPlanet.objects.filter(character=colonist)
    loaded = planets.filter(layout_last_update__isnull=False).count()
    assert planets.exists() and loaded < planets.count(), "the budget stopped the run half-way"

    esi.set_faults()
    esi.reset_limits()
    budget.clear()
    _expire_esi_cache()
    engine.update_section(colonist, "planets")
    assert not planets.filter(layout_last_update__isnull=True).exists()


def test_a_colony_esi_no_longer_has_is_not_asked_for_again(esi, colonist):
    engine.update_section(colonist, "planets")
    # a colony we stored but never got the layout of, which ESI does not know (abandoned)
    gone = CharacterPlanet.objects.create(
        character=colonist,
        planet_id=40009999,
        eve_solar_system_id=30000142,
        planet_type="barren",
        upgrade_level=0,
        num_pins=1,
        last_update=datetime(2026, 11, 1, tzinfo=UTC),
    )
    _expire_esi_cache()
    esi.reset_stats()

    result = engine.update_section(colonist, "planets")
    layout_calls = _calls(esi, LAYOUT_OPERATION)
    gone.refresh_from_db()

    assert result.outcome == "changed", result.message
    assert layout_calls == {"404": 1}
    assert (gone.extractors, gone.layout_last_update) == (None, gone.last_update)

    _expire_esi_cache()
    esi.reset_stats()
    engine.update_section(colonist, "planets")
    assert _calls(esi, LAYOUT_OPERATION) == {}
