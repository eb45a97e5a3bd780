"""Run one update of one section of one character.

The rules the whole product relies on live here:

- ``fetch`` happens outside any transaction; ``store`` inside exactly one, so a failed
  update never half-writes and never deletes what was stored before.
- 304 (``NOT_MODIFIED``) or an unchanged content hash costs no database write at all: the
  "checked at" heartbeat lives in the cache.
- A token problem marks the section, notifies the owner once (throttled) and stops ESI
  calls for it until a new token arrives.
- Any other error keeps the last good data and records what went wrong; the next run retries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from esi.models import Token

from memberaudit import app_settings
from memberaudit.esi.gateway import EsiError, EsiPaused, RouteDown, TokenError
from memberaudit.models import Character, SectionStatus

from . import registry
from .base import NOT_MODIFIED, Changes, Section, SyncContext

logger = logging.getLogger(__name__)

HEARTBEAT_TTL = 7 * 24 * 3600
#: a lock lives this long unless renewed; every ESI call and every stored pass renews it,
#: so the lock of a killed worker frees itself within a minute
LOCK_SECONDS = 60


def lock_key_for(character_pk: int, section: str) -> str:
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


def _heartbeat_key(character_pk: int, section: str) -> str:
    return f"memberaudit:checked:{character_pk}:{section}"


def record_check(character_pk: int, section: str, expires_at: datetime | None) -> None:
    """Remember that the section was checked now (and when ESI's cache expires)."""
    cache.set(
        _heartbeat_key(character_pk, section),
        (time.time(), expires_at.timestamp() if expires_at else None),
        timeout=HEARTBEAT_TTL,
    )


def last_checks(
    character_pks: list[int], sections: list[str]
) -> dict[tuple[int, str], tuple[float, float | None]]:
    """``(character_pk, section) -> (checked_at, not_before)`` for the given pairs, from the cache."""
    keys = {_heartbeat_key(pk, name): (pk, name) for pk in character_pks for name in sections}
    found: dict[tuple[int, str], tuple[float, float | None]] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), 2000):
        for key, value in cache.get_many(key_list[start : start + 2000]).items():
            found[keys[key]] = tuple(value)
    return found


# --- tokens -----------------------------------------------------------------------------


def find_token(character: Character, scopes: tuple[str, ...]) -> Token | None:
    """The newest token of the owner for this character that has all ``scopes``."""
    user = character.user
    if user is None:
        return None
    qs = Token.objects.filter(character_id=character.character_id, user=user)
    if scopes:
        qs = qs.require_scopes(list(scopes))
    return qs.order_by("-created").first()


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


def update_section(character: Character, section_name: str, *, force: bool = False) -> UpdateResult:
    """Update one section of one character. Raises only ``EsiPaused`` (the caller waits)."""
    section = registry.get(section_name)
    if character.is_disabled:
        return UpdateResult(section_name, "skipped", message="character is disabled")
    if character.is_orphan:
        return UpdateResult(section_name, "skipped", message="character has no owner")

    lock_key = lock_key_for(character.pk, section_name)
    if not cache.add(lock_key, 1, timeout=LOCK_SECONDS):
        return UpdateResult(section_name, "skipped", message="an update is already running")
    try:
        return _update_locked(character, section, force, lock_key)
    finally:
        cache.delete(lock_key)


def _update_locked(character: Character, section: Section, force: bool, lock_key: str) -> UpdateResult:
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
        on_progress=lambda: cache.touch(lock_key, LOCK_SECONDS),
    )
    try:
        payload = section.fetch(ctx)
    except EsiPaused:
        raise
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
        return UpdateResult(section.name, "unchanged", esi_calls=ctx.esi_calls)

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
    except EsiPaused:
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
    return UpdateResult(
        section.name,
        "changed" if changes.total or status is None else "unchanged",
        changes=changes,
        esi_calls=ctx.esi_calls,
        related=section.related_ids(payload),
    )
