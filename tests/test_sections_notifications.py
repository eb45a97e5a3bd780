"""The notifications section: append new notifications, update the read flag, keep history."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.notifications import CharacterNotification
from memberaudit.sections import registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.engine import update_section

SCOPE = "esi-characters.read_notifications.v1"


@pytest.fixture
def character(db) -> Character:
    return create_character("notified")


def _store(character: Character, payload: list[dict]):
    return registry.get("notifications").store(
        SyncContext(character=character, status=None, token=None), payload
    )


def _notification(notification_id: int, *, is_read: bool = False, **extra: Any) -> dict:
    return {
        "notification_id": notification_id,
        "type": "CorpAllBillMsg",
        "sender_id": 98000001,
        "sender_type": "corporation",
        "timestamp": "2026-11-01T10:00:00Z",
        "is_read": is_read,
        "text": "amount: 25000000\ndueDate: 133000000000000000\n",
        **extra,
    }


# --- store logic --------------------------------------------------------------------------


def test_new_notifications_are_added_and_read_flags_updated(character):
    assert _store(character, [_notification(1), _notification(2)]).created == 2

    changes = _store(character, [_notification(2, is_read=True), _notification(3)])

    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 0)
    assert dict(CharacterNotification.objects.values_list("notification_id", "is_read")) == {
        1: False,  # no longer listed by ESI: kept as history
        2: True,
        3: False,
    }


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = [_notification(1), _notification(2, is_read=True)]
    _store(character, payload)

    with CaptureQueriesContext(connection) as queries:
        assert _store(character, payload).total == 0
    assert write_statements(queries) == []


def test_text_is_kept_as_sent(character):
    _store(character, [_notification(1)])
    assert CharacterNotification.objects.get().text == "amount: 25000000\ndueDate: 133000000000000000\n"


def test_related_ids_skip_senders_of_type_other():
    payload = [_notification(1), _notification(2, sender_id=1, sender_type="other")]
    assert registry.get("notifications").related_ids(payload) == {"entities": {98000001}}


# --- end to end with the ESI emulator -------------------------------------------------------


def test_update_stores_what_esi_serves_and_rerun_writes_nothing(esi, register_character):
    character = register_character(size="large", scopes=[SCOPE])

    result = update_section(character, "notifications")

    assert result.outcome == "changed", result.message
    token = esi.mint_token(character.character_id, [SCOPE])
    served = httpx2.get(
        f"{esi.url}characters/{character.character_id}/notifications",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    stored = {n.notification_id: n for n in CharacterNotification.objects.filter(character=character)}
    assert len(served) > 0
    assert set(stored) == {n["notification_id"] for n in served}
    assert result.changes.created == len(served)
    assert sum(n.is_read for n in stored.values()) == sum(n.get("is_read", False) for n in served)
    for item in served[:10]:
        row = stored[item["notification_id"]]
        assert (row.type, row.sender_id, row.sender_type, row.text) == (
            item["type"],
            item["sender_id"],
            item["sender_type"],
            item.get("text", ""),
        )

    cache.delete_pattern("esi_*")  # the cached response expires; the ETag stays
    esi.reset_stats()
    with CaptureQueriesContext(connection) as queries:
        again = update_section(character, "notifications")
    assert again.outcome == "unchanged"
    assert esi.stats()["by_route"]["GetCharactersCharacterIdNotifications"] == {"304": 1}
    assert [sql for sql in write_statements(queries) if "characternotification" in sql] == []
