"""Calendar events of characters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterCalendarEvent(models.Model):
    """An upcoming calendar event; the details (owner, duration, text) are fetched once.

    ``text`` is None until the details are fetched; it stays empty when ESI no longer knew the
    event. ``owner`` is an ``EveEntity`` id unless ``owner_type`` is ``eve_server``.
    """

    class Response(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        NOT_RESPONDED = "not_responded", _("not responded")
        TENTATIVE = "tentative", _("tentative")

    class OwnerType(models.TextChoices):
        EVE_SERVER = "eve_server", _("EVE server")
        CORPORATION = "corporation", _("corporation")
        FACTION = "faction", _("faction")
        CHARACTER = "character", _("character")
        ALLIANCE = "alliance", _("alliance")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="calendar_events")
    event_id = models.BigIntegerField()
    title = models.CharField(max_length=255, blank=True, default="")
    event_date = models.DateTimeField(null=True, default=None)
    importance = models.PositiveSmallIntegerField(null=True, default=None)
    event_response = models.CharField(max_length=16, blank=True, default="", choices=Response.choices)
    owner = entity_fk()
    owner_name = models.CharField(max_length=255, blank=True, default="")
    owner_type = models.CharField(max_length=16, blank=True, default="", choices=OwnerType.choices)
    duration = models.PositiveIntegerField(null=True, default=None, help_text=_("minutes"))
    text = models.TextField(null=True, default=None)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "event_id"], name="ma_calendar_event_unique")
        ]
        verbose_name = _("calendar event")
        verbose_name_plural = _("calendar events")

    def __str__(self) -> str:
        return f"{self.character}: {self.title}"
