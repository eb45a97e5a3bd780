"""Planetary industry colonies of characters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import solar_system_fk


class CharacterPlanet(models.Model):
    """A planet on which the character has a command center."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="planets")
    planet_id = models.BigIntegerField()
    eve_solar_system = solar_system_fk()
    planet_type = models.CharField(max_length=16)
    upgrade_level = models.PositiveSmallIntegerField(help_text=_("command center level, 0-5"))
    num_pins = models.PositiveIntegerField()
    last_update = models.DateTimeField()

    class Meta:
        default_permissions = ()
        verbose_name = _("planetary colony")
        verbose_name_plural = _("planetary colonies")
        constraints = [models.UniqueConstraint(fields=["character", "planet_id"], name="ma_planet_unique")]

    def __str__(self) -> str:
        return f"{self.character}: planet {self.planet_id}"
