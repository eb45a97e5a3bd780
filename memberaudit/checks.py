"""Django system checks that catch installation mistakes early."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

REGULAR_UPDATES_TASK = "memberaudit.tasks.run_regular_updates"


@register(Tags.compatibility)
def check_beat_schedule(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when the periodic update task is not in the Celery beat schedule."""
    schedule = getattr(settings, "CELERYBEAT_SCHEDULE", {}) or {}
    tasks = {entry.get("task") for entry in schedule.values() if isinstance(entry, dict)}
    if REGULAR_UPDATES_TASK in tasks:
        return []
    return [
        Warning(
            f"{REGULAR_UPDATES_TASK} is not in CELERYBEAT_SCHEDULE: characters will never update.",
            hint="Add it to CELERYBEAT_SCHEDULE as described in Member Audit's README.",
            id="memberaudit.W001",
        )
    ]


@register(Tags.compatibility)
def check_data_retention(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when the retention limit is below the minimum that the app enforces."""
    from . import app_settings

    value = app_settings.get("MEMBERAUDIT_DATA_RETENTION_LIMIT")
    if value is not None and int(value) < app_settings.DATA_RETENTION_MINIMUM_DAYS:
        return [
            Warning(
                f"MEMBERAUDIT_DATA_RETENTION_LIMIT is {value}, below the minimum of "
                f"{app_settings.DATA_RETENTION_MINIMUM_DAYS} days; the minimum is used instead.",
                id="memberaudit.W002",
            )
        ]
    return []
