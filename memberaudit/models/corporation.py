"""A character's standing inside corporations: titles, corporation roles and medals."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterTitle(models.Model):
    """A title the character holds in its corporation (``name`` may contain EVE markup)."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="titles")
    title_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "title_id"], name="ma_title_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.name}"


class CharacterRole(models.Model):
    """A corporation role the character has, and where it applies."""

    class Location(models.TextChoices):
        UNIVERSAL = "universal", _("universal")
        HQ = "hq", _("at headquarters")
        BASE = "base", _("at base")
        OTHER = "other", _("elsewhere")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="corporation_roles")
    role = models.CharField(max_length=64)
    location = models.CharField(max_length=16, choices=Location.choices)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "role", "location"], name="ma_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.role} ({self.location})"


class CharacterMedal(models.Model):
    """A medal awarded to the character (the same medal can be awarded more than once)."""

    class Status(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="medals")
    medal_id = models.BigIntegerField()
    date = models.DateTimeField()
    title = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    corporation = entity_fk()
    issuer = entity_fk()
    reason = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices)
    #: the layers of the medal's picture as ESI lists them (part, layer, graphic, color)
    graphics = models.JSONField(default=list, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "medal_id", "date"], name="ma_medal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.title}"
