"""MEMBERAUDIT_DATA_RETENTION_LIMIT prunes history at the boundary, never below 7 days."""

from datetime import timedelta

import pytest
from helpers import create_member

from django.utils import timezone

from memberaudit.models import Character, CharacterSkill, CharacterWalletJournalEntry
from memberaudit.sections import retention

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def character(db):
    user = create_member("keeper")
    return Character.objects.create(eve_character=user.profile.main_character)


def _journal(character, **ages):
    for entry_id, age in enumerate(ages.values(), start=1):
        CharacterWalletJournalEntry.objects.create(
            character=character, entry_id=entry_id, date=NOW - age, ref_type="player_donation"
        )
    return dict(zip(ages, range(1, len(ages) + 1), strict=True))


def _kept(character):
    return set(
        CharacterWalletJournalEntry.objects.filter(character=character).values_list("entry_id", flat=True)
    )


@pytest.mark.parametrize("limit", [7, 3, 0])
def test_seven_day_limit_keeps_day_six_and_seven_and_prunes_day_eight(character, settings, limit):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = limit  # 3 and 0 are raised to the minimum of 7
    ids = _journal(
        character,
        day6=timedelta(days=6),
        day7=timedelta(days=7),
        day7_and_a_minute=timedelta(days=7, minutes=1),
        day8=timedelta(days=8),
    )
    deleted = retention.prune(now=NOW)
    assert _kept(character) == {ids["day6"], ids["day7"]}
    assert deleted["memberaudit.CharacterWalletJournalEntry"] == 2


def test_none_turns_retention_off(character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None
    _journal(character, old=timedelta(days=4000))
    assert retention.prune(now=NOW) == {}
    assert len(_kept(character)) == 1


def test_data_without_history_is_never_pruned(character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 7
    CharacterSkill.objects.create(
        character=character,
        eve_type_id=3300,
        active_skill_level=5,
        trained_skill_level=5,
        skillpoints_in_skill=1,
    )
    retention.prune(now=NOW + timedelta(days=1000))
    assert CharacterSkill.objects.count() == 1


def test_pruning_works_in_batches(character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 7
    settings.MEMBERAUDIT_BULK_METHODS_BATCH_SIZE = 3
    _journal(character, **{f"old{i}": timedelta(days=30 + i) for i in range(10)})
    assert retention.prune(now=NOW)["memberaudit.CharacterWalletJournalEntry"] == 10
    assert _kept(character) == set()


def test_pruned_history_is_not_stored_again_by_the_next_update(character, settings):
    from memberaudit.sections.base import SyncContext
    from memberaudit.sections.wallet import WalletJournalSection

    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 7
    payload = [
        {"id": 1, "date": (NOW - timedelta(days=20)).isoformat(), "ref_type": "bounty_prizes"},
        {"id": 2, "date": (NOW - timedelta(days=1)).isoformat(), "ref_type": "bounty_prizes"},
    ]
    WalletJournalSection().store(SyncContext(character=character, status=None, token=None), payload)
    assert _kept(character) == {2}
