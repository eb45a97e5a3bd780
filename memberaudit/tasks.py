"""Celery tasks: orchestration only — what is stale, what to queue, priorities and retries.

The work itself is in ``memberaudit.sections.engine``.
"""

from __future__ import annotations

import json
import logging
import time

from celery import shared_task

from django.db.models import Max

from memberaudit import app_settings
from memberaudit.compliance import update_compliance_groups
from memberaudit.core.staleness import is_stale, spread_offset
from memberaudit.esi.budget import EsiPaused
from memberaudit.models import Character, SectionStatus, runs
from memberaudit.sections import engine, registry

logger = logging.getLogger(__name__)

#: Celery priorities (0 highest, 9 lowest): what a user asked for runs before periodic work
PRIORITY_USER = 3
PRIORITY_PERIODIC = 6
#: run_regular_updates spreads the sections it queues over this many seconds
SPREAD_WINDOW_SECONDS = 10 * 60


def stale_minutes(section_name: str) -> int:
    """Staleness of a section: its per-section override, else its ring's setting."""
    overrides = app_settings.get("MEMBERAUDIT_UPDATE_STALE_OVERRIDES") or {}
    if section_name in overrides:
        return int(overrides[section_name])
    return app_settings.stale_minutes_for_ring(registry.get(section_name).ring)


def stale_sections(characters: list[Character], now: float | None = None) -> list[tuple[Character, str]]:
    """Every (character, section) pair that is due, from one cache round trip per 2,000 pairs."""
    now = now or time.time()
    names = registry.names()
    pks = [c.pk for c in characters]
    checks = engine.last_checks(pks, names)
    missing = {(pk, name) for pk in pks for name in names if (pk, name) not in checks}
    if missing:  # cache lost or first run: fall back on the database
        rows = (
            SectionStatus.objects.filter(character_id__in={pk for pk, _ in missing})
            .values("character_id", "section")
            .annotate(last=Max("last_success_at"), nb=Max("not_before"))
        )
        for row in rows:
            key = (row["character_id"], row["section"])
            if key in missing and row["last"]:
                checks[key] = (row["last"].timestamp(), row["nb"].timestamp() if row["nb"] else None)
    due = []
    minutes = {name: stale_minutes(name) for name in names}
    for character in characters:
        for name in names:
            checked, not_before = checks.get((character.pk, name), (None, None))
            if is_stale(now, checked, not_before, minutes[name]):
                due.append((character, name))
    return due


@shared_task(
    bind=True, acks_late=True, max_retries=None, time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT")
)
def update_section(
    self, character_pk: int, section: str, force: bool = False, run_id: str | None = None
) -> dict:
    """Update one section of one character; waits out ESI budget pauses by re-queuing itself.

    ``run_id`` is set by ``run_regular_updates``: the task then counts itself into that run's
    statistics (in the cache, see ``models.runs``) when it ends.
    """
    started = time.perf_counter()
    try:
        character = Character.objects.select_related("eve_character").get(pk=character_pk)
    except Character.DoesNotExist:
        if run_id:
            runs.record_section_done(run_id, registry.get(section).ring, "skipped", 0.0)
        return {"section": section, "outcome": "skipped", "message": "character is gone"}
    try:
        result = engine.update_section(character, section, force=force)
    except EsiPaused as exc:
        if getattr(self.request, "is_eager", False):
            # in-process (eager) runs cannot wait: the next periodic run picks the section up
            return {"section": section, "outcome": "paused", "message": str(exc)}
        logger.info("%s/%s: %s, retrying later", character, section, exc)
        raise self.retry(countdown=exc.countdown(), exc=exc)
    if run_id:
        runs.record_section_done(
            run_id, registry.get(section).ring, result.outcome, time.perf_counter() - started
        )
    priority = (self.request.delivery_info or {}).get("priority") or PRIORITY_PERIODIC
    if result.outcome == "changed":
        for dependent in registry.get(section).triggers:
            update_section.apply_async(args=(character_pk, dependent), priority=priority)
    if result.related:
        resolve_related_ids.apply_async(
            kwargs={
                **{key: sorted(value) for key, value in result.related.items()},
                "character_pk": character_pk,
            },
            priority=priority,
        )
    return {"section": result.section, "outcome": result.outcome, "message": result.message}


