"""Jump fatigue."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.fatigue import CharacterJumpFatigue

from .base import Changes, Section, SyncContext
from .registry import register
from .sync import upsert_one


@register
class JumpFatigueSection(Section):
    name = "jump_fatigue"
    title = _("Jump fatigue")
    ring = 2
    scopes = ("esi-characters.read_fatigue.v1",)
    operations = ("GetCharactersCharacterIdFatigue",)
    models = (CharacterJumpFatigue,)
    description = "When jump fatigue expires and when the character last jumped, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return upsert_one(
            CharacterJumpFatigue,
            {"character": ctx.character},
            {
                "jump_fatigue_expire_date": payload.get("jump_fatigue_expire_date"),
                "last_jump_date": payload.get("last_jump_date"),
                "last_update_date": payload.get("last_update_date"),
            },
        )
