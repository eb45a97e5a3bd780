"""The learned back-off: a section that has not changed for long is checked less often.

The engine derives it from the section's last change when it records a check (the
heartbeat's ``not_before``); the periodic run follows the heartbeat; a change resets it;
"update now" and forced updates ignore it. ``test_health`` shows health judges by the same rule.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from memberaudit import tasks
from memberaudit.core.staleness import BACKOFF_PATIENCE
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import engine, heartbeats, registry
from memberaudit.testing import registration

SECTION = "online_status"  # ring 1; the emulator flips it on about every second hour


def _due(character: Character, minutes_from_now: float) -> bool:
    """Whether the periodic run would queue SECTION of ``character`` that many minutes from now."""
    now = time.time() + minutes_from_now * 60
    return (character, SECTION) in {
        (c, name) for c, name in tasks.stale_sections([character], now=now) if name == SECTION
    }


def _quiet_for(character: Character, days: float) -> dt.datetime:
    """Make the database say SECTION last changed ``days`` ago; ESI's cache timers run out."""
    changed_at = timezone.now() - dt.timedelta(days=days)
    SectionStatus.objects.filter(character=character, section=SECTION).update(last_change_at=changed_at)
    cache.delete_pattern("esi_*")
    return changed_at


@pytest.fixture
def own_esi(private_esi):
    """A private emulator: the test moves its clock."""
    return private_esi(characters=2, seed=14)


@pytest.fixture
def character(own_esi):
    info = next(i for i in own_esi.characters() if i["size"] == "small")
    scopes = sorted(registry.all_scopes())
    character = registration.register_character(info, own_esi.mint_token(info["id"], scopes), scopes)
    assert engine.update_section(character, SECTION).outcome == "changed"
    return Character.objects.get(pk=character.pk)


@pytest.mark.emulator
def test_a_quiet_section_waits_longer_a_change_resets_it_and_update_now_ignores_it(own_esi, character):
    ring = registry.stale_minutes(SECTION)
    assert not _due(character, ring - 1) and _due(character, ring + 1), "just changed: its ring"

    _quiet_for(character, days=20)
    assert engine.update_section(character, SECTION).outcome == "unchanged"
    ceiling = registry.check_interval_minutes(SECTION, 10**9)
    factor, cap = registry.backoff_settings()
    assert ceiling == min(factor * ring, cap) > ring
    assert not _due(character, ring + 1), "unchanged for 20 days: backed off"
    assert not _due(character, ceiling - 2)
    assert _due(character, ceiling + 1), "never past the ceiling"

    # "update now" does not look at the back-off: ESI is asked as soon as its cache timer ran out
    cache.delete_pattern("esi_*")
    own_esi.reset_stats()
    engine.update_section(character, SECTION)
    assert own_esi.stats()["requests"] == 1

    # a change resets it
    own_esi.tick(6 * 3600)
    cache.delete_pattern("esi_*")
    assert engine.update_section(character, SECTION).outcome == "changed"
    assert _due(character, ring + 1)


@pytest.mark.emulator
def test_a_section_that_changed_within_its_patience_stays_on_its_ring(own_esi, character):
    ring = registry.stale_minutes(SECTION)
    quiet_rings = 2 * BACKOFF_PATIENCE - 1  # the first step comes after 2 x patience quiet rings
    _quiet_for(character, days=ring * quiet_rings / 1440)
    assert engine.update_section(character, SECTION).outcome == "unchanged"
    assert _due(character, ring + 1)


@pytest.mark.emulator
def test_the_back_off_can_be_turned_off(own_esi, character):
    ring = registry.stale_minutes(SECTION)
    _quiet_for(character, days=20)
    with override_settings(MEMBERAUDIT_UPDATE_BACKOFF_MAX=1):
        assert engine.update_section(character, SECTION).outcome == "unchanged"
    assert _due(character, ring + 1)


@pytest.mark.django_db
def test_the_heartbeat_keeps_esi_s_timer_when_it_is_later_than_the_back_off():
    from helpers import create_character

    character = create_character("pilot")
    later = timezone.now() + dt.timedelta(days=3)
    heartbeats.record_check(
        character.pk, SECTION, later, last_change_at=timezone.now() - dt.timedelta(days=30)
    )
    _checked, not_before = heartbeats.last_checks([character.pk], [SECTION])[(character.pk, SECTION)]
    assert not_before == later.timestamp()
    heartbeats.record_check(character.pk, SECTION, None, last_change_at=None)
    assert heartbeats.last_checks([character.pk], [SECTION])[(character.pk, SECTION)][1] is None
