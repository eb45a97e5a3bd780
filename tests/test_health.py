"""One definition of a healthy character: every section checked recently enough, no token problem.

The per-character answer (launcher, finder, viewer) and the database expression (finder
filters, compliance) must agree on every case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import create_member, register_character

from django.test import override_settings
from django.utils import timezone

from memberaudit import health, tasks
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def checked_everything(character: Character, at: dt.datetime = NOW, **fields) -> Character:
    """Every section of ``character`` checked at ``at`` (in the database, as a flush writes it)."""
    SectionStatus.objects.bulk_create(
        SectionStatus(character=character, section=name, last_checked_at=at, last_success_at=at, **fields)
        for name in registry.names()
    )
    return character


def _sql_healthy(character: Character) -> bool:
    return Character.objects.filter(health.healthy_q(now=NOW), pk=character.pk).exists()


def _both(character: Character) -> tuple[str, bool, bool]:
    verdict = health.character_health(Character.objects.get(pk=character.pk), now=NOW)
    return verdict.code, verdict.is_healthy, _sql_healthy(character)


@pytest.fixture
def owner():
    return create_member("Healthy Harry", "basic_access")


def _ring_1_section() -> str:
    return next(s.name for s in registry.all_sections() if s.ring == 1)


def test_a_character_with_every_section_checked_recently_is_healthy(owner):
    character = checked_everything(register_character(owner, "Fresh"))
    assert _both(character) == ("ok", True, True)
    assert health.character_health(character, now=NOW).reason == "Every section is up to date."


def test_one_updated_section_is_not_enough(owner):
    # the old launcher said "OK" here while most sections had never been updated
    character = register_character(owner, "Partial")
    SectionStatus.objects.create(character=character, section="skills", last_success_at=NOW)
    code, python, sql = _both(character)
    assert (code, python, sql) == ("stale", False, False)
    total = len(registry.names())
    assert health.character_health(character, now=NOW).reason == (
        f"{total - 1} of {total} sections were not updated recently enough."
    )


def test_a_section_is_late_only_after_its_stale_time_plus_the_grace(owner):
    section = _ring_1_section()
    limit = health.stale_minutes(section) + 120
    on_time = checked_everything(register_character(owner, "On Time"))
    SectionStatus.objects.filter(character=on_time, section=section).update(
        last_checked_at=NOW - dt.timedelta(minutes=limit - 1), last_success_at=None
    )
    late = checked_everything(register_character(owner, "Late"))
    SectionStatus.objects.filter(character=late, section=section).update(
        last_checked_at=NOW - dt.timedelta(minutes=limit + 1), last_success_at=None
    )
    assert _both(on_time) == ("ok", True, True)
    assert _both(late) == ("stale", False, False)
    assert health.character_health(late, now=NOW).stale_sections == (section,)


def test_the_grace_is_a_setting(owner):
    section = _ring_1_section()
    character = checked_everything(register_character(owner, "Graceful"))
    SectionStatus.objects.filter(character=character, section=section).update(
        last_checked_at=NOW - dt.timedelta(minutes=health.stale_minutes(section) + 30), last_success_at=None
    )
    assert _both(character) == ("ok", True, True)
    with override_settings(MEMBERAUDIT_HEALTH_GRACE_MINUTES=10):
        assert _both(character) == ("stale", False, False)


def test_a_token_problem_makes_a_character_unhealthy(owner):
    character = checked_everything(register_character(owner, "Revoked"))
    SectionStatus.objects.filter(character=character, section="wallet_balance").update(
        is_token_error=True, error_message="revoked"
    )
    assert _both(character) == ("token_error", False, False)
    assert "register the character again" in health.character_health(character, now=NOW).reason


def test_a_disabled_character_is_unhealthy(owner):
    character = checked_everything(register_character(owner, "Switched Off"))
    Character.objects.filter(pk=character.pk).update(is_disabled=True)
    assert _both(character) == ("disabled", False, False)


def test_a_character_never_updated(owner):
    character = register_character(owner, "Brand New")
    assert _both(character) == ("never_updated", False, False)


def test_a_recent_error_is_retried_and_does_not_count_yet(owner):
    character = checked_everything(register_character(owner, "Hiccup"))
    SectionStatus.objects.filter(character=character, section="assets").update(error_message="502")
    assert _both(character) == ("ok", True, True)
    assert "1 section failed its last update" in health.character_health(character, now=NOW).reason


def test_a_section_whose_route_is_down_is_excused(owner):
    section = _ring_1_section()
    character = checked_everything(register_character(owner, "Route Down"))
    SectionStatus.objects.filter(character=character, section=section).update(
        last_checked_at=NOW - dt.timedelta(days=2), last_success_at=None, is_route_down=True
    )
    assert _both(character) == ("ok", True, True)


def test_a_newer_check_time_in_the_cache_counts_for_the_page(owner):
    from memberaudit.sections import heartbeats

    section = _ring_1_section()
    character = checked_everything(register_character(owner, "Cached"), at=NOW - dt.timedelta(days=1))
    SectionStatus.objects.filter(character=character).exclude(section=section).update(
        last_checked_at=NOW, last_success_at=NOW
    )
    assert health.character_health(character).code == "stale"
    heartbeats.record_check(character.pk, section, None)
    assert health.character_health(character).is_healthy


def test_health_uses_the_same_stale_times_as_the_periodic_run():
    with override_settings(MEMBERAUDIT_UPDATE_STALE_OVERRIDES={"wallet_journal": 17}):
        for name in registry.names():
            assert health.stale_minutes(name) == tasks.stale_minutes(name), name


def test_many_characters_cost_two_queries(owner, django_assert_num_queries):
    characters = [checked_everything(register_character(owner, f"Bulk {n}")) for n in range(5)]
    with django_assert_num_queries(2):
        found = health.health_by_character([c.pk for c in characters], now=NOW)
    assert all(h.is_healthy for h in found.values()) and len(found) == 5
    with django_assert_num_queries(1):
        health.health_by_character(characters, now=NOW)


def test_unhealthy_characters_is_the_complement(owner):
    good = checked_everything(register_character(owner, "Good"))
    bad = register_character(owner, "Bad")
    unhealthy = set(
        Character.objects.filter(pk__in=health.unhealthy_characters(now=NOW)).values_list("pk", flat=True)
    )
    assert unhealthy == {bad.pk} and good.pk not in unhealthy
