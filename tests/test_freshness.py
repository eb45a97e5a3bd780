"""Pages say when a section was last *checked* and when it last *changed*, truthfully.

A check that finds nothing new writes nothing to the database: its time goes to the cache,
and the periodic flush copies check times to the database in bulk, so they survive a cache
loss. "Changed" stays at the last change.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import create_character, create_member, grant, write_statements

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from memberaudit.core.formatting import eve_time
from memberaudit.models import SectionStatus
from memberaudit.sections import engine, heartbeats

SECTION = "skills"
WEEKS_AGO = dt.timedelta(weeks=3)


def _shown(when: dt.datetime) -> str:
    """How the viewer shows a moment: EVE time, one format everywhere (``core.formatting``)."""
    return eve_time(when)


def _tab(client, character):
    response = client.get(reverse("memberaudit:character_tab", args=[character.pk, SECTION]))
    assert response.status_code == 200
    return response


def _age(status: SectionStatus, weeks_ago: dt.datetime) -> None:
    """Make the database say: checked, stored and changed three weeks ago."""
    SectionStatus.objects.filter(pk=status.pk).update(
        last_success_at=weeks_ago, last_change_at=weeks_ago, last_checked_at=weeks_ago
    )


# --- end to end, with the ESI emulator ------------------------------------------------------------


@pytest.fixture
def checked_weeks_ago(esi, register_character, client):
    """A character whose section was stored, checked and changed three weeks ago (per the
    database); the cache holds no heartbeat and django-esi only its ETag."""
    character = register_character(size="small")
    assert engine.update_section(character, SECTION).outcome == "changed"
    heartbeats.flush_checks()
    weeks_ago = timezone.now() - WEEKS_AGO
    _age(SectionStatus.objects.get(character=character, section=SECTION), weeks_ago)
    cache.delete(heartbeats.heartbeat_key(character.pk, SECTION))
    cache.delete_pattern("esi_*")  # django-esi's response cache ran out; its ETags stay
    client.force_login(create_member("auditor", "basic_access", "characters_access", "view_everything"))
    return character, weeks_ago


@pytest.mark.emulator
@pytest.mark.django_db
def test_a_check_that_finds_nothing_new_shows_as_checked_now_without_a_database_write(
    checked_weeks_ago, client
):
    character, weeks_ago = checked_weeks_ago
    before = _tab(client, character).context["status"]
    assert before.checked_at == weeks_ago

    started = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        result = engine.update_section(character, SECTION)
    assert result.outcome == "unchanged"
    assert write_statements(ctx) == [], "a 304 writes nothing"

    response = _tab(client, character)
    status = response.context["status"]
    assert status.checked_at >= started
    assert status.last_change_at == weeks_ago
    page = response.content.decode()
    assert f"Checked {_shown(status.checked_at)}" in page
    assert f"changed {_shown(weeks_ago)}" in page


@pytest.mark.emulator
@pytest.mark.django_db
def test_the_checked_time_survives_a_cache_loss_after_a_flush(checked_weeks_ago, client):
    character, weeks_ago = checked_weeks_ago
    engine.update_section(character, SECTION)
    checked = _tab(client, character).context["status"].checked_at

    assert heartbeats.flush_checks() == 1
    cache.clear()

    status = _tab(client, character).context["status"]
    assert status.cached_checked_at is None, "the cache was lost"
    # stored to the minute, rounded down: never fresher than the real check
    assert checked - dt.timedelta(minutes=1) < status.checked_at <= checked
    assert status.last_change_at == weeks_ago, "changed stays at the last change"


# --- the flush, without ESI -----------------------------------------------------------------------


@pytest.fixture
def statuses(db):
    """Three characters with two sections each, all checked and changed three weeks ago."""
    weeks_ago = timezone.now() - WEEKS_AGO
    characters = [create_character(f"pilot{i}") for i in range(3)]
    for character in characters:
        for section in ("skills", "assets"):
            SectionStatus.objects.create(
                character=character,
                section=section,
                last_success_at=weeks_ago,
                last_change_at=weeks_ago,
                last_checked_at=weeks_ago,
            )
    return characters, weeks_ago


def test_checks_reach_the_database_in_bulk_when_flushed(statuses):
    characters, weeks_ago = statuses
    for character in characters:
        for section in ("skills", "assets"):
            heartbeats.record_check(character.pk, section, None)
    checks = heartbeats.last_checks([c.pk for c in characters], ["skills", "assets"])
    minutes = {int(checked // 60) for checked, _ in checks.values()}

    with CaptureQueriesContext(connection) as ctx:
        assert heartbeats.flush_checks() == 6
    # one SELECT of the characters' statuses, one UPDATE per minute in which checks happened
    assert len(write_statements(ctx)) == len(minutes)
    assert len(ctx.captured_queries) == 1 + len(minutes)
    recent = timezone.now() - dt.timedelta(minutes=1)
    assert SectionStatus.objects.filter(last_checked_at__gte=recent).count() == 6
    assert not SectionStatus.objects.exclude(last_change_at=weeks_ago).exists()

    with CaptureQueriesContext(connection) as ctx:
        assert heartbeats.flush_checks() == 0
    assert ctx.captured_queries == [], "nothing checked since: nothing to do"


def test_a_flush_never_moves_a_check_time_back(statuses):
    characters, _ = statuses
    later = timezone.now() + dt.timedelta(hours=1)
    SectionStatus.objects.filter(character=characters[0]).update(last_checked_at=later)
    heartbeats.record_check(characters[0].pk, "skills", None)
    assert heartbeats.flush_checks() == 0
    assert SectionStatus.objects.get(character=characters[0], section="skills").last_checked_at == later


def test_a_failed_flush_leaves_its_characters_for_the_next_one(statuses, monkeypatch):
    characters, _ = statuses
    heartbeats.record_check(characters[0].pk, "skills", None)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(heartbeats, "_write_check_times", broken)  # the database fails
    with pytest.raises(RuntimeError):
        heartbeats.flush_checks()
    monkeypatch.undo()
    assert heartbeats.flush_checks() == 1


def test_launcher_finder_and_admin_show_checked_and_changed(statuses, client):
    characters, weeks_ago = statuses
    owner = grant(characters[0].user, "basic_access")
    heartbeats.record_check(characters[0].pk, "skills", None)

    client.force_login(owner)
    page = client.get(reverse("memberaudit:launcher")).content.decode()
    assert "checked 0\xa0minutes ago" in page  # from the cache, before any flush
    assert "changed 3\xa0weeks ago" in page

    auditor = create_member(
        "auditor", "basic_access", "finder_access", "characters_access", "view_everything"
    )
    client.force_login(auditor)
    params = {"order[0][column]": "4", "order[0][name]": "last_checked", "order[0][dir]": "desc"}
    rows = client.get(reverse("memberaudit:finder_data"), params).json()["data"]
    registered = [row for row in rows if row["registered"]]
    assert {row["last_changed"] for row in registered} == {weeks_ago.isoformat()}
    heartbeats.flush_checks()  # the finder sorts by what the database knows
    rows = client.get(reverse("memberaudit:finder_data"), params).json()["data"]
    assert rows[0]["character"] == characters[0].name
    assert dt.datetime.fromisoformat(rows[0]["last_checked"]) > weeks_ago

    client.force_login(User.objects.create_superuser("admin"))
    heartbeats.record_check(characters[1].pk, "assets", None)  # not flushed: the admin asks the cache
    response = client.get(reverse("admin:memberaudit_sectionstatus_changelist"))
    checked = {(s.character_id, s.section): s.checked_at for s in response.context["cl"].result_list}
    assert checked[(characters[1].pk, "assets")] > weeks_ago
    assert checked[(characters[2].pk, "assets")] == weeks_ago
    assert "last checked" in response.content.decode().lower()


def test_after_a_cache_loss_the_beat_trusts_the_flushed_check_times(statuses):
    from memberaudit import tasks

    characters, _ = statuses
    for name in ("skills", "assets"):
        heartbeats.record_check(characters[0].pk, name, None)
    heartbeats.flush_checks()
    cache.clear()
    due = {name for character, name in tasks.stale_sections([characters[0]]) if name in ("skills", "assets")}
    assert due == set(), "checked a moment ago, per the database"
