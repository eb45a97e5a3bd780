"""When was each section of each character last checked: the cache answers, the database remembers.

A check that finds nothing new (ESI's 304, or an unchanged content hash) must cost no
database write, yet its time must survive the loss of the cache. So:

- ``record_check`` writes the cache only: the heartbeat ``(checked at, not before)`` of the
  (character, section) (``not before``: ESI's cache expiry, or the end of the section's learned
  back-off when it has not changed for long, see ``core.staleness``), and the character's pk in a Redis set of characters with check times
  the database does not have yet (one round trip);
- ``flush_checks``, run by the periodic ``tasks.run_regular_updates``, takes characters from
  that set and writes the newer check times to ``SectionStatus.last_checked_at``, to the minute:
  per 100 characters (about 3,400 sections) one SELECT and one ``UPDATE ... WHERE pk IN``
  per minute in which checks happened, however often each section was checked.

Between two flushes the cache is ahead of the database; after a cache loss the database is
behind by at most one periodic run. Pages that show check times read both and show the newer
(``attach_check_times``; ``SectionStatus.checked_at``).

The set is a plain Redis set reached through django-redis, like the locks in ``locks.py``:
``SPOP`` hands each character to exactly one flush, so two flushes never write the same rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from django.core.cache import cache

from memberaudit.core import staleness
from memberaudit.models import SectionStatus

from . import registry

HEARTBEAT_TTL = 7 * 24 * 3600
#: the Redis set of character pks whose check times are not in the database yet
DIRTY_KEY = "memberaudit:checked:dirty"
#: characters per SELECT + bulk UPDATE of ``flush_checks``
FLUSH_CHARACTERS = 100
#: cache keys per round trip of ``last_checks``
_GET_MANY_CHUNK = 2000
#: primary keys per UPDATE of ``flush_checks``
_UPDATE_CHUNK = 1000


def heartbeat_key(character_pk: int, section: str) -> str:
    """Cache key of the heartbeat of one section of one character."""
    return f"memberaudit:checked:{character_pk}:{section}"


def _dirty_set() -> tuple[object, str]:
    """The raw redis client and the (prefixed) key of the set of characters to flush."""
    return cache.client.get_client(write=True), cache.client.make_key(DIRTY_KEY)


def next_check_not_before(section: str, checked: float, last_change_at: dt.datetime | None) -> float | None:
    """When the learned back-off lets the periodic run check this section again (None: its ring).

    The section had been unchanged since ``last_change_at``; the interval is
    ``registry.check_interval_minutes`` (the one rule, which ``health`` judges by too). It is
    counted from the check's minute rounded down, as ``flush_checks`` stores the check: the
    database's copy of this check then gives ``health`` exactly the back-off the run follows.
    """
    if last_change_at is None:
        return None
    minute = checked - checked % 60
    interval = registry.check_interval_minutes(
        section, staleness.unchanged_minutes(minute, last_change_at.timestamp())
    )
    if interval <= registry.stale_minutes(section):
        return None
    return minute + interval * 60


def record_check(
    character_pk: int,
    section: str,
    expires_at: dt.datetime | None,
    last_change_at: dt.datetime | None = None,
    checked: float | None = None,
) -> None:
    """Remember that the section was checked now (or at ``checked``, a timestamp, when what proved
    it unchanged is older), and when it may be checked again: cache only.

    The heartbeat's ``not_before`` is ESI's cache expiry or, when the section has not changed
    since ``last_change_at`` for long enough, the end of its learned back-off, whichever is
    later. Without ``last_change_at`` (unknown, or the run left work for the next one) there
    is no back-off. "Update now" and forced updates do not read heartbeats: they ignore it.
    """
    checked = time.time() if checked is None else checked
    not_before = expires_at.timestamp() if expires_at else None
    if (backoff := next_check_not_before(section, checked, last_change_at)) is not None:
        not_before = max(not_before or 0.0, backoff)
    cache.set(heartbeat_key(character_pk, section), (checked, not_before), timeout=HEARTBEAT_TTL)
    client, key = _dirty_set()
    pipeline = client.pipeline(transaction=False)
    pipeline.sadd(key, character_pk)
    pipeline.expire(key, HEARTBEAT_TTL)  # forgotten if no flush runs for a week
    pipeline.execute()


def last_checks(
    character_pks: Iterable[int], sections: Iterable[str]
) -> dict[tuple[int, str], tuple[float, float | None]]:
    """``(character_pk, section) -> (checked_at, not_before)`` for the given pairs, from the cache."""
    sections = list(sections)
    keys = {heartbeat_key(pk, name): (pk, name) for pk in character_pks for name in sections}
    found: dict[tuple[int, str], tuple[float, float | None]] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), _GET_MANY_CHUNK):
        for key, value in cache.get_many(key_list[start : start + _GET_MANY_CHUNK]).items():
            found[keys[key]] = tuple(value)
    return found


def _as_datetime(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc)


def checked_times(
    character_pks: Iterable[int], sections: Iterable[str]
) -> dict[tuple[int, str], dt.datetime]:
    """``(character_pk, section) -> checked at`` from the cache (pairs it does not hold are absent)."""
    return {pair: _as_datetime(value[0]) for pair, value in last_checks(character_pks, sections).items()}


def attach_check_times(statuses: Iterable[SectionStatus]) -> None:
    """Give each status the check time the cache holds (``SectionStatus.checked_at`` reads it).

    One cache round trip per 2,000 statuses, no query.
    """
    statuses = [status for status in statuses if status is not None]
    pairs = {(status.character_id, status.section) for status in statuses}
    found = last_checks({pk for pk, _ in pairs}, {name for _, name in pairs})
    for status in statuses:
        value = found.get((status.character_id, status.section))
        status.cached_checked_at = _as_datetime(value[0]) if value else None


def flush_checks(batch_size: int = FLUSH_CHARACTERS) -> int:
    """Write the check times the database does not have yet; returns how many rows it updated.

    Characters are taken from the set ``batch_size`` at a time; a batch whose write fails goes
    back into the set for the next flush. Only times newer than the stored ones are written.
    """
    client, key = _dirty_set()
    names = registry.names()
    written = 0
    while True:
        members = client.spop(key, batch_size)
        if not members:
            return written
        try:
            written += _write_check_times([int(member) for member in members], names)
        except Exception:
            client.sadd(key, *members)
            raise


def _write_check_times(character_pks: list[int], names: list[str]) -> int:
    """One SELECT, then one UPDATE per minute in which checks happened (a few per flush)."""
    checks = last_checks(character_pks, names)
    if not checks:
        return 0
    by_minute: dict[dt.datetime, list[int]] = {}
    rows = SectionStatus.objects.filter(character_id__in=character_pks).values_list(
        "pk", "character_id", "section", "last_checked_at"
    )
    for pk, character_pk, section, stored in rows:
        value = checks.get((character_pk, section))
        if value is None:
            continue
        # to the minute, rounded down: never later than the real check, so never "fresher"
        checked = _as_datetime(value[0] - value[0] % 60)
        if stored is None or checked > stored:
            by_minute.setdefault(checked, []).append(pk)
    for checked, pks in by_minute.items():
        for start in range(0, len(pks), _UPDATE_CHUNK):
            SectionStatus.objects.filter(pk__in=pks[start : start + _UPDATE_CHUNK]).update(
                last_checked_at=checked
            )
    return sum(map(len, by_minute.values()))
