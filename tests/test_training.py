"""Training time follows EVE's formula, checked against values computed by hand.

SP per level: 250 × rank × √32^(level−1), rounded up (rank 1: 250, 1 415, 8 000, 45 255,
256 000). Speed: primary + secondary / 2 SP per minute, with the attributes as ESI returns
them: effective values that already include implant bonuses (esi-issues #1487), so implants
must not be added a second time.
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


# A rank 5 perception / willpower skill (a cruiser) from level 4 to 5:
# 1,280,000 − 226,275 = 1,053,725 SP, with the effective attributes ESI serves for three
# implant sets (base = 17 + remap points, 17..27; effective = base + implant bonuses).
CRUISER = SkillInfo(rank=5, primary_attribute_id=PERCEPTION, secondary_attribute_id=WILLPOWER)
LEVEL_4_SP = 226_275
IMPLANT_SETS = {
    # base P 22 W 17, no implants: 22 + 17/2 = 30.5 SP/min;
    # 1,053,725 / 30.5 = 34,548.36 min = 2,072,901.64 s → 34,549 min = 23d 23h 49m
    "none": ((22, 17), {}, (22, 17), 2_072_901.64, (23, 23, 49)),
    # base P 24 W 18 with +3 perception and +3 willpower implants: ESI serves P 27 W 21;
    # 27 + 21/2 = 37.5 SP/min; 1,053,725 / 37.5 = 28,099.33 min = 1,685,960 s
    # → 28,100 min = 19d 12h 20m (adding the implants again, 30 + 24/2 = 42, would say 1,505,321 s)
    "+3 set": ((24, 18), {PERCEPTION: 3, WILLPOWER: 3}, (27, 21), 1_685_960.0, (19, 12, 20)),
    # base P 20 W 19 with +5 perception and +4 willpower: ESI serves P 25 W 23;
    # 25 + 23/2 = 36.5 SP/min; 1,053,725 / 36.5 = 28,869.18 min = 1,732,150.68 s
    # → 28,870 min = 20d 1h 10m (adding them again, 30 + 27/2 = 43.5, would say 1,453,414 s)
    "mixed +4/+5": ((20, 19), {PERCEPTION: 5, WILLPOWER: 4}, (25, 23), 1_732_150.68, (20, 1, 10)),
}


@pytest.mark.parametrize("implant_set", list(IMPLANT_SETS))
def test_training_time_uses_the_effective_attributes_as_they_are(implant_set):
    _base, _bonuses, (perception, willpower), seconds, duration = IMPLANT_SETS[implant_set]
    attributes = Attributes(perception=perception, willpower=willpower)
    assert training_seconds(CRUISER, attributes, LEVEL_4_SP, 5) == pytest.approx(seconds, abs=0.01)
    assert split_duration(seconds) == duration


def test_partial_progress_counts():
    # P 23 W 25 effective: 23 + 25/2 = 35.5 SP/min; rank 3 level 4 = 135,765 SP,
    # 24,000 SP already in the skill (level 3): 111,765 SP left = 3,148.31 min = 188,898.6 s
    attributes = Attributes(perception=23, willpower=25)
    assert training_seconds(RANK3, attributes, 24_000, 4) == pytest.approx(188_898.59, abs=0.01)


def test_charisma_skill_with_an_effective_charisma_from_an_implant():
    # charisma 17 base + 4 implant = 21 as ESI serves it, willpower 27: 21 + 13.5 = 34.5 SP/min;
    # level 2 = 1,415 SP → 41.01 min = 2,460.87 s
    attributes = Attributes(charisma=21, willpower=27)
    assert training_seconds(LEADERSHIP, attributes, 0, 2) == pytest.approx(2460.87, abs=0.01)


def test_other_attributes_do_not_change_the_speed():
    # rank 5 level 3 = 40,000 SP at intelligence 24 + memory 20/2 = 34 SP/min = 70,588.2 s
    plain = Attributes(intelligence=24, memory=20)
    other = Attributes(intelligence=24, memory=20, perception=27, charisma=22)
    assert training_seconds(SCIENCE_R5, other, 0, 3) == training_seconds(SCIENCE_R5, plain, 0, 3)
    assert training_seconds(SCIENCE_R5, plain, 0, 3) == pytest.approx(70_588.24, abs=0.01)


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
@pytest.mark.parametrize("implant_set", list(IMPLANT_SETS))
def test_the_skill_sets_section_does_not_add_plugged_in_implants_again(implant_set):
    _base, bonuses, (perception, willpower), seconds, _duration = IMPLANT_SETS[implant_set]
    make_skill(3333, "Minmatar Cruiser", rank=5)
    make_skill(3300, "Gunnery")
    user = create_member("pilot", "basic_access")
    character = register_character(user, eve_character=user.profile.main_character)
    # what ESI's attributes route served: the implants' bonuses are already in these values
    CharacterAttributes.objects.create(
        character=character,
        charisma=17,
        intelligence=20,
        memory=20,
        perception=perception,
        willpower=willpower,
    )
    for number, (attribute, bonus) in enumerate(bonuses.items()):
        implant = make_implant(10_000 + number, f"Implant +{bonus}", {attribute: bonus})
        CharacterImplant.objects.create(character=character, eve_type=implant)
    CharacterSkill.objects.create(
        character=character,
        eve_type_id=3333,
        active_skill_level=4,
        trained_skill_level=4,
        skillpoints_in_skill=LEVEL_4_SP,
    )
    skill_set = SkillSet.objects.create(name="Cruisers")
    SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=3333, required_level=5)
    SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=3300, recommended_level=1)

    result = engine.update_section(character, "skill_sets")

    assert result.outcome == "changed"
    check = CharacterSkillSetCheck.objects.get(character=character, skill_set=skill_set)
    assert not check.can_fly
    assert check.missing_required_seconds == pytest.approx(seconds, abs=0.1)
    # + Gunnery I for the recommendation: 250 SP at the same speed
    speed = perception + willpower / 2
    assert check.missing_recommended_seconds == pytest.approx(seconds + 250 / speed * 60, abs=0.2)
    assert engine.update_section(character, "skill_sets").outcome == "unchanged"


def test_training_module_knows_the_implant_bonus_attributes():
    assert set(training.IMPLANT_BONUS_ATTRIBUTES) == {175, 176, 177, 178, 179}
