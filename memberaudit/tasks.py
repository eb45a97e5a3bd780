"""Celery tasks: orchestration only — what is stale, what to queue, priorities and retries.

The work itself is in ``memberaudit.sections.engine``. One message per character: the beat and
``update_character`` send ``update_sections`` with every due section of the character, which
then share one load of the character, its status rows and tokens (``engine.update_sections``);
``update_section`` remains for single sections (triggered sections, one section forced).
The rules that keep the queue bounded:

- at most one queued copy of each (character, section): a marker (``sections.locks``) is
  claimed before a task is sent and cleared by that task when the section ends; a forced
  update has a marker of its own, cleared when it starts, so forcing twice never piles up copies;
- the periodic run queues nothing while ESI is paused, never overlaps itself, and skips
  sections whose token is dead until a newer token arrives;
- a task waiting for ESI retries a bounded number of times with exponential back-off and
  jitter, then marks its section and leaves it to the next run;
- a failed section is due again after a short back-off (``core.staleness``), not its ring.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import shared_task
from celery.utils import uuid
from celery.utils.time import get_exponential_backoff_interval

from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from esi.models import Token

from memberaudit import app_settings
from memberaudit.compliance import update_compliance_groups
from memberaudit.core.staleness import is_retry_due, is_stale, is_token_retry_due, spread_offset
from memberaudit.esi import budget
from memberaudit.esi.budget import EsiPaused
from memberaudit.models import Character, SectionStatus, runs
from memberaudit.models.characters import checked_at_expression
from memberaudit.sections import engine, locks, registry

logger = logging.getLogger(__name__)

#: Celery priorities (0 highest, 9 lowest): what a user asked for runs before periodic work
PRIORITY_USER = 3
PRIORITY_PERIODIC = 6
#: run_regular_updates reads and queues this many characters at a time
CHUNK_SIZE = 1000
#: outcomes that count as a failure in a row / that end such a streak
_FAILED = frozenset({"error", "route_down"})
_SUCCEEDED = frozenset({"changed", "unchanged"})


stale_minutes = registry.stale_minutes


# --- what is due --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """What the periodic run needs to know of an updatable character (three integers)."""

    pk: int
    character_id: int
    user_id: int | None


def _failures_key(character_pk: int, section: str) -> str:
    return f"memberaudit:failures:{character_pk}:{section}"


def _remember_outcome(character_pk: int, section: str, outcome: str) -> None:
    """Count failures in a row in the cache (the back-off grows with them); a success ends the streak."""
    key = _failures_key(character_pk, section)
    if outcome in _FAILED:
        cache.add(key, 0, timeout=engine.HEARTBEAT_TTL)
        try:
            cache.incr(key)
        except ValueError:  # evicted in between: the next failure counts again
            pass
    elif outcome in _SUCCEEDED:
        cache.delete(key)


def _timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def due_sections(characters: Sequence[Candidate], now: float | None = None) -> list[tuple[Candidate, str]]:
    """Every due (character, section) pair of one chunk of characters, decided in bulk.

    Reads the cache's heartbeats (one round trip per 2,000 pairs), then one query for the
    status rows that matter (sections in error, and every section of a character whose
    heartbeats the cache lost), and, only if some section has a token problem, one query
    for the characters' newest tokens. A healthy character costs no database row at all.
    """
    now = now or time.time()
    names = registry.names()
    minutes = {name: stale_minutes(name) for name in names}
    pks = [c.pk for c in characters]
    checks = engine.last_checks(pks, names)
    missing = {pk for pk in pks if any((pk, name) not in checks for name in names)}
    in_trouble = ~Q(error_message="") | Q(is_token_error=True) | Q(is_route_down=True)
    rows = (
        SectionStatus.objects.filter(character_id__in=pks)
        .filter(in_trouble | Q(character_id__in=missing))
        .annotate(
            has_error=ExpressionWrapper(~Q(error_message=""), output_field=BooleanField()),
            checked_at=checked_at_expression(),
        )
        .values(
            "character_id",
            "section",
            "checked_at",
            "last_attempt_at",
            "not_before",
            "has_error",
            "is_token_error",
            "is_route_down",
        )
    )
    statuses = {(row["character_id"], row["section"]): row for row in rows}

    failed = [
        key
        for key, row in statuses.items()
        if (row["has_error"] or row["is_route_down"]) and not row["is_token_error"]
    ]
    failures = cache.get_many([_failures_key(*key) for key in failed]) if failed else {}
    newest_tokens: dict[tuple[int, int | None], float] = {}
    if any(row["is_token_error"] for row in statuses.values()):
        ids = {c.character_id for c in characters}
        for row in (
            Token.objects.filter(character_id__in=ids)
            .values("character_id", "user_id")
            .annotate(newest=Max("created"))
            .order_by()
        ):
            newest_tokens[(row["character_id"], row["user_id"])] = row["newest"].timestamp()

    base = float(app_settings.get("MEMBERAUDIT_UPDATE_RETRY_MINUTES"))
    due = []
    for character in characters:
        for name in names:
            row = statuses.get((character.pk, name))
            if row is not None and row["is_token_error"]:
                newest = newest_tokens.get((character.character_id, character.user_id))
                is_due = is_token_retry_due(_timestamp(row["last_attempt_at"]), newest)
            elif row is not None and (row["has_error"] or row["is_route_down"]):
                count = int(failures.get(_failures_key(character.pk, name)) or 1)
                is_due = is_retry_due(now, _timestamp(row["last_attempt_at"]), count, base, minutes[name])
            else:
                if (character.pk, name) in checks:
                    checked, not_before = checks[(character.pk, name)]
                elif row is not None:  # the cache lost the heartbeat: the database remembers
                    checked, not_before = _timestamp(row["checked_at"]), _timestamp(row["not_before"])
                else:
                    checked, not_before = None, None
                is_due = is_stale(now, checked, not_before, minutes[name])
            if is_due:
                due.append((character, name))
    return due


def stale_sections(characters: Sequence[Character], now: float | None = None) -> list[tuple[Character, str]]:
    """:func:`due_sections` for callers that hold Character objects."""
    by_pk = {c.pk: c for c in characters}
    candidates = [Candidate(c.pk, c.character_id, c.user.pk if c.user else None) for c in characters]
    return [(by_pk[c.pk], name) for c, name in due_sections(candidates, now)]


def updatable_chunks(size: int | None = None) -> Iterator[list[Candidate]]:
    """The updatable characters, ``size`` at a time, as three integers each.

    Keyset pagination (``pk > last``) rather than ``.iterator()``: no cursor stays open while
    the chunk's tasks are queued (eager tasks query the same connection), and MySQL's driver
    would load a whole ``.iterator()`` result into memory anyway.
    """
    size = size or CHUNK_SIZE
    queryset = Character.objects.updatable().order_by("pk")
    last = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last).values_list(
                "pk", "eve_character__character_id", "eve_character__character_ownership__user_id"
            )[:size]
        )
        if not rows:
            return
        yield [Candidate(*row) for row in rows]
        last = rows[-1][0]


# --- queuing --------------------------------------------------------------------------------


def spread_seconds() -> int:
    """The window over which ``run_regular_updates`` spreads what it queues."""
    return int(app_settings.get("MEMBERAUDIT_UPDATE_SPREAD_SECONDS"))


def _marker_seconds() -> int:
    """How long the marker of a waiting copy lives: the spread window plus the task's time limit.

    A copy that waited longer than that in the queue may get a second one; that bounds the
    queue at one copy per pair per marker lifetime even when a worker lost its messages.
    Once the copy runs, its marker lives only ``engine.LOCK_SECONDS`` and is renewed while
    the update runs, so the sections of a killed worker are queued again by the next beat.
    """
    return spread_seconds() + int(app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))


def _claim(character_pk: int, section: str, *, force: bool = False) -> str | None:
    """Claim the queue marker; returns the task id to send with, None when a copy is queued."""
    task_id = uuid()
    if locks.claim_queued(character_pk, section, task_id, _marker_seconds(), force=force):
        return task_id
    return None


def _dispatch(
    task: Any,
    args: tuple,
    release: Callable[[], Any],
    task_id: str,
    *,
    force: bool,
    priority: int,
    countdown: int | None,
    run_id: str | None,
) -> None:
    """Send ``task`` under ``task_id`` (which holds the queue markers); ``release`` frees them
    when the broker refuses: nothing is queued then, so nothing may claim to be."""
    kwargs: dict = {"force": force}
    if run_id:
        kwargs["run_id"] = run_id
    try:
        task.apply_async(args=args, kwargs=kwargs, priority=priority, countdown=countdown, task_id=task_id)
    except Exception:
        release()
        raise


def _send(
    character_pk: int,
    section: str,
    task_id: str,
    *,
    force: bool = False,
    priority: int,
    countdown: int | None = None,
    run_id: str | None = None,
) -> None:
    """Send one ``update_section`` message for the section whose marker ``task_id`` holds."""
    _dispatch(
        update_section,
        (character_pk, section),
        lambda: locks.release_queued(character_pk, section, task_id, force=force),
        task_id,
        force=force,
        priority=priority,
        countdown=countdown,
        run_id=run_id,
    )


def queue_section(
    character_pk: int, section: str, *, force: bool = False, priority: int = PRIORITY_USER
) -> bool:
    """Queue an update of one section unless a copy is queued already; True when queued.

    A forced update bypasses the marker of a normal copy but has its own: at most one forced
    copy waits in the queue.
    """
    task_id = _claim(character_pk, section, force=force)
    if task_id is None:
        return False
    _send(character_pk, section, task_id, force=force, priority=priority)
    return True


def _send_sections(
    character_pk: int,
    sections: list[str],
    task_id: str,
    *,
    force: bool = False,
    priority: int,
    countdown: int | None = None,
    run_id: str | None = None,
) -> None:
    """Send one ``update_sections`` message for sections whose markers ``task_id`` holds."""
    _dispatch(
        update_sections,
        (character_pk, sections),
        lambda: locks.release_many_queued(character_pk, sections, task_id, force=force),
        task_id,
        force=force,
        priority=priority,
        countdown=countdown,
        run_id=run_id,
    )


def queue_sections(
    character_pk: int, sections: list[str], *, force: bool = False, priority: int = PRIORITY_USER
) -> int:
    """Queue one update of those of ``sections`` that have no copy queued yet; returns how many.

    The markers are claimed in one round trip, all by the one task that will update them.
    """
    task_id = uuid()
    names = list(dict.fromkeys(sections))
    taken = locks.claim_many_queued(
        [(character_pk, name, task_id) for name in names], _marker_seconds(), force=force
    )
    claimed = [name for name, ok in zip(names, taken, strict=True) if ok]
    if claimed:
        _send_sections(character_pk, claimed, task_id, force=force, priority=priority)
    return len(claimed)


def character_spread_offset(character_id: int, window_seconds: int) -> int:
    """Where in the spread window a character's message goes: stable per character."""
    return spread_offset(character_id, "update_sections", window_seconds)


