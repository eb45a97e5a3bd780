"""NPC standings, loyalty points and faction warfare statistics of characters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterStanding(models.Model):
    """The standing of an NPC agent, corporation or faction towards the character."""

    class FromType(models.TextChoices):
        AGENT = "agent", _("agent")
        NPC_CORP = "npc_corp", _("NPC corporation")
        FACTION = "faction", _("faction")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="standings")
    eve_entity = entity_fk()
    from_type = models.CharField(max_length=16, choices=FromType.choices)
    standing = models.FloatField()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "eve_entity"], name="ma_standing_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.eve_entity_id} {self.standing}"


class CharacterLoyaltyEntry(models.Model):
    """Loyalty points of the character with one NPC corporation."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="loyalty_entries")
    corporation = entity_fk()
    loyalty_points = models.BigIntegerField()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "corporation"], name="ma_loyalty_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.loyalty_points} LP with {self.corporation_id}"


class CharacterFwStats(models.Model):
    """Faction warfare statistics; ``faction`` is None when the character is not enlisted."""

    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="fw_stats")
    faction = entity_fk()
    enlisted_on = models.DateTimeField(null=True, default=None)
    current_rank = models.PositiveSmallIntegerField(null=True, default=None)
    highest_rank = models.PositiveSmallIntegerField(null=True, default=None)
    kills_yesterday = models.PositiveIntegerField(default=0)
    kills_last_week = models.PositiveIntegerField(default=0)
    kills_total = models.PositiveIntegerField(default=0)
    victory_points_yesterday = models.PositiveIntegerField(default=0)
    victory_points_last_week = models.PositiveIntegerField(default=0)
    victory_points_total = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()
        verbose_name = _("faction warfare statistics")
        verbose_name_plural = _("faction warfare statistics")

    def __str__(self) -> str:
        return f"{self.character}: FW {self.faction_id or '-'}"

    @property
    def is_enlisted(self) -> bool:
        return self.faction_id is not None
