"""Celery tasks of the intel features: ESI work that must not run inside a section's store.

``process_new_interactions`` is queued (after commit) when a sync added counterparties to the
index: it learns their affiliations and notifies subscribers about new hits.
``refresh_affiliations`` keeps the affiliations of all counterparties fresh (periodic).
Both wait out ESI pauses like the update tasks: retried with back-off a bounded number of
times, then left to the next run.
"""

from __future__ import annotations

import logging

from celery import shared_task

from memberaudit import app_settings
from memberaudit.esi.budget import EsiPaused
from memberaudit.esi.gateway import EsiError

from . import affiliations, notify

logger = logging.getLogger(__name__)

#: priority of intel work: below the updates users asked for, like periodic updates
PRIORITY = 6


def _retry_or_give_up(task, exc: EsiPaused, what: str) -> None:
    if getattr(task.request, "is_eager", False):
        logger.info("%s postponed: %s", what, exc)
        return
    retries = task.request.retries
    limit = int(app_settings.get("MEMBERAUDIT_TASKS_MAX_RETRIES"))
    if retries >= limit:
        logger.warning("%s: gave up after %d retries: %s", what, retries, exc)
        return
    raise task.retry(countdown=exc.countdown(), exc=exc, max_retries=limit)


@shared_task(bind=True)
def process_new_interactions(self, pairs: list[list[int]]) -> int:
    """New (character pk, counterparty id) rows of the index: affiliations, then notifications."""
    try:
        affiliations.refresh({counterparty_id for _pk, counterparty_id in pairs})
    except EsiPaused as exc:  # notify with what is known; the periodic refresh catches up
        logger.info("Affiliations of new counterparties postponed: %s", exc)
    except EsiError as exc:  # a server error or a malformed answer: the same, said louder
        logger.warning("Affiliations of new counterparties not loaded, left to the periodic refresh: %s", exc)
    return notify.notify_new_hits((pk, counterparty_id) for pk, counterparty_id in pairs)


@shared_task(bind=True)
def refresh_affiliations(self) -> int:
    """Refresh stale and missing counterparty affiliations; notify hits that a change revealed."""
    try:
        changes = affiliations.refresh()
    except EsiPaused as exc:
        _retry_or_give_up(self, exc, "Refreshing counterparty affiliations")
        return 0
    except EsiError as exc:  # stored affiliations stay; the next periodic run tries again
        logger.warning("Refreshing counterparty affiliations failed: %s", exc)
        return 0
    if not changes.changed:
        return 0
    from memberaudit.models import CharacterInteraction

    pairs = CharacterInteraction.objects.filter(counterparty_id__in=sorted(changes.changed)).values_list(
        "character_id", "counterparty_id"
    )
    notify.notify_new_hits(pairs)
    return len(changes.changed)
