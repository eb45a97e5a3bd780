"""Upcoming calendar events; an event's text (sanitized) in a dialog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from memberaudit.core import formatting, markup
from memberaudit.models import Character
from memberaudit.models.calendar import CharacterCalendarEvent
from memberaudit.views.tables import Column, Table

from . import cells, detail, register_table


def _events(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterCalendarEvent.objects.filter(character=character).select_related("owner")


def _title(event: CharacterCalendarEvent):
    url = reverse("memberaudit:character_detail", args=[event.character_id, "calendar_event", event.pk])
    return format_html('<a href="#" data-ma-detail="{}">{}</a>', url, event.title or _("(no title)"))


def _owner(event: CharacterCalendarEvent):
    if event.owner_id:
        return cells.entity(event, "owner")
    return event.owner_name


register_table(
    Table(
        name="calendar",
        section="calendar",
        title=_("Calendar"),
        rows=_events,
        default_order=(0, "asc"),
        columns=(
            Column("date", _("Date"), lambda e: cells.moment(e.event_date), order_by=("event_date",)),
            Column("title", _("Title"), _title, order_by=("title",), search=("title",)),
            Column(
                "owner", _("Owner"), _owner, order_by=("owner_name",), search=("owner_name", "owner__name")
            ),
            Column(
                "response",
                _("Response"),
                lambda e: e.get_event_response_display(),
                order_by=("event_response",),
            ),
            Column("importance", _("Importance"), lambda e: e.importance, order_by=("importance",)),
            Column(
                "duration",
                _("Duration"),
                lambda e: formatting.duration(e.duration * 60) if e.duration else "",
                order_by=("duration",),
                css="text-end",
            ),
        ),
    )
)


@detail("calendar_event", "memberaudit/partials/viewer_detail_calendar_event.html")
def calendar_event_detail(character: Character, pk: int) -> dict[str, Any] | None:
    event = CharacterCalendarEvent.objects.filter(character=character, pk=pk).select_related("owner").first()
    if event is None:
        return None
    return {
        "event": event,
        "owner": _owner(event),
        # sanitized by core.markup: only allowlisted tags, attributes and links remain
        "text_html": mark_safe(markup.to_safe_html(event.text)),  # noqa: S308
    }
