"""Scheduling: what is due, what reaches the broker (once), retries, locks and dead tokens."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from celery import current_app
from celery.exceptions import Retry
from helpers import create_character, create_token

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from memberaudit import tasks
from memberaudit.esi import budget
from memberaudit.models import Character, SectionStatus, runs
from memberaudit.sections import engine, locks, registry

pytestmark = [pytest.mark.django_db]

UPDATE_SECTION = "memberaudit.tasks.update_section"
UPDATE_SECTIONS = "memberaudit.tasks.update_sections"
UPDATES = {UPDATE_SECTION, UPDATE_SECTIONS}


@dataclasses.dataclass
class Sent:
    """One task message as it reached the broker."""

    task: str
    args: tuple
    kwargs: dict
    id: str
    retries: int
    eta: str | None
    priority: int | None


class Broker:
    """Celery in non-eager mode against kombu's in-memory transport: tasks stay in the queue.

    ``sent()`` takes every message out of the queue; ``run()`` runs one the way a worker
    does (non-eager request: a retry sends a new message with ``retries + 1``).
    """

    def __init__(self, app) -> None:
        self.app = app

    def sent(self) -> list[Sent]:
        messages = []
        with self.app.connection_for_read() as connection_:
            channel = connection_.default_channel
            channel.queue_declare(queue="celery")
            while (message := channel.basic_get("celery", no_ack=True)) is not None:
                args, kwargs, _embed = message.decode()
                headers = message.headers
                messages.append(
                    Sent(
                        headers["task"],
                        tuple(args),
                        kwargs,
                        headers["id"],
                        headers.get("retries") or 0,
                        headers.get("eta"),
                        message.properties.get("priority"),
                    )
                )
        return messages

    def run(self, sent: Sent):
        task = self.app.tasks[sent.task]
        task.push_request(
            id=sent.id,
            retries=sent.retries,
            args=sent.args,
            kwargs=sent.kwargs,
            is_eager=False,
            called_directly=False,
            delivery_info={"priority": sent.priority},
        )
        try:
            return task.run(*sent.args, **sent.kwargs)
        except Retry as retry:
            return retry
        finally:
            task.pop_request()


@pytest.fixture
def broker():
    app = current_app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    queue = Broker(app)
    queue.sent()  # whatever an earlier test left behind
    yield queue
    queue.sent()
    app.conf.task_always_eager = eager


def _pairs(sent: list[Sent]) -> list[tuple[int, str]]:
    """Every (character, section) the messages carry: one per section, several per character message."""
    pairs = [tuple(s.args) for s in sent if s.task == UPDATE_SECTION]
    pairs += [(s.args[0], name) for s in sent if s.task == UPDATE_SECTIONS for name in s.args[1]]
    return sorted(pairs)


def _outcomes(result) -> dict[str, str]:
    """section -> outcome of what an update_sections task returned."""
    return {row["section"]: row["outcome"] for row in result["sections"]}


def _pause_esi() -> None:
    """What the ESI budget records when ESI's error limit runs low."""
    budget.observe({"X-ESI-Error-Limit-Remain": "3", "X-ESI-Error-Limit-Reset": "60"})


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
    # ESI's cache timer (Expires) comes first: a section is never due before it runs out
    cached_until = {
        s.section: s.not_before.timestamp()
        for s in SectionStatus.objects.filter(character=character)
        if s.not_before
    }

    def expected(at: float, rings: tuple[int, ...]) -> set[str]:
        return {name for name, r in ring.items() if r in rings and cached_until.get(name, 0) <= at}

    in_an_hour = _due_names(character, now=now + 60 * 60)
    assert in_an_hour == expected(now + 60 * 60, (1,)) and in_an_hour
    in_five_hours = _due_names(character, now=now + 5 * 60 * 60)
    assert in_five_hours == expected(now + 5 * 60 * 60, (1, 2))
    assert in_five_hours > in_an_hour, "ring 2 follows ring 1"
    assert "details" not in in_five_hours, "public details are cached by ESI for a day"
    assert _due_names(character, now=now + 8 * 60 * 60) == expected(now + 8 * 60 * 60, (1, 2, 3))
    assert _due_names(character, now=now + 25 * 60 * 60) == set(ring)


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


def test_a_second_update_of_the_same_section_waits_for_the_first():
    character = create_character("locked")
    held = locks.acquire(engine.lock_key_for(character.pk, "skills"), 60)
    result = engine.update_section(character, "skills")
    assert (result.outcome, result.message) == ("skipped", "an update is already running")
    assert held.owned(), "the waiting update left the lock to its owner"


