"""Run one update of one section of one character.

The rules the whole product relies on live here:

- ``fetch`` happens outside any transaction; ``store`` inside exactly one, so a failed
  update never half-writes and never deletes what was stored before.
- 304 (``NOT_MODIFIED``) or an unchanged content hash costs no database write at all: the
  "checked at" heartbeat lives in the cache, and ``heartbeats.flush_checks`` writes it to the
  database in bulk later.
- A token problem marks the section, notifies the owner once (throttled) and stops ESI
  calls for it until a new token arrives.
- Any other error keeps the last good data and records what went wrong; the next run retries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from esi.models import Token

from memberaudit import app_settings
from memberaudit.esi import budget
from memberaudit.esi.gateway import EsiError, EsiPaused, RouteDown, TokenError, TokenRevoked
from memberaudit.esi.tokens import CharacterTokens
from memberaudit.models import Character, SectionStatus

from . import heartbeats, locks, registry
from .base import NOT_MODIFIED, Changes, Section, SyncContext

if TYPE_CHECKING:
    from redis.lock import Lock

logger = logging.getLogger(__name__)

HEARTBEAT_TTL = heartbeats.HEARTBEAT_TTL
#: a lock lives this long unless renewed; a heartbeat renews it every third of that while
#: the update runs, so the lock of a killed worker frees itself within a minute
LOCK_SECONDS = 60


def lock_key_for(character_pk: int, section: str) -> str:
    """Key of the lock that lets one update of this section of this character run at a time."""
    return f"memberaudit:lock:{character_pk}:{section}"


@dataclasses.dataclass
class UpdateResult:
    section: str
    outcome: str  # changed | unchanged | error | token_error | route_down | skipped
    changes: Changes = dataclasses.field(default_factory=Changes)
    esi_calls: int = 0
    message: str = ""
    related: dict[str, set[int]] = dataclasses.field(default_factory=dict)
    #: wall and CPU time the section took (set by ``update_sections``)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


# --- heartbeats -------------------------------------------------------------------------
# "checked at" lives in the cache and reaches the database in bulk: see ``heartbeats``.
_heartbeat_key = heartbeats.heartbeat_key
record_check = heartbeats.record_check
last_checks = heartbeats.last_checks
flush_checks = heartbeats.flush_checks


# --- ESI's cache window -------------------------------------------------------------------
# ESI answers the same until its cache timer (``Expires`` / ``max-age``) runs out, so asking
# again before then costs a request (and CPU) for nothing. django-esi keeps no new expiry
# after a 304, so the engine remembers the window of each section itself, from 200 and 304
# answers alike. The key lives in django-esi's namespace (``esi_*``): whatever drops
# django-esi's cached answers (a cache flush, a test that lets the timers run out) drops the
# windows with them.


def window_key(character_pk: int, section: str) -> str:
    """Cache key holding until when ESI's cache of this section of this character holds."""
    return f"esi_memberaudit_window:{character_pk}:{section}"


def _remember_window(ctx: SyncContext, section: str) -> None:
    """Remember until when ESI's cache holds, unless the section left work for the next run."""
    expires_at = ctx.expires_at
    if expires_at is None or ctx.postponed:
        return
    character_pk = ctx.character.pk
    seconds = int(expires_at.timestamp() - timezone.now().timestamp())
    if seconds > 0:
        cache.set(window_key(character_pk, section), expires_at.timestamp(), timeout=seconds)


def cached_until(character_pk: int, section: str) -> float | None:
    """Until when (a timestamp) ESI would answer this section as it did last time; None if due."""
    value = cache.get(window_key(character_pk, section))
    return float(value) if value and value > timezone.now().timestamp() else None


# --- tokens -----------------------------------------------------------------------------


def find_token(character: Character, scopes: tuple[str, ...]) -> Token | None:
    """The newest token of the owner for this character that has all ``scopes``.

    One query (django-esi's ``require_scopes`` takes two and one join per scope), and the
    owner's id is read from the ownership row without loading the user.
    """
    ownership = character.ownership
    if ownership is None:
        return None
    qs = Token.objects.filter(character_id=character.character_id, user_id=ownership.user_id)
    if scopes:
        wanted = sorted(set(scopes))
        qs = qs.annotate(
            matching_scopes=Count("scopes", filter=Q(scopes__name__in=wanted), distinct=True)
        ).filter(matching_scopes=len(wanted))
    return qs.order_by("-created").first()


def _dead_token_key(token: Token) -> str:
    return f"memberaudit:dead-token:{token.pk}:{token.created.timestamp():.0f}"


