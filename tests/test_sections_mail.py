"""The mail section: headers, recipients, labels, mailing lists and bodies (fetched once)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from helpers import create_character, write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.mail import (
    CharacterMail,
    CharacterMailingList,
    CharacterMailLabel,
    CharacterMailRecipient,
    CharacterMailUnreadCount,
)
from memberaudit.sections import mail as mail_section
from memberaudit.sections import registry
from memberaudit.sections.base import SyncContext
from memberaudit.sections.engine import update_section
from memberaudit.testing.esi_emulator.emulator import EsiEmulator

MAIL_SCOPE = "esi-mail.read_mail.v1"


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def character(db) -> Character:
    return create_character("mailer")


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def _mail(mail_id: int, *, hour: int = 10, is_read: bool = False, labels=(1,), recipients=None) -> dict:
    return {
        "mail_id": mail_id,
        "from": 90_000_100,
        "subject": f"Subject {mail_id}",
        "timestamp": f"2026-11-01T{hour:02d}:00:00Z",
        "is_read": is_read,
        "labels": list(labels),
        "recipients": recipients
        if recipients is not None
        else [
            {"recipient_id": 90_000_200, "recipient_type": "character"},
            {"recipient_id": 145_000_001, "recipient_type": "mailing_list"},
        ],
    }


def _payload(headers=None, *, labels: Any = "default", lists: Any = "default", bodies=None) -> dict:
    return {
        "labels": {
            "labels": [
                {"label_id": 1, "name": "Inbox", "color": "#ffffff", "unread_count": 2},
                {"label_id": 16, "name": "Intel", "color": "#fe0000", "unread_count": 0},
            ],
            "total_unread_count": 2,
        }
        if labels == "default"
        else labels,
        "lists": [{"mailing_list_id": 145_000_001, "name": "Alliance Intel"}]
        if lists == "default"
        else lists,
        "headers": headers,
        "bodies": bodies or {},
    }


def _store(character: Character, payload: dict):
    return registry.get("mail").store(_ctx(character), payload)


def _expire_esi_cache() -> None:
    """What real time does between runs: django-esi's cached responses expire, ETags stay."""
    cache.delete_pattern("esi_*")


def _raw(esi, character_id: int, path: str, **params: Any) -> Any:
    """What the emulator serves, fetched directly (not through our client)."""
    token = esi.mint_token(character_id, [MAIL_SCOPE])
    response = httpx2.get(
        f"{esi.url}characters/{character_id}/{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return response.json()


def _raw_headers(esi, character_id: int, limit: int) -> list[dict]:
    mails: list[dict] = []
    params: dict[str, Any] = {}
    while len(mails) < limit:
        page = _raw(esi, character_id, "mail", **params)
        mails.extend(page)
        if len(page) < 50:
            break
        params = {"last_mail_id": min(m["mail_id"] for m in page)}
    return mails[:limit]


def _calls(esi, operation_id: str) -> dict[str, int]:
    return esi.stats()["by_route"].get(operation_id, {})


# --- store logic --------------------------------------------------------------------------


def test_store_creates_mails_with_recipients_labels_and_lists(character):
    changes = _store(character, _payload([_mail(1), _mail(2, hour=11)]))

    assert changes.created == 2 + 2 + 1 + 1  # mails, labels, unread count, mailing list
    assert set(CharacterMail.objects.values_list("mail_id", flat=True)) == {1, 2}
    assert CharacterMailRecipient.objects.filter(mail__character=character).count() == 4
    assert set(CharacterMailLabel.objects.values_list("label_id", "name")) == {(1, "Inbox"), (16, "Intel")}
    assert CharacterMailUnreadCount.objects.get(character=character).total == 2
    assert CharacterMailingList.objects.get(character=character).name == "Alliance Intel"
    mail = CharacterMail.objects.get(mail_id=2)
    assert (mail.sender_id, mail.subject, mail.label_ids, mail.body) == (90_000_100, "Subject 2", [1], None)


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = _payload([_mail(1), _mail(2, labels=(16, 1))], bodies={"1": "<b>hi</b>"})
    _store(character, payload)

    with CaptureQueriesContext(connection) as queries:
        changes = _store(character, payload)

    assert changes.total == 0
    assert write_statements(queries) == []


def test_read_flag_and_labels_are_updated_nothing_else(character):
    _store(character, _payload([_mail(1), _mail(2)]))

    changed = {**_mail(1, is_read=True, labels=(1, 16)), "subject": "edited"}
    changes = _store(character, _payload([changed, _mail(2)], labels=None, lists=None))

    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 0)
    mail = CharacterMail.objects.get(mail_id=1)
    assert (mail.is_read, mail.label_ids) == (True, [1, 16])
    assert CharacterMailRecipient.objects.filter(mail=mail).count() == 2  # recipients untouched


