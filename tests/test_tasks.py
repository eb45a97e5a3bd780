"""Scheduling: what is stale, what gets queued, orphans and disabled characters."""

from __future__ import annotations

import time

import pytest

from django.test import override_settings

from memberaudit import tasks
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import engine, registry

pytestmark = [pytest.mark.django_db]


def _due_names(character, now=None):
    return {name for c, name in tasks.stale_sections([character], now=now) if c.pk == character.pk}


@pytest.mark.emulator
def test_a_new_character_is_due_everywhere_and_fresh_after_its_update(esi, register_character):
    character = register_character(size="small")
    assert _due_names(character) == set(registry.names())
    queued = tasks.run_regular_updates()  # eager Celery: runs every section now
    assert queued == len(registry.names())
    assert SectionStatus.objects.filter(character=character).count() == len(registry.names())
    assert _due_names(character) == set()
    assert tasks.run_regular_updates() == 0


@pytest.mark.emulator
def test_sections_become_due_by_their_ring(esi, register_character):
    character = register_character(size="small")
    tasks.update_character(character.pk)
    now = time.time()
    ring = {section.name: section.ring for section in registry.all_sections()}
    in_an_hour = _due_names(character, now=now + 60 * 60)
    assert in_an_hour == {name for name, r in ring.items() if r == 1}
    in_five_hours = _due_names(character, now=now + 5 * 60 * 60)
    assert in_five_hours == {name for name, r in ring.items() if r in (1, 2)}
    assert _due_names(character, now=now + 8 * 60 * 60) == set(ring)


@pytest.mark.emulator
def test_per_section_override_wins_over_the_ring(esi, register_character):
    character = register_character(size="small")
    tasks.update_character(character.pk)
    later = time.time() + 61 * 60  # past the assets route's one-hour cache timer
    assert "assets" not in _due_names(character, now=later)
    with override_settings(MEMBERAUDIT_UPDATE_STALE_OVERRIDES={"assets": 30}):
        due = _due_names(character, now=later)
    assert "assets" in due
    assert "blueprints" not in due, "other ring 3 sections keep their ring"


def test_never_due_before_esi_cache_timer(db):
    from helpers import create_member

    user = create_member("timer")
    character = Character.objects.create(eve_character=user.profile.main_character)
    now = time.time()
    for name in registry.names():
        engine.record_check(character.pk, name, None)
    from datetime import datetime, timezone

    engine.record_check(character.pk, "skills", datetime.fromtimestamp(now + 10 * 3600, tz=timezone.utc))
    due = _due_names(character, now=now + 9 * 3600)
    assert "skills" not in due
    assert "assets" in due


def test_database_is_the_fallback_when_the_cache_lost_its_heartbeats(db):
    from datetime import timedelta

    from helpers import create_member

    from django.utils import timezone

    user = create_member("lost")
    character = Character.objects.create(eve_character=user.profile.main_character)
    for name in registry.names():
        SectionStatus.objects.create(character=character, section=name, last_success_at=timezone.now())
    assert _due_names(character) == set()
    SectionStatus.objects.filter(section="skills").update(last_success_at=timezone.now() - timedelta(days=1))
    assert _due_names(character) == {"skills"}


@pytest.mark.emulator
def test_orphaned_and_disabled_characters_are_not_updated(esi, register_character):
    orphan = register_character(size="small")
    orphan.eve_character.character_ownership.delete()
    disabled = register_character(size="medium")
    Character.objects.filter(pk=disabled.pk).update(is_disabled=True)
    assert tasks.run_regular_updates() == 0
    assert engine.update_section(Character.objects.get(pk=orphan.pk), "skills").outcome == "skipped"
    assert not SectionStatus.objects.exists()


@pytest.mark.emulator
def test_update_section_task_reports_the_outcome(esi, register_character):
    character = register_character(size="small")
    result = tasks.update_section.delay(character.pk, "skills").get()
    assert result["outcome"] == "changed"
    assert tasks.update_section.delay(999999, "skills").get()["outcome"] == "skipped"


def test_a_second_update_of_the_same_section_waits_for_the_first(db):
    from helpers import create_member

    from django.core.cache import cache

    user = create_member("locked")
    character = Character.objects.create(eve_character=user.profile.main_character)
    cache.add(engine.lock_key_for(character.pk, "skills"), 1, timeout=60)
    result = engine.update_section(character, "skills")
    assert (result.outcome, result.message) == ("skipped", "an update is already running")
