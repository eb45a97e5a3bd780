"""Skills, skill queue and attributes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.skills import (
    CharacterAttributes,
    CharacterSkill,
    CharacterSkillpoints,
    CharacterSkillqueueEntry,
)

from .base import Changes, Section, SyncContext, ids
from .in_game import ChangesOnlyInGame
from .registry import register
from .sync import replace_rows, upsert_one


@register
class SkillsSection(ChangesOnlyInGame):
    name = "skills"
    title = _("Skills")
    ring = 2
    scopes = ("esi-skills.read_skills.v1",)
    operations = ("GetCharactersCharacterIdSkills",)
    models = (CharacterSkill, CharacterSkillpoints)
    triggers = ("skill_sets",)
    description = (
        "Trained skills with levels and skill points, plus total and unallocated SP, every ring 2 cycle"
        " (not asked while the character stays logged out: ESI updates them only while it is logged in)."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        scope = {"character": ctx.character}
        rows = [
            {
                "eve_type_id": skill["skill_id"],
                "active_skill_level": skill["active_skill_level"],
                "trained_skill_level": skill["trained_skill_level"],
                "skillpoints_in_skill": skill["skillpoints_in_skill"],
            }
            for skill in payload.get("skills", [])
        ]
        changes = replace_rows(CharacterSkill, scope, rows, key="eve_type_id")
        return changes + upsert_one(
            CharacterSkillpoints,
            scope,
            {"total": payload["total_sp"], "unallocated": payload.get("unallocated_sp")},
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"types": ids(skill["skill_id"] for skill in payload.get("skills", []))}


@register
class SkillQueueSection(ChangesOnlyInGame):
    name = "skill_queue"
    title = _("Skill queue")
    ring = 1
    scopes = ("esi-skills.read_skillqueue.v1",)
    operations = ("GetCharactersCharacterIdSkillqueue",)
    models = (CharacterSkillqueueEntry,)
    description = (
        "The skill queue with start and finish dates, every ring 1 cycle (not asked while the character"
        " stays logged out: ESI updates it only while it is logged in)."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {
                "queue_position": entry["queue_position"],
                "eve_type_id": entry["skill_id"],
                "finished_level": entry["finished_level"],
                "start_date": entry.get("start_date"),
                "finish_date": entry.get("finish_date"),
                "training_start_sp": entry.get("training_start_sp"),
                "level_start_sp": entry.get("level_start_sp"),
                "level_end_sp": entry.get("level_end_sp"),
            }
            for entry in payload
        ]
        return replace_rows(
            CharacterSkillqueueEntry, {"character": ctx.character}, rows, key="queue_position"
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"types": ids(entry["skill_id"] for entry in payload)}


@register
class AttributesSection(Section):
    name = "attributes"
    title = _("Attributes")
    ring = 2
    scopes = ("esi-skills.read_skills.v1",)
    operations = ("GetCharactersCharacterIdAttributes",)
    models = (CharacterAttributes,)
    triggers = ("skill_sets",)  # a remap or an implant swap changes training times
    description = (
        "The five effective attributes (implant bonuses included, as ESI returns them) and remap "
        "information, every ring 2 cycle."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        fields = ("charisma", "intelligence", "memory", "perception", "willpower")
        values = {name: payload[name] for name in fields}
        values.update(
            bonus_remaps=payload.get("bonus_remaps"),
            last_remap_date=payload.get("last_remap_date"),
            accrued_remap_cooldown_date=payload.get("accrued_remap_cooldown_date"),
        )
        return upsert_one(CharacterAttributes, {"character": ctx.character}, values)
