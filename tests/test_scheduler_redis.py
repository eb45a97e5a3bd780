"""The scheduler on a real Redis (broker and cache) with a real threaded Celery worker.

These run in ``.ci/run``'s last stage, where ``REDIS_URL`` points at a redis-server it
started; on the embedded default (fakeredis, in-memory broker) they are skipped. The worker
runs in this process (``celery.contrib.testing.worker``, thread pool), so it shares the test
database (transactional tests) and module settings; everything it sends and takes goes
through Redis. A SIGKILLed worker is ``.ci/worker_check.py``'s job (it needs a process).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from celery import current_app
from celery.contrib.testing.worker import start_worker

from django.conf import settings as django_settings
from django.db import connection

from memberaudit import tasks
from memberaudit.esi import budget
from memberaudit.models import CharacterAsset, SectionStatus
from memberaudit.sections import engine, locks, registry

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (.ci/run, last stage)"),
    pytest.mark.django_db(transaction=True),
]

UPDATE_SECTION = "memberaudit.tasks.update_section"
UPDATE_SECTIONS = "memberaudit.tasks.update_sections"
BEATS = "memberaudit-test-beats"  # a queue of its own, so the worker leaves update tasks alone


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The real Redis broker, emptied before and after; tasks are sent, not run in-process."""
    app = current_app
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(django_settings.BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()
    app.conf.task_always_eager = eager


def run_worker(queues: list[str] | None = None):
    """A real worker in this process: thread pool, four threads, consuming ``queues``.

    Always name the queues: a worker selects its queues on the app itself, so a worker of an
    earlier test would otherwise leave its choice behind.
    """
    kwargs = {"queues": queues or [current_app.conf.task_default_queue]}
    return start_worker(
        current_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
        **kwargs,
    )


def waiting_messages(client: redis.Redis) -> list[tuple[str, tuple]]:
    """(task name, args) of every message waiting in the broker's queues (all priorities)."""
    found = []
    for key in client.scan_iter(match="*"):
        if client.type(key) != b"list":
            continue
        for raw in client.lrange(key, 0, -1):
            message = json.loads(raw)
            body = json.loads(base64.b64decode(message["body"]))
            found.append((message["headers"]["task"], tuple(body[0])))
    return found


def queued_pairs(client: redis.Redis) -> list[tuple[int, str]]:
    """Every (character, section) the waiting messages carry (a character's message carries several)."""
    pairs = []
    for task, args in waiting_messages(client):
        if task == UPDATE_SECTION:
            pairs.append(tuple(args))
        elif task == UPDATE_SECTIONS:
            pairs += [(args[0], name) for name in args[1]]
    return sorted(pairs)


def character_messages(client: redis.Redis) -> list[int]:
    """The character of every waiting update_sections message."""
    return sorted(args[0] for task, args in waiting_messages(client) if task == UPDATE_SECTIONS)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def beats_done(client: redis.Redis) -> bool:
    """No beat waits, runs (its lock) or is unacknowledged."""
    return (
        not any(task == "memberaudit.tasks.run_regular_updates" for task, _ in waiting_messages(client))
        and client.hlen("unacked") == 0
        and not lock_is_held(locks.BEAT_LOCK_KEY)
    )


@pytest.fixture
def three_characters(esi, register_character):
    ids = [info["id"] for info in esi.characters()[:3]]
    return [register_character(character_id) for character_id in ids]


def test_two_overlapping_beats_queue_each_due_pair_once(broker, three_characters):
    expected = sorted((c.pk, name) for c in three_characters for name in registry.names())
    with run_worker([BEATS]):
        for _ in range(2):
            tasks.run_regular_updates.apply_async(queue=BEATS)
        wait_until(lambda: beats_done(broker), 120, "both beats to finish")
        pairs = queued_pairs(broker)
        assert pairs == expected, "every due pair queued exactly once"
        assert character_messages(broker) == sorted(c.pk for c in three_characters), "one message each"
        tasks.run_regular_updates.apply_async(queue=BEATS)  # a later beat: the markers hold
        time.sleep(0.5)
        wait_until(lambda: beats_done(broker), 60, "the third beat to finish")
    assert queued_pairs(broker) == expected


def test_a_global_esi_pause_queues_nothing(broker, three_characters):
    budget.observe({"X-ESI-Error-Limit-Remain": "3", "X-ESI-Error-Limit-Reset": "60"})
    with run_worker([BEATS]):
        tasks.run_regular_updates.apply_async(queue=BEATS)
        time.sleep(0.5)
        wait_until(lambda: beats_done(broker), 60, "the beat to finish")
    assert queued_pairs(broker) == []
    budget.clear()
    with run_worker([BEATS]):
        tasks.run_regular_updates.apply_async(queue=BEATS)
        time.sleep(0.5)
        wait_until(lambda: beats_done(broker), 120, "the beat to finish")
    assert len(queued_pairs(broker)) == 3 * len(registry.names()), "queued once the pause is over"


def test_a_slow_multi_page_fetch_keeps_its_lock_and_nobody_else_releases_it(
    broker, esi, register_character, monkeypatch
):
    sizes = {info["id"]: info.get("size") for info in esi.characters()}
    character = register_character(next(i for i, size in sizes.items() if size == "large"))
    # the worker runs in this process; two seconds (renewed every 0.67 s) leave room for a busy
    # CI machine, where a one-second lock can lapse between two renewals
    monkeypatch.setattr(engine, "LOCK_SECONDS", 2)
    esi.set_faults(latency_ms=1000)  # every request takes a second: the fetch outlasts the lock's life
    key = engine.lock_key_for(character.pk, "assets")
    intruder = locks.owned_lock(key, 60, token="another-worker")
    held_for: list[float] = []
    released_by_others: list[bool] = []
    taken_over: list[bool] = []

    def stored() -> bool:
        status = SectionStatus.objects.filter(character=character, section="assets").first()
        return status is not None and status.last_success_at is not None

    def watch() -> bool:
        if not held_for:  # not started yet: only look, never take the lock from the worker
            if lock_is_held(key):
                held_for.append(0.0)
            return stored()
        other = locks.acquire(key, 60)
        if other is not None:  # free: either the update ended, or its lock expired mid-run
            done = stored()
            taken_over.append(not done)
            locks.release(other)
            return True  # ended, or lost its lock (asserted below)
        held_for.append(time.monotonic() - started)
        released_by_others.append(locks.release(intruder))
        return False

    with run_worker():
        started = time.monotonic()
        assert tasks.queue_section(character.pk, "assets")
        wait_until(watch, 300, "the slow asset update to end")
    assert not any(taken_over), "the lock expired while the update ran"
    status = SectionStatus.objects.get(character=character, section="assets")
    assert status.error_message == "", status.error_message
    assert max(held_for) > 3 * 2, "the update ran longer than three lifetimes of its lock"
    assert not any(released_by_others), "someone else released the worker's lock"
    assert CharacterAsset.objects.filter(character=character).count() > 1000, "more than one page"


def lock_is_held(key: str) -> bool:
    from django.core.cache import cache

    return cache.has_key(key)


def test_a_section_that_failed_after_a_forced_update_is_retried_after_the_short_back_off(
    broker, esi, register_character, settings
):
    character = register_character()
    settings.MEMBERAUDIT_UPDATE_RETRY_MINUTES = 0.05  # 3 s stands in for the default 5 minutes
    settings.MEMBERAUDIT_UPDATE_SPREAD_SECONDS = 1  # the beat queues without a countdown
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdSkills": 1.0})

    def skills():
        return SectionStatus.objects.filter(character=character, section="skills").first()

    with run_worker():
        tasks.update_character.delay(character.pk, force=True, sections=["skills"])
        wait_until(lambda: (s := skills()) is not None and s.error_message, 60, "the forced update to fail")
        failed_at = time.monotonic()
        esi.set_faults()
        due = {name for c, name in tasks.stale_sections([character]) if c.pk == character.pk}
        assert "skills" not in due or time.monotonic() - failed_at >= 3, "due before its back-off"
        time.sleep(3.5)
        due = {name for c, name in tasks.stale_sections([character]) if c.pk == character.pk}
        assert "skills" in due, "due again after the short back-off, not after its ring"
        tasks.run_regular_updates.delay()
        wait_until(lambda: skills().error_message == "", 120, "the beat to retry the section")
    assert skills().last_success_at is not None


def test_beats_started_together_in_threads_share_one_lock(broker, three_characters):
    """Two beats in two threads of this process: one queues, the other finds the lock."""
    results: list[int] = []

    def beat() -> None:
        try:
            results.append(tasks.run_regular_updates())
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 3 * len(registry.names())
    assert len(queued_pairs(broker)) == 3 * len(registry.names())
    assert len(character_messages(broker)) == 3
