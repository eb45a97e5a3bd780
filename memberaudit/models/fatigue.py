"""Jump fatigue of characters."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .characters import Character


class CharacterJumpFatigue(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="jump_fatigue")
    jump_fatigue_expire_date = models.DateTimeField(null=True, default=None)
    last_jump_date = models.DateTimeField(null=True, default=None)
    last_update_date = models.DateTimeField(null=True, default=None)

    class Meta:
        default_permissions = ()
        verbose_name = _("jump fatigue")
        verbose_name_plural = _("jump fatigue")

    def __str__(self) -> str:
        return f"{self.character}: fatigue until {self.jump_fatigue_expire_date}"

    @property
    def is_fatigued(self) -> bool:
        return bool(self.jump_fatigue_expire_date and self.jump_fatigue_expire_date > timezone.now())
