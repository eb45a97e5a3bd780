"""Locks with an owner, for section updates and their scheduling.

Every lock here is a redis-py ``Lock`` reached through django-redis (``cache.lock``): it is
taken with ``SET NX PX`` and released or renewed by a Lua script that first compares the
owner's token, so a worker can never free or renew a lock someone else holds. Locks time
out, so a worker killed while holding one blocks nobody for long. fakeredis (with its Lua
extra) runs the same scripts in the embedded test and demo setup.

Three kinds of lock:

- **the section lock** (``engine.lock_key_for``): one update of a (character, section) at a
  time; short-lived and kept alive by a :class:`Heartbeat` while the update runs.
- **queue markers**: at most one queued copy of a (character, section) task. The owner is
  the Celery task id, chosen before the task is sent, so the task itself (in another
  process, even after a retry) is the one that clears it.
- **the beat lock**: one ``run_regular_updates`` at a time.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType

from django_redis import get_redis_connection
from redis.exceptions import LockError, LockNotOwnedError, RedisError
from redis.lock import Lock

from django.core.cache import cache

logger = logging.getLogger(__name__)

BEAT_LOCK_KEY = "memberaudit:lock:regular-updates"


class LockLost(Exception):
    """The lock of an update timed out or was taken over: the update must not go on writing."""


def owned_lock(key: str, timeout: float | None, token: str | None = None) -> Lock:
    """A lock object for ``key``; with ``token``, one that acts as that owner.

    ``thread_local=False`` lets the heartbeat thread renew the lock the worker thread took;
    ``token`` lets a task release a marker that another process took on its behalf.
    """
    lock = cache.lock(key, timeout=timeout, thread_local=False)
    if token is not None:
        lock.local.token = token.encode()
    return lock


def acquire(key: str, timeout: float, token: str | None = None) -> Lock | None:
    """Take the lock ``key`` without waiting; None when someone else holds it."""
    lock = owned_lock(key, timeout)
    return lock if lock.acquire(blocking=False, token=token) else None


def acquire_many(keys: Sequence[str], timeout: float) -> dict[str, Lock]:
    """Take every free lock of ``keys`` without waiting, in one round trip; returns those taken.

    One pipelined ``SET NX PX`` per key with a fresh owner token, exactly what redis-py's
    ``Lock.acquire`` does for one, so each lock returned is an ordinary owned lock.
    """
    if not keys:
        return {}
    tokens = {key: uuid.uuid4().hex for key in keys}
    pipe = get_redis_connection("default").pipeline(transaction=False)
    milliseconds = int(timeout * 1000)
    for key, token in tokens.items():
        pipe.set(cache.make_key(key), token.encode(), nx=True, px=milliseconds)
    taken = pipe.execute()
    return {
        key: owned_lock(key, timeout, token=token)
        for (key, token), ok in zip(tokens.items(), taken, strict=True)
        if ok
    }


def _run_scripts(calls: Iterable[tuple[str, Lock, list]]) -> list:
    """Run redis-py's lock scripts (``release``, ``extend``, ``reacquire``) for many locks in
    one pipeline: each still compares the owner's token first. Returns their results (1/0)."""
    calls = list(calls)
    if not calls:
        return []
    pipe = get_redis_connection("default").pipeline(transaction=False)
    for script, lock, args in calls:
        getattr(type(lock), f"lua_{script}")(keys=[lock.name], args=[lock.local.token, *args], client=pipe)
    return pipe.execute()


def release(lock: Lock) -> bool:
    """Release ``lock`` if we still own it; a lock that timed out or changed hands stays as it is.

    Losing a lock is worth a log line, never a failed task: the work is done by then.
    """
    try:
        lock.release()
    except LockNotOwnedError:
        logger.warning("Lock %s had expired or changed owner; left as it is", lock.name)
        return False
    except LockError:  # never taken (or released twice): nothing to do
        return False
    return True


