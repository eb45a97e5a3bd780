"""The intel index follows the next sync after time passed in the emulator (``esi.tick``).

An emulator of its own: ticks must not leak into other tests.
"""

from __future__ import annotations

import pytest
from test_intel_world import sync

from django.core.cache import cache

from memberaudit.intel import index
from memberaudit.models import CharacterInteraction
from memberaudit.sections import registry

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]


def test_the_index_follows_the_next_sync_after_time_passes(private_esi):
    """Own emulator (ticks must not leak into other tests): new journal entries and mails after a
    tick update counts and add counterparties; the index equals a rebuild from the rows."""
    from memberaudit.testing.registration import register_character as register

    def counts() -> dict[tuple[int, str, int], int]:
        rows = CharacterInteraction.objects.values_list("character_id", "source", "counterparty_id", "count")
        return {(pk, source, counterparty): count for pk, source, counterparty, count in rows}

    emulator = private_esi(characters=2, seed=31)  # a small and a medium character
    scopes = sorted(registry.all_scopes())
    characters = [
        register(info, emulator.issue_tokens(info["id"], scopes), scopes) for info in emulator.characters()
    ]
    sync(characters)
    before = counts()
    emulator.tick(24 * 3600)
    cache.delete_pattern("esi_*")  # what real time does: django-esi's cached answers expire
    sync(characters, ("wallet_journal", "wallet_transactions", "mail"))
    after = counts()
    assert sum(after.values()) > sum(before.values())  # new history was counted ...
    assert all(after[key] >= count for key, count in before.items())  # ... and none lost
    index.rebuild()
    assert counts() == after


@pytest.mark.emulator
@pytest.mark.django_db
def test_affiliation_lookups_that_esi_fails_leave_the_tasks_standing(esi):
    """A 5xx or a malformed answer of /characters/affiliation is logged, not raised: the stored
    affiliations stay and the periodic refresh tries again."""
    from helpers import create_character

    from memberaudit.intel import tasks as intel_tasks

    character = create_character()
    counterparty = esi.characters()[1]["id"]
    for faults in ({"route_error_rates": {"PostCharactersAffiliation": 1.0}}, {"malformed_rate": 1.0}):
        esi.set_faults(**faults)
        assert intel_tasks.process_new_interactions.run([[character.pk, counterparty]]) == 0
        assert intel_tasks.refresh_affiliations.run() == 0
    esi.set_faults()
