"""When is a section due for an update, and how to spread the work over time."""

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


def spread_offset(character_id: int, section: str, window_seconds: int) -> int:
    """A stable offset in ``[0, window_seconds)`` for this character and section.

    Queuing each due section with its own offset spreads the work over the scheduling
    window instead of firing everything at the top of the hour.
    """
    if window_seconds <= 0:
        return 0
    digest = hashlib.blake2s(f"{character_id}:{section}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % window_seconds
