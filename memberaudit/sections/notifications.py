"""In-game notifications, kept as history: new ones are added, the read flag is updated."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.notifications import CharacterNotification

from .base import Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows

TYPE_MAX_LENGTH = CharacterNotification._meta.get_field("type").max_length


@register
class NotificationsSection(Section):
    name = "notifications"
    title = _("Notifications")
    ring = 2
    scopes = ("esi-characters.read_notifications.v1",)
    operations = ("GetCharactersCharacterIdNotifications",)
    models = (CharacterNotification,)
    retention = ((CharacterNotification, "timestamp"),)
    description = (
        "In-game notifications with type, sender, time and text, kept as history beyond ESI's "
        "short window, every ring 2 cycle."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        # ESI lists only recent notifications: older ones stay stored (never deleted for
        # being absent); of known ones only the read flag changes in practice
        rows = [
            {
                "notification_id": item["notification_id"],
                "type": item["type"][:TYPE_MAX_LENGTH],
                "sender_id": item.get("sender_id"),
                "sender_type": item.get("sender_type", ""),
                "timestamp": item["timestamp"],
                "is_read": bool(item.get("is_read", False)),
                "text": item.get("text", ""),
            }
            for item in payload
        ]
        return replace_rows(
            CharacterNotification,
            {"character": ctx.character},
            rows,
            key="notification_id",
            delete_missing=False,
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "entities": ids(item.get("sender_id") for item in payload if item.get("sender_type") != "other")
        }
