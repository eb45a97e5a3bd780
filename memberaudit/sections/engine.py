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
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from esi.models import Token

from memberaudit import app_settings
from memberaudit.esi.gateway import EsiError, EsiPaused, RouteDown, TokenError, TokenRevoked
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


def update_section(
    character: Character, section_name: str, *, force: bool = False, keep_alive: Sequence[Lock] = ()
) -> UpdateResult:
    """Update one section of one character. Raises only ``EsiPaused`` (the caller waits).

    ``keep_alive``: more locks to renew with the section lock while the update runs (the
    calling task's queue marker).
    """
    section = registry.get(section_name)
    if character.is_disabled:
        return UpdateResult(section_name, "skipped", message="character is disabled")
    if not force and (until := cached_until(character.pk, section_name)):
        # ESI would answer exactly what we stored last time: no request, no lock, no query
        # (checked before the ownership, which costs one).
        # Only a forced update (an admin's) asks again before the timer runs out.
        return UpdateResult(
            section_name,
            "unchanged",
            message=_("ESI's cache has not expired yet: new data can come after %(time)s")
            % {"time": timezone.localtime(dt.datetime.fromtimestamp(until, tz=dt.timezone.utc)).isoformat()},
        )

    if character.is_orphan:
        return UpdateResult(section_name, "skipped", message="character has no owner")

    lock = locks.acquire(lock_key_for(character.pk, section_name), LOCK_SECONDS)
    if lock is None:
        return UpdateResult(section_name, "skipped", message="an update is already running")
    # renewed from a daemon thread: one ESI call (all pages of a big list) may outlast LOCK_SECONDS
    renewal = locks.Heartbeat(
        lock, max_seconds=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"), also=keep_alive
    )
    try:
        with renewal:
            return _update_locked(character, section, force, renewal)
    except locks.LockLost as exc:  # another update may hold the lock now: leave everything to it
        logger.warning("%s: %s, update of %s abandoned", character, exc, section_name)
        return UpdateResult(section_name, "skipped", message=str(exc))
    finally:
        locks.release(lock)


def _update_locked(
    character: Character, section: Section, force: bool, renewal: locks.Heartbeat
) -> UpdateResult:
    status = SectionStatus.objects.filter(character=character, section=section.name).first()
    token = find_token(character, section.scopes) if section.scopes else None
    if section.scopes and token is None:
        message = _("no valid token with the scopes %(scopes)s") % {"scopes": ", ".join(section.scopes)}
        was_token_error = bool(status and status.is_token_error)
        _record_failure(character, section, status, message, is_token_error=True)
        if not was_token_error:
            _notify_token_problem(character, message)
        return UpdateResult(section.name, "token_error", message=message)
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
        token=token,
        force=force,
        refetch=force or had_error,
        on_progress=renewal.check,  # stop once the lock was lost
    )
    try:
        payload = section.fetch(ctx)
    except (EsiPaused, locks.LockLost):
        raise
    except TokenRevoked as exc:
        assert token is not None
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
        record_check(character.pk, section.name, ctx.expires_at)
        _remember_window(ctx, section.name)
        return UpdateResult(section.name, "unchanged", esi_calls=ctx.esi_calls)

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

    record_check(character.pk, section.name, ctx.expires_at)
    _remember_window(ctx, section.name)
    return UpdateResult(
        section.name,
        "changed" if changes.total or status is None else "unchanged",
        changes=changes,
        esi_calls=ctx.esi_calls,
        related=related,
    )