def test_parts_that_answered_304_are_left_alone(character):
    _store(character, _payload([_mail(1)]))

    changes = _store(character, _payload(None, labels=None, lists=None))

    assert changes.total == 0
    assert CharacterMailLabel.objects.count() == 2
    assert CharacterMailingList.objects.count() == 1
    assert CharacterMail.objects.count() == 1


def test_mails_no_longer_listed_by_esi_are_kept_as_history(character):
    _store(character, _payload([_mail(1), _mail(2, hour=11)]))

    changes = _store(character, _payload([_mail(2, hour=11)]))

    assert changes.deleted == 0
    assert CharacterMail.objects.count() == 2


def test_only_the_newest_max_mails_are_kept(character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 3
    headers = [_mail(mail_id, hour=mail_id) for mail_id in range(1, 6)]

    changes = _store(character, _payload(headers))

    assert changes.deleted == 2
    assert sorted(CharacterMail.objects.values_list("mail_id", flat=True)) == [3, 4, 5]
    assert CharacterMailRecipient.objects.count() == 3 * 2  # recipients of cut mails are gone


def test_a_body_is_stored_once_and_never_replaced(character):
    _store(character, _payload([_mail(1)]))

    first = _store(character, _payload(None, labels=None, lists=None, bodies={"1": "first"}))
    second = _store(character, _payload(None, labels=None, lists=None, bodies={"1": "second"}))

    assert (first.updated, second.updated) == (1, 0)
    assert CharacterMail.objects.get(mail_id=1).body == "first"


def test_body_of_a_new_mail_counts_as_created_only(character):
    changes = _store(character, _payload([_mail(1)], labels=None, lists=None, bodies={"1": "text"}))

    assert (changes.created, changes.updated) == (1, 0)
    assert CharacterMail.objects.get(mail_id=1).body == "text"


def test_related_ids_leave_out_mailing_lists():
    related = registry.get("mail").related_ids(_payload([_mail(1)]))

    assert related == {"entities": {90_000_100, 90_000_200}}


# --- end to end with the ESI emulator -------------------------------------------------------


@pytest.fixture(scope="module")
def esi_emulator():
    """This module's own emulator: its tests tick the clock and spend rate-limit budgets."""
    with EsiEmulator(characters=4, seed=7) as emulator:
        yield emulator


@pytest.fixture
def large_character(esi, register_character) -> Character:
    """A character with more mails in ESI than MEMBERAUDIT_MAX_MAILS (250)."""
    esi.reset_limits()
    return register_character(size="large", scopes=[MAIL_SCOPE])


def test_update_stores_the_newest_mails_esi_serves(esi, large_character):
    character_id = large_character.character_id

    result = update_section(large_character, "mail")
    header_calls = _calls(esi, "GetCharactersCharacterIdMail")
    body_calls = _calls(esi, "GetCharactersCharacterIdMailMailId")

    assert result.outcome == "changed", result.message
    assert (header_calls, body_calls) == ({"200": 5}, {"200": 250})
    served = _raw_headers(esi, character_id, 250)
    stored = {mail.mail_id: mail for mail in CharacterMail.objects.filter(character=large_character)}
    assert len(served) == 250
    assert set(stored) == {m["mail_id"] for m in served}
    assert sum(not m.get("is_read", False) for m in served) == sum(not m.is_read for m in stored.values())
    for mail in served[:5] + served[-5:]:
        row = stored[mail["mail_id"]]
        assert (row.subject, row.sender_id, row.label_ids) == (
            mail["subject"],
            mail["from"],
            sorted(mail["labels"]),
        )
    assert CharacterMailRecipient.objects.filter(mail__character=large_character).count() == sum(
        len({r["recipient_id"] for r in m["recipients"]}) for m in served
    )
    newest = served[0]["mail_id"]
    assert stored[newest].body == _raw(esi, character_id, f"mail/{newest}")["body"]
    assert not CharacterMail.objects.filter(character=large_character, body__isnull=True).exists()

    labels = _raw(esi, character_id, "mail/labels")
    assert dict(
        CharacterMailLabel.objects.filter(character=large_character).values_list("label_id", "name")
    ) == {label["label_id"]: label["name"] for label in labels["labels"]}
    assert (
        CharacterMailUnreadCount.objects.get(character=large_character).total == labels["total_unread_count"]
    )
    lists = _raw(esi, character_id, "mail/lists")
    assert set(
        CharacterMailingList.objects.filter(character=large_character).values_list("list_id", flat=True)
    ) == {item["mailing_list_id"] for item in lists}


def test_unchanged_mail_costs_304s_and_nowrite_statements(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 120
    update_section(large_character, "mail")
    _expire_esi_cache()
    esi.reset_stats()

    with CaptureQueriesContext(connection) as queries:
        result = update_section(large_character, "mail")

    assert result.outcome == "unchanged", result.message
    # the first page is unchanged and every page was asked moments ago: one call is enough
    assert _calls(esi, "GetCharactersCharacterIdMail") == {"304": 1}
    assert _calls(esi, "GetCharactersCharacterIdMailLabels") == {}
    assert _calls(esi, "GetCharactersCharacterIdMailLists") == {}
    assert _calls(esi, "GetCharactersCharacterIdMailMailId") == {}  # bodies are fetched once
    assert result.esi_calls == 1
    assert [sql for sql in write_statements(queries) if "memberaudit_charactermail" in sql] == []


def test_the_full_check_asks_every_page_labels_and_lists_again(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 120
    update_section(large_character, "mail")
    _expire_esi_cache()
    cache.delete(mail_section._full_check_key(large_character.pk))  # FULL_CHECK_MINUTES went by
    esi.reset_stats()

    with CaptureQueriesContext(connection) as queries:
        result = update_section(large_character, "mail")

    assert result.outcome == "unchanged", result.message
    assert _calls(esi, "GetCharactersCharacterIdMail") == {"304": 3}
    assert _calls(esi, "GetCharactersCharacterIdMailLabels") == {"304": 1}
    assert _calls(esi, "GetCharactersCharacterIdMailLists") == {"304": 1}
    assert [sql for sql in write_statements(queries) if "memberaudit_charactermail" in sql] == []
    # and the check after it is a single call again
    _expire_esi_cache()
    esi.reset_stats()
    update_section(large_character, "mail")
    assert _calls(esi, "GetCharactersCharacterIdMail") == {"304": 1}


def test_a_forced_update_asks_every_page(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 120
    update_section(large_character, "mail")
    esi.reset_stats()

    update_section(large_character, "mail", force=True)

    assert sum(_calls(esi, "GetCharactersCharacterIdMail").values()) == 3
    assert sum(_calls(esi, "GetCharactersCharacterIdMailLabels").values()) == 1


def test_new_mails_are_added_with_their_bodies_and_the_oldest_cut(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 120
    update_section(large_character, "mail")
    before = set(CharacterMail.objects.filter(character=large_character).values_list("mail_id", flat=True))
    esi.tick(6 * 3600)
    _expire_esi_cache()
    esi.reset_stats()

    result = update_section(large_character, "mail")
    body_calls = _calls(esi, "GetCharactersCharacterIdMailMailId")
    header_calls = _calls(esi, "GetCharactersCharacterIdMail")
    label_calls = _calls(esi, "GetCharactersCharacterIdMailLabels")
    list_calls = _calls(esi, "GetCharactersCharacterIdMailLists")

    served = {m["mail_id"] for m in _raw_headers(esi, large_character.character_id, 120)}
    new = served - before
    assert new, "the emulator should have delivered new mails"
    after = set(CharacterMail.objects.filter(character=large_character).values_list("mail_id", flat=True))
    assert after == served
    assert result.changes.created >= len(new)
    assert result.changes.deleted == len(before - served)
    assert body_calls == {"200": len(new)}
    assert not CharacterMail.objects.filter(character=large_character, body__isnull=True).exists()
    # new mail changes the first page: the unread counts are asked with it, and the walk
    # stops at the first page that holds a known mail (the pages after it only moved down)
    assert sum(label_calls.values()) == 1
    assert list_calls == {}
    assert len(new) < 50
    assert header_calls == {"200": 1}


def test_new_mails_found_by_an_early_stop_match_a_full_walk(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 120
    update_section(large_character, "mail")
    esi.tick(6 * 3600)
    _expire_esi_cache()
    update_section(large_character, "mail")  # stops early
    early = set(CharacterMail.objects.filter(character=large_character).values_list("mail_id", "is_read"))

    _expire_esi_cache()
    esi.reset_stats()
    update_section(large_character, "mail", force=True)  # walks every page

    assert sum(_calls(esi, "GetCharactersCharacterIdMail").values()) == 3
    full = set(CharacterMail.objects.filter(character=large_character).values_list("mail_id", "is_read"))
    assert early == full


def test_max_mails_limits_paging_and_bodies(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 60

    update_section(large_character, "mail")

    assert CharacterMail.objects.filter(character=large_character).count() == 60
    assert _calls(esi, "GetCharactersCharacterIdMail") == {"200": 2}
    assert _calls(esi, "GetCharactersCharacterIdMailMailId") == {"200": 60}


def test_failing_bodies_keep_the_headers_and_follow_next_run(esi, large_character, settings):
    settings.MEMBERAUDIT_MAX_MAILS = 20
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdMailMailId": 1.0}, error_statuses=[503])

    first = update_section(large_character, "mail")

    assert first.outcome == "changed", first.message
    assert CharacterMail.objects.filter(character=large_character, body__isnull=True).count() == 20

    esi.set_faults()
    _expire_esi_cache()
    second = update_section(large_character, "mail")

    assert second.outcome == "changed", second.message
    assert second.changes.updated == 20
    assert not CharacterMail.objects.filter(character=large_character, body__isnull=True).exists()
