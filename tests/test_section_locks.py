"""Locks with an owner: taken once, released and renewed only by their owner, kept alive by a heartbeat."""

from __future__ import annotations

import time

import pytest

from django.core.cache import cache

from memberaudit.sections import engine, locks
from memberaudit.sections.base import NOT_MODIFIED


def test_a_lock_is_taken_once_and_freed_by_its_owner():
    first = locks.acquire("memberaudit:lock:test", 60)
    assert first is not None
    assert locks.acquire("memberaudit:lock:test", 60) is None
    assert locks.release(first)
    assert locks.acquire("memberaudit:lock:test", 60) is not None


def test_a_lock_that_changed_hands_is_not_released_by_its_former_owner():
    slow = locks.acquire("memberaudit:lock:test", 60)
    cache.delete("memberaudit:lock:test")  # as if it had timed out
    fast = locks.acquire("memberaudit:lock:test", 60)
    assert not locks.release(slow), "a LockNotOwnedError is logged, not raised"
    assert fast.owned()
    assert locks.acquire("memberaudit:lock:test", 60) is None


def test_a_heartbeat_keeps_a_lock_alive_past_its_timeout_and_stops_when_done():
    lock = locks.acquire("memberaudit:lock:test", 1)
    with locks.Heartbeat(lock) as heartbeat:
        time.sleep(2.5)
        assert locks.acquire("memberaudit:lock:test", 1) is None
        heartbeat.check()
    time.sleep(1.2)
    assert locks.acquire("memberaudit:lock:test", 1) is not None, "no renewal after the work ended"


def test_a_heartbeat_reports_a_lost_lock_and_never_takes_it_back():
    lock = locks.acquire("memberaudit:lock:test", 1)
    with locks.Heartbeat(lock, interval=0.1) as heartbeat:
        cache.delete("memberaudit:lock:test")
        other = locks.acquire("memberaudit:lock:test", 60)
        time.sleep(0.3)
        with pytest.raises(locks.LockLost):
            heartbeat.check()
    assert other.owned()


def test_a_heartbeat_gives_up_after_the_time_limit():
    lock = locks.acquire("memberaudit:lock:test", 1)
    with locks.Heartbeat(lock, max_seconds=0.5):
        time.sleep(2)
        assert locks.acquire("memberaudit:lock:test", 1) is not None, "a hung update frees its lock"


def test_queue_markers_belong_to_the_task_that_claimed_them():
    assert locks.claim_queued(1, "skills", "task-a", 60)
    assert not locks.claim_queued(1, "skills", "task-b", 60)
    assert locks.claim_queued(1, "skills", "task-f", 60, force=True), "a forced copy has its own marker"
    locks.release_queued(1, "skills", "task-b")
    assert not locks.claim_queued(1, "skills", "task-c", 60), "only task-a clears it"
    locks.release_queued(1, "skills", "task-a")
    assert locks.claim_queued(1, "skills", "task-c", 60)


def test_a_retrying_task_keeps_its_marker_longer():
    assert locks.claim_queued(1, "skills", "task-a", 1)
    locks.extend_queued(1, "skills", "task-a", 60)
    locks.extend_queued(1, "skills", "task-z", 1)  # not its marker: no effect
    time.sleep(1.2)
    assert not locks.claim_queued(1, "skills", "task-b", 60)


@pytest.mark.django_db
def test_the_engine_renews_its_lock_while_a_slow_fetch_runs_longer_than_the_lock_timeout(monkeypatch):
    """A single ESI call (e.g. all pages of a big asset list) may outlast the lock's timeout."""
    from helpers import create_character

    from memberaudit.sections import registry

    character = create_character()
    monkeypatch.setattr(engine, "LOCK_SECONDS", 1)
    key = engine.lock_key_for(character.pk, "skill_sets")
    taken_by_others = []

    def slow_fetch(self, ctx):  # stands in for ESI: slow, and answers "not modified"
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            if (lock := locks.acquire(key, 60)) is not None:
                taken_by_others.append(lock)
            time.sleep(0.2)
        return NOT_MODIFIED

    monkeypatch.setattr(type(registry.get("skill_sets")), "fetch", slow_fetch)
    result = engine.update_section(character, "skill_sets")
    assert result.outcome == "unchanged"
    assert taken_by_others == []
    assert locks.acquire(key, 1) is not None, "released at the end"


