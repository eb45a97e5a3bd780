"""Skill training math as EVE defines it: skill points per level and training time.

Pure functions, no Django: the skill sets section and the views feed them numbers.

- Skill points for a level: ``250 * rank * sqrt(32) ** (level - 1)``, rounded up to a whole
  skill point (EVE shows 1,415 SP for level II of a rank 1 skill, not 1,414).
- Training speed: ``primary + secondary / 2`` skill points per minute, with the character's
  *effective* attributes: what ``GET /characters/{character_id}/attributes/`` returns. ESI
  already includes the bonuses of plugged-in implants and active boosters in those values
  (esi-issues #1487), so nothing here adds implant bonuses: adding them again would count them
  twice and show implanted characters training 10-20 % faster than they do (the bug EVEMon
  fixed in 2018).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_LEVEL = 5

# dogma attribute ids
ATTRIBUTE_CHARISMA = 164
ATTRIBUTE_INTELLIGENCE = 165
ATTRIBUTE_MEMORY = 166
ATTRIBUTE_PERCEPTION = 167
ATTRIBUTE_WILLPOWER = 168
#: a skill's primary / secondary attribute (value: one of the attribute ids above)
PRIMARY_ATTRIBUTE = 180
SECONDARY_ATTRIBUTE = 181
#: a skill's rank ("training time multiplier")
SKILL_RANK = 275
#: an implant's bonus dogma attribute -> the attribute it raises. Only for reading an implant's
#: dogma: ESI's attributes already include these bonuses, never add them to those.
IMPLANT_BONUS_ATTRIBUTES: dict[int, int] = {
    175: ATTRIBUTE_CHARISMA,
    176: ATTRIBUTE_INTELLIGENCE,
    177: ATTRIBUTE_MEMORY,
    178: ATTRIBUTE_PERCEPTION,
    179: ATTRIBUTE_WILLPOWER,
}
ATTRIBUTE_NAMES: dict[int, str] = {
    ATTRIBUTE_CHARISMA: "charisma",
    ATTRIBUTE_INTELLIGENCE: "intelligence",
    ATTRIBUTE_MEMORY: "memory",
    ATTRIBUTE_PERCEPTION: "perception",
    ATTRIBUTE_WILLPOWER: "willpower",
}
#: dogma attributes a skill's training time needs
SKILL_TRAINING_ATTRIBUTES = (PRIMARY_ATTRIBUTE, SECONDARY_ATTRIBUTE, SKILL_RANK)


def sp_for_level(rank: float, level: int) -> int:
    """Total skill points a skill of ``rank`` holds at ``level`` (0 for level 0)."""
    if level <= 0:
        return 0
    if level > MAX_LEVEL:
        raise ValueError(f"level must be 0..{MAX_LEVEL}, got {level}")
    exact = 250 * rank * math.sqrt(32) ** (level - 1)
    # round up to whole SP, but do not let float noise (8000.000000001) add one
    return math.ceil(round(exact, 6))


def sp_per_minute(primary: float, secondary: float) -> float:
    """Skill points trained per minute with these effective attribute values (as ESI returns them)."""
    return primary + secondary / 2


@dataclass(frozen=True)
class Attributes:
    """A character's five effective attributes, exactly as ESI returns them.

    ESI's values already include implant and booster bonuses, so they are used as they are:
    there is deliberately no way to add implant bonuses to them.
    """

    charisma: int = 0
    intelligence: int = 0
    memory: int = 0
    perception: int = 0
    willpower: int = 0

    def value(self, attribute_id: int) -> int:
        """The value of the attribute with this dogma id."""
        return getattr(self, ATTRIBUTE_NAMES[attribute_id])


@dataclass(frozen=True)
class SkillInfo:
    """What training time needs to know about a skill type."""

    rank: float
    primary_attribute_id: int
    secondary_attribute_id: int

    @classmethod
    def from_dogma(cls, dogma: Mapping[int, float]) -> SkillInfo | None:
        """From a type's dogma attributes; None when they are incomplete (not a skill)."""
        try:
            primary = int(dogma[PRIMARY_ATTRIBUTE])
            secondary = int(dogma[SECONDARY_ATTRIBUTE])
            rank = float(dogma[SKILL_RANK])
        except KeyError:
            return None
        if primary not in ATTRIBUTE_NAMES or secondary not in ATTRIBUTE_NAMES:
            return None
        return cls(rank=rank, primary_attribute_id=primary, secondary_attribute_id=secondary)

    def sp_per_minute(self, attributes: Attributes) -> float:
        return sp_per_minute(
            attributes.value(self.primary_attribute_id), attributes.value(self.secondary_attribute_id)
        )


