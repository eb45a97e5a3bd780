"""The diff-sync helpers write exactly what changed."""

from decimal import Decimal

import pytest
from helpers import create_member

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character, CharacterSkill, CharacterWalletBalance, CharacterWalletJournalEntry
from memberaudit.sections.sync import append_rows, delete_missing, replace_rows, upsert_one


@pytest.fixture
def character(db):
    user = create_member("syncer")
    return Character.objects.create(eve_character=user.profile.main_character)


def _writes(ctx):
    return [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]


def _skills(*levels):
    return [
        {
            "eve_type_id": 3300 + i,
            "active_skill_level": lvl,
            "trained_skill_level": lvl,
            "skillpoints_in_skill": 1000 * lvl,
        }
        for i, lvl in enumerate(levels)
    ]


def test_replace_rows_creates_updates_and_deletes(character):
    scope = {"character": character}
    assert replace_rows(CharacterSkill, scope, _skills(1, 2, 3), key="eve_type_id").created == 3
    changes = replace_rows(CharacterSkill, scope, _skills(1, 5), key="eve_type_id")
    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 1)
    levels = dict(
        CharacterSkill.objects.filter(character=character).values_list("eve_type_id", "active_skill_level")
    )
    assert levels == {3300: 1, 3301: 5}


def test_replace_rows_with_identical_data_writes_nothing(character):
    scope = {"character": character}
    replace_rows(CharacterSkill, scope, _skills(1, 2, 3), key="eve_type_id")
    with CaptureQueriesContext(connection) as ctx:
        changes = replace_rows(CharacterSkill, scope, _skills(1, 2, 3), key="eve_type_id")
    assert changes.total == 0
    assert _writes(ctx) == []


def test_append_rows_never_touches_stored_history(character):
    scope = {"character": character}
    row = {"entry_id": 1, "date": "2026-11-01T10:00:00Z", "ref_type": "bounty_prizes", "amount": 10.5}
    append_rows(CharacterWalletJournalEntry, scope, [row], key="entry_id")
    changed = {**row, "amount": 99}
    new = {**row, "entry_id": 2}
    changes = append_rows(CharacterWalletJournalEntry, scope, [changed, new], key="entry_id")
    assert changes.created == 1
    amounts = dict(CharacterWalletJournalEntry.objects.values_list("entry_id", "amount"))
    assert amounts == {1: Decimal("10.50"), 2: Decimal("10.50")}


def test_upsert_one_writes_only_on_change(character):
    scope = {"character": character}
    assert upsert_one(CharacterWalletBalance, scope, {"total": 12.34}).created == 1
    with CaptureQueriesContext(connection) as ctx:
        assert upsert_one(CharacterWalletBalance, scope, {"total": 12.34}).total == 0
    assert _writes(ctx) == []
    assert upsert_one(CharacterWalletBalance, scope, {"total": 13}).updated == 1
    assert CharacterWalletBalance.objects.get(character=character).total == Decimal("13.00")


def test_delete_missing_keeps_listed_keys(character):
    scope = {"character": character}
    replace_rows(CharacterSkill, scope, _skills(1, 2, 3), key="eve_type_id")
    assert delete_missing(CharacterSkill, scope, {3300, 3302}, key="eve_type_id").deleted == 1
    assert set(CharacterSkill.objects.values_list("eve_type_id", flat=True)) == {3300, 3302}


def test_batches_respect_the_batch_size_setting(character, settings):
    settings.MEMBERAUDIT_BULK_METHODS_BATCH_SIZE = 2
    rows = [{"entry_id": i, "date": "2026-11-01T10:00:00Z", "ref_type": "x"} for i in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        append_rows(CharacterWalletJournalEntry, {"character": character}, rows, key="entry_id")
    inserts = [q for q in _writes(ctx) if q.startswith("INSERT")]
    assert len(inserts) == 3
