"""The calendar section: upcoming events, each event's details fetched once."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.calendar import CharacterCalendarEvent
from memberaudit.sections import registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.engine import update_section

SCOPE = "esi-calendar.read_calendar_events.v1"


@pytest.fixture
def character(db) -> Character:
    return create_character("planner")


def _store(character: Character, payload: dict):
    return registry.get("calendar").store(SyncContext(character=character, status=None, token=None), payload)


def _event(event_id: int, response: str = "not_responded") -> dict:
    return {
        "event_id": event_id,
        "title": f"Op {event_id}",
        "event_date": "2026-12-01T19:00:00Z",
        "importance": 1,
        "event_response": response,
    }


def _details(event_id: int, **extra: Any) -> dict:
    return {
        "event_id": event_id,
        "owner_id": 98000001,
        "owner_name": "Test Corp",
        "owner_type": "corporation",
        "date": "2026-12-01T19:00:00Z",
        "title": f"Op {event_id}",
        "duration": 60,
        "importance": 1,
        "response": "not_responded",
        "text": "<b>Be there</b>",
        **extra,
    }


# --- store logic --------------------------------------------------------------------------


def test_events_with_details_are_stored(character):
    changes = _store(character, {"events": [_event(1), _event(2)], "details": {"1": _details(1)}})

    assert (changes.created, changes.updated) == (2, 0)
    first = CharacterCalendarEvent.objects.get(event_id=1)
    assert (first.owner_id, first.owner_type, first.duration, first.text) == (
        98000001,
        "corporation",
        60,
        "<b>Be there</b>",
    )
    assert CharacterCalendarEvent.objects.get(event_id=2).text is None  # details still to fetch


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = {"events": [_event(1)], "details": {"1": _details(1)}}
    _store(character, payload)

    with CaptureQueriesContext(connection) as queries:
        assert _store(character, payload).total == 0
    assert write_statements(queries) == []


def test_details_are_stored_once(character):
    _store(character, {"events": [_event(1)], "details": {"1": _details(1)}})

    changes = _store(character, {"events": None, "details": {"1": _details(1, text="changed")}})

    assert changes.total == 0
    assert CharacterCalendarEvent.objects.get(event_id=1).text == "<b>Be there</b>"


def test_response_changes_and_past_events_drop_out(character):
    _store(character, {"events": [_event(1), _event(2)], "details": {}})

    changes = _store(character, {"events": [_event(2, "accepted")], "details": {}})

    assert (changes.updated, changes.deleted) == (1, 1)
    assert CharacterCalendarEvent.objects.get().event_response == "accepted"


def test_related_ids_are_owners_but_not_the_eve_server():
    payload = {
        "events": None,
        "details": {"1": _details(1), "2": _details(2, owner_id=1, owner_type="eve_server")},
    }
    assert registry.get("calendar").related_ids(payload) == {"entities": {98000001}}


# --- end to end with the ESI emulator -------------------------------------------------------


def _raw(esi, character_id: int, path: str) -> Any:
    token = esi.mint_token(character_id, [SCOPE])
    response = httpx2.get(
        f"{esi.url}characters/{character_id}/{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()


def test_update_stores_events_and_fetches_details_once(esi, register_character):
    infos = esi.characters()
    character = None
    for info in infos:  # a character with events
        if _raw(esi, info["id"], "calendar"):
            character = register_character(info["id"], scopes=[SCOPE])
            break
    assert character is not None, "the emulator should serve calendar events for some character"
    esi.reset_stats()

    result = update_section(character, "calendar")
    detail_calls = esi.stats()["by_route"].get("GetCharactersCharacterIdCalendarEventId", {})

    assert result.outcome == "changed", result.message
    served = _raw(esi, character.character_id, "calendar")
    stored = {e.event_id: e for e in CharacterCalendarEvent.objects.filter(character=character)}
    assert set(stored) == {e["event_id"] for e in served}
    assert detail_calls == {"200": len(served)}
    for event in served:
        details = _raw(esi, character.character_id, f"calendar/{event['event_id']}")
        row = stored[event["event_id"]]
        assert (row.title, row.event_response) == (event["title"], event["event_response"])
        assert (row.owner_id, row.duration, row.text) == (
            details["owner_id"],
            details["duration"],
            details["text"],
        )

    cache.delete_pattern("esi_*")  # the cached responses expire; ETags stay
    esi.reset_stats()
    again = update_section(character, "calendar")
    assert again.outcome == "unchanged"
    assert esi.stats()["by_route"].get("GetCharactersCharacterIdCalendarEventId") is None
