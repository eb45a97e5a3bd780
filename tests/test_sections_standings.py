"""NPC standings, loyalty points and faction warfare statistics."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, store, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.standings import CharacterFwStats, CharacterLoyaltyEntry, CharacterStanding
from memberaudit.sections import registry
from memberaudit.sections.engine import update_section

SCOPES = {
    "standings": "esi-characters.read_standings.v1",
    "loyalty": "esi-characters.read_loyalty.v1",
    "fw_stats": "esi-characters.read_fw_stats.v1",
}


@pytest.fixture
def character(db) -> Character:
    return create_character("stander")


def _raw(esi, character_id: int, path: str, scope: str) -> Any:
    token = esi.mint_token(character_id, [scope])
    response = httpx2.get(
        f"{esi.url}characters/{character_id}/{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


ENLISTED = {
    "faction_id": 500001,
    "enlisted_on": "2026-01-02T03:04:05Z",
    "current_rank": 3,
    "highest_rank": 4,
    "kills": {"yesterday": 1, "last_week": 5, "total": 40},
    "victory_points": {"yesterday": 10, "last_week": 50, "total": 400},
}


# --- store logic --------------------------------------------------------------------------


def test_standings_are_replaced_and_unchanged_ones_cost_nothing(character):
    payload = [
        {"from_id": 500001, "from_type": "faction", "standing": 2.5},
        {"from_id": 1000035, "from_type": "npc_corp", "standing": -1.25},
    ]
    assert store(character, "standings", payload).created == 2

    with CaptureQueriesContext(connection) as queries:
        assert store(character, "standings", payload).total == 0
    assert write_statements(queries) == []

    changes = store(character, "standings", [{**payload[0], "standing": 3.0}])
    assert (changes.updated, changes.deleted) == (1, 1)
    assert dict(CharacterStanding.objects.values_list("eve_entity_id", "standing")) == {500001: 3.0}


def test_loyalty_points_per_corporation(character):
    payload = [
        {"corporation_id": 1000035, "loyalty_points": 1200},
        {"corporation_id": 1000125, "loyalty_points": 5},
    ]
    assert store(character, "loyalty", payload).created == 2
    changes = store(character, "loyalty", [{"corporation_id": 1000035, "loyalty_points": 1300}])
    assert (changes.updated, changes.deleted) == (1, 1)
    assert CharacterLoyaltyEntry.objects.get(character=character).loyalty_points == 1300


def test_fw_stats_of_an_enlisted_character(character):
    assert store(character, "fw_stats", ENLISTED).created == 1
    stats = CharacterFwStats.objects.get(character=character)
    assert stats.is_enlisted
    assert (stats.faction_id, stats.kills_total, stats.victory_points_last_week) == (500001, 40, 50)

    with CaptureQueriesContext(connection) as queries:
        assert store(character, "fw_stats", ENLISTED).total == 0
    assert write_statements(queries) == []


def test_fw_stats_without_enlistment_store_zeros_and_no_faction(character):
    store(character, "fw_stats", ENLISTED)
    not_enlisted = {
        "kills": {"yesterday": 0, "last_week": 0, "total": 0},
        "victory_points": {"yesterday": 0, "last_week": 0, "total": 0},
    }

    assert store(character, "fw_stats", not_enlisted).updated == 1
    stats = CharacterFwStats.objects.get(character=character)
    assert not stats.is_enlisted
    assert (stats.enlisted_on, stats.current_rank, stats.kills_total) == (None, None, 0)
    assert store(character, "fw_stats", {}).total == 0  # an empty answer is the same thing


def test_related_ids():
    standings = [{"from_id": 500001, "from_type": "faction", "standing": 1.0}]
    assert registry.get("standings").related_ids(standings) == {"entities": {500001}}
    assert registry.get("fw_stats").related_ids({}) == {"entities": set()}


# --- end to end with the ESI emulator -------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "path", "model"),
    [("standings", "standings", CharacterStanding), ("loyalty", "loyalty/points", CharacterLoyaltyEntry)],
)
def test_update_stores_what_esi_serves(esi, register_character, section, path, model):
    character = register_character(size="large", scopes=[SCOPES[section]])

    result = update_section(character, section)

    assert result.outcome in ("changed", "unchanged"), result.message
    served = _raw(esi, character.character_id, path, SCOPES[section])
    rows = model.objects.filter(character=character)
    assert rows.count() == len(served)
    if section == "standings":
        stored = dict(rows.values_list("eve_entity_id", "standing"))
        assert stored == pytest.approx({s["from_id"]: s["standing"] for s in served})
    else:
        stored = dict(rows.values_list("corporation_id", "loyalty_points"))
        assert stored == {s["corporation_id"]: s["loyalty_points"] for s in served}


def test_update_stores_fw_stats_for_every_character(esi, register_character):
    for info in esi.characters():
        character = register_character(info["id"], scopes=[SCOPES["fw_stats"]])

        result = update_section(character, "fw_stats")

        assert result.outcome == "changed", result.message
        served = _raw(esi, character.character_id, "fw/stats", SCOPES["fw_stats"])
        stats = CharacterFwStats.objects.get(character=character)
        assert stats.faction_id == served.get("faction_id")
        assert stats.kills_total == served["kills"]["total"]
        assert stats.victory_points_total == served["victory_points"]["total"]
