"""Training time follows EVE's formula, checked against values computed by hand.

SP per level: 250 × rank × √32^(level−1), rounded up (rank 1: 250, 1 415, 8 000, 45 255,
256 000). Speed: primary + secondary / 2 SP per minute, attributes including implants.
"""

from __future__ import annotations

import pytest
from eve_factories import CHARISMA, INTELLIGENCE, MEMORY, PERCEPTION, WILLPOWER, make_implant, make_skill
from helpers import create_member, register_character

from memberaudit.core import training
from memberaudit.core.training import (
    Attributes,
    SkillInfo,
    SkillRequirement,
    TrainedSkill,
    check_skill_set,
    sp_for_level,
    sp_per_minute,
    split_duration,
    training_seconds,
)
from memberaudit.models import CharacterAttributes, CharacterImplant, CharacterSkill
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet, SkillSetSkill
from memberaudit.sections import engine

GUNNERY = SkillInfo(rank=1, primary_attribute_id=PERCEPTION, secondary_attribute_id=WILLPOWER)
RANK3 = SkillInfo(rank=3, primary_attribute_id=PERCEPTION, secondary_attribute_id=WILLPOWER)
LEADERSHIP = SkillInfo(rank=1, primary_attribute_id=CHARISMA, secondary_attribute_id=WILLPOWER)
SCIENCE_R5 = SkillInfo(rank=5, primary_attribute_id=INTELLIGENCE, secondary_attribute_id=MEMORY)


@pytest.mark.parametrize(
    ("rank", "levels"),
    [
        (1, [0, 250, 1415, 8000, 45255, 256000]),
        (2, [0, 500, 2829, 16000, 90510, 512000]),
        (3, [0, 750, 4243, 24000, 135765, 768000]),
        (5, [0, 1250, 7072, 40000, 226275, 1280000]),
    ],
)
def test_skill_points_per_level_match_eve(rank, levels):
    assert [sp_for_level(rank, level) for level in range(6)] == levels


def test_a_level_above_five_is_refused():
    with pytest.raises(ValueError):
        sp_for_level(1, 6)


def test_speed_is_primary_plus_half_secondary():
    assert sp_per_minute(20, 20) == 30
    assert sp_per_minute(27, 21) == 37.5


def test_plain_attributes_rank_1_to_level_1_and_5():
    attributes = Attributes(perception=20, willpower=20)  # 30 SP/min
    assert training_seconds(GUNNERY, attributes, 0, 1) == pytest.approx(250 / 30 * 60)  # 500 s
    assert training_seconds(GUNNERY, attributes, 0, 1) == pytest.approx(500)
    assert training_seconds(GUNNERY, attributes, 0, 5) == pytest.approx(512_000)  # 256000/30 min


def test_implants_raise_the_attributes_and_partial_progress_counts():
    # +3 perception, +5 willpower: 23 + 25/2 = 35.5 SP/min; rank 3 level 4 = 135,765 SP,
    # 24,000 SP already in the skill (level 3): 111,765 SP left = 3,148.31 min = 188,898.6 s
    attributes = Attributes(perception=20, willpower=20).boosted([{178: 3}, {179: 5}])
    assert attributes.perception == 23 and attributes.willpower == 25
    assert training_seconds(RANK3, attributes, 24_000, 4) == pytest.approx(188_898.59, abs=0.01)


def test_charisma_skill_with_a_charisma_implant():
    # charisma 17 + 4, willpower 27: 21 + 13.5 = 34.5 SP/min; level 2 = 1,415 SP → 2,460.87 s
    attributes = Attributes(charisma=17, willpower=27).boosted([{175: 4}])
    assert training_seconds(LEADERSHIP, attributes, 0, 2) == pytest.approx(2460.87, abs=0.01)


