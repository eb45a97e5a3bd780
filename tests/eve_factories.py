"""Small EVE static data for tests: types with dogma attributes, created without ESI."""

from __future__ import annotations

from collections.abc import Mapping

from eveuniverse.models import EveCategory, EveDogmaAttribute, EveGroup, EveType, EveTypeDogmaAttribute

from memberaudit.core import training

SKILL_CATEGORY = 16
PERCEPTION, WILLPOWER = training.ATTRIBUTE_PERCEPTION, training.ATTRIBUTE_WILLPOWER
CHARISMA, INTELLIGENCE, MEMORY = (
    training.ATTRIBUTE_CHARISMA,
    training.ATTRIBUTE_INTELLIGENCE,
    training.ATTRIBUTE_MEMORY,
)


def make_type(
    type_id: int,
    name: str,
    *,
    group_id: int = 255,
    category_id: int = SKILL_CATEGORY,
    dogma: Mapping[int, float] | None = None,
) -> EveType:
    """An EveType stored *with* its dogmas (so eveuniverse never asks ESI for it)."""
    category, _ = EveCategory.objects.get_or_create(
        id=category_id, defaults={"name": f"Category {category_id}", "published": True}
    )
    group, _ = EveGroup.objects.get_or_create(
        id=group_id, defaults={"name": f"Group {group_id}", "eve_category": category, "published": True}
    )
    eve_type = EveType.objects.create(
        id=type_id,
        name=name,
        eve_group=group,
        published=True,
        enabled_sections=EveType.enabled_sections.dogmas,
    )
    for attribute_id, value in (dogma or {}).items():
        attribute, _ = EveDogmaAttribute.objects.get_or_create(
            id=attribute_id, defaults={"name": f"attr{attribute_id}"}
        )
        EveTypeDogmaAttribute.objects.create(eve_type=eve_type, eve_dogma_attribute=attribute, value=value)
    return eve_type


def make_skill(
    type_id: int,
    name: str,
    *,
    rank: int = 1,
    primary: int = PERCEPTION,
    secondary: int = WILLPOWER,
    requires: Mapping[int, int] | None = None,
) -> EveType:
    """A skill type with rank, attributes and (optional) prerequisites: skill id -> level."""
    dogma: dict[int, float] = {
        training.PRIMARY_ATTRIBUTE: primary,
        training.SECONDARY_ATTRIBUTE: secondary,
        training.SKILL_RANK: rank,
    }
    dogma.update(required_skill_dogma(requires or {}))
    return make_type(type_id, name, dogma=dogma)


def required_skill_dogma(requires: Mapping[int, int]) -> dict[int, float]:
    """Dogma attributes saying "requires these skills at these levels" (at most six)."""
    from memberaudit.core.eft import REQUIRED_SKILL_ATTRIBUTES

    dogma: dict[int, float] = {}
    for (skill_attribute, level_attribute), (skill_id, level) in zip(
        REQUIRED_SKILL_ATTRIBUTES, requires.items(), strict=False
    ):
        dogma[skill_attribute] = skill_id
        dogma[level_attribute] = level
    return dogma


def make_implant(type_id: int, name: str, bonuses: Mapping[int, int]) -> EveType:
    """An implant raising attributes: attribute id (164..168) -> bonus."""
    by_target = {target: bonus_id for bonus_id, target in training.IMPLANT_BONUS_ATTRIBUTES.items()}
    return make_type(
        type_id,
        name,
        group_id=300,
        category_id=20,
        dogma={by_target[attribute]: value for attribute, value in bonuses.items()},
    )