def missing_sp(rank: float, current_sp: int, target_level: int) -> int:
    """Skill points still to train to reach ``target_level`` from ``current_sp``."""
    return max(0, sp_for_level(rank, target_level) - max(0, int(current_sp)))


def training_seconds(skill: SkillInfo, attributes: Attributes, current_sp: int, target_level: int) -> float:
    """Seconds to train ``skill`` from ``current_sp`` up to ``target_level``."""
    speed = skill.sp_per_minute(attributes)
    if speed <= 0:
        raise ValueError("attributes give no training speed")
    return missing_sp(skill.rank, current_sp, target_level) / speed * 60


def split_duration(seconds: float) -> tuple[int, int, int]:
    """``(days, hours, minutes)`` of a duration, minutes rounded up."""
    minutes = math.ceil(max(0.0, seconds) / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


@dataclass(frozen=True)
class SkillRequirement:
    """One skill of a skill set."""

    type_id: int
    required_level: int | None
    recommended_level: int | None


@dataclass(frozen=True)
class TrainedSkill:
    """A skill the character has: its active level and the skill points in it."""

    active_level: int
    skillpoints: int


def check_skill_set(
    requirements: Iterable[SkillRequirement],
    trained: Mapping[int, TrainedSkill],
    skill_info: Mapping[int, SkillInfo],
    attributes: Attributes | None,
) -> dict:
    """Whether a character meets a skill set, what is missing and how long it takes to train.

    Returns ``can_fly``, ``meets_recommended``, ``failed_required_skills``,
    ``failed_recommended_skills`` (lists of ``{"type_id", "level", "active_level", "seconds"}``)
    and the training seconds to the required / recommended levels (None when unknown: no
    attributes or a skill without training data). Recommended training includes what is
    required, since the recommended levels cannot be reached without it.
    """
    failed: dict[str, list[dict]] = {"required": [], "recommended": []}
    totals: dict[str, float | None] = {"required": 0.0, "recommended": 0.0}
    for requirement in sorted(requirements, key=lambda r: r.type_id):
        have = trained.get(requirement.type_id, TrainedSkill(0, 0))
        targets = {
            "required": requirement.required_level or 0,
            "recommended": max(requirement.required_level or 0, requirement.recommended_level or 0),
        }
        for kind, target in targets.items():
            if have.active_level >= target:
                continue
            info = skill_info.get(requirement.type_id)
            seconds = (
                training_seconds(info, attributes, have.skillpoints, target)
                if info is not None and attributes is not None
                else None
            )
            if kind == "required" or (requirement.recommended_level or 0) > have.active_level:
                failed[kind].append(
                    {
                        "type_id": requirement.type_id,
                        "level": target,
                        "active_level": have.active_level,
                        "seconds": None if seconds is None else round(seconds, 1),
                    }
                )
            total = totals[kind]
            totals[kind] = None if total is None or seconds is None else total + seconds
    return {
        "can_fly": not failed["required"],
        "meets_recommended": not failed["required"] and not failed["recommended"],
        "failed_required_skills": failed["required"],
        "failed_recommended_skills": failed["recommended"],
        "missing_required_seconds": None if totals["required"] is None else round(totals["required"], 1),
        "missing_recommended_seconds": None
        if totals["recommended"] is None
        else round(totals["recommended"], 1),
    }
