"""Upcoming calendar events; the details of each event are fetched once."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.esi.gateway import EsiError, EsiPaused, NotFound, TokenError
from memberaudit.models.calendar import CharacterCalendarEvent

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import batch_size, replace_rows

logger = logging.getLogger(__name__)

DETAIL_FIELDS = ("owner", "owner_name", "owner_type", "duration", "text")
#: owner types that are no EveEntity
_NOT_ENTITIES = {"eve_server"}


@register
class CalendarSection(Section):
    name = "calendar"
    title = _("Calendar")
    ring = 2
    scopes = ("esi-calendar.read_calendar_events.v1",)
    operations = ("GetCharactersCharacterIdCalendar", "GetCharactersCharacterIdCalendarEventId")
    models = (CharacterCalendarEvent,)
    description = (
        "The next 50 calendar events with the character's response, every ring 2 cycle; "
        "owner, duration and text of each event are fetched once."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdCalendar")
        events = None if response.not_modified else [e for e in response.data or [] if e.get("event_id")]
        details = self._fetch_details(ctx, events)
        if events is None and not details:
            return NOT_MODIFIED
        return {
            "events": events,
            "details": {str(event_id): data for event_id, data in sorted(details.items())},
        }

    @staticmethod
    def _fetch_details(ctx: SyncContext, events: list[dict] | None) -> dict[int, dict]:
        """Details of listed events not fetched yet (of stored ones when the list is unchanged)."""
        stored = dict(
            CharacterCalendarEvent.objects.filter(character=ctx.character).values_list("event_id", "text")
        )
        if events is None:
            wanted = sorted(event_id for event_id, text in stored.items() if text is None)
        else:
            wanted = [e["event_id"] for e in events if stored.get(e["event_id"]) is None]
        details: dict[int, dict] = {}
        for event_id in wanted:
            try:
                response = ctx.esi("GetCharactersCharacterIdCalendarEventId", event_id=event_id)
            except NotFound:
                details[event_id] = {}
                continue
            except TokenError:
                raise
            except (EsiPaused, EsiError) as exc:
                logger.info("%s: calendar details postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            if response.not_modified:  # asked before, but never stored: ask again in full
                response = ctx.esi("GetCharactersCharacterIdCalendarEventId", event_id=event_id, refetch=True)
            details[event_id] = response.data or {}
        return details

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        scope = {"character": ctx.character}
        changes = Changes()
        created_ids: set[int] = set()
        if payload.get("events") is not None:
            rows = [
                {
                    "event_id": event["event_id"],
                    "title": (event.get("title") or "")[:255],
                    "event_date": event.get("event_date"),
                    "importance": event.get("importance"),
                    "event_response": event.get("event_response", ""),
                }
                for event in payload["events"]
            ]
            changes += replace_rows(
                CharacterCalendarEvent,
                scope,
                rows,
                key="event_id",
                after_create=lambda created: created_ids.update(e.event_id for e in created),
            )
        details = {int(event_id): data for event_id, data in (payload.get("details") or {}).items()}
        if details:
            targets = list(
                CharacterCalendarEvent.objects.filter(
                    **scope, event_id__in=list(details), text__isnull=True
                ).only("pk", "event_id")
            )
            for event in targets:
                data = details[event.event_id]
                event.owner_id = data.get("owner_id")
                event.owner_name = (data.get("owner_name") or "")[:255]
                event.owner_type = data.get("owner_type", "")
                event.duration = data.get("duration")
                event.text = data.get("text", "")
            if targets:
                CharacterCalendarEvent.objects.bulk_update(targets, DETAIL_FIELDS, batch_size=batch_size())
            changes += Changes(updated=sum(1 for e in targets if e.event_id not in created_ids))
        return changes

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        details = (payload.get("details") or {}).values()
        return {
            "entities": ids(d.get("owner_id") for d in details if d.get("owner_type") not in _NOT_ENTITIES)
        }
