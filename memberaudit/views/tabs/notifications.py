"""Notifications in a table; each text (sanitized) in a dialog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from memberaudit.core import esi_labels, markup
from memberaudit.models import Character
from memberaudit.models.notifications import CharacterNotification
from memberaudit.views.tables import Column, Table

from . import cells, detail, register_table


def _notifications(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterNotification.objects.filter(character=character).select_related("sender")


def humanize_type(name: str) -> str:
    """``StructureUnderAttack`` -> ``Structure under attack``, in the active language."""
    return esi_labels.notification_type(name) or name


def _type(notification: CharacterNotification):
    url = reverse(
        "memberaudit:character_detail", args=[notification.character_id, "notification", notification.pk]
    )
    return format_html('<a href="#" data-ma-detail="{}">{}</a>', url, humanize_type(notification.type))


register_table(
    Table(
        name="notifications",
        section="notifications",
        title=_("Notifications"),
        rows=_notifications,
        columns=(
            Column("timestamp", _("Time"), lambda n: cells.moment(n.timestamp), order_by=("timestamp",)),
            Column("type", _("Type"), _type, order_by=("type",), search=("type",)),
            Column(
                "sender",
                _("Sender"),
                lambda n: cells.entity(n, "sender"),
                order_by=("sender__name",),
                search=("sender__name",),
            ),
            Column("is_read", _("Read"), lambda n: n.is_read, order_by=("is_read",)),
        ),
    )
)


@detail("notification", "memberaudit/partials/viewer_detail_notification.html")
def notification_detail(character: Character, pk: int) -> dict[str, Any] | None:
    notification = (
        CharacterNotification.objects.filter(character=character, pk=pk).select_related("sender").first()
    )
    if notification is None:
        return None
    return {
        "notification": notification,
        "type": humanize_type(notification.type),
        "sender": cells.entity(notification, "sender"),
        # sanitized by core.markup: only allowlisted tags, attributes and links remain
        "text_html": mark_safe(markup.to_safe_html(notification.text)),  # noqa: S308
    }
