"""When is a section due for an update, and how to spread the work over time.

Pure rules, no I/O: ``tasks.run_regular_updates`` feeds them what it read in bulk.
"""

from __future__ import annotations

import hashlib


def is_stale(now: float, last_checked: float | None, not_before: float | None, stale_minutes: float) -> bool:
    """True when a section should be fetched again.

    Never before ESI's cache timer (``not_before``) has expired; otherwise when it was never
    checked or its last check is older than ``stale_minutes``.
    """
    if not_before is not None and now < not_before:
        return False
    if last_checked is None:
        return True
    return now - last_checked >= stale_minutes * 60


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