def is_known_dead(token: Token) -> bool:
    """Whether EVE SSO refused to renew this token (as it is now: a refresh would change it)."""
    return bool(cache.get(_dead_token_key(token)))


def sections_served_by(character: Character, token: Token) -> list[str]:
    """The scoped sections for which ``token`` is the one :func:`find_token` would pick."""
    tokens = list(
        Token.objects.filter(character_id=character.character_id, user_id=token.user_id)
        .order_by("-created")
        .prefetch_related("scopes")
    )
    scopes = {t.pk: {s.name for s in t.scopes.all()} for t in tokens}
    names = []
    for section in registry.all_sections():
        if not section.scopes:
            continue
        chosen = next((t for t in tokens if set(section.scopes) <= scopes[t.pk]), None)
        if chosen is not None and chosen.pk == token.pk:
            names.append(section.name)
    return names


def record_revoked_token(character: Character, token: Token, message: str) -> None:
    """Mark every section the dead token serves as a token problem, in one transaction.

    The next runs of those sections skip ESI and the SSO entirely (their token is not newer
    than the failure), so a revoked app costs one SSO call, not one per section per run.
    """
    cache.set(_dead_token_key(token), 1, timeout=HEARTBEAT_TTL)
    names = sections_served_by(character, token)
    now = timezone.now()
    fields = {
        "last_attempt_at": now,
        "error_message": message[:2000],
        "is_token_error": True,
        "is_route_down": False,
    }
    with transaction.atomic():
        SectionStatus.objects.filter(character=character, section__in=names).update(**fields)
        existing = set(
            SectionStatus.objects.filter(character=character, section__in=names).values_list(
                "section", flat=True
            )
        )
        SectionStatus.objects.bulk_create(
            [
                SectionStatus(character=character, section=name, **fields)
                for name in names
                if name not in existing
            ]
        )


def _notify_token_problem(character: Character, message: str) -> None:
    from app_utils.allianceauth import notify_throttled

    user = character.user
    if user is None:
        return
    notify_throttled(
        message_id=f"memberaudit-token-error-{character.pk}",
        user=user,
        title=_("%(app)s: token problem with %(character)s")
        % {"app": app_settings.get("MEMBERAUDIT_APP_NAME"), "character": character.name},
        message=_(
            "Member Audit can no longer update some data of %(character)s: %(error)s. "
            "Please add the character again in Member Audit to renew its token."
        )
        % {"character": character.name, "error": message},
        level="warning",
        timeout=int(app_settings.get("APP_UTILS_NOTIFY_THROTTLED_TIMEOUT")),
    )


# --- status writes ----------------------------------------------------------------------


def _save_status(
    character: Character, section: str, status: SectionStatus | None, **fields: Any
) -> SectionStatus:
    if status is None:
        return SectionStatus.objects.create(character=character, section=section, **fields)
    changed = [name for name, value in fields.items() if getattr(status, name) != value]
    for name in changed:
        setattr(status, name, fields[name])
    if changed:
        status.save(update_fields=changed)
    return status


def _record_failure(
    character: Character, section: Section, status: SectionStatus | None, message: str, **flags: bool
) -> SectionStatus:
    return _save_status(
        character,
        section.name,
        status,
        last_attempt_at=timezone.now(),
        error_message=message[:2000],
        is_token_error=flags.get("is_token_error", False),
        is_route_down=flags.get("is_route_down", False),
    )


def payload_hash(payload: Any) -> str:
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(data).hexdigest()


# --- the update -------------------------------------------------------------------------


@dataclasses.dataclass
class Batch:
    """What :func:`update_sections` did: a result per section it finished, and the sections
    left waiting because ESI work is paused (``paused``), for the caller to retry."""

    results: list[UpdateResult] = dataclasses.field(default_factory=list)
    paused: EsiPaused | None = None
    pending: list[str] = dataclasses.field(default_factory=list)


def cached_windows(character_pk: int, sections: Sequence[str]) -> dict[str, float]:
    """:func:`cached_until` of several sections in one cache round trip (those inside a window)."""
    keys = {window_key(character_pk, name): name for name in sections}
    now = timezone.now().timestamp()
    return {
        keys[key]: float(value) for key, value in cache.get_many(list(keys)).items() if value and value > now
    }


def _paused_for_everyone() -> bool:
    try:
        budget.check()
    except EsiPaused:
        return True
    return False


