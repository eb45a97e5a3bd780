"""Jump fatigue: one row per character, written only when it changes."""

from __future__ import annotations

import httpx2 as httpx
import pytest
from helpers import create_character

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from memberaudit.models import Character
from memberaudit.models.fatigue import CharacterJumpFatigue
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext

SECTION = registry.get("jump_fatigue")
FATIGUE = {
    "jump_fatigue_expire_date": "2026-11-02T10:00:00Z",
    "last_jump_date": "2026-11-01T10:00:00Z",
    "last_update_date": "2026-11-01T10:00:00Z",
}


@pytest.fixture
def character(db) -> Character:
    return create_character("jumper")


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def test_fatigue_is_stored_and_rewritten_only_on_change(character):
    assert SECTION.store(_ctx(character), FATIGUE).created == 1
    with CaptureQueriesContext(connection) as queries:
        assert SECTION.store(_ctx(character), dict(FATIGUE)).total == 0
    assert not [q for q in queries.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    later = {**FATIGUE, "jump_fatigue_expire_date": "2026-11-03T10:00:00Z"}
    assert SECTION.store(_ctx(character), later).updated == 1
    assert CharacterJumpFatigue.objects.get(character=character).jump_fatigue_expire_date == parse_datetime(
        "2026-11-03T10:00:00Z"
    )


def test_a_character_that_never_jumped_has_empty_dates(character):
    SECTION.store(_ctx(character), {})
    fatigue = CharacterJumpFatigue.objects.get(character=character)
    assert (fatigue.jump_fatigue_expire_date, fatigue.last_jump_date, fatigue.is_fatigued) == (
        None,
        None,
        False,
    )


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served(esi, register_character):
    from esi.models import Token

    character = register_character(size="large")
    result = engine.update_section(character, "jump_fatigue")
    assert result.outcome == "changed", result.message

    token = Token.objects.filter(character_id=character.character_id).latest("created").access_token
    served = httpx.get(
        f"{esi.url}characters/{character.character_id}/fatigue", headers={"Authorization": f"Bearer {token}"}
    ).json()
    stored = CharacterJumpFatigue.objects.get(character=character)
    assert served
    for field in ("jump_fatigue_expire_date", "last_jump_date", "last_update_date"):
        assert getattr(stored, field) == parse_datetime(served[field])
