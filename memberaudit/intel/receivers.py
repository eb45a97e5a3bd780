"""Signal receivers that keep intel data following the sections' rows.

Connected when the app is ready (``apps.py``): after a section stored changed rows, its index
rows are refreshed in the same transaction; new counterparties are handed to a task after
commit (affiliations from ESI, hit notifications). After data retention pruned history,
index rows that rested on it are recomputed. Contacts of a character that feeds a watch list
update that list.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from memberaudit.models import Character, WatchList
from memberaudit.sections.base import Section, section_stored
from memberaudit.sections.retention import history_pruned

from . import index, tasks, watchlists  # tasks: registers the intel tasks with Celery in every process


@receiver(section_stored, dispatch_uid="memberaudit_intel_index")
def index_after_store(sender: Any, section: Section, character: Character, **kwargs: Any) -> None:
    """Refresh the character's index rows of ``section``; queue the follow-up for new rows."""
    if not section.counterparties:
        return
    changes = index.refresh_character(section, character, full=bool(kwargs.get("reset")))
    if changes.created:
        pairs = [list(pair) for pair in changes.created]
        transaction.on_commit(lambda: _queue_follow_up(pairs), robust=True)
    if section.name == "contacts":
        for watch_list in WatchList.objects.filter(contacts_source=character).select_related(
            "contacts_source__eve_character"
        ):
            watchlists.sync_from_contacts(watch_list)


def _queue_follow_up(pairs: list[list[int]]) -> None:
    tasks.process_new_interactions.apply_async(kwargs={"pairs": pairs}, priority=tasks.PRIORITY)


@receiver(history_pruned, dispatch_uid="memberaudit_intel_retention")
def index_after_prune(sender: Any, limit: Any, sections: list[str], **kwargs: Any) -> None:
    """Recompute the index rows whose oldest evidence was older than the retention limit."""
    index.after_prune(limit, sections)
