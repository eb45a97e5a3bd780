"""Data retention: delete history older than ``MEMBERAUDIT_DATA_RETENTION_LIMIT`` days.

Each section declares which of its models hold history and by which date field; nothing
else is ever pruned. The limit is at least 7 days; ``None`` turns pruning off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.dispatch import Signal
from django.utils import timezone

from memberaudit import app_settings

from . import registry
from .sync import batch_size, dt

#: Sent after ``prune`` with ``limit`` (rows dated before it are gone) and ``sections`` (names of
#: the sections that lost rows): derived data (the intel index) drops what rested on them.
history_pruned = Signal()


def cutoff(now: datetime | None = None) -> datetime | None:
    """Rows dated before this are pruned; None when retention is off."""
    days = app_settings.data_retention_days()
    if days is None:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete expired history of every section; returns deleted rows per model label."""
    limit = cutoff(now)
    if limit is None:
        return {}
    deleted: dict[str, int] = {}
    pruned_sections: list[str] = []
    size = batch_size()
    for section in registry.all_sections():
        for model, date_field in section.retention:
            count = 0
            qs = model.objects.filter(**{f"{date_field}__lt": limit})
            while pks := list(qs.values_list("pk", flat=True)[:size]):
                count += model.objects.filter(pk__in=pks).delete()[0]
            deleted[model._meta.label] = deleted.get(model._meta.label, 0) + count
            if count and section.name not in pruned_sections:
                pruned_sections.append(section.name)
    if pruned_sections:
        history_pruned.send(sender=prune, limit=limit, sections=pruned_sections)
    return deleted


def within(
    rows: Iterable[dict[str, Any]], date_key: str, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Only the rows retention would keep: history pruned once is not stored again.

    ESI keeps serving old journal entries and mails for a while; without this filter a
    history row deleted by pruning would come back with the next update.
    """
    limit = cutoff(now)
    rows = list(rows)
    if limit is None:
        return rows
    return [row for row in rows if row.get(date_key) is None or dt(row[date_key]) >= limit]