# --- one queued copy per (character, section) ------------------------------------------------


def test_two_beats_back_to_back_queue_each_due_pair_once(broker):
    characters = [create_character(f"pilot{i}") for i in range(3)]
    expected = sorted((c.pk, name) for c in characters for name in registry.names())

    assert tasks.run_regular_updates() == len(expected)
    sent = broker.sent()
    assert _pairs(sent) == expected, "every due pair once, nothing twice"
    updates = [s for s in sent if s.task in UPDATES]
    assert sorted(s.args[0] for s in updates) == sorted(c.pk for c in characters), "one message per character"
    assert {s.task for s in updates} == {UPDATE_SECTIONS}
    assert {s.priority for s in updates} == {tasks.PRIORITY_PERIODIC}
    assert len({s.kwargs["run_id"] for s in updates}) == 1
    assert all(s.eta for s in updates), "spread over the window"

    assert tasks.run_regular_updates() == 0
    assert tasks.update_character(characters[0].pk) == 0, "update now: every section is queued already"
    assert _pairs(broker.sent()) == []


def test_a_broker_failure_mid_beat_leaves_markers_only_for_sent_sections(broker, monkeypatch):
    characters = [create_character(f"pilot{i}") for i in range(3)]
    real_apply_async = tasks.update_sections.apply_async
    calls = []

    def failing_second_send(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("broker went away")
        return real_apply_async(*args, **kwargs)

    monkeypatch.setattr(tasks.update_sections, "apply_async", failing_second_send)
    with pytest.raises(ConnectionError):
        tasks.run_regular_updates()
    monkeypatch.setattr(tasks.update_sections, "apply_async", real_apply_async)

    sent = _pairs(broker.sent())
    assert {pk for pk, _ in sent} == {characters[0].pk}
    assert len(sent) == len(registry.names())
    # the next beat queues every section that has no message behind it, and only those
    assert tasks.run_regular_updates() == 2 * len(registry.names())
    expected = {(c.pk, n) for c in characters[1:] for n in registry.names()}
    assert set(_pairs(broker.sent())) == expected


def test_a_section_can_be_queued_again_once_its_task_ended(broker):
    character = create_character()
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 1
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 0
    (sent,) = broker.sent()
    assert _outcomes(broker.run(sent)) == {"skill_sets": "changed"}
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 1


def test_update_now_queues_one_message_for_the_sections_not_queued_yet(broker):
    character = create_character()
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 1
    assert tasks.update_character(character.pk) == len(registry.names()) - 1
    first, second = broker.sent()
    assert (first.args, second.task) == ((character.pk, ["skill_sets"]), UPDATE_SECTIONS)
    assert sorted(second.args[1]) == sorted(set(registry.names()) - {"skill_sets"})


def test_a_forced_update_bypasses_the_queued_copy_but_never_piles_up(broker):
    character = create_character()
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 1
    assert tasks.update_character(character.pk, force=True, sections=["skill_sets"]) == 1
    assert tasks.update_character(character.pk, force=True, sections=["skill_sets"]) == 0
    normal, forced = broker.sent()
    assert (normal.kwargs["force"], forced.kwargs["force"]) == (False, True)

    broker.run(forced)
    assert tasks.update_character(character.pk, force=True, sections=["skill_sets"]) == 1, (
        "once the forced copy ran, the admin may force again"
    )
    assert tasks.update_character(character.pk, sections=["skill_sets"]) == 0, "the normal copy still waits"


# --- the beat -------------------------------------------------------------------------------


def test_nothing_is_queued_while_esi_is_paused(broker):
    create_character()
    _pause_esi()
    assert tasks.run_regular_updates() == 0
    assert broker.sent() == [], "not even the housekeeping tasks"
    budget.clear()
    assert tasks.run_regular_updates() == len(registry.names())


def test_an_overlapping_beat_is_refused_by_the_lock(broker):
    create_character()
    held = locks.acquire(locks.BEAT_LOCK_KEY, 60)
    assert tasks.run_regular_updates() == 0
    assert broker.sent() == []
    locks.release(held)
    assert tasks.run_regular_updates() == len(registry.names())
    assert locks.acquire(locks.BEAT_LOCK_KEY, 60) is not None, "the run released its lock"


def test_the_beat_reads_characters_in_chunks_and_records_one_run(broker, monkeypatch):
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 2)
    for i in range(5):
        create_character(f"pilot{i}")
    assert tasks.run_regular_updates() == 5 * len(registry.names())
    assert len({pk for pk, _ in _pairs(broker.sent())}) == 5
    ring_1 = [s for s in registry.all_sections() if s.ring == 1]
    (run,) = runs.ring_runs(1)
    assert (run.queued, run.characters, run.is_finished) == (5 * len(ring_1), 5, False)
    assert tasks.run_regular_updates() == 0, "every pair of every chunk is queued already"


