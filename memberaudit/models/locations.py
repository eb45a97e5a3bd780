"""Stations and structures that characters' data refers to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EveSolarSystem, EveType

#: ids at or above this are player structures (below: NPC stations, solar systems, ...)
STRUCTURE_ID_MIN = 1_000_000_000_000


class Location(models.Model):
    """A station, structure or solar system that an asset, clone or job is in.

    A structure the character may not look up (ESI 403) is remembered as such and not asked
    for again until ``MEMBERAUDIT_LOCATION_STALE_HOURS`` have passed.
    """

    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=255, blank=True, default="")
    eve_solar_system = models.ForeignKey(
        EveSolarSystem,
        on_delete=models.SET_NULL,
        null=True,
        default=None,
        db_constraint=False,
        related_name="+",
    )
    eve_type = models.ForeignKey(
        EveType, on_delete=models.SET_NULL, null=True, default=None, db_constraint=False, related_name="+"
    )
    owner_id = models.BigIntegerField(null=True, default=None)
    is_forbidden = models.BooleanField(default=False, help_text=_("ESI refused to show this structure"))
    updated_at = models.DateTimeField(null=True, default=None, db_index=True)

    class Meta:
        default_permissions = ()
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_structure(self) -> bool:
        return self.id >= STRUCTURE_ID_MIN

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.is_forbidden:
            return _("Unknown structure #%(id)s (no access)") % {"id": self.id}
        return _("Unknown location #%(id)s") % {"id": self.id}
