"""When is a section due for an update, and how to spread the work over time.

Pure rules, no I/O: ``tasks.run_regular_updates`` feeds them what it read in bulk.
"""

from __future__ import annotations

import hashlib


def is_stale(now: float, last_checked: float | None, not_before: float | None, stale_minutes: float) -> bool:
    """True when a section should be fetched again.

    Never before ``not_before`` (ESI's cache timer, or the end of the section's learned
    back-off, whichever is later: see ``heartbeats.record_check``); otherwise when it was never
    checked or its last check is older than ``stale_minutes``.
    """
    if not_before is not None and now < not_before:
        return False
    if last_checked is None:
        return True
    return now - last_checked >= stale_minutes * 60


#: a section must have been unchanged for this many of its rings per ring it may wait: the next
#: check never waits longer than a sixth of the time the section has been quiet (chosen with
#: ``bench/update_costs.py``: a shorter patience saves a few more tokens but shows the changes
#: of sections that change every few hours noticeably later)
BACKOFF_PATIENCE = 6


def backoff_factor(unchanged_minutes: float | None, ring_minutes: float, max_factor: int) -> int:
    """How many rings the next check of a section may wait, learned from how long it has not changed.

    ``1`` (its ring) until the section has been unchanged for ``BACKOFF_PATIENCE`` rings, then
    one ring more per ``BACKOFF_PATIENCE`` unchanged rings, up to ``max_factor``: a section
    that changes often stays on its ring; one that never changes is checked ``max_factor``
    times less often. Unknown change time (``None``): no back-off.
    """
    if unchanged_minutes is None or ring_minutes <= 0 or max_factor <= 1 or unchanged_minutes <= 0:
        return 1
    steps = int(unchanged_minutes // (BACKOFF_PATIENCE * ring_minutes))
    return max(1, min(int(max_factor), steps))


def check_interval_minutes(
    unchanged_minutes: float | None, ring_minutes: float, max_factor: int, cap_minutes: float | None
) -> float:
    """Minutes from one check of a section to the next: its ring, stretched by the back-off.

    Never shorter than the ring; stretched never past ``max_factor`` rings nor past
    ``cap_minutes`` (None: no absolute cap). A change resets it (``unchanged_minutes`` 0).
    """
    interval = float(ring_minutes) * backoff_factor(unchanged_minutes, ring_minutes, max_factor)
    if cap_minutes is not None:
        interval = min(interval, max(float(ring_minutes), float(cap_minutes)))
    return interval


def backoff_levels(
    ring_minutes: float, max_factor: int, cap_minutes: float | None
) -> list[tuple[float, float]]:
    """The rule of :func:`check_interval_minutes` as steps: ``(unchanged at least, interval)``.

    The first step is ``(0, ring)``; a database expression (``health.fresh_status_q``) is built
    from these so the page and the periodic run can never disagree.
    """
    levels: list[tuple[float, float]] = []
    for factor in range(1, max(1, int(max_factor)) + 1):
        unchanged = 0.0 if factor == 1 else float(factor * BACKOFF_PATIENCE * ring_minutes)
        interval = check_interval_minutes(unchanged, ring_minutes, max_factor, cap_minutes)
        if not levels or interval > levels[-1][1]:
            levels.append((unchanged, interval))
    return levels


def unchanged_minutes(checked: float | None, last_change: float | None) -> float | None:
    """Minutes a section had been unchanged when it was checked (timestamps; None when unknown)."""
    if checked is None or last_change is None:
        return None
    return max(0.0, (checked - last_change) / 60)


def unchanged_while_offline(
    fetched: dict | None,
    online: bool | None,
    logins: int | None,
    online_checked: float | None,
    last_checked: float | None,
) -> bool:
    """True when a section that only changes while its character is in game (location, ship,
    skills, skill queue) cannot have changed since ESI was last asked for it, so that asking again is not needed.

    ``fetched``: what was known when ESI was last asked (``at``: timestamp, ``online`` and
    ``logins`` of the online status then); ``online``/``logins``: the online status now, checked
    at ``online_checked``; ``last_checked``: the section's last check (asked or proved).

    Proof needs the character offline then and now with no login in between (ESI's ``logins``
    counts them, so this compares ESI's numbers only, never ESI's clock with ours), from an
    online check newer than both the last question to ESI and the section's last check (else
    there is nothing new to prove it with). Unknown counts (``logins`` is optional) prove nothing.
    """
    if not fetched or online is not False or logins is None or online_checked is None:
        return False
    if fetched.get("online") is not False or fetched.get("logins") != logins:
        return False
    if online_checked <= fetched.get("at", float("inf")):
        return False
    return last_checked is None or online_checked > last_checked


def retry_delay_minutes(failures: int, base_minutes: float, cap_minutes: float) -> float:
    """Minutes to wait after the ``failures``-th failure in a row: base, 2 x base, 4 x base …

    Capped by ``cap_minutes`` (the section's ring), so a failing section is never retried
    later than a healthy one would be updated anyway.
    """
    exponent = min(max(failures, 1) - 1, 32)  # 2**32 x base is far past any cap
    return min(float(cap_minutes), base_minutes * 2**exponent)


def is_retry_due(
    now: float, failed_at: float | None, failures: int, base_minutes: float, stale_minutes: float
) -> bool:
    """True when a section whose last attempt failed (not a token problem) should be tried again.

    The error is retried after a short, growing back-off instead of waiting for the ring:
    a section that failed right after a success would otherwise show its error for up to
    a whole ring (hours). ESI's cache timer is not waited for: the answer it covers was
    never stored.
    """
    if failed_at is None:
        return True
    return now - failed_at >= retry_delay_minutes(failures, base_minutes, stale_minutes) * 60


def is_token_retry_due(failed_at: float | None, newest_token_at: float | None) -> bool:
    """True when a section that failed with a token problem may be tried again.

    Only a token added after the failure can change the outcome; until then trying again
    costs a task, a status write and perhaps an SSO call for nothing.
    """
    if newest_token_at is None:
        return False
    return failed_at is None or newest_token_at > failed_at


def spread_offset(character_id: int, section: str, window_seconds: int) -> int:
    """A stable offset in ``[0, window_seconds)`` for this character and section.

    Queuing each due section with its own offset spreads the work over the scheduling
    window instead of firing everything at the top of the hour.
    """
    if window_seconds <= 0:
        return 0
    digest = hashlib.blake2s(f"{character_id}:{section}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % window_seconds