@pytest.mark.django_db
def test_a_running_task_keeps_its_marker_only_as_long_as_its_lock_so_a_killed_worker_frees_it(monkeypatch):
    """Waiting in the queue, a marker lives for hours; once its task runs, the marker lives
    as long as the section lock and is renewed with it. A worker killed mid-update stops
    renewing, and the next beat may queue the section again within a minute."""
    from helpers import create_character

    from memberaudit import tasks
    from memberaudit.sections import registry

    character = create_character()
    monkeypatch.setattr(engine, "LOCK_SECONDS", 1)
    marker_key = locks.queued_key(character.pk, "skill_sets")
    seen = {}

    def slow_fetch(self, ctx):
        seen["ttl_at_start"] = cache.ttl(marker_key)
        time.sleep(2.5)  # longer than the shortened marker lives unless renewed
        seen["claimable_while_running"] = locks.claim_queued(character.pk, "skill_sets", "beat", 60)
        return NOT_MODIFIED

    monkeypatch.setattr(type(registry.get("skill_sets")), "fetch", slow_fetch)
    assert tasks.queue_section(character.pk, "skill_sets")
    assert 0 < seen["ttl_at_start"] <= 1, "the marker was not shortened when the task started"
    assert seen["claimable_while_running"] is False, "the marker was not renewed while the update ran"
    assert locks.claim_queued(character.pk, "skill_sets", "next-beat", 60), "released when the task ended"


def test_markers_claimed_in_one_round_trip_behave_like_single_claims():
    """The beat claims a chunk's markers in one pipeline: same keys, same owners."""
    assert locks.claim_queued(1, "assets", "task-old", 60)
    taken = locks.claim_many_queued(
        [(1, "skills", "task-a"), (1, "assets", "task-b"), (2, "skills", "task-c")], 60
    )
    assert taken == [True, False, True], "a queued copy keeps its marker"
    assert not locks.claim_queued(1, "skills", "task-x", 60)
    locks.release_queued(1, "skills", "task-x")  # not its owner: no effect
    assert not locks.claim_queued(1, "skills", "task-y", 60)
    locks.release_queued(1, "skills", "task-a")
    assert locks.claim_queued(1, "skills", "task-z", 60)
    assert 0 < cache.ttl(locks.queued_key(2, "skills")) <= 60
    marker = locks.running_marker(2, "skills", "task-c", 5)
    assert marker is not None and cache.ttl(locks.queued_key(2, "skills")) <= 5
    assert locks.claim_many_queued([], 60) == []


# --- several sections of one task ------------------------------------------------------------


def test_locks_taken_together_are_ordinary_owned_locks():
    held = locks.acquire("memberaudit:lock:b", 60)
    taken = locks.acquire_many(["memberaudit:lock:a", "memberaudit:lock:b", "memberaudit:lock:c"], 60)
    assert set(taken) == {"memberaudit:lock:a", "memberaudit:lock:c"}, "a held lock is not taken"
    assert locks.acquire("memberaudit:lock:a", 60) is None
    assert locks.release(taken["memberaudit:lock:a"])
    assert not locks.release(locks.owned_lock("memberaudit:lock:b", 60, token="not-the-owner"))
    assert held.owned()
    assert locks.acquire_many([], 60) == {}


