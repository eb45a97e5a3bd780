"""Corporation titles, corporation roles and medals."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, store, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.corporation import CharacterMedal, CharacterRole, CharacterTitle
from memberaudit.sections import registry
from memberaudit.sections.engine import update_section

SCOPES = {
    "titles": "esi-characters.read_titles.v1",
    "roles": "esi-characters.read_corporation_roles.v1",
    "medals": "esi-characters.read_medals.v1",
}


@pytest.fixture
def character(db) -> Character:
    return create_character("officer")


def _raw(esi, character_id: int, path: str, scope: str) -> Any:
    token = esi.mint_token(character_id, [scope])
    response = httpx2.get(
        f"{esi.url}characters/{character_id}/{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


def _medal(medal_id: int, date: str = "2026-03-01T12:00:00Z", **extra: Any) -> dict:
    return {
        "medal_id": medal_id,
        "title": "Valour",
        "description": "For valour",
        "corporation_id": 98000001,
        "issuer_id": 90000001,
        "date": date,
        "reason": "Held the line",
        "status": "public",
        "graphics": [{"part": 1, "layer": 0, "graphic": "caldari.1_1", "color": -1}],
        **extra,
    }


# --- store logic --------------------------------------------------------------------------


def test_titles_are_replaced(character):
    assert (
        store(
            character, "titles", [{"title_id": 1, "name": "Officer"}, {"title_id": 2, "name": "FC"}]
        ).created
        == 2
    )
    changes = store(character, "titles", [{"title_id": 1, "name": "<b>Officer</b>"}])
    assert (changes.updated, changes.deleted) == (1, 1)
    assert CharacterTitle.objects.get(character=character).name == "<b>Officer</b>"


def test_roles_are_stored_per_location_and_unchanged_roles_cost_nothing(character):
    payload = {
        "roles": ["Director", "Accountant"],
        "roles_at_hq": ["Hangar_Take_1"],
        "roles_at_other": ["Trader"],
    }
    assert store(character, "roles", payload).created == 4
    assert set(CharacterRole.objects.values_list("role", "location")) == {
        ("Director", "universal"),
        ("Accountant", "universal"),
        ("Hangar_Take_1", "hq"),
        ("Trader", "other"),
    }
    with CaptureQueriesContext(connection) as queries:
        assert store(character, "roles", payload).total == 0
    assert write_statements(queries) == []

    changes = store(character, "roles", {"roles": ["Accountant"]})
    assert (changes.created, changes.deleted) == (0, 3)


def test_the_same_medal_awarded_twice_is_kept_twice(character):
    payload = [_medal(7), _medal(7, date="2026-04-01T12:00:00Z")]
    assert store(character, "medals", payload).created == 2
    with CaptureQueriesContext(connection) as queries:
        assert store(character, "medals", payload).total == 0
    assert write_statements(queries) == []
    assert CharacterMedal.objects.filter(character=character, medal_id=7).count() == 2
    medal = CharacterMedal.objects.first()
    assert medal.graphics == [{"part": 1, "layer": 0, "graphic": "caldari.1_1", "color": -1}]


def test_medals_related_ids_are_corporations_and_issuers():
    assert registry.get("medals").related_ids([_medal(1)]) == {"entities": {98000001, 90000001}}


# --- end to end with the ESI emulator -------------------------------------------------------


def test_update_stores_what_esi_serves(esi, register_character):
    for info in esi.characters():
        character = register_character(info["id"], scopes=sorted(SCOPES.values()))
        for section in SCOPES:
            result = update_section(character, section)
            assert result.outcome in ("changed", "unchanged"), result.message

        titles = _raw(esi, character.character_id, "titles", SCOPES["titles"])
        assert dict(CharacterTitle.objects.filter(character=character).values_list("title_id", "name")) == {
            t["title_id"]: t["name"] for t in titles
        }
        roles = _raw(esi, character.character_id, "roles", SCOPES["roles"])
        assert CharacterRole.objects.filter(character=character).count() == sum(
            len(set(roles.get(key, [])))
            for key in ("roles", "roles_at_hq", "roles_at_base", "roles_at_other")
        )
        assert set(
            CharacterRole.objects.filter(character=character, location="universal").values_list(
                "role", flat=True
            )
        ) == set(roles.get("roles", []))
        medals = _raw(esi, character.character_id, "medals", SCOPES["medals"])
        stored = CharacterMedal.objects.filter(character=character)
        assert stored.count() == len(medals)
        assert sorted(stored.values_list("medal_id", flat=True)) == sorted(m["medal_id"] for m in medals)