def update_section(
    character: Character, section_name: str, *, force: bool = False, keep_alive: Sequence[Lock] = ()
) -> UpdateResult:
    """Update one section of one character. Raises only ``EsiPaused`` (the caller waits).

    ``keep_alive``: more locks to renew with the section lock while the update runs (the
    calling task's queue marker).
    """
    batch = update_sections(character, [section_name], force=force, keep_alive=keep_alive)
    if batch.paused is not None:
        raise batch.paused
    return batch.results[0]


def update_sections(
    character: Character,
    section_names: Sequence[str],
    *,
    force: bool = False,
    keep_alive: Sequence[Lock] = (),
    on_done: Callable[[UpdateResult], Any] | None = None,
) -> Batch:
    """Update several sections of one character, in the given order, sharing what they can.

    What every section needs is read once for all of them: ESI's cache windows (one cache
    round trip), the section locks (taken together, one round trip, and kept alive by one
    thread while the sections wait their turn and run), the status rows (one query) and the
    owner's tokens with their scopes (two queries). Holding the locks from the start also
    means no other update of these sections can change their status rows after they were read.

    Each section keeps its own errors: one that fails is recorded and the next one runs.
    ``EsiPaused`` does not escape: a section that meets a pause is left in ``pending`` (with
    every section after it when ESI is paused for everyone) and its lock is released, so
    that the caller can retry just those. ``on_done`` is called with each result as soon as
    the section's lock is released. ``keep_alive``: more locks renewed while the updates run
    (the calling task's queue markers).
    """
    batch = Batch()
    sections = [registry.get(name) for name in section_names]

    def finish(result: UpdateResult, started: float, cpu_started: float) -> None:
        result.seconds = time.perf_counter() - started
        result.cpu_seconds = time.process_time() - cpu_started
        batch.results.append(result)
        if on_done is not None:
            on_done(result)

    started, cpu_started = time.perf_counter(), time.process_time()
    if character.is_disabled:
        for section in sections:
            finish(
                UpdateResult(section.name, "skipped", message="character is disabled"), started, cpu_started
            )
        return batch
    # ESI would answer exactly what we stored last time: no request, no lock, no query
    # (checked before the ownership, which costs one).
    # Only a forced update (an admin's) asks again before the timer runs out.
    windows = {} if force else cached_windows(character.pk, [section.name for section in sections])
    due = []
    for section in sections:
        if until := windows.get(section.name):
            at = timezone.localtime(dt.datetime.fromtimestamp(until, tz=dt.timezone.utc)).isoformat()
            message = _("ESI's cache has not expired yet: new data can come after %(time)s") % {"time": at}
            finish(UpdateResult(section.name, "unchanged", message=message), started, cpu_started)
            started, cpu_started = time.perf_counter(), time.process_time()
        else:
            due.append(section)
    if not due:
        return batch
    if character.is_orphan:
        for section in due:
            finish(
                UpdateResult(section.name, "skipped", message="character has no owner"), started, cpu_started
            )
        return batch

    held = locks.acquire_many([lock_key_for(character.pk, section.name) for section in due], LOCK_SECONDS)
    runnable = []
    for section in due:
        if lock_key_for(character.pk, section.name) in held:
            runnable.append(section)
        else:
            message = "an update is already running"
            finish(UpdateResult(section.name, "skipped", message=message), started, cpu_started)
            started, cpu_started = time.perf_counter(), time.process_time()
    if not runnable:
        return batch
    try:
        statuses = {
            status.section: status
            for status in SectionStatus.objects.filter(
                character=character, section__in=[section.name for section in runnable]
            )
        }
        tokens = (
            CharacterTokens.load(character)
            if any(section.scopes for section in runnable)
            else CharacterTokens([])
        )
        shared: dict = {}  # what one section read for the next ones (``SyncContext.shared``)
        # A worker killed after ESI answered and before the store leaves its marks behind:
        # django-esi kept the answer's ETag, so the next run must ask for the full answer
        # (one read and one write for the whole batch; removed when the batch ends).
        running = {running_key(character.pk, section.name): section.name for section in runnable}
        interrupted = {running[key] for key in cache.get_many(list(running))}
        cache.set_many(dict.fromkeys(running, 1), timeout=RUNNING_MARK_SECONDS)
        # renewed from a daemon thread: one ESI call (all pages of a big list) may outlast
        # LOCK_SECONDS, and the sections after it wait that long
        renewal = locks.KeepAlive(
            {section.name: held[lock_key_for(character.pk, section.name)] for section in runnable},
            also=keep_alive,
            max_seconds=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"),
        )
        with renewal:
            for index, section in enumerate(runnable):
                key = lock_key_for(character.pk, section.name)
                try:
                    renewal.check(section.name)  # lost while it waited its turn
                    result = _update_locked(
                        character,
                        section,
                        force,
                        on_progress=functools.partial(renewal.check, section.name),  # stop once lost
                        status=statuses.get(section.name),
                        tokens=tokens,
                        shared=shared,
                        interrupted=section.name in interrupted,
                    )
                except locks.LockLost as exc:  # another update may hold the lock now: leave it to it
                    logger.warning("%s: %s, update of %s abandoned", character, exc, section.name)
                    result = UpdateResult(section.name, "skipped", message=str(exc))
                except EsiPaused as exc:
                    renewal.drop(section.name)
                    locks.release(held.pop(key))
                    batch.paused = exc
                    batch.pending.append(section.name)
                    if _paused_for_everyone():  # every section after it would wait too
                        for later in runnable[index + 1 :]:
                            renewal.drop(later.name)
                            locks.release(held.pop(lock_key_for(character.pk, later.name)))
                            batch.pending.append(later.name)
                        break
                    # a pause of one rate-limit group: the sections of other groups go on
                    started, cpu_started = time.perf_counter(), time.process_time()
                    continue
                except SoftTimeLimitExceeded:
                    raise
                except Exception as exc:  # even where recording it failed: the next sections run
                    logger.exception("%s: update of %s failed", character, section.name)
                    result = UpdateResult(section.name, "error", message=f"{exc.__class__.__name__}: {exc}")
                renewal.drop(section.name)
                locks.release(held.pop(key))
                finish(result, started, cpu_started)
                started, cpu_started = time.perf_counter(), time.process_time()
        cache.delete_many(list(running))
    finally:
        for lock in held.values():  # only after an unexpected error: free what was not reached
            locks.release(lock)
    return batch


