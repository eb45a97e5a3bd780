"""The contacts section: contacts with standings, flags and labels; contact labels."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.contacts import CharacterContact, CharacterContactLabel
from memberaudit.sections import registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.engine import update_section

SCOPE = "esi-characters.read_contacts.v1"


@pytest.fixture
def character(db) -> Character:
    return create_character("contacter")


def _store(character: Character, payload: dict):
    return registry.get("contacts").store(SyncContext(character=character, status=None, token=None), payload)


def _contact(contact_id: int, standing: float = 5.0, **extra: Any) -> dict:
    return {"contact_id": contact_id, "contact_type": "character", "standing": standing, **extra}


LABELS = [{"label_id": 1, "label_name": "Friends"}, {"label_id": 2, "label_name": "Hostiles"}]


def _raw(esi, character_id: int, path: str) -> tuple[Any, dict]:
    token = esi.mint_token(character_id, [SCOPE])
    response = httpx2.get(
        f"{esi.url}characters/{character_id}/{path}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json(), response.headers


def _raw_paged(esi, character_id: int, path: str) -> list[dict]:
    data, headers = _raw(esi, character_id, path)
    for page in range(2, int(headers.get("X-Pages", 1)) + 1):
        data += _raw(esi, character_id, f"{path}?page={page}")[0]
    return data


# --- store logic --------------------------------------------------------------------------


def test_store_creates_contacts_and_labels(character):
    payload = {
        "contacts": [_contact(1, 10, is_watched=True, label_ids=[2, 1]), _contact(2, -10, is_blocked=True)],
        "labels": LABELS,
    }

    changes = _store(character, payload)

    assert changes.created == 4
    friend = CharacterContact.objects.get(contact_id=1)
    assert (friend.standing, friend.is_watched, friend.is_blocked, friend.label_ids) == (
        10,
        True,
        False,
        [1, 2],
    )
    assert CharacterContact.objects.get(contact_id=2).is_blocked
    assert dict(CharacterContactLabel.objects.values_list("label_id", "name")) == {
        1: "Friends",
        2: "Hostiles",
    }


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = {"contacts": [_contact(1, label_ids=[1]), _contact(2)], "labels": LABELS}
    _store(character, payload)

    with CaptureQueriesContext(connection) as queries:
        assert _store(character, payload).total == 0
    assert write_statements(queries) == []


def test_changed_standing_updates_and_removed_contact_is_deleted(character):
    _store(character, {"contacts": [_contact(1), _contact(2)], "labels": LABELS})

    changes = _store(character, {"contacts": [_contact(1, -5), _contact(3)], "labels": None})

    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 1)
    assert dict(CharacterContact.objects.values_list("contact_id", "standing")) == {1: -5, 3: 5}
    assert CharacterContactLabel.objects.count() == 2  # labels answered 304: left alone


def test_related_ids_are_the_contacts():
    related = registry.get("contacts").related_ids({"contacts": [_contact(7), _contact(8)], "labels": None})
    assert related == {"entities": {7, 8}}


# --- end to end with the ESI emulator -------------------------------------------------------


def test_update_stores_what_esi_serves_and_rerun_writes_nothing(esi, register_character):
    character = register_character(size="huge", scopes=[SCOPE])

    result = update_section(character, "contacts")

    assert result.outcome == "changed", result.message
    served = _raw_paged(esi, character.character_id, "contacts")
    stored = {c.contact_id: c for c in CharacterContact.objects.filter(character=character)}
    assert len(served) > 0
    assert set(stored) == {c["contact_id"] for c in served}
    assert sum(c.standing for c in stored.values()) == pytest.approx(sum(c["standing"] for c in served))
    assert sum(c.is_blocked for c in stored.values()) == sum(c.get("is_blocked", False) for c in served)
    for contact in served[:10]:
        row = stored[contact["contact_id"]]
        assert row.contact_type == contact["contact_type"]
        assert row.label_ids == sorted(contact.get("label_ids", []))
    labels, _headers = _raw(esi, character.character_id, "contacts/labels")
    assert set(CharacterContactLabel.objects.filter(character=character).values_list("label_id", "name")) == {
        (label["label_id"], label["label_name"]) for label in labels
    }

    cache.delete_pattern("esi_*")  # the cached responses expire; ETags stay
    with CaptureQueriesContext(connection) as queries:
        again = update_section(character, "contacts")
    assert again.outcome == "unchanged"
    assert [sql for sql in write_statements(queries) if "memberaudit_charactercontact" in sql] == []
