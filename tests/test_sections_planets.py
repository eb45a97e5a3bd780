"""Planetary industry colonies are replaced on every update."""

from __future__ import annotations

import copy

import httpx2 as httpx
import pytest
from helpers import create_character

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.planets import CharacterPlanet
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext

SECTION = registry.get("planets")


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


def test_colonies_are_replaced(character):
    assert SECTION.store(_ctx(character), [_planet(1), _planet(2)]).created == 2
    changes = SECTION.store(_ctx(character), [_planet(2, upgrade_level=5), _planet(3, planet_type="gas")])
    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 1)
    assert dict(CharacterPlanet.objects.values_list("planet_id", "upgrade_level")) == {2: 5, 3: 4}


def test_second_store_writes_nothing(character):
    payload = [_planet(1), _planet(2)]
    SECTION.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert SECTION.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert not [q for q in queries.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]


def test_related_ids_name_the_solar_systems_of_the_colonies():
    assert SECTION.related_ids([_planet(1)]) == {"locations": {30000142}}


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served(esi, register_character):
    from esi.models import Token

    character = register_character(size="large")
    result = engine.update_section(character, "planets")
    assert result.outcome == "changed", result.message

    token = Token.objects.filter(character_id=character.character_id).latest("created").access_token
    response = httpx.get(
        f"{esi.url}characters/{character.character_id}/planets", headers={"Authorization": f"Bearer {token}"}
    )
    planets = response.json()
    stored = CharacterPlanet.objects.filter(character=character)
    assert planets and set(
        stored.values_list("planet_id", "eve_solar_system_id", "planet_type", "num_pins")
    ) == {(p["planet_id"], p["solar_system_id"], p["planet_type"], p["num_pins"]) for p in planets}
