"""Statistics of Member Audit as JSON: totals, periodic tasks, update runs per ring, throughput."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from memberaudit import app_settings, tasks
from memberaudit.models import Character, SectionStatus, runs
from memberaudit.sections import registry

#: the periodic task that drives all updates
REGULAR_UPDATES_TASK = "memberaudit.tasks.run_regular_updates"
#: a configuration "fits" when the needed workers stay below this share of the available ones
HEADROOM = 0.8


def app_totals() -> dict[str, int]:
    """Users and characters of the app."""
    characters = Character.objects.all()
    return {
        "active_users": User.objects.filter(
            is_active=True, character_ownerships__character__memberaudit_character__isnull=False
        )
        .distinct()
        .count(),
        "characters": characters.count(),
        "orphaned_characters": characters.orphaned().count(),
        "disabled_characters": characters.filter(is_disabled=True).count(),
        "updatable_characters": characters.updatable().count(),
        "shared_characters": characters.filter(is_shared=True).count(),
        "characters_with_token_errors": SectionStatus.objects.filter(is_token_error=True)
        .values("character_id")
        .distinct()
        .count(),
    }


def _schedule_seconds(schedule: Any) -> float | None:
    """Seconds between runs of an interval schedule; None for crontabs and the like."""
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    if isinstance(run_every, timedelta) and not hasattr(schedule, "minute"):
        return run_every.total_seconds()
    return None


def periodic_tasks() -> dict[str, list[dict[str, Any]]]:
    """Our entries in django-celery-beat's database and in ``CELERYBEAT_SCHEDULE``."""
    from django_celery_beat.models import PeriodicTask

    database = []
    for task in PeriodicTask.objects.filter(task__startswith="memberaudit.").select_related(
        "interval", "crontab", "solar", "clocked"
    ):
        schedule = task.interval or task.crontab or task.solar or task.clocked
        database.append(
            {
                "name": task.name,
                "task": task.task,
                "enabled": task.enabled,
                "schedule": str(schedule) if schedule else None,
                "interval_seconds": _schedule_seconds(task.interval.schedule) if task.interval else None,
                "last_run_at": task.last_run_at.isoformat() if task.last_run_at else None,
                "total_run_count": task.total_run_count,
            }
        )
    configured = []
    for name, entry in (getattr(settings, "CELERYBEAT_SCHEDULE", None) or {}).items():
        if str(entry.get("task", "")).startswith("memberaudit."):
            schedule = entry.get("schedule")
            configured.append(
                {
                    "name": name,
                    "task": entry["task"],
                    "schedule": schedule if isinstance(schedule, int | float) else str(schedule),
                    "interval_seconds": _schedule_seconds(schedule),
                }
            )
    return {"database": database, "settings": configured}


def _regular_updates_interval(tasks_found: dict[str, list[dict[str, Any]]]) -> float | None:
    intervals = [
        entry["interval_seconds"]
        for entry in [*tasks_found["database"], *tasks_found["settings"]]
        if entry["task"] == REGULAR_UPDATES_TASK
        and entry.get("enabled", True)
        and entry["interval_seconds"] is not None
    ]
    return min(intervals) if intervals else None


def ring_stats(now: float) -> dict[str, dict[str, Any]]:
    """Per ring: its cycle, its sections and its last recorded run."""
    result = {}
    for ring in (1, 2, 3):
        last = runs.last_run(ring, now)
        result[str(ring)] = {
            "cycle_minutes": app_settings.stale_minutes_for_ring(ring),
            "sections": [s.name for s in registry.all_sections() if s.ring == ring],
            "last_run": last.as_dict(now) if last else None,
        }
    return result


def throughput(
    updatable: int, rings: dict[str, dict[str, Any]], interval: float | None, workers: int | None
) -> dict[str, Any]:
    """Estimate whether the workers keep up with the configured rings.

    Needed work per hour: every updatable character's every section once per its staleness
    (``MEMBERAUDIT_UPDATE_STALE_*``, per-section overrides included). The time a worker needs
    per section is measured by the recorded runs.
    """
    sections_per_hour: dict[str, float] = {}
    for ring, info in rings.items():
        sections_per_hour[ring] = round(
            sum(updatable * 60 / max(tasks.stale_minutes(name), 1) for name in info["sections"]), 1
        )
    total_per_hour = sum(sections_per_hour.values())
    measured = [r["last_run"] for r in rings.values() if r["last_run"] and r["last_run"]["done"]]
    done = sum(r["done"] for r in measured)
    seconds_per_section = sum(r["busy_seconds"] for r in measured) / done if done else None
    workers_needed = (
        round(total_per_hour * seconds_per_section / 3600, 2) if seconds_per_section is not None else None
    )
    completed = {
        ring: info["last_run"]["completed_in_cycle"] for ring, info in rings.items() if info["last_run"]
    }
    cadence_ok = {
        ring: interval is None or interval <= info["cycle_minutes"] * 60 for ring, info in rings.items()
    }
    reasons = []
    fits: bool | None
    if workers is not None and workers_needed is not None:
        fits = workers_needed <= workers * HEADROOM
        reasons.append(
            f"{workers_needed} busy workers needed for {workers} available (fits below {int(HEADROOM * 100)}%)"
        )
    elif completed:
        fits = all(value is not False for value in completed.values())
        reasons.append(
            "from the last runs: every ring finished within its cycle" if fits else "a ring overran its cycle"
        )
    else:
        fits = None
        reasons.append("no recorded runs yet and no --workers given")
    warnings = []
    if not all(cadence_ok.values()):
        warnings.append(
            "run_regular_updates is scheduled less often than ring(s) "
            + ", ".join(ring for ring, ok in cadence_ok.items() if not ok)
            + " become stale: those sections update at the schedule's pace, not their ring's"
        )
    return {
        "sections_per_hour_needed": sections_per_hour,
        "total_sections_per_hour_needed": round(total_per_hour, 1),
        "seconds_per_section_measured": round(seconds_per_section, 3)
        if seconds_per_section is not None
        else None,
        "workers_needed": workers_needed,
        "workers_available": workers,
        "regular_updates_interval_seconds": interval,
        "ring_cadence_ok": cadence_ok,
        "last_runs_completed_in_cycle": completed,
        "fits": fits,
        "reasons": reasons,
        "warnings": warnings,
    }


def collect(workers: int | None = None) -> dict[str, Any]:
    """Everything the command prints, as a JSON-ready dict."""
    now = time.time()
    totals = app_totals()
    found = periodic_tasks()
    rings = ring_stats(now)
    return {
        "generated_at": timezone.now().isoformat(),
        "app": totals,
        "periodic_tasks": found,
        "rings": rings,
        "throughput": throughput(
            totals["updatable_characters"], rings, _regular_updates_interval(found), workers
        ),
    }


class Command(BaseCommand):
    help = (
        "Print statistics as JSON: app totals, our periodic tasks, the last update run of each ring "
        "(duration, characters per hour, completed within its cycle) and whether the workers keep up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help="Celery worker processes/threads serving Member Audit, for the throughput estimate.",
        )
        parser.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line).")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"]
        if workers is not None and workers < 1:
            raise CommandError(_("--workers must be at least 1."))
        if options["indent"] < 0:
            raise CommandError(_("--indent must not be negative."))
        data = collect(workers)
        self.stdout.write(json.dumps(data, indent=options["indent"] or None, default=str))