def test_implants_for_other_attributes_do_not_change_the_speed():
    plain = Attributes(intelligence=24, memory=20)
    boosted = plain.boosted([{178: 5}, {175: 5}])  # perception and charisma only
    # rank 5 level 3 = 40,000 SP at 24 + 10 = 34 SP/min = 70,588.2 s, with or without them
    assert training_seconds(SCIENCE_R5, boosted, 0, 3) == training_seconds(SCIENCE_R5, plain, 0, 3)
    assert training_seconds(SCIENCE_R5, plain, 0, 3) == pytest.approx(40_000 / 34 * 60)


def test_nothing_to_train_takes_no_time():
    assert training_seconds(GUNNERY, Attributes(perception=20, willpower=20), 300, 1) == 0


def test_split_duration_rounds_minutes_up():
    assert split_duration(188_898.59) == (2, 4, 29)  # 3,148.3 min → 3,149 min
    assert split_duration(0) == (0, 0, 0)


def test_check_sums_training_over_missing_skills():
    attributes = Attributes(perception=20, willpower=20)  # 30 SP/min
    requirements = [SkillRequirement(1, 1, 3), SkillRequirement(2, 2, None)]
    trained = {1: TrainedSkill(1, 250)}
    check = check_skill_set(requirements, trained, {1: GUNNERY, 2: GUNNERY}, attributes)
    assert not check["can_fly"] and not check["meets_recommended"]
    assert [s["type_id"] for s in check["failed_required_skills"]] == [2]
    assert [(s["type_id"], s["level"]) for s in check["failed_recommended_skills"]] == [(1, 3)]
    # required: skill 2 to level 2 = 1,415 SP; recommended adds skill 1 from 250 to 8,000 SP
    assert check["missing_required_seconds"] == pytest.approx(1415 / 30 * 60, abs=0.1)
    assert check["missing_recommended_seconds"] == pytest.approx((1415 + 7750) / 30 * 60, abs=0.1)


def test_unknown_training_data_gives_unknown_time():
    check = check_skill_set([SkillRequirement(9, 1, None)], {}, {}, Attributes(perception=20, willpower=20))
    assert check["missing_required_seconds"] is None
    check = check_skill_set([SkillRequirement(9, 1, None)], {}, {9: GUNNERY}, None)
    assert check["missing_required_seconds"] is None


@pytest.mark.django_db
def test_the_skill_sets_section_uses_attributes_and_implants_from_the_database():
    make_skill(3300, "Gunnery")
    make_skill(3305, "Medium Projectile Turret", rank=3)
    make_implant(10216, "Ocular Filter - Standard", {PERCEPTION: 3})
    make_implant(10212, "Neural Boost - Improved", {WILLPOWER: 5})
    user = create_member("pilot", "basic_access")
    character = register_character(user, eve_character=user.profile.main_character)
    CharacterAttributes.objects.create(
        character=character, charisma=17, intelligence=20, memory=20, perception=20, willpower=20
    )
    CharacterImplant.objects.create(character=character, eve_type_id=10216)
    CharacterImplant.objects.create(character=character, eve_type_id=10212)
    CharacterSkill.objects.create(
        character=character,
        eve_type_id=3305,
        active_skill_level=3,
        trained_skill_level=3,
        skillpoints_in_skill=24_000,
    )
    skill_set = SkillSet.objects.create(name="Rifter")
    SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=3305, required_level=4)
    SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=3300, recommended_level=1)

    result = engine.update_section(character, "skill_sets")

    assert result.outcome == "changed"
    check = CharacterSkillSetCheck.objects.get(character=character, skill_set=skill_set)
    assert not check.can_fly
    # 35.5 SP/min: 111,765 SP for rank 3 level 4; + 250 SP of Gunnery I for the recommendation
    assert check.missing_required_seconds == pytest.approx(188_898.6, abs=0.1)
    assert check.missing_recommended_seconds == pytest.approx(188_898.6 + 250 / 35.5 * 60, abs=0.2)
    assert engine.update_section(character, "skill_sets").outcome == "unchanged"


def test_training_module_knows_the_implant_bonus_attributes():
    assert set(training.IMPLANT_BONUS_ATTRIBUTES) == {175, 176, 177, 178, 179}