class Heartbeat:
    """Keeps a lock alive from a daemon thread while long work runs.

    A single ESI call can take minutes (a multi-page assets fetch), longer than the lock's
    timeout. Renewing every ``timeout / 3`` seconds keeps the timeout short, so that the lock
    of a killed worker (whose daemon thread dies with it) frees itself quickly. Renewal stops
    after ``max_seconds`` (the task's time limit), so a hung thread cannot hold a lock forever.
    """

    def __init__(
        self,
        lock: Lock,
        *,
        interval: float | None = None,
        max_seconds: float | None = None,
        also: Sequence[Lock] = (),
    ) -> None:
        if not lock.timeout:
            raise ValueError("a heartbeat needs a lock with a timeout")
        self.lock = lock
        #: locks renewed on the side (a running task's queue marker): losing one is no error
        self.also = list(also)
        self.interval = interval if interval is not None else lock.timeout / 3
        self.max_seconds = max_seconds
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {self.lock.name}", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check(self) -> None:
        """Raise :class:`LockLost` if the lock could not be renewed."""
        if self.lost:
            raise LockLost(f"lost the lock {self.lock.name}")

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds if self.max_seconds else None
        while not self._stop.wait(self.interval):
            if deadline is not None and time.monotonic() >= deadline:
                logger.warning("Lock %s: stopped renewing after %s s", self.lock.name, self.max_seconds)
                return
            try:
                self.lock.reacquire()
            except LockError:  # expired or taken over: tell the work, stop renewing
                self.lost = True
                logger.warning("Lock %s was lost while its work ran", self.lock.name)
                return
            except RedisError as exc:  # a blip of the cache: the next beat tries again
                logger.warning("Lock %s could not be renewed: %s", self.lock.name, exc)
            for other in list(self.also):
                try:
                    other.reacquire()
                except (LockError, RedisError):  # at worst a second copy gets queued
                    self.also.remove(other)


