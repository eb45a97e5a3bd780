"""Recent killmails of characters (kills and losses), with a summary of each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk, solar_system_fk, type_fk


class CharacterKillmail(models.Model):
    """A killmail the character was involved in; details are fetched once (they never change)."""

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="killmails")
    killmail_id = models.BigIntegerField()
    killmail_hash = models.CharField(max_length=64)
    #: details were fetched; the rest of the fields are empty until then
    details_loaded = models.BooleanField(default=False)
    killmail_time = models.DateTimeField(null=True, default=None)
    eve_solar_system = solar_system_fk()
    is_loss = models.BooleanField(null=True, default=None, help_text=_("the character was the victim"))
    victim_character = entity_fk()
    victim_corporation = entity_fk()
    victim_alliance = entity_fk()
    victim_faction = entity_fk()
    victim_ship_type = type_fk(default=None)
    damage_taken = models.BigIntegerField(null=True, default=None)
    attackers_count = models.PositiveIntegerField(null=True, default=None)
    final_blow_character = entity_fk()
    final_blow_corporation = entity_fk()
    final_blow_alliance = entity_fk()
    final_blow_ship_type = type_fk(default=None)

    class Meta:
        default_permissions = ()
        verbose_name = _("killmail")
        constraints = [
            models.UniqueConstraint(fields=["character", "killmail_id"], name="ma_killmail_unique")
        ]
        indexes = [models.Index(fields=["character", "-killmail_time"], name="ma_killmail_char_date")]

    def __str__(self) -> str:
        return f"{self.character}: killmail {self.killmail_id}"
