"""Skills, skill queue, attributes and skill points of characters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import type_fk


class CharacterSkill(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="skills")
    eve_type = type_fk()
    active_skill_level = models.PositiveSmallIntegerField()
    trained_skill_level = models.PositiveSmallIntegerField()
    skillpoints_in_skill = models.BigIntegerField()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "eve_type"], name="ma_skill_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.eve_type_id} {self.active_skill_level}"


class CharacterSkillpoints(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="skillpoints")
    total = models.BigIntegerField()
    unallocated = models.BigIntegerField(null=True, default=None)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {self.total} SP"


class CharacterSkillqueueEntry(models.Model):
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="skillqueue")
    queue_position = models.PositiveIntegerField()
    eve_type = type_fk()
    finished_level = models.PositiveSmallIntegerField()
    start_date = models.DateTimeField(null=True, default=None)
    finish_date = models.DateTimeField(null=True, default=None)
    training_start_sp = models.BigIntegerField(null=True, default=None)
    level_start_sp = models.BigIntegerField(null=True, default=None)
    level_end_sp = models.BigIntegerField(null=True, default=None)

    class Meta:
        default_permissions = ()
        ordering = ["queue_position"]
        constraints = [
            models.UniqueConstraint(fields=["character", "queue_position"], name="ma_skillqueue_unique")
        ]
        verbose_name = _("skill queue entry")

    def __str__(self) -> str:
        return f"{self.character}: #{self.queue_position}"


class CharacterAttributes(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="attributes")
    charisma = models.PositiveSmallIntegerField()
    intelligence = models.PositiveSmallIntegerField()
    memory = models.PositiveSmallIntegerField()
    perception = models.PositiveSmallIntegerField()
    willpower = models.PositiveSmallIntegerField()
    bonus_remaps = models.PositiveSmallIntegerField(null=True, default=None)
    last_remap_date = models.DateTimeField(null=True, default=None)
    accrued_remap_cooldown_date = models.DateTimeField(null=True, default=None)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: attributes"