def test_one_keep_alive_renews_several_locks_and_reports_only_the_lost_one():
    taken = locks.acquire_many(["memberaudit:lock:a", "memberaudit:lock:b", "memberaudit:lock:c"], 1)
    marker = locks.acquire("memberaudit:queued:1:a", 1)
    keep = locks.KeepAlive(
        {key.rsplit(":", 1)[1]: lock for key, lock in taken.items()}, also=[marker], interval=0.2
    )
    with keep:
        time.sleep(0.5)
        cache.delete("memberaudit:lock:b")  # as if it had timed out ...
        other = locks.acquire("memberaudit:lock:b", 60)  # ... and someone else took it
        keep.drop("c")  # done with: no longer renewed
        time.sleep(1.5)
        keep.check("a")
        with pytest.raises(locks.LockLost):
            keep.check("b")
        assert locks.acquire("memberaudit:lock:a", 1) is None, "renewed past its timeout"
        assert locks.acquire("memberaudit:queued:1:a", 1) is None, "the marker too"
        assert locks.acquire("memberaudit:lock:c", 1) is not None, "a dropped lock expires"
    assert other.owned(), "the new owner's lock was neither renewed away nor released"


def test_markers_of_several_sections_are_shortened_extended_and_released_together():
    assert locks.claim_many_queued([(1, "skills", "task-a"), (1, "assets", "task-a")], 600) == [True, True]
    assert locks.claim_queued(1, "mail", "task-b", 600)
    running = locks.running_markers(1, ["skills", "assets", "mail"], "task-a", 5)
    assert set(running) == {"skills", "assets"}, "task-b's marker is not task-a's"
    assert 0 < cache.ttl(locks.queued_key(1, "skills")) <= 5
    assert cache.ttl(locks.queued_key(1, "mail")) > 5
    locks.extend_many_queued(1, ["skills", "mail"], "task-a", 300)
    assert cache.ttl(locks.queued_key(1, "skills")) > 5
    assert cache.ttl(locks.queued_key(1, "mail")) <= 600
    locks.release_many_queued(1, ["skills", "assets", "mail"], "task-a")
    assert locks.claim_queued(1, "skills", "x", 60) and locks.claim_queued(1, "assets", "y", 60)
    assert not locks.claim_queued(1, "mail", "z", 60), "only task-a's markers were released"
    forced = locks.claim_many_queued([(1, "skills", "task-f")], 60, force=True)
    assert forced == [True], "a forced copy has markers of its own"


@pytest.mark.django_db
def test_a_character_task_releases_each_marker_when_its_section_ends(monkeypatch):
    """One message carries several sections: while the second runs, the first section may be
    queued again (it ended) and the second may not; a killed worker frees them within a lock's life."""
    from helpers import create_character

    from memberaudit import tasks
    from memberaudit.sections import registry

    character = create_character()
    monkeypatch.setattr(engine, "LOCK_SECONDS", 1)
    seen = {}

    def slow_fetch(self, ctx):
        if self.name == "details":
            seen["ttl_of_the_next_at_start"] = cache.ttl(locks.queued_key(character.pk, "skill_sets"))
            time.sleep(2.5)  # longer than a shortened marker lives unless renewed
            seen["next_claimable"] = locks.claim_queued(character.pk, "skill_sets", "beat", 60)
        else:
            seen["first_claimable"] = locks.claim_queued(character.pk, "details", "beat", 60)
            seen["own_claimable"] = locks.claim_queued(character.pk, "skill_sets", "beat", 60)
            if seen["first_claimable"]:
                locks.release_queued(character.pk, "details", "beat")
        return NOT_MODIFIED

    for name in ("details", "skill_sets"):
        monkeypatch.setattr(type(registry.get(name)), "fetch", slow_fetch)
    assert tasks.run_order(["skill_sets", "details"]) == ["details", "skill_sets"]
    assert tasks.update_character(character.pk, sections=["skill_sets", "details"]) == 2
    assert 0 < seen["ttl_of_the_next_at_start"] <= 1, "the markers were not shortened when the task started"
    assert seen["next_claimable"] is False, "a waiting section's marker was not renewed"
    assert seen["first_claimable"] is True, "the marker of the section that ended was not released"
    assert seen["own_claimable"] is False
    assert locks.claim_many_queued(
        [(character.pk, "details", "n"), (character.pk, "skill_sets", "n")], 60
    ) == [
        True,
        True,
    ], "all released when the task ended"
