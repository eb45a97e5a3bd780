"""Where a character is, what it flies and whether it is online."""

from __future__ import annotations

from django.db import models

from .characters import Character
from .fields import location_fk, solar_system_fk, type_fk


class CharacterLocation(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="location")
    eve_solar_system = solar_system_fk()
    location = location_fk(help_text="station or structure the character is docked in")

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {self.eve_solar_system_id}"


class CharacterOnlineStatus(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="online_status")
    online = models.BooleanField()
    last_login = models.DateTimeField(null=True, default=None)
    last_logout = models.DateTimeField(null=True, default=None)
    logins = models.PositiveIntegerField(null=True, default=None)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {'online' if self.online else 'offline'}"


class CharacterShip(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="ship")
    item_id = models.BigIntegerField()
    eve_type = type_fk()
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {self.name}"