# --- retries and errors -----------------------------------------------------------------------


def _run_until_the_queue_is_empty(broker) -> list:
    """Run queued update tasks (and their retries) like a worker; returns their results."""
    results = []
    while updates := [s for s in broker.sent() if s.task in UPDATES]:
        for sent in updates:
            results.append((sent, broker.run(sent)))
    return results


@override_settings(MEMBERAUDIT_TASKS_MAX_RETRIES=2)
def test_a_paused_task_retries_a_bounded_number_of_times_then_marks_its_section(broker):
    character = create_character()
    _pause_esi()
    tasks.update_character(character.pk, sections=["details"])
    results = _run_until_the_queue_is_empty(broker)

    assert [sent.retries for sent, _ in results] == [0, 1, 2]
    assert all(isinstance(result, Retry) for _, result in results[:2])
    assert all(sent.eta for sent, _ in results[1:]), "retries wait (back-off on top of the pause)"
    assert _outcomes(results[-1][1]) == {"details": "error"}
    status = SectionStatus.objects.get(character=character, section="details")
    assert status.error_message.startswith("gave up after 2 retries: ESI paused")
    assert tasks.update_character(character.pk, sections=["details"]) == 1, "the marker was cleared"


@override_settings(MEMBERAUDIT_TASKS_MAX_RETRIES=1)
def test_a_paused_character_task_retries_only_the_sections_not_done_yet(broker):
    """attributes ends first (no token: nothing to ask ESI), details meets the pause: it and
    every section after it wait; the marker of the finished section is cleared at once."""
    character = create_character()
    _pause_esi()
    assert tasks.update_character(character.pk, sections=["skills", "details", "attributes"]) == 3
    (sent,) = broker.sent()
    assert tasks.run_order(["skills", "details", "attributes"]) == ["attributes", "details", "skills"]

    retry = broker.run(sent)
    assert isinstance(retry, Retry)
    assert SectionStatus.objects.get(character=character, section="attributes").is_token_error
    assert tasks.update_character(character.pk, sections=["attributes"]) == 1, "cleared when it ended"
    assert tasks.update_character(character.pk, sections=["details"]) == 0, "kept while it waits"
    again = next(s for s in broker.sent() if s.id == sent.id)
    assert (again.args, again.retries, bool(again.eta)) == ((character.pk, ["details", "skills"]), 1, True)

    assert _outcomes(broker.run(again)) == {"details": "error", "skills": "error"}, "gave up after 1 retry"
    assert SectionStatus.objects.get(character=character, section="details").error_message.startswith(
        "gave up after 1 retries"
    )
    assert tasks.update_character(character.pk, sections=["details", "skills"]) == 2, "markers cleared"


def test_a_character_task_counts_each_section_into_its_run(broker):
    character = create_character()
    assert tasks.run_regular_updates() == len(registry.names())
    (sent,) = [s for s in broker.sent() if s.task == UPDATE_SECTIONS]
    broker.run(sent)
    ring_sizes = {}
    for section in registry.all_sections():
        ring_sizes[section.ring] = ring_sizes.get(section.ring, 0) + 1
    for ring, size in ring_sizes.items():
        (run,) = runs.ring_runs(ring)
        assert (run.queued, run.done, run.characters, run.is_finished) == (size, size, 1, True)
    assert tasks.update_character(character.pk) == len(registry.names()), "every marker was cleared"


def test_sections_run_after_the_sections_that_trigger_them():
    order = tasks.run_order(["skill_sets", "skills", "attributes", "details"])
    assert order.index("skill_sets") > max(order.index("skills"), order.index("attributes"))
    assert tasks.run_order(["skill_sets"]) == ["skill_sets"]


