"""Skill set checks: computed from a character's skills and attributes.

No ESI call: ``fetch`` reads what the skills and attributes sections stored and computes every
skill set's check; the engine's content hash makes an unchanged result cost no write. The
skills section triggers this one after a change, and it also runs every ring 2 cycle, which
picks up edited skill sets.

Training times use the stored attributes as they are: ESI returns effective attributes, with
the bonuses of plugged-in implants and active boosters already included, so implants are not
added again (see ``memberaudit.core.training``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EveType, EveTypeDogmaAttribute

from memberaudit.core import training
from memberaudit.esi import client as esi_client
from memberaudit.models.skills import CharacterAttributes, CharacterSkill
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSetSkill

from .base import Changes, Section, SyncContext
from .registry import register
from .sync import replace_rows

logger = logging.getLogger(__name__)

_DOGMA_ATTRIBUTES = training.SKILL_TRAINING_ATTRIBUTES


def load_dogmas(type_ids: set[int]) -> None:
    """Make sure these types are stored with their dogma attributes (from ESI if needed).

    Failures are logged: training times then stay unknown until a later run.
    """
    dogmas = [EveType.Section.DOGMAS]
    have = set(
        EveType.objects.filter(id__in=type_ids).filter_enabled_sections(dogmas).values_list("id", flat=True)
    )
    for type_id in sorted(type_ids - have):
        try:
            esi_client.provider()  # eveuniverse's client follows ESI_API_URL once ours is built
            EveType.objects.get_or_create_esi(id=type_id, enabled_sections=dogmas)
        except Exception as exc:  # static data must never break the section
            logger.warning("Could not load dogmas of type %s: %s", type_id, exc)


def _dogma(type_ids: set[int]) -> dict[int, dict[int, float]]:
    result: dict[int, dict[int, float]] = defaultdict(dict)
    rows = EveTypeDogmaAttribute.objects.filter(
        eve_type_id__in=type_ids, eve_dogma_attribute_id__in=_DOGMA_ATTRIBUTES
    ).values_list("eve_type_id", "eve_dogma_attribute_id", "value")
    for type_id, attribute_id, value in rows:
        result[type_id][attribute_id] = value
    return result


def compute_checks(character_pk: int) -> list[dict[str, Any]]:
    """Every skill set's check for one character, in a constant number of queries."""
    requirements: dict[int, list[training.SkillRequirement]] = defaultdict(list)
    for skill_set_id, type_id, required, recommended in SkillSetSkill.objects.values_list(
        "skill_set_id", "eve_type_id", "required_level", "recommended_level"
    ):
        requirements[skill_set_id].append(training.SkillRequirement(type_id, required, recommended))
    if not requirements:
        return []
    trained = {
        type_id: training.TrainedSkill(level, sp)
        for type_id, level, sp in CharacterSkill.objects.filter(character_id=character_pk).values_list(
            "eve_type_id", "active_skill_level", "skillpoints_in_skill"
        )
    }
    skill_ids = {r.type_id for reqs in requirements.values() for r in reqs}
    missing_ids = {
        r.type_id
        for reqs in requirements.values()
        for r in reqs
        if trained.get(r.type_id, training.TrainedSkill(0, 0)).active_level
        < max(r.required_level or 0, r.recommended_level or 0)
    }
    load_dogmas(missing_ids)
    dogma = _dogma(missing_ids)
    skill_info = {
        type_id: info
        for type_id in skill_ids & set(dogma)
        if (info := training.SkillInfo.from_dogma(dogma[type_id])) is not None
    }
    # effective attributes as ESI served them: implant bonuses are already in these values
    effective = (
        CharacterAttributes.objects.filter(character_id=character_pk)
        .values("charisma", "intelligence", "memory", "perception", "willpower")
        .first()
    )
    attributes = training.Attributes(**effective) if effective else None
    return [
        {"skill_set_id": skill_set_id, **training.check_skill_set(reqs, trained, skill_info, attributes)}
        for skill_set_id, reqs in sorted(requirements.items())
    ]


@register
class SkillSetsSection(Section):
    name = "skill_sets"
    title = _("Skill sets")
    ring = 2
    models = (CharacterSkillSetCheck,)
    description = (
        "Computed, no ESI call: which skill sets the character meets, what is missing and how long "
        "it takes to train, after every skills change and every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        return compute_checks(ctx.character.pk)

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return replace_rows(CharacterSkillSetCheck, {"character": ctx.character}, payload, key="skill_set_id")