def run_order(sections: list[str]) -> list[str]:
    """``sections`` in the order one task runs them: a section after those that trigger it
    and after those it reads.

    A section that changed queues the sections it triggers; when those are in the same task
    they run after it and see its new data, so no extra message is needed. A section that
    reads another's data (location, ship, skills and skill queue read the online status) sees it fresh.
    """
    names = set(sections)
    triggered_by: dict[str, set[str]] = {name: set() for name in names}
    for name in names:
        for dependent in registry.get(name).triggers:
            if dependent in names:
                triggered_by[dependent].add(name)
        triggered_by[name].update(set(registry.get(name).reads) & names)

    depth: dict[str, int] = {}

    def depth_of(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in depth:
            parents = triggered_by[name] - seen - {name}
            depth[name] = 1 + max((depth_of(p, seen | {name}) for p in parents), default=-1)
        return depth[name]

    position = {name: index for index, name in enumerate(registry.names())}
    return sorted(names, key=lambda name: (depth_of(name), position.get(name, len(position)), name))


def retry_countdown(exc: EsiPaused, retries: int) -> int:
    """Seconds until a paused task retries: the pause, plus exponential back-off with full jitter.

    Celery computes the back-off (``get_exponential_backoff_interval``); the jitter keeps the
    tasks of one pause from coming back together.
    """
    backoff = get_exponential_backoff_interval(
        factor=int(app_settings.get("MEMBERAUDIT_TASKS_RETRY_BACKOFF")),
        retries=retries,
        maximum=int(app_settings.get("MEMBERAUDIT_TASKS_RETRY_BACKOFF_MAX")),
        full_jitter=True,
    )
    return exc.countdown() + backoff


def _give_up(character_pk: int, section: str, retries: int, exc: EsiPaused) -> engine.UpdateResult:
    """Mark the section after the last retry; it is due again after the error back-off.

    A token problem recorded before is kept: it says more than the pause does.
    """
    message = _("gave up after %(retries)d retries: %(error)s") % {"retries": retries, "error": exc}
    fields = {"last_attempt_at": timezone.now(), "error_message": message[:2000]}
    status, created = SectionStatus.objects.get_or_create(
        character_id=character_pk, section=section, defaults=fields
    )
    if not created and not status.is_token_error:
        SectionStatus.objects.filter(pk=status.pk).update(**fields)
    logger.warning("%s/%s: %s", character_pk, section, message)
    return engine.UpdateResult(section, "error", message=message)


# --- tasks ------------------------------------------------------------------------------------


@shared_task(bind=True, acks_late=True, time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def update_section(
    self, character_pk: int, section: str, force: bool = False, run_id: str | None = None
) -> dict:
    """Update one section of one character; waits out ESI pauses by retrying a bounded number of times.

    ``run_id`` is set by ``run_regular_updates``: the task then counts itself into that run's
    statistics (in the cache, see ``models.runs``) when it ends. The task clears its queue
    marker when it ends (a forced one when it starts), unless it is retrying.
    """
    started = time.perf_counter()
    task_id = self.request.id
    if force:  # from now on a new forced copy may be queued: this one no longer waits
        locks.release_queued(character_pk, section, task_id, force=True)
    retrying = False
    try:
        try:
            character = Character.objects.select_related("eve_character__character_ownership").get(
                pk=character_pk
            )
        except Character.DoesNotExist:
            result = engine.UpdateResult(section, "skipped", message="character is gone")
        else:
            # a running copy keeps its marker only as long as its section lock: renewed with
            # it, gone soon after a killed worker, so the next beat queues the section again
            marker = (
                None if force else locks.running_marker(character_pk, section, task_id, engine.LOCK_SECONDS)
            )
            try:
                result = engine.update_section(
                    character, section, force=force, keep_alive=(marker,) if marker else ()
                )
            except EsiPaused as exc:
                retries = self.request.retries
                limit = int(app_settings.get("MEMBERAUDIT_TASKS_MAX_RETRIES"))
                if getattr(self.request, "is_eager", False):
                    # in-process (eager) runs cannot wait: the next periodic run picks it up
                    result = engine.UpdateResult(section, "skipped", message=str(exc))
                elif retries < limit:
                    countdown = retry_countdown(exc, retries)
                    logger.info(
                        "%s/%s: %s, retry %d in %d s", character, section, exc, retries + 1, countdown
                    )
                    if not force:
                        locks.extend_queued(character_pk, section, task_id, countdown + _marker_seconds())
                    retrying = True
                    raise self.retry(countdown=countdown, exc=exc, max_retries=limit)
                else:
                    result = _give_up(character_pk, section, retries, exc)
        _remember_outcome(character_pk, section, result.outcome)
        if run_id:
            runs.record_section_done(
                run_id, registry.get(section).ring, result.outcome, time.perf_counter() - started
            )
        priority = (self.request.delivery_info or {}).get("priority") or PRIORITY_PERIODIC
        if result.outcome == "changed":
            for dependent in registry.get(section).triggers:
                queue_section(character_pk, dependent, priority=priority)
        if result.related:
            resolve_related_ids.apply_async(
                kwargs={
                    **{key: sorted(value) for key, value in result.related.items()},
                    "character_pk": character_pk,
                },
                priority=priority,
            )
        return {"section": result.section, "outcome": result.outcome, "message": result.message}
    finally:
        if not retrying and not force:
            locks.release_queued(character_pk, section, task_id)


@shared_task(bind=True, acks_late=True, time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def update_sections(
    self, character_pk: int, sections: list[str], force: bool = False, run_id: str | None = None
) -> dict:
    """Update several sections of one character, sharing what they can (one task per character).

    The beat and ``update_character`` send this with every due section of a character. The
    engine loads the character, the status rows and the tokens once for all of them; each
    section keeps its own errors. The task holds the queue marker of every section it was
    sent with: shortened to the section lock's life and renewed with the locks while it
    runs, and cleared as each section ends. Sections that meet an ESI pause are retried
    (only they) a bounded number of times with back-off and jitter, then marked.
    ``run_id`` counts each section into the statistics of the run that queued it.
    """
    task_id = self.request.id
    known = set(registry.names())
    unknown = [name for name in sections if name not in known]
    if unknown:  # sent by an older or newer version: nothing can update them here
        logger.warning("%s: unknown sections %s skipped", character_pk, ", ".join(unknown))
        locks.release_many_queued(character_pk, unknown, task_id, force=force)
    names = run_order([name for name in sections if name in known])
    if force:  # from now on a new forced copy may be queued: this one no longer waits
        locks.release_many_queued(character_pk, names, task_id, force=True)
    priority = (self.request.delivery_info or {}).get("priority") or PRIORITY_PERIODIC
    open_markers = set() if force else set(names)
    to_come = set(names)
    related: dict[str, set[int]] = {}
    outcomes: list[dict] = []
    started = {"at": time.perf_counter()}

    def done(result: engine.UpdateResult) -> None:
        """Everything that follows the end of one section, before the next one starts."""
        elapsed = time.perf_counter() - started["at"]
        started["at"] = time.perf_counter()
        to_come.discard(result.section)
        _remember_outcome(character_pk, result.section, result.outcome)
        if run_id:
            runs.record_section_done(run_id, registry.get(result.section).ring, result.outcome, elapsed)
        if result.section in open_markers:  # the next beat may queue the section again
            open_markers.discard(result.section)
            locks.release_queued(character_pk, result.section, task_id)
        if result.outcome == "changed":
            for dependent in registry.get(result.section).triggers:
                if dependent not in to_come:  # one still to come in this task sees the change
                    queue_section(character_pk, dependent, priority=priority)
        for key, value in result.related.items():
            related.setdefault(key, set()).update(value)
        outcomes.append(
            {
                "section": result.section,
                "outcome": result.outcome,
                "message": result.message,
                "cpu_s": round(result.cpu_seconds, 6),
            }
        )

    retrying = False
    try:
        try:
            character = Character.objects.select_related("eve_character__character_ownership").get(
                pk=character_pk
            )
        except Character.DoesNotExist:
            for name in names:
                done(engine.UpdateResult(name, "skipped", message="character is gone"))
            return {"character_pk": character_pk, "sections": outcomes}
        # running copies keep their markers only as long as the section locks: renewed with
        # them, gone soon after a killed worker, so the next beat queues the sections again
        markers = {} if force else locks.running_markers(character_pk, names, task_id, engine.LOCK_SECONDS)
        batch = engine.update_sections(
            character, names, force=force, keep_alive=list(markers.values()), on_done=done
        )
        if batch.paused is not None:
            exc, retries = batch.paused, self.request.retries
            limit = int(app_settings.get("MEMBERAUDIT_TASKS_MAX_RETRIES"))
            if getattr(self.request, "is_eager", False):
                # in-process (eager) runs cannot wait: the next periodic run picks them up
                for name in batch.pending:
                    done(engine.UpdateResult(name, "skipped", message=str(exc)))
            elif retries < limit:
                countdown = retry_countdown(exc, retries)
                logger.info(
                    "%s: %s, retry %d of %s in %d s", character, exc, retries + 1, batch.pending, countdown
                )
                if not force:
                    locks.extend_many_queued(
                        character_pk, batch.pending, task_id, countdown + _marker_seconds()
                    )
                retrying = True
                _resolve(related, character_pk, priority)
                kwargs = {"force": force, **({"run_id": run_id} if run_id else {})}
                raise self.retry(
                    args=(character_pk, batch.pending),
                    kwargs=kwargs,
                    countdown=countdown,
                    exc=exc,
                    max_retries=limit,
                )
            else:
                for name in batch.pending:
                    done(_give_up(character_pk, name, retries, exc))
        _resolve(related, character_pk, priority)
        return {"character_pk": character_pk, "sections": outcomes}
    finally:
        if not retrying and open_markers:  # only after an unexpected error: free the rest
            locks.release_many_queued(character_pk, sorted(open_markers), task_id)


def _resolve(related: dict[str, set[int]], character_pk: int, priority: int) -> None:
    """One resolver task for every id the task's sections refer to."""
    if related:
        resolve_related_ids.apply_async(
            kwargs={**{key: sorted(value) for key, value in related.items()}, "character_pk": character_pk},
            priority=priority,
        )


@shared_task
def update_character(
    character_pk: int, force: bool = False, sections: list[str] | None = None, priority: int = PRIORITY_USER
) -> int:
    """Queue an update of every (or the given) section of one character; returns how many were queued.

    One ``update_sections`` message for all of them. A section with a copy in the queue
    already is not queued again: that copy does the work.
    """
    return queue_sections(character_pk, list(sections or registry.names()), force=force, priority=priority)


@shared_task
def update_all_characters(force: bool = False, priority: int = PRIORITY_PERIODIC) -> int:
    """Queue an update of every section of every updatable character."""
    count = 0
    for pk in Character.objects.updatable().values_list("pk", flat=True):
        count += update_character(pk, force=force, priority=priority)
    return count


def _paused() -> EsiPaused | None:
    try:
        budget.check()
    except EsiPaused as exc:
        return exc
    return None


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_REGULAR_UPDATES_TIME_LIMIT"))
def run_regular_updates() -> int:
    """The periodic task: prune old history, then queue what is due, spread over the next minutes.

    Returns how many sections it queued. Queues nothing while ESI work is paused (the tasks
    would only wait in the queue) and nothing while another run still holds the beat lock.
    """
    if pause := _paused():
        logger.info("Nothing queued: %s", pause)
        return 0
    time_limit = int(app_settings.get("MEMBERAUDIT_REGULAR_UPDATES_TIME_LIMIT"))
    # short-lived and renewed while the run goes on: a worker killed mid-run blocks the
    # beats after it for a minute at most, not for the whole time limit
    beat_lock = locks.acquire(locks.BEAT_LOCK_KEY, engine.LOCK_SECONDS)
    if beat_lock is None:
        logger.warning("Nothing queued: the previous run_regular_updates is still running")
        return 0
    try:
        with locks.Heartbeat(beat_lock, max_seconds=time_limit):
            if app_settings.get("MEMBERAUDIT_LOG_UPDATE_STATS"):
                log_last_run_stats()
            prune_history.apply_async(priority=PRIORITY_PERIODIC)
            expire_shares.apply_async(priority=PRIORITY_PERIODIC)
            flush_section_checks.apply_async(priority=PRIORITY_PERIODIC)
            update_compliance_groups.apply_async(priority=PRIORITY_PERIODIC)
            # stop in time even where Celery cannot enforce the limit (thread pools)
            return _queue_due_sections(deadline=time.monotonic() + time_limit * 0.9)
    finally:
        locks.release(beat_lock)


def _queue_due_sections(deadline: float) -> int:
    """Queue the due sections chunk by chunk, each pair once, into one recorded run.

    One ``update_sections`` message per character with due sections, spread over the window
    by character. Returns how many sections were queued.
    """
    rings = {name: registry.get(name).ring for name in registry.names()}
    recorder = runs.RunRecorder(
        {ring: app_settings.stale_minutes_for_ring(ring) for ring in set(rings.values())}
    )
    queued = characters = 0
    window = spread_seconds()
    try:
        for chunk in updatable_chunks():
            if time.monotonic() > deadline:
                logger.warning("Stopped queuing after %d characters: the time limit is near", characters)
                break
            if pause := _paused():
                logger.info("Stopped queuing after %d characters: %s", characters, pause)
                break
            # one message per character, its task id owning the markers of its due sections
            due = due_sections(chunk)
            task_ids = {character.pk: uuid() for character, _ in due}
            # one round trip claims the markers of the whole chunk
            taken = locks.claim_many_queued(
                [(c.pk, name, task_ids[c.pk]) for c, name in due], _marker_seconds()
            )
            claimed = [pair for pair, ok in zip(due, taken, strict=True) if ok]
            recorder.count_in((character.pk, rings[name]) for character, name in claimed)
            by_character: dict[int, tuple[Candidate, list[str]]] = {}
            for character, name in claimed:
                by_character.setdefault(character.pk, (character, []))[1].append(name)
            messages = list(by_character.values())
            for index, (character, names) in enumerate(messages):
                try:
                    _send_sections(
                        character.pk,
                        names,
                        task_ids[character.pk],
                        priority=PRIORITY_PERIODIC,
                        countdown=character_spread_offset(character.character_id, window),
                        run_id=recorder.run_id,
                    )
                except Exception:
                    # the broker refused: sections not sent yet must not keep their markers
                    # (they would block the next beats for hours with no message behind them)
                    for later, later_names in messages[index + 1 :]:
                        locks.release_many_queued(later.pk, later_names, task_ids[later.pk])
                    raise
            queued += len(claimed)
            characters += len(chunk)
    finally:
        recorder.close()
    logger.info("Queued %d due sections of %d characters", queued, characters)
    return queued


def log_last_run_stats() -> None:
    """Log the statistics of the last run of every ring (``MEMBERAUDIT_LOG_UPDATE_STATS``)."""
    for ring in (1, 2, 3):
        run = runs.last_run(ring)
        if run is not None:
            logger.info("Update stats of ring %d: %s", ring, json.dumps(run.as_dict()))


@shared_task(bind=True)
def resolve_related_ids(self, types=(), entities=(), locations=(), character_pk: int | None = None) -> None:
    """Load EVE types, entities and locations that synced data refers to.

    Waits out ESI pauses like ``update_section``; after the last retry the ids stay
    unresolved until a later update of the section refers to them again.
    """
    from memberaudit.sections import resolver

    try:
        resolver.resolve(types=types, entities=entities, locations=locations, character_pk=character_pk)
    except EsiPaused as exc:
        if getattr(self.request, "is_eager", False):
            raise
        retries = self.request.retries
        limit = int(app_settings.get("MEMBERAUDIT_TASKS_MAX_RETRIES"))
        if retries >= limit:
            logger.warning(
                "Gave up resolving ids of character %s after %d retries: %s", character_pk, retries, exc
            )
            return
        raise self.retry(countdown=retry_countdown(exc, retries), exc=exc, max_retries=limit)


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def flush_section_checks() -> int:
    """Write the check times the cache holds to the database, in bulk (``sections.heartbeats``)."""
    return engine.flush_checks()


@shared_task
def prune_history() -> dict[str, int]:
    """Delete history older than MEMBERAUDIT_DATA_RETENTION_LIMIT days."""
    from memberaudit.sections import retention

    deleted = retention.prune()
    if any(deleted.values()):
        logger.info("Retention: deleted %s", deleted)
    return deleted


@shared_task
def expire_shares() -> int:
    """End the shares older than MEMBERAUDIT_SHARING_TIMEOUT days and tell their owners."""
    from memberaudit import sharing

    return sharing.expire_shares()


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def generate_export(topic: str) -> int:
    """Make the zipped CSV export of ``topic`` for the exports page; returns its row count."""
    from memberaudit import exports

    return exports.run_job(exports.get_topic(topic))


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def delete_characters(character_pks: list[int]) -> int:
    """Delete characters with all their data, section by section (admin action).

    Big tables (assets, journal) are emptied by each section's ``reset`` first, so the final
    delete of the character does not collect millions of rows in memory.
    """
    deleted = 0
    for character in Character.objects.filter(pk__in=character_pks).select_related("eve_character"):
        for section in registry.all_sections():
            section.reset(character)
        name = character.name
        character.delete()
        deleted += 1
        logger.info("Deleted character %s and all its data", name)
    return deleted
