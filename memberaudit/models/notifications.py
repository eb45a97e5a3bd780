"""In-game notifications of characters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterNotification(models.Model):
    """One notification; ``text`` is ESI's YAML-like body, kept as sent.

    ``sender`` is an ``EveEntity`` id unless ``sender_type`` is ``other``.
    """

    class SenderType(models.TextChoices):
        CHARACTER = "character", _("character")
        CORPORATION = "corporation", _("corporation")
        ALLIANCE = "alliance", _("alliance")
        FACTION = "faction", _("faction")
        OTHER = "other", _("other")

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="notifications")
    notification_id = models.BigIntegerField()
    type = models.CharField(max_length=64)
    sender = entity_fk()
    sender_type = models.CharField(max_length=16, choices=SenderType.choices)
    timestamp = models.DateTimeField()
    is_read = models.BooleanField(default=False)
    text = models.TextField(blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "notification_id"], name="ma_notification_unique")
        ]
        indexes = [models.Index(fields=["character", "-timestamp"], name="ma_notification_char_ts")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.character}: {self.type} {self.notification_id}"
