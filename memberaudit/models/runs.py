"""Records of the periodic update runs, per ring — kept in the cache, not in a table.

``run_regular_updates`` records a run (``RunRecorder``) while it queues chunk by chunk: for
every ring with due sections, how many sections of how many characters it queued. Each queued
``update_section`` task counts itself done when it ends. The counting is a few ``cache.incr`` /
``cache.decr`` calls, so the engine's promise holds: an unchanged section still costs no
database write. The run of a ring is finished when its last section is done;
``memberaudit_stats`` reports it and ``MEMBERAUDIT_LOG_UPDATE_STATS`` logs it when the next
run starts.

The cache is Redis in production; losing it only loses these statistics.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from django.core.cache import cache

#: how long run records are kept
RUN_TTL = 14 * 24 * 3600
#: runs kept per ring
HISTORY_LENGTH = 10
#: outcomes of ``engine.update_section`` that are counted
OUTCOMES = ("changed", "unchanged", "error", "token_error", "route_down", "skipped")

_PREFIX = "memberaudit:runs"


def _history_key(ring: int) -> str:
    return f"{_PREFIX}:ring:{ring}"


def _counter_key(run_id: str, ring: int, name: str) -> str:
    return f"{_PREFIX}:{run_id}:{ring}:{name}"


@dataclass
class RingRun:
    """One run of one ring: what was queued and how far it got."""

    run_id: str
    ring: int
    started_at: float
    queued: int
    characters: int
    cycle_minutes: int
    done: int = 0
    busy_seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    finished_at: float | None = None

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def duration_seconds(self) -> float | None:
        """From the start of the run to its last finished section; None while it runs."""
        if self.finished_at is None:
            return None
        return max(0.0, self.finished_at - self.started_at)

    @property
    def characters_per_hour(self) -> float | None:
        duration = self.duration_seconds
        if duration is None:
            return None
        return round(self.characters * 3600 / max(duration, 1.0), 1)

    def completed_in_cycle(self, now: float | None = None) -> bool | None:
        """Finished within the ring's cycle? None while running and still within it."""
        cycle = self.cycle_minutes * 60
        if self.finished_at is not None:
            return self.finished_at - self.started_at <= cycle
        if (now or time.time()) - self.started_at > cycle:
            return False
        return None

    @property
    def seconds_per_section(self) -> float | None:
        """Average time a worker spent on one section of this run."""
        return round(self.busy_seconds / self.done, 3) if self.done else None

    def as_dict(self, now: float | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = _iso(self.started_at)
        data["finished_at"] = _iso(self.finished_at)
        data["busy_seconds"] = round(self.busy_seconds, 3)
        data.update(
            duration_seconds=None if self.duration_seconds is None else round(self.duration_seconds, 1),
            characters_per_hour=self.characters_per_hour,
            seconds_per_section=self.seconds_per_section,
            completed_in_cycle=self.completed_in_cycle(now),
        )
        return data


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat()


class RunRecorder:
    """Records one run while ``run_regular_updates`` queues its sections chunk by chunk.

    Each ring's ``remaining`` counter starts at 1, a hold of the run itself, so that sections
    ending before the last chunk is queued cannot finish the run early; :meth:`close` lets
    go of the hold. Sections are counted in *before* they are queued, for the same reason.
    """

    def __init__(self, cycle_minutes: dict[int, int], now: float | None = None) -> None:
        self.run_id = uuid.uuid4().hex[:12]
        self.started_at = now or time.time()
        self.cycle_minutes = cycle_minutes
        self.queued: dict[int, int] = {}
        self.characters: dict[int, int] = {}
        counters: dict[str, int] = {}
        for ring in cycle_minutes:
            counters[_counter_key(self.run_id, ring, "remaining")] = 1
            counters[_counter_key(self.run_id, ring, "busy_ms")] = 0
            for outcome in OUTCOMES:
                counters[_counter_key(self.run_id, ring, outcome)] = 0
        cache.set_many(counters, timeout=RUN_TTL)

    def count_in(self, due: Iterable[tuple[int, int]]) -> None:
        """Count in one chunk's ``(character_pk, ring)`` pairs (chunks never share a character)."""
        sections: dict[int, int] = {}
        characters: dict[int, set[int]] = {}
        for character_pk, ring in due:
            sections[ring] = sections.get(ring, 0) + 1
            characters.setdefault(ring, set()).add(character_pk)
        for ring, count in sections.items():
            try:
                cache.incr(_counter_key(self.run_id, ring, "remaining"), count)
            except ValueError:  # evicted: the run goes unrecorded, the updates still run
                pass
            self.queued[ring] = self.queued.get(ring, 0) + count
            self.characters[ring] = self.characters.get(ring, 0) + len(characters[ring])

    def close(self) -> None:
        """Add the run to the history of every ring that queued something; let go of the hold."""
        idle = [ring for ring in self.cycle_minutes if not self.queued.get(ring)]
        cache.delete_many(
            [
                _counter_key(self.run_id, ring, name)
                for ring in idle
                for name in ("remaining", "busy_ms", *OUTCOMES)
            ]
        )
        for ring, queued in self.queued.items():
            record = {
                "run_id": self.run_id,
                "ring": ring,
                "started_at": self.started_at,
                "queued": queued,
                "characters": self.characters[ring],
                "cycle_minutes": int(self.cycle_minutes.get(ring, 0)),
            }
            history = [record, *(cache.get(_history_key(ring)) or [])][:HISTORY_LENGTH]
            cache.set(_history_key(ring), history, timeout=RUN_TTL)
            _count_down(self.run_id, ring)


def start_run(due: Iterable[tuple[int, int]], cycle_minutes: dict[int, int], now: float | None = None) -> str:
    """Record a new run from its due ``(character_pk, ring)`` pairs (one per queued section).

    Returns the run id that the queued tasks report back with.
    """
    due = list(due)
    recorder = RunRecorder({ring: cycle_minutes.get(ring, 0) for _, ring in due}, now=now)
    recorder.count_in(due)
    recorder.close()
    return recorder.run_id


def _count_down(run_id: str, ring: int) -> None:
    try:
        remaining = cache.decr(_counter_key(run_id, ring, "remaining"))
    except ValueError:  # the run's counters expired or were evicted: nothing to count into
        return
    if remaining <= 0:
        cache.add(_counter_key(run_id, ring, "finished_at"), time.time(), timeout=RUN_TTL)


def record_section_done(run_id: str, ring: int, outcome: str, elapsed_seconds: float) -> None:
    """Count one finished section of a run (cache only; never a database write)."""
    try:
        cache.incr(_counter_key(run_id, ring, outcome if outcome in OUTCOMES else "error"))
        cache.incr(_counter_key(run_id, ring, "busy_ms"), int(elapsed_seconds * 1000))
    except ValueError:  # the run's counters expired or were evicted: nothing to count into
        return
    _count_down(run_id, ring)


def _load(record: dict[str, Any]) -> RingRun:
    run_id, ring = record["run_id"], record["ring"]
    names = ["remaining", "busy_ms", "finished_at", *OUTCOMES]
    values = cache.get_many([_counter_key(run_id, ring, name) for name in names])
    value = {name: values.get(_counter_key(run_id, ring, name)) for name in names}
    outcomes = {name: int(value[name] or 0) for name in OUTCOMES}
    return RingRun(
        run_id=run_id,
        ring=ring,
        started_at=record["started_at"],
        queued=record["queued"],
        characters=record["characters"],
        cycle_minutes=record["cycle_minutes"],
        done=sum(outcomes.values()),
        busy_seconds=int(value["busy_ms"] or 0) / 1000,
        outcomes=outcomes,
        finished_at=value["finished_at"],
    )


def ring_runs(ring: int) -> list[RingRun]:
    """The recorded runs of ``ring``, newest first."""
    return [_load(record) for record in cache.get(_history_key(ring)) or []]


def last_run(ring: int, now: float | None = None) -> RingRun | None:
    """The newest run of ``ring`` that has ended (finished, or overran its cycle);
    the newest running one when none has ended yet."""
    runs = ring_runs(ring)
    for run in runs:
        if run.is_finished or run.completed_in_cycle(now) is False:
            return run
    return runs[0] if runs else None


def clear() -> None:
    """Forget the run history of every ring (tests)."""
    cache.delete_many([_history_key(ring) for ring in (1, 2, 3)])