class KeepAlive:
    """Keeps several locks alive from one daemon thread, one round trip per renewal.

    A task that updates several sections of a character holds one lock per section while
    its sections wait their turn and run. ``held`` are those locks, by name: one that cannot
    be renewed (timed out, taken over) is *lost*, and :meth:`check` raises :class:`LockLost`
    for it, so that its update stops writing; the others go on. ``also`` are locks renewed on
    the side (the running task's queue markers): losing one is no error. A lock the work is
    done with is :meth:`drop`-ped before it is released. Like :class:`Heartbeat`, renewal
    stops after ``max_seconds`` (the task's time limit).
    """

    def __init__(
        self,
        held: Mapping[str, Lock],
        *,
        also: Iterable[Lock] = (),
        interval: float | None = None,
        max_seconds: float | None = None,
    ) -> None:
        self.held = dict(held)
        self.also = list(also)
        timeouts = [lock.timeout for lock in (*self.held.values(), *self.also)]
        if not timeouts or not all(timeouts):
            raise ValueError("keeping locks alive needs locks with a timeout")
        self.interval = interval if interval is not None else min(timeouts) / 3
        self.max_seconds = max_seconds
        self.lost: set[str] = set()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> KeepAlive:
        self._thread = threading.Thread(target=self._run, name="keep-alive", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check(self, name: str) -> None:
        """Raise :class:`LockLost` if the lock ``name`` could not be renewed."""
        if name in self.lost:
            raise LockLost(f"lost the lock {name}")

    def drop(self, name: str) -> None:
        """Stop renewing the lock ``name`` (its work is done; the caller releases it)."""
        with self._guard:
            self.held.pop(name, None)

    def renew(self) -> None:
        """One renewal of every lock still held (the thread calls this every ``interval``)."""
        with self._guard:
            held = list(self.held.items())
            also = list(self.also)
        calls = [("reacquire", lock, [int(lock.timeout * 1000)]) for _, lock in held]
        calls += [("reacquire", lock, [int(lock.timeout * 1000)]) for lock in also]
        try:
            results = _run_scripts(calls)
        except RedisError as exc:  # a blip of the cache: the next renewal tries again
            logger.warning("Could not renew %d lock(s): %s", len(calls), exc)
            return
        with self._guard:
            for (name, lock), ok in zip(held, results[: len(held)], strict=True):
                if not ok and name in self.held:  # expired or taken over: tell the work
                    self.lost.add(name)
                    self.held.pop(name, None)
                    logger.warning("Lock %s was lost while its work ran", lock.name)
            for lock, ok in zip(also, results[len(held) :], strict=True):
                if not ok and lock in self.also:  # at worst a second copy gets queued
                    self.also.remove(lock)

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds if self.max_seconds else None
        while not self._stop.wait(self.interval):
            if deadline is not None and time.monotonic() >= deadline:
                logger.warning("Stopped renewing locks after %s s", self.max_seconds)
                return
            self.renew()


# --- queue markers -------------------------------------------------------------------------


def queued_key(character_pk: int, section: str, *, force: bool = False) -> str:
    """Marker of a queued (character, section) task; forced updates have a marker of their own."""
    kind = "queued-force" if force else "queued"
    return f"memberaudit:{kind}:{character_pk}:{section}"


def claim_queued(
    character_pk: int, section: str, task_id: str, timeout: float, *, force: bool = False
) -> bool:
    """Mark the section as queued by ``task_id``; False when a copy is queued already."""
    return acquire(queued_key(character_pk, section, force=force), timeout, token=task_id) is not None


def claim_many_queued(
    claims: Sequence[tuple[int, str, str]], timeout: float, *, force: bool = False
) -> list[bool]:
    """:func:`claim_queued` for many ``(character_pk, section, task_id)`` in one round trip.

    The beat claims every due pair of a chunk at once, ``update_character`` every section of
    its character: one pipelined ``SET NX PX`` per marker, exactly what redis-py's lock does
    for one (same key, same token as value), so :func:`release_queued` and
    :func:`running_markers` treat these markers like any other. One task id may own the
    markers of several sections: the task that updates them all.
    """
    if not claims:
        return []
    client = get_redis_connection("default")
    milliseconds = int(timeout * 1000)
    pipe = client.pipeline(transaction=False)
    for character_pk, section, task_id in claims:
        pipe.set(
            cache.make_key(queued_key(character_pk, section, force=force)),
            task_id.encode(),
            nx=True,
            px=milliseconds,
        )
    return [bool(result) for result in pipe.execute()]


def extend_queued(
    character_pk: int, section: str, task_id: str, seconds: float, *, force: bool = False
) -> None:
    """Keep the marker for ``seconds`` more (a retry waits), if it is still ``task_id``'s."""
    lock = owned_lock(queued_key(character_pk, section, force=force), seconds, token=task_id)
    try:
        lock.extend(seconds, replace_ttl=True)
    except LockError:  # expired or never claimed (a direct call): nothing to keep
        pass


def running_marker(character_pk: int, section: str, task_id: str, seconds: float) -> Lock | None:
    """The marker of ``task_id``, shortened to ``seconds``; None if the task holds no marker.

    The caller keeps it alive (a :class:`Heartbeat`) while the update runs.
    """
    lock = owned_lock(queued_key(character_pk, section), seconds, token=task_id)
    try:
        lock.extend(seconds, replace_ttl=True)
    except LockError:  # expired, taken over or sent without a marker
        return None
    return lock


def running_markers(
    character_pk: int, sections: Sequence[str], task_id: str, seconds: float
) -> dict[str, Lock]:
    """:func:`running_marker` for several sections of one task, in one round trip."""
    markers = {name: owned_lock(queued_key(character_pk, name), seconds, token=task_id) for name in sections}
    results = _run_scripts(("extend", lock, [int(seconds * 1000), 1]) for lock in markers.values())
    return {name: lock for (name, lock), ok in zip(markers.items(), results, strict=True) if ok}


def extend_many_queued(character_pk: int, sections: Sequence[str], task_id: str, seconds: float) -> None:
    """:func:`extend_queued` for several sections of one task (a retry waits), in one round trip."""
    _run_scripts(
        (
            "extend",
            owned_lock(queued_key(character_pk, name), seconds, token=task_id),
            [int(seconds * 1000), 1],
        )
        for name in sections
    )


def release_many_queued(
    character_pk: int, sections: Sequence[str], task_id: str, *, force: bool = False
) -> None:
    """:func:`release_queued` for several sections, in one round trip."""
    _run_scripts(
        ("release", owned_lock(queued_key(character_pk, name, force=force), None, token=task_id), [])
        for name in sections
    )


def release_queued(character_pk: int, section: str, task_id: str, *, force: bool = False) -> None:
    """Clear the marker if ``task_id`` holds it (a task sent without a marker clears nothing)."""
    lock = owned_lock(queued_key(character_pk, section, force=force), None, token=task_id)
    try:
        lock.release()
    except LockError:
        pass
