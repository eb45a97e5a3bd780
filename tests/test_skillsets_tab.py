"""The skill sets tab: what a character meets, what is missing, how long it takes, and the
missing skills as an EVE skill plan."""

from __future__ import annotations

import pytest
from eve_factories import make_skill, make_type
from helpers import create_member, register_main

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memberaudit.core.training import ATTRIBUTE_NAMES, IMPLANT_BONUS_ATTRIBUTES, sp_for_level
from memberaudit.models import CharacterAttributes, CharacterSkill
from memberaudit.models.skillsets import SkillSet, SkillSetGroup, SkillSetSkill
from memberaudit.sections import engine
from memberaudit.testing.esi_emulator import universe
from memberaudit.testing.esi_emulator.rawclient import RawClient
from memberaudit.views.skillsets import format_duration


@pytest.fixture
def pilot(db):
    make_skill(3300, "Gunnery")
    make_skill(3302, "Small Projectile Turret")
    make_type(587, "Rifter", group_id=25, category_id=6)
    user = create_member("pilot", "basic_access")
    character = register_main(user)
    CharacterAttributes.objects.create(
        character=character, charisma=20, intelligence=20, memory=20, perception=20, willpower=20
    )
    CharacterSkill.objects.create(
        character=character,
        eve_type_id=3300,
        active_skill_level=2,
        trained_skill_level=2,
        skillpoints_in_skill=1415,
    )
    doctrine = SkillSetGroup.objects.create(name="Doctrine", is_doctrine=True)
    rifter = SkillSet.objects.create(name="Rifter", ship_type_id=587)
    rifter.groups.add(doctrine, SkillSetGroup.objects.create(name="Old", is_active=False))
    SkillSetSkill.objects.create(skill_set=rifter, eve_type_id=3300, required_level=1, recommended_level=4)
    SkillSetSkill.objects.create(skill_set=rifter, eve_type_id=3302, required_level=2)
    basics = SkillSet.objects.create(name="Basics")
    SkillSetSkill.objects.create(skill_set=basics, eve_type_id=3300, required_level=2)
    hidden = SkillSet.objects.create(name="Hidden", is_visible=False)
    SkillSetSkill.objects.create(skill_set=hidden, eve_type_id=3300, required_level=5)
    engine.update_section(character, "skill_sets")
    return user, character


def test_tab_data_lists_visible_sets_with_what_is_missing(client, pilot):
    user, character = pilot
    client.force_login(user)
    data = client.get(reverse("memberaudit:character_skill_sets_data", args=[character.pk])).json()
    sets = {s["name"]: s for s in data["skill_sets"]}
    assert list(sets) == ["Basics", "Rifter"], "sorted by name, hidden sets left out"
    assert sets["Basics"]["can_fly"] and sets["Basics"]["meets_recommended"]
    rifter = sets["Rifter"]
    assert rifter["ship"] == "Rifter"
    assert rifter["groups"] == ["Doctrine"], "inactive groups are not shown"
    assert not rifter["can_fly"]
    assert [(s["skill"], s["active_level"], s["level"]) for s in rifter["missing_required"]] == [
        ("Small Projectile Turret", 0, 2)
    ]
    # Small Projectile Turret II: 1,415 SP at 30 SP/min = 47.2 min → 48m
    assert rifter["required_training"] == "48m"
    assert rifter["plan_required"] == "Small Projectile Turret 1\nSmall Projectile Turret 2"
    # + Gunnery 2 → 4: 45,255 − 1,415 = 43,840 SP = 1,461.3 min; total 1,508.5 min → 1d 1h 9m
    assert rifter["recommended_training"] == "1d 1h 9m"
    assert (
        rifter["plan_recommended"]
        == "Small Projectile Turret 1\nSmall Projectile Turret 2\nGunnery 3\nGunnery 4"
    )


def test_tab_data_costs_the_same_queries_with_more_skill_sets(client, pilot):
    user, character = pilot
    client.force_login(user)
    url = reverse("memberaudit:character_skill_sets_data", args=[character.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(20):
        skill_set = SkillSet.objects.create(name=f"Extra {number}")
        SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=3302, required_level=3)
    engine.update_section(character, "skill_sets")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.json()["skill_sets"]) == 22
    assert len(many) == len(few)


def test_the_page_includes_the_tab(client, pilot):
    user, character = pilot
    client.force_login(user)
    response = client.get(reverse("memberaudit:character_skill_sets", args=[character.pk]))
    assert response.status_code == 200
    assert reverse("memberaudit:character_skill_sets_data", args=[character.pk]) in response.content.decode()


@pytest.mark.emulator
def test_an_implanted_characters_training_time_uses_the_attributes_as_esi_served_them(
    client, esi, register_character
):
    user = create_member("viewer", "basic_access")
    character = register_character(size="medium", user=user, main=False)
    for section in ("attributes", "implants", "skills"):
        assert engine.update_section(character, section).outcome == "changed"
    http = RawClient(esi.url)
    token = esi.mint_token(character.character_id)
    served = http.get(f"/characters/{character.character_id}/attributes", token).json()
    skills = http.get(f"/characters/{character.character_id}/skills", token).json()["skills"]
    raised = set()  # attributes the character's implants raise
    for type_id in http.get(f"/characters/{character.character_id}/implants", token).json():
        raised.update(
            ATTRIBUTE_NAMES[IMPLANT_BONUS_ATTRIBUTES[a["attribute_id"]]]
            for a in http.get(f"/universe/types/{type_id}").json()["dogma_attributes"]
            if a["attribute_id"] in IMPLANT_BONUS_ATTRIBUTES
        )
    # a skill below level V whose primary attribute an implant raises
    skill, current_sp = next(
        (universe.skills_by_id()[s["skill_id"]], s["skillpoints_in_skill"])
        for s in skills
        if s["trained_skill_level"] < 5 and universe.skills_by_id()[s["skill_id"]].primary in raised
    )
    skill_set = SkillSet.objects.create(name="Implanted")
    SkillSetSkill.objects.create(skill_set=skill_set, eve_type_id=skill.type_id, required_level=5)

    engine.update_section(character, "skill_sets")

    client.force_login(user)
    data = client.get(reverse("memberaudit:character_skill_sets_data", args=[character.pk])).json()
    row = next(s for s in data["skill_sets"] if s["name"] == "Implanted")
    speed = served[skill.primary] + served[skill.secondary] / 2  # served values include implants
    seconds = (sp_for_level(skill.rank, 5) - current_sp) / speed * 60
    assert row["required_seconds"] == pytest.approx(seconds, abs=0.1)
    assert row["required_training"] == format_duration(seconds)
