"""Public character details (bio) and corporation history."""

from __future__ import annotations

from django.db import models

from .characters import Character
from .fields import entity_fk


class CharacterDetails(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="details")
    name = models.CharField(max_length=100)
    corporation = entity_fk()
    alliance = entity_fk()
    faction = entity_fk()
    birthday = models.DateTimeField()
    bloodline_id = models.PositiveIntegerField()
    race_id = models.PositiveIntegerField()
    gender = models.CharField(max_length=16)
    description = models.TextField(blank=True, default="", help_text="bio in EVE markup")
    security_status = models.FloatField(null=True, default=None)
    title = models.TextField(blank=True, default="")

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.name


class CharacterCorporationHistory(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="corporation_history")
    record_id = models.BigIntegerField()
    corporation = entity_fk()
    start_date = models.DateTimeField()
    is_deleted = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["character", "record_id"], name="ma_corp_history_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.corporation_id}"
