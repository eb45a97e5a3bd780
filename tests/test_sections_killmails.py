"""Killmails: the character's recent list, each killmail detailed once from the public route."""

from __future__ import annotations

import copy

import httpx2 as httpx
import pytest
from helpers import create_character, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from memberaudit.models import Character
from memberaudit.models.killmails import CharacterKillmail
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.killmails import summary

SECTION = registry.get("killmails")
ME = 90_000_100


@pytest.fixture
def character(db) -> Character:
    return create_character("pilot", character_id=ME)


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def _listed(*killmail_ids: int) -> list[dict]:
    return [{"killmail_id": k, "killmail_hash": f"hash{k}"} for k in killmail_ids]


def _detail(killmail_id: int, *, victim: int = 90_000_200, attackers: int = 3) -> dict:
    return {
        "killmail_id": killmail_id,
        "killmail_time": "2026-11-01T10:00:00Z",
        "solar_system_id": 30000142,
        "victim": {
            "character_id": victim,
            "corporation_id": 2001,
            "alliance_id": 3001,
            "ship_type_id": 587,
            "damage_taken": 4000,
            "items": [{"flag": 27, "item_type_id": 484, "quantity_destroyed": 1, "singleton": 0}],
        },
        "attackers": [
            {
                "character_id": 90_000_300 + n,
                "corporation_id": 2002,
                "ship_type_id": 11993,
                "damage_done": 1000,
                "final_blow": n == attackers - 1,
                "security_status": 1.5,
            }
            for n in range(attackers)
        ],
    }


def test_summary_keeps_victim_final_blow_and_attacker_count():
    row = summary(_detail(1, victim=ME, attackers=4), ME)
    assert row["is_loss"] is True
    assert row["attackers_count"] == 4
    assert (row["final_blow_character_id"], row["final_blow_ship_type_id"]) == (90_000_303, 11993)
    assert (row["victim_ship_type_id"], row["damage_taken"], row["eve_solar_system_id"]) == (
        587,
        4000,
        30000142,
    )
    assert summary(_detail(2), ME)["is_loss"] is False


def test_store_creates_killmails_with_their_details(character):
    payload = {
        "killmails": _listed(1, 2),
        "details": [summary(_detail(1), ME), summary(_detail(2, victim=ME), ME)],
    }
    assert SECTION.store(_ctx(character), payload).created == 2
    kill = CharacterKillmail.objects.get(killmail_id=1)
    assert (kill.killmail_hash, kill.details_loaded, kill.is_loss, kill.attackers_count) == (
        "hash1",
        True,
        False,
        3,
    )
    assert kill.killmail_time == parse_datetime("2026-11-01T10:00:00Z")
    assert CharacterKillmail.objects.get(killmail_id=2).is_loss is True


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = {"killmails": _listed(1, 2), "details": [summary(_detail(1), ME), summary(_detail(2), ME)]}
    SECTION.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert SECTION.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert write_statements(queries) == []


def test_the_list_alone_leaves_stored_details_alone_and_keeps_old_killmails(character):
    SECTION.store(_ctx(character), {"killmails": _listed(1), "details": [summary(_detail(1), ME)]})
    # later: ESI lists a new killmail whose details could not be fetched, and no longer lists 1
    changes = SECTION.store(_ctx(character), {"killmails": _listed(2), "details": []})
    assert (changes.created, changes.updated, changes.deleted) == (1, 0, 0)
    first, second = CharacterKillmail.objects.order_by("killmail_id")
    assert (first.details_loaded, first.attackers_count) == (True, 3)
    assert (second.details_loaded, second.killmail_time) == (False, None)
    # the next run brings the missing details only (the list itself was unchanged)
    changes = SECTION.store(_ctx(character), {"killmails": None, "details": [summary(_detail(2), ME)]})
    assert (changes.created, changes.updated) == (0, 1)
    assert CharacterKillmail.objects.get(killmail_id=2).details_loaded


def test_killmails_esi_cannot_find_are_not_asked_for_again(character):
    SECTION.store(
        _ctx(character), {"killmails": _listed(1), "details": [{"killmail_id": 1, "details_loaded": True}]}
    )
    kill = CharacterKillmail.objects.get(killmail_id=1)
    assert (kill.details_loaded, kill.killmail_time) == (True, None)


def test_related_ids_come_from_the_details():
    related = SECTION.related_ids(
        {"killmails": _listed(1), "details": [summary(_detail(1, attackers=2), ME)]}
    )
    assert related == {
        "entities": {90_000_200, 2001, 3001, 90_000_301, 2002},
        "types": {587, 11993},
        "locations": {30000142},
    }


# --- end to end against the ESI emulator --------------------------------------------------


def _detail_calls(esi) -> int:
    return sum(esi.stats()["by_route"].get("GetKillmailsKillmailIdKillmailHash", {}).values())


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served_and_details_each_killmail_once(esi, register_character):
    from esi.models import Token

    character = register_character(size="medium")
    result = engine.update_section(character, "killmails")
    assert result.outcome == "changed", result.message

    token = Token.objects.filter(character_id=character.character_id).latest("created").access_token
    listed = httpx.get(
        f"{esi.url}characters/{character.character_id}/killmails/recent",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    stored = {k.killmail_id: k for k in CharacterKillmail.objects.filter(character=character)}
    assert listed and set(stored) == {k["killmail_id"] for k in listed}
    assert all(k.details_loaded for k in stored.values())
    assert _detail_calls(esi) == len(listed)
    for entry in listed[:5]:
        detail = httpx.get(f"{esi.url}killmails/{entry['killmail_id']}/{entry['killmail_hash']}").json()
        row = stored[entry["killmail_id"]]
        assert row.killmail_time == parse_datetime(detail["killmail_time"])
        assert (row.eve_solar_system_id, row.victim_ship_type_id, row.attackers_count) == (
            detail["solar_system_id"],
            detail["victim"]["ship_type_id"],
            len(detail["attackers"]),
        )
        assert row.is_loss is (detail["victim"].get("character_id") == character.character_id)
    assert sum(k.attackers_count for k in stored.values()) > 0

    esi.reset_stats()
    result = engine.update_section(character, "killmails", force=True)
    assert result.outcome == "unchanged", result.message
    assert _detail_calls(esi) == 0