@shared_task
def update_character(
    character_pk: int, force: bool = False, sections: list[str] | None = None, priority: int = PRIORITY_USER
) -> int:
    """Queue an update of every (or the given) section of one character."""
    names = sections or registry.names()
    for name in names:
        update_section.apply_async(args=(character_pk, name), kwargs={"force": force}, priority=priority)
    return len(names)


@shared_task
def update_all_characters(force: bool = False, priority: int = PRIORITY_PERIODIC) -> int:
    """Queue an update of every section of every updatable character."""
    count = 0
    for pk in Character.objects.updatable().values_list("pk", flat=True):
        count += update_character(pk, force=force, priority=priority)
    return count


@shared_task
def run_regular_updates() -> int:
    """The periodic task: prune old history, then queue what is stale, spread over the next minutes."""
    if app_settings.get("MEMBERAUDIT_LOG_UPDATE_STATS"):
        log_last_run_stats()
    prune_history.apply_async(priority=PRIORITY_PERIODIC)
    update_compliance_groups.apply_async(priority=PRIORITY_PERIODIC)
    characters = list(Character.objects.updatable().select_related("eve_character"))
    due = stale_sections(characters)
    rings = {name: registry.get(name).ring for name in registry.names()}
    run_id = runs.start_run(
        ((character.pk, rings[name]) for character, name in due),
        {ring: app_settings.stale_minutes_for_ring(ring) for ring in set(rings.values())},
    )
    for character, name in due:
        update_section.apply_async(
            args=(character.pk, name),
            kwargs={"run_id": run_id},
            countdown=spread_offset(character.character_id, name, SPREAD_WINDOW_SECONDS),
            priority=PRIORITY_PERIODIC,
        )
    logger.info("Queued %d stale sections of %d characters", len(due), len(characters))
    return len(due)


def log_last_run_stats() -> None:
    """Log the statistics of the last run of every ring (``MEMBERAUDIT_LOG_UPDATE_STATS``)."""
    for ring in (1, 2, 3):
        run = runs.last_run(ring)
        if run is not None:
            logger.info("Update stats of ring %d: %s", ring, json.dumps(run.as_dict()))


@shared_task(bind=True, max_retries=None)
def resolve_related_ids(self, types=(), entities=(), locations=(), character_pk: int | None = None) -> None:
    """Load EVE types, entities and locations that synced data refers to."""
    from memberaudit.sections import resolver

    try:
        resolver.resolve(types=types, entities=entities, locations=locations, character_pk=character_pk)
    except EsiPaused as exc:
        if getattr(self.request, "is_eager", False):
            raise
        raise self.retry(countdown=exc.countdown(), exc=exc)


@shared_task
def prune_history() -> dict[str, int]:
    """Delete history older than MEMBERAUDIT_DATA_RETENTION_LIMIT days."""
    from memberaudit.sections import retention

    deleted = retention.prune()
    if any(deleted.values()):
        logger.info("Retention: deleted %s", deleted)
    return deleted


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def generate_export(topic: str) -> int:
    """Make the zipped CSV export of ``topic`` for the exports page; returns its row count."""
    from memberaudit import exports

    return exports.run_job(exports.get_topic(topic))


@shared_task(time_limit=app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))
def delete_characters(character_pks: list[int]) -> int:
    """Delete characters with all their data, section by section (admin action).

    Big tables (assets, journal) are emptied by each section's ``reset`` first, so the final
    delete of the character does not collect millions of rows in memory.
    """
    deleted = 0
    for character in Character.objects.filter(pk__in=character_pks).select_related("eve_character"):
        for section in registry.all_sections():
            section.reset(character)
        name = character.name
        character.delete()
        deleted += 1
        logger.info("Deleted character %s and all its data", name)
    return deleted
