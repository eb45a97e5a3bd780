"""A shared guard over ESI's error limit and rate-limit groups.

All workers share one view of the budgets through the Django cache. When the error limit
falls below ``MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD`` or a rate-limit group runs dry,
every Member Audit ESI call is paused until the reset; callers get ``EsiPaused`` with the
seconds to wait and re-queue themselves with jitter (no retry floods).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence

from django.core.cache import cache

from memberaudit import app_settings

_PAUSE_KEY = "memberaudit:esi:pause"
_GROUP_PAUSE_KEY = "memberaudit:esi:pause:{group}:{owner}"
#: keep this share of a rate-limit group's tokens in reserve
GROUP_RESERVE_SHARE = 0.05


class EsiPaused(Exception):
    """ESI work is paused; retry after ``retry_in`` seconds."""

    def __init__(self, retry_in: float, reason: str) -> None:
        super().__init__(f"ESI paused for {retry_in:.0f} s: {reason}")
        self.retry_in = max(1.0, float(retry_in))
        self.reason = reason

    def countdown(self, spread: float = 30.0) -> int:
        """Seconds to wait before retrying, spread so that waiting tasks do not wake together."""
        return int(self.retry_in + random.uniform(1, spread))


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _pause(key: str, seconds: float, reason: str) -> None:
    seconds = max(1, int(seconds) + 1)
    cache.set(key, {"until": time.time() + seconds, "reason": reason}, timeout=seconds)


def _remaining(entry: dict | None) -> float:
    if not entry:
        return 0.0
    return max(0.0, entry["until"] - time.time())


def check(group: str | None = None, owner: int | None = None, *, also: Sequence[str] = ()) -> dict:
    """Raise ``EsiPaused`` if ESI work must wait (globally or for this group and owner).

    One cache round trip for the three pauses (this runs before every ESI call); ``also``
    reads more keys in the same round trip (the gateway's route status). Returns what it read.
    """
    group_key = _GROUP_PAUSE_KEY.format(group=group, owner=owner or 0) if group else None
    found = cache.get_many([key for key in (_PAUSE_KEY, "esi_error_limit_reset", group_key, *also) if key])
    entry = found.get(_PAUSE_KEY)
    if wait := _remaining(entry):
        raise EsiPaused(wait, entry["reason"])
    reset = found.get("esi_error_limit_reset")  # set by django-esi after a 420
    if reset:
        raise EsiPaused(float(reset), "ESI error limit reached (420)")
    if group_key:
        entry = found.get(group_key)
        if wait := _remaining(entry):
            raise EsiPaused(wait, entry["reason"])
    return found


def observe(headers: Mapping[str, str] | None, *, owner: int | None = None, status: int = 200) -> None:
    """Update the shared budgets from the headers of an ESI response."""
    remain = _header(headers, "X-ESI-Error-Limit-Remain")
    reset = _header(headers, "X-ESI-Error-Limit-Reset")
    threshold = int(app_settings.get("MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD"))
    if status == 420 or (remain is not None and int(remain) < threshold):
        _pause(_PAUSE_KEY, float(reset or 60), f"ESI error limit low ({remain} errors left)")

    group = _header(headers, "X-Ratelimit-Group")
    if not group:
        return
    key = _GROUP_PAUSE_KEY.format(group=group, owner=owner or 0)
    if status == 429:
        retry_after = _header(headers, "Retry-After") or 60
        _pause(key, float(retry_after), f"rate limit of group {group} exhausted (429)")
        return
    limit_header = _header(headers, "X-Ratelimit-Limit")  # e.g. "600/15m"
    remaining = _header(headers, "X-Ratelimit-Remaining")
    if not limit_header or remaining is None:
        return
    tokens, _, window = str(limit_header).partition("/")
    limit = int(tokens)
    window_s = _window_seconds(window or "15m")
    if int(remaining) <= max(2, limit * GROUP_RESERVE_SHARE):
        # a token bucket refills evenly: wait until the reserve is back
        refill_s = window_s * (limit * GROUP_RESERVE_SHARE * 2) / max(limit, 1)
        _pause(key, refill_s, f"rate limit of group {group} nearly exhausted ({remaining} left)")


def _window_seconds(window: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    window = window.strip()
    if window and window[-1] in units:
        return int(window[:-1] or 1) * units[window[-1]]
    return int(window or 900)


def clear() -> None:
    """Lift every pause (admin action and tests)."""
    cache.delete(_PAUSE_KEY)
    cache.delete("esi_error_limit_reset")
    try:
        cache.delete_pattern("memberaudit:esi:pause:*")
    except AttributeError:  # a cache without patterns: group pauses expire on their own
        pass
