"""Industry of characters: jobs, blueprints and the mining ledger."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk, isk, location_fk, solar_system_fk, type_fk


class CharacterIndustryJob(models.Model):
    """A manufacturing, research, invention or reaction job; kept after it is delivered."""

    class Activity(models.IntegerChoices):
        MANUFACTURING = 1, _("manufacturing")
        RESEARCH_TIME = 3, _("time efficiency research")
        RESEARCH_MATERIAL = 4, _("material efficiency research")
        COPYING = 5, _("copying")
        REVERSE_ENGINEERING = 7, _("reverse engineering")
        INVENTION = 8, _("invention")
        REACTIONS = 9, _("reactions")
        REACTIONS_LEGACY = 11, _("reactions")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")
        DELIVERED = "delivered", _("delivered")
        PAUSED = "paused", _("paused")
        READY = "ready", _("ready")
        REVERTED = "reverted", _("reverted")

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="industry_jobs")
    job_id = models.BigIntegerField()
    activity_id = models.PositiveIntegerField(choices=Activity.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    installer = entity_fk()
    completed_character = entity_fk()
    blueprint_id = models.BigIntegerField()
    blueprint_type = type_fk()
    product_type = type_fk()
    blueprint_location = location_fk()
    output_location = location_fk()
    facility = location_fk()
    station = location_fk()
    runs = models.PositiveIntegerField()
    licensed_runs = models.PositiveIntegerField(null=True, default=None)
    successful_runs = models.PositiveIntegerField(null=True, default=None)
    probability = models.FloatField(null=True, default=None)
    cost = isk()
    duration = models.PositiveIntegerField(help_text=_("seconds"))
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    pause_date = models.DateTimeField(null=True, default=None)
    completed_date = models.DateTimeField(null=True, default=None)

    class Meta:
        default_permissions = ()
        verbose_name = _("industry job")
        constraints = [models.UniqueConstraint(fields=["character", "job_id"], name="ma_industry_job_unique")]
        indexes = [models.Index(fields=["character", "-end_date"], name="ma_industry_job_char_date")]

    def __str__(self) -> str:
        return f"{self.character}: job {self.job_id}"


class CharacterBlueprint(models.Model):
    """A blueprint original or copy the character owns (ESI's current list)."""

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="blueprints")
    item_id = models.BigIntegerField()
    eve_type = type_fk()
    location = location_fk(help_text=_("a station, structure, or the item the blueprint is in"))
    location_flag = models.CharField(max_length=64)
    quantity = models.BigIntegerField(help_text=_("-1 original, -2 copy, >0 a stack of originals"))
    runs = models.IntegerField(help_text=_("-1 for originals"))
    material_efficiency = models.PositiveSmallIntegerField()
    time_efficiency = models.PositiveSmallIntegerField()

    class Meta:
        default_permissions = ()
        verbose_name = _("blueprint")
        constraints = [models.UniqueConstraint(fields=["character", "item_id"], name="ma_blueprint_unique")]

    def __str__(self) -> str:
        return f"{self.character}: blueprint {self.item_id}"

    @property
    def is_copy(self) -> bool:
        return self.quantity == -2


class CharacterMiningLedgerEntry(models.Model):
    """Ore mined on one day in one solar system (ESI shows 30 days; older days are kept)."""

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="mining_ledger")
    date = models.DateField()
    eve_solar_system = solar_system_fk()
    eve_type = type_fk()
    quantity = models.BigIntegerField()

    class Meta:
        default_permissions = ()
        verbose_name = _("mining ledger entry")
        verbose_name_plural = _("mining ledger entries")
        # the unique index also serves the viewer's filter by character and sort by date
        constraints = [
            models.UniqueConstraint(
                fields=["character", "date", "eve_solar_system", "eve_type"], name="ma_mining_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.date} {self.eve_type_id} x{self.quantity}"
