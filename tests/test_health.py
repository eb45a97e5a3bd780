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
from memberaudit.core.staleness import BACKOFF_PATIENCE
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


# --- the learned back-off: a section left alone on purpose is not out of date ---------------------


def _ring_2_section() -> str:
    return next(s.name for s in registry.all_sections() if s.ring == 2)


def test_a_backed_off_section_is_healthy_beyond_its_ring_but_not_beyond_its_back_off(owner):
    section = _ring_2_section()
    ring = health.stale_minutes(section)
    quiet_for_long = NOW - dt.timedelta(days=30)
    ceiling = registry.check_interval_minutes(section, 10**9)
    assert ceiling > ring + 120, "the default back-off stretches a ring-2 section beyond its grace"

    def character(name: str, checked_minutes_ago: float, changed_at: dt.datetime) -> Character:
        c = checked_everything(register_character(owner, name))
        SectionStatus.objects.filter(character=c, section=section).update(
            last_checked_at=NOW - dt.timedelta(minutes=checked_minutes_ago),
            last_success_at=None,
            last_change_at=changed_at,
        )
        return c

    quiet = character("Quiet", ring + 121, quiet_for_long)
    busy = character("Busy", ring + 121, NOW - dt.timedelta(minutes=ring + 200))
    too_quiet = character("Forgotten", ceiling + 121, quiet_for_long)
    assert _both(quiet) == ("ok", True, True)
    assert _both(busy) == ("stale", False, False), "changed recently: its ring applies"
    assert _both(too_quiet) == ("stale", False, False), "the ceiling holds"
    with override_settings(MEMBERAUDIT_UPDATE_BACKOFF_MAX=1):
        assert _both(quiet) == ("stale", False, False), "back-off off: the ring again"


@pytest.mark.parametrize("ring", [1, 2, 3])
def test_page_and_database_agree_on_every_check_age_and_quiet_time(owner, ring):
    section = next(s.name for s in registry.all_sections() if s.ring == ring)
    minutes = health.stale_minutes(section)
    character = checked_everything(register_character(owner, f"Grid {ring}"))
    status = SectionStatus.objects.filter(character=character, section=section)
    for checked_ago in (
        minutes - 1,
        minutes + 121,
        2 * minutes + 121,
        6 * minutes + 119,
        6 * minutes + 121,
        1559,
        1561,
    ):
        steps = [n * BACKOFF_PATIENCE * minutes + 1 for n in (2, 3, 4, 6)]
        for quiet in (None, 0, 2 * BACKOFF_PATIENCE * minutes - 1, *steps, 10**5):
            checked_at = NOW - dt.timedelta(minutes=checked_ago)
            changed_at = None if quiet is None else checked_at - dt.timedelta(minutes=quiet)
            status.update(last_checked_at=checked_at, last_success_at=None, last_change_at=changed_at)
            code, python, sql = _both(character)
            assert python == sql, (section, checked_ago, quiet, code)
            assert python == health.is_checked_recently(section, checked_at, changed_at, NOW)


def test_health_turns_stale_exactly_a_grace_after_the_periodic_run_would_have_checked(owner):
    """The beat follows the heartbeat's ``not_before``; health judges by the same rule."""
    from memberaudit.core.staleness import is_stale
    from memberaudit.sections import heartbeats

    section = _ring_2_section()
    character = checked_everything(register_character(owner, "Same Rule"))
    changed_at = timezone.now() - dt.timedelta(days=20)
    SectionStatus.objects.filter(character=character).update(last_change_at=changed_at)
    heartbeats.record_check(character.pk, section, None, last_change_at=changed_at)
    heartbeats.flush_checks()
    checked, not_before = heartbeats.last_checks([character.pk], [section])[(character.pk, section)]
    ring = health.stale_minutes(section)
    assert not_before - checked > ring * 60, "backed off beyond the ring"

    assert not is_stale(not_before - 1, checked, not_before, ring)
    assert is_stale(not_before, checked, not_before, ring)
    grace = dt.timedelta(minutes=120)
    due = dt.datetime.fromtimestamp(not_before, tz=dt.timezone.utc)
    on_time, late = due + grace, due + grace + dt.timedelta(minutes=1)
    fresh = Character.objects.get(pk=character.pk)
    for use_cache in (True, False):  # the cache's heartbeat and the database's copy agree
        verdicts = [
            health.health_by_character([fresh], now=when, use_cache=use_cache)[character.pk]
            for when in (on_time, late)
        ]
        assert [section in verdict.stale_sections for verdict in verdicts] == [False, True]
    rows = SectionStatus.objects.filter(character=character, section=section)
    assert [rows.filter(health.fresh_status_q(when)).exists() for when in (on_time, late)] == [True, False]
