"""Active implants, jump clones and the home location."""

from __future__ import annotations

from django.db import models

from .characters import Character
from .fields import location_fk, type_fk


class CharacterImplant(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="implants")
    eve_type = type_fk()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "eve_type"], name="ma_implant_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.eve_type_id}"


class CharacterCloneInfo(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="clone_info")
    home_location = location_fk()
    last_clone_jump_date = models.DateTimeField(null=True, default=None)
    last_station_change_date = models.DateTimeField(null=True, default=None)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: clones"


class CharacterJumpClone(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="jump_clones")
    jump_clone_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True, default="")
    location = location_fk()
    location_type = models.CharField(max_length=16, blank=True, default="")
    implant_type_ids = models.JSONField(default=list, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "jump_clone_id"], name="ma_jump_clone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: clone {self.jump_clone_id}"