@override_settings(MEMBERAUDIT_TASKS_MAX_RETRIES=0)
def test_a_failed_section_is_due_again_after_a_back_off_that_grows_per_failure(broker):
    character = create_character()
    for name in registry.names():
        engine.record_check(character.pk, name, None)
    _pause_esi()
    tasks.update_character(character.pk, sections=["details"])
    _run_until_the_queue_is_empty(broker)
    budget.clear()

    failed_at = SectionStatus.objects.get(character=character, section="details").last_attempt_at.timestamp()
    assert _due_names(character, now=failed_at + 4 * 60) == set()
    assert _due_names(character, now=failed_at + 5 * 60) == {"details"}, "5 minutes, not its ring"

    _pause_esi()
    tasks.update_character(character.pk, sections=["details"])
    _run_until_the_queue_is_empty(broker)
    failed_at = SectionStatus.objects.get(character=character, section="details").last_attempt_at.timestamp()
    assert _due_names(character, now=failed_at + 9 * 60) == set(), "second failure in a row: 10 minutes"
    assert _due_names(character, now=failed_at + 10 * 60) == {"details"}


def test_a_section_that_failed_right_after_a_success_does_not_wait_for_its_ring():
    character = create_character()
    for name in registry.names():
        engine.record_check(character.pk, name, None)
    now = timezone.now()
    SectionStatus.objects.create(
        character=character,
        section="details",
        last_success_at=now - timedelta(minutes=1),
        last_attempt_at=now,
        error_message="HTTP 502",
    )
    assert _due_names(character, now=now.timestamp() + 6 * 60) == {"details"}


# --- dead tokens -----------------------------------------------------------------------------


def _with_dead_token(username: str) -> Character:
    """A character whose every scoped section failed an hour ago with its only token (a day old)."""
    from esi.models import Token

    character = create_character(username)
    token = create_token(character.user, character.eve_character, sorted(registry.all_scopes()))
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=1))
    for section in registry.all_sections():
        if section.scopes:  # stale by their ring too: only the token rule keeps them out
            SectionStatus.objects.create(
                character=character,
                section=section.name,
                last_success_at=timezone.now() - timedelta(days=1),
                last_attempt_at=timezone.now() - timedelta(hours=1),
                error_message="refresh token revoked",
                is_token_error=True,
            )
        else:
            engine.record_check(character.pk, section.name, None)
    return character


def test_sections_of_a_dead_token_are_not_queued_until_a_newer_token_exists(broker):
    character = _with_dead_token("dead")
    assert tasks.run_regular_updates() == 0
    assert _pairs(broker.sent()) == []

    create_token(character.user, character.eve_character, ["esi-skills.read_skills.v1"])
    scoped = {s.name for s in registry.all_sections() if s.scopes}
    assert tasks.run_regular_updates() == len(scoped)
    assert {name for _, name in _pairs(broker.sent())} == scoped


def test_dead_tokens_are_decided_in_bulk():
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            due = [pair for chunk in tasks.updatable_chunks() for pair in tasks.due_sections(chunk)]
        assert due == []
        return len(ctx.captured_queries)

    _with_dead_token("dead1")
    one = queries()
    for i in range(2, 6):
        _with_dead_token(f"dead{i}")
    assert queries() == one, "five dead characters cost what one costs"


# --- triggers ---------------------------------------------------------------------------------


@pytest.mark.emulator
def test_a_changed_section_queues_the_sections_it_triggers_once(esi, register_character, broker):
    queued_already = register_character(size="small")
    assert tasks.update_character(queued_already.pk, sections=["skill_sets"]) == 1
    fresh = register_character(size="medium")
    tasks.update_character(queued_already.pk, sections=["skills"])
    tasks.update_character(fresh.pk, sections=["skills"])
    sent = broker.sent()
    for character in (queued_already, fresh):
        skills = next(s for s in sent if s.args == (character.pk, ["skills"]))
        assert _outcomes(broker.run(skills)) == {"skills": "changed"}
    assert _pairs(broker.sent()) == [(fresh.pk, "skill_sets")], "no second copy for the queued one"


@pytest.mark.emulator
def test_a_triggered_section_in_the_same_message_runs_after_its_trigger_and_needs_no_message(
    esi, register_character, broker
):
    character = register_character(size="small")
    assert tasks.update_character(character.pk, sections=["skill_sets", "skills"]) == 2
    (sent,) = broker.sent()
    result = broker.run(sent)
    assert [row["section"] for row in result["sections"]] == ["skills", "skill_sets"]
    assert _outcomes(result) == {"skills": "changed", "skill_sets": "changed"}
    assert _pairs(broker.sent()) == [], "skill_sets ran in the same task: no copy of its own"
