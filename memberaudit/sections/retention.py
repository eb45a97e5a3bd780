"""Data retention: delete history older than ``MEMBERAUDIT_DATA_RETENTION_LIMIT`` days.

Each section declares which of its models hold history and by which date field; nothing
else is ever pruned. The limit is at least 7 days; ``None`` turns pruning off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from memberaudit import app_settings

from . import registry
from .sync import batch_size


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
    size = batch_size()
    for section in registry.all_sections():
        for model, date_field in section.retention:
            count = 0
            qs = model.objects.filter(**{f"{date_field}__lt": limit})
            while pks := list(qs.values_list("pk", flat=True)[:size]):
                count += model.objects.filter(pk__in=pks).delete()[0]
            deleted[model._meta.label] = deleted.get(model._meta.label, 0) + count
    return deleted