def running_key(character_pk: int, section: str) -> str:
    """Cache key set while an update of this section runs; found by the next one, it means the
    last run was killed between ESI's answer and the store, so ESI's 304s cannot be trusted."""
    return f"memberaudit:running:{character_pk}:{section}"


#: how long a killed run's mark is kept (the next regular run comes much sooner)
RUNNING_MARK_SECONDS = 2 * 24 * 3600


def _after_stored(ctx: SyncContext) -> None:
    """Run what the section may only remember once its data is stored (``ctx.after_stored``)."""
    for call in ctx.after_stored:
        call()


def _update_locked(
    character: Character,
    section: Section,
    force: bool,
    *,
    on_progress: Callable[[], Any],
    status: SectionStatus | None,
    tokens: CharacterTokens,
    shared: dict | None = None,
    interrupted: bool = False,
) -> UpdateResult:
    """Update one section whose lock is held; ``status`` was read under that lock."""
    token = tokens.for_scopes(section.scopes) if section.scopes else None
    if section.scopes and token is None:
        message = _("no valid token with the scopes %(scopes)s") % {"scopes": ", ".join(section.scopes)}
        was_token_error = bool(status and status.is_token_error)
        _record_failure(character, section, status, message, is_token_error=True)
        if not was_token_error:
            _notify_token_problem(character, message)
        return UpdateResult(section.name, "token_error", message=message)
    if token is not None and token.pk in tokens.dead:
        # EVE SSO refused this token earlier in the same task, which marked every section it
        # serves (this one included): one SSO call per dead token, not one per section
        return UpdateResult(section.name, "token_error", message=_("the token was revoked"))
    if status and status.is_token_error and not force:
        # stop hammering ESI with a broken token; a token added after the failure is tried
        if token is not None and status.last_attempt_at and token.created <= status.last_attempt_at:
            return UpdateResult(section.name, "token_error", message=status.error_message)

    # After a failure the ETag django-esi kept may belong to data we never stored: ask ESI
    # for the full answer again instead of trusting a 304.
    had_error = bool(status and (status.error_message or status.is_token_error or status.is_route_down))
    ctx = SyncContext(
        character=character,
        status=status,
        token=tokens.for_esi(token) if token is not None else None,
        force=force,
        refetch=force or had_error or interrupted,
        on_progress=on_progress,  # stop once the lock was lost
        shared=shared if shared is not None else {},
    )
    try:
        payload = section.fetch(ctx)
    except (EsiPaused, locks.LockLost):
        raise
    except TokenRevoked as exc:
        assert token is not None
        tokens.dead.add(token.pk)
        record_revoked_token(character, token, str(exc))
        _notify_token_problem(character, str(exc))
        return UpdateResult(section.name, "token_error", esi_calls=ctx.esi_calls, message=str(exc))
    except TokenError as exc:
        was_token_error = bool(status and status.is_token_error)
        _record_failure(character, section, status, str(exc), is_token_error=True)
        if not was_token_error:
            _notify_token_problem(character, str(exc))
        return UpdateResult(section.name, "token_error", esi_calls=ctx.esi_calls, message=str(exc))
    except RouteDown as exc:
        _record_failure(character, section, status, str(exc), is_route_down=True)
        return UpdateResult(section.name, "route_down", esi_calls=ctx.esi_calls, message=str(exc))
    except EsiError as exc:
        _record_failure(character, section, status, str(exc))
        return UpdateResult(section.name, "error", esi_calls=ctx.esi_calls, message=str(exc))
    except Exception as exc:  # a bug or a payload we cannot handle: keep the data, say so
        logger.exception("%s: fetching section %s failed", character, section.name)
        message = f"{exc.__class__.__name__}: {exc}"
        _record_failure(character, section, status, message)
        return UpdateResult(section.name, "error", esi_calls=ctx.esi_calls, message=message)

    has_error = bool(status and (status.error_message or status.is_token_error or status.is_route_down))
    if payload is NOT_MODIFIED or (
        not force and status and not has_error and payload_hash(payload) == status.content_hash
    ):
        if has_error or status is None:
            _save_status(
                character,
                section.name,
                status,
                last_attempt_at=timezone.now(),
                last_success_at=timezone.now(),
                error_message="",
                is_token_error=False,
                is_route_down=False,
                not_before=ctx.expires_at,
            )
        # the learned back-off counts from the last change (none while work is left over)
        last_change_at = None if ctx.postponed or status is None else status.last_change_at
        record_check(character.pk, section.name, ctx.expires_at, last_change_at, checked=ctx.checked_at)
        _remember_window(ctx, section.name)
        _after_stored(ctx)
        return UpdateResult(section.name, "unchanged", esi_calls=ctx.esi_calls, message=ctx.note)

    try:
        # read before anything is stored: a payload the section cannot read is recorded as
        # an error of this section (data kept), not a task that fails after its status was saved
        related = section.related_ids(payload)
    except Exception as exc:
        logger.exception("%s: reading the answer of section %s failed", character, section.name)
        message = _("reading the answer failed, previous data kept: %(error)s") % {
            "error": f"{exc.__class__.__name__}: {exc}"
        }
        _record_failure(character, section, status, message)
        return UpdateResult(section.name, "error", esi_calls=ctx.esi_calls, message=message)

    digest = payload_hash(payload)
    try:
        passes = section.store_passes(ctx, payload)
        changes = Changes()
        for number, step in enumerate(passes[:-1], start=1):
            # big sections write in several transactions; a rerun after an interruption
            # redoes the diff-sync, which skips every row already written
            with transaction.atomic():
                changes += step()
            ctx.on_progress()
            logger.debug("%s/%s: pass %d of %d stored", character, section.name, number, len(passes))
        with transaction.atomic():
            changes += passes[-1]()
            now = timezone.now()
            fields: dict[str, Any] = {
                "last_attempt_at": now,
                "last_success_at": now,
                "error_message": "",
                "is_token_error": False,
                "is_route_down": False,
                "content_hash": digest,
                "not_before": ctx.expires_at,
            }
            if ctx.new_state is not None:
                fields["state"] = ctx.new_state
            if changes.total or status is None:
                fields["last_change_at"] = now
            _save_status(character, section.name, status, **fields)
    except (EsiPaused, locks.LockLost):
        raise
    except Exception as exc:
        logger.exception("%s: storing section %s failed", character, section.name)
        status = SectionStatus.objects.filter(character=character, section=section.name).first()
        message = _("storing failed, previous data kept: %(error)s") % {
            "error": f"{exc.__class__.__name__}: {exc}"
        }
        _record_failure(character, section, status, message)
        return UpdateResult(section.name, "error", esi_calls=ctx.esi_calls, message=message)

    last_change_at = fields.get("last_change_at", status.last_change_at if status else None)
    record_check(character.pk, section.name, ctx.expires_at, None if ctx.postponed else last_change_at)
    _remember_window(ctx, section.name)
    _after_stored(ctx)
    return UpdateResult(
        section.name,
        "changed" if changes.total or status is None else "unchanged",
        changes=changes,
        esi_calls=ctx.esi_calls,
        related=related,
    )
