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
    # Extractor programs, from the colony's layout. ESI recalculates a layout only when the
    # pilot views the colony, which also moves ``last_update``: the layout is fetched again
    # only when ``last_update`` differs from the one it was fetched for.
    extractors = models.PositiveSmallIntegerField(
        null=True,
        default=None,
        help_text=_("extractor control units in the colony (None: layout not fetched)"),
    )
    extractors_expire_first = models.DateTimeField(
        null=True, default=None, help_text=_("when the first extractor program ends (or ended)")
    )
    extractors_expire_last = models.DateTimeField(
        null=True, default=None, help_text=_("when the last extractor program ends (or ended)")
    )
    layout_last_update = models.DateTimeField(
        null=True, default=None, help_text=_("the colony's last update the extractor figures belong to")
    )

    class Meta:
        default_permissions = ()
        verbose_name = _("planetary colony")
        verbose_name_plural = _("planetary colonies")
        constraints = [models.UniqueConstraint(fields=["character", "planet_id"], name="ma_planet_unique")]

    def __str__(self) -> str:
        return f"{self.character}: planet {self.planet_id}"
