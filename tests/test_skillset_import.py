"""Skill sets imported from EFT fittings and EVE skill plans; malformed input says what is
wrong and creates nothing."""

from __future__ import annotations

import pytest
from eve_factories import make_skill, make_type, required_skill_dogma

from memberaudit.admin_skillsets import SkillSetImportForm
from memberaudit.core.eft import EftError, parse_eft, required_skills
from memberaudit.core.skill_plans import PlanEntry, SkillPlanError, format_skill_plan, parse_skill_plan
from memberaudit.models.skillsets import SkillSet, SkillSetGroup, SkillSetImportError, SkillSetSkill
from memberaudit.testing.esi_emulator import universe as emulated
from memberaudit.testing.esi_emulator.fittings import DOCTRINE_FITTINGS

FIT = """[Rifter, Tackle Rifter]
Damage Control II
[Empty Low slot]

Warp Scrambler II
1MN Afterburner II /OFFLINE

200mm AutoCannon II, EMP S
200mm AutoCannon II, EMP S
[Empty High slot]


EMP S x400
"""

# skill ids as in EVE
SPACESHIP_COMMAND, MINMATAR_FRIGATE, GUNNERY, SMALL_PROJECTILE = 3327, 3329, 3300, 3302
MECHANICS, HULL_UPGRADES, NAVIGATION, AFTERBURNER, ELECTRONIC_WARFARE = 3392, 3394, 3449, 3450, 3427


@pytest.fixture
def rifter_types(db):
    """A Rifter, its modules and the skills they need, stored with their dogmas."""
    make_skill(SPACESHIP_COMMAND, "Spaceship Command")
    make_skill(MINMATAR_FRIGATE, "Minmatar Frigate", rank=2, requires={SPACESHIP_COMMAND: 1})
    make_skill(GUNNERY, "Gunnery")
    make_skill(SMALL_PROJECTILE, "Small Projectile Turret", requires={GUNNERY: 1})
    make_skill(MECHANICS, "Mechanics")
    make_skill(HULL_UPGRADES, "Hull Upgrades", rank=2, requires={MECHANICS: 2})
    make_skill(NAVIGATION, "Navigation")
    make_skill(AFTERBURNER, "Afterburner", requires={NAVIGATION: 1})
    make_skill(ELECTRONIC_WARFARE, "Electronic Warfare", rank=2)
    ship = {"group_id": 25, "category_id": 6}
    module = {"group_id": 55, "category_id": 7}
    make_type(587, "Rifter", **ship, dogma=required_skill_dogma({MINMATAR_FRIGATE: 1}))
    make_type(
        2048, "Damage Control II", **module, dogma=required_skill_dogma({HULL_UPGRADES: 2, MECHANICS: 1})
    )
    make_type(448, "Warp Scrambler II", **module, dogma=required_skill_dogma({ELECTRONIC_WARFARE: 4}))
    make_type(438, "1MN Afterburner II", **module, dogma=required_skill_dogma({AFTERBURNER: 4}))
    make_type(
        2873, "200mm AutoCannon II", **module, dogma=required_skill_dogma({SMALL_PROJECTILE: 4, GUNNERY: 2})
    )
    make_type(185, "EMP S", group_id=83, category_id=8)


def _nothing_created():
    return not SkillSet.objects.exists() and not SkillSetSkill.objects.exists()


# --- EFT: parsing ---------------------------------------------------------------------------


def test_parse_eft_reads_ship_name_and_every_item_once():
    fitting = parse_eft(FIT)
    assert fitting.ship_name == "Rifter"
    assert fitting.name == "Tackle Rifter"
    assert fitting.type_names == [
        "Rifter",
        "Damage Control II",
        "Warp Scrambler II",
        "1MN Afterburner II",
        "200mm AutoCannon II",
        "EMP S",
    ]


def test_parse_eft_skips_mutated_module_details():
    fitting = parse_eft(
        "[Rifter, X]\nDamage Control II [1]\n\n[1] Unstable Damage Control Mutaplasmid\n  hp 1"
    )
    assert fitting.type_names == ["Rifter", "Damage Control II"]


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "empty", 0),
        ("   \n\n", "empty", 0),
        ("Rifter\nDamage Control II", "no_header", 1),
        ("[Rifter, A]\nDamage Control II\n[Merlin, B]\n", "bad_line", 3),
        ("[, nothing]", "no_header", 1),
        ("[Rifter, A]\nDamage ]Control", "bad_line", 2),
    ],
)
def test_parse_eft_rejects_malformed_text(text, code, line):
    with pytest.raises(EftError) as info:
        parse_eft(text)
    assert (info.value.code, info.value.line) == (code, line)


def test_required_skills_follow_prerequisites_and_keep_the_highest_level():
    dogma = {
        1: required_skill_dogma({10: 3, 11: 1}),
        2: required_skill_dogma({11: 4}),
        10: required_skill_dogma({12: 2}),
        11: {},
        12: required_skill_dogma({11: 5}),
    }
    calls = []

    def dogma_of(ids):
        calls.append(list(ids))
        return {i: dogma.get(i, {}) for i in ids}

    assert required_skills([1, 2], dogma_of) == {10: 3, 11: 5, 12: 2}
    assert calls == [[1, 2], [10, 11], [12]], "one lookup per depth, each type once"


# --- EFT: import ----------------------------------------------------------------------------


def test_eft_import_creates_a_skill_set_with_every_needed_skill(rifter_types):
    group = SkillSetGroup.objects.create(name="Tackle doctrine", is_doctrine=True)

    skill_set = SkillSet.objects.create_from_eft(FIT, groups=[group])

    assert skill_set.name == "Tackle Rifter"
    assert skill_set.ship_type_id == 587
    assert list(skill_set.groups.all()) == [group]
    levels = {s.eve_type_id: (s.required_level, s.recommended_level) for s in skill_set.skills.all()}
    assert levels == {
        MINMATAR_FRIGATE: (1, None),
        SPACESHIP_COMMAND: (1, None),
        HULL_UPGRADES: (2, None),
        MECHANICS: (2, None),  # Hull Upgrades needs Mechanics II, more than the module's I
        ELECTRONIC_WARFARE: (4, None),
        AFTERBURNER: (4, None),
        NAVIGATION: (1, None),
        SMALL_PROJECTILE: (4, None),
        GUNNERY: (2, None),
    }


def test_eft_import_uses_the_given_name(rifter_types):
    assert SkillSet.objects.create_from_eft(FIT, name="Rifter T2").name == "Rifter T2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The fitting is empty."),
        ("Rifter\nDamage Control II", "Line 1: The first line must name the ship and the fitting"),
        ("[Rifter, A]\nDamage Control II\n[Merlin, B]", "Line 3: This line is not an item"),
    ],
)
def test_malformed_eft_says_why_and_creates_nothing(rifter_types, text, message):
    with pytest.raises(SkillSetImportError) as info:
        SkillSet.objects.create_from_eft(text)
    assert message in str(info.value)
    assert _nothing_created()


def test_eft_with_unknown_items_names_them_and_creates_nothing(esi, rifter_types):
    text = FIT + "Quantum Flux Generator\nShiny Thing x2\n"
    with pytest.raises(SkillSetImportError) as info:
        SkillSet.objects.create_from_eft(text)
    assert str(info.value) == "Unknown item names: Quantum Flux Generator, Shiny Thing"
    assert _nothing_created()


def test_eft_import_with_an_existing_name_creates_nothing(rifter_types):
    SkillSet.objects.create_from_eft(FIT)
    with pytest.raises(SkillSetImportError, match="A skill set named Tackle Rifter exists already"):
        SkillSet.objects.create_from_eft(FIT)
    assert SkillSet.objects.count() == 1


def test_a_failure_while_writing_leaves_nothing_half_created(rifter_types, monkeypatch):
    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(SkillSetSkill.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        SkillSet.objects.create_from_eft(FIT)
    assert _nothing_created()


# --- skill plans ----------------------------------------------------------------------------


def test_parse_skill_plan_accepts_arabic_and_roman_levels_and_keeps_the_highest():
    text = "Gunnery 1\nGunnery 3\n\n  Small Projectile Turret IV  \ngunnery 2\n"
    assert parse_skill_plan(text) == [PlanEntry("Gunnery", 3), PlanEntry("Small Projectile Turret", 4)]


def test_parse_skill_plan_lists_every_bad_line():
    with pytest.raises(SkillPlanError) as info:
        parse_skill_plan("Gunnery 3\nGunnery three\nSmall Projectile Turret 6\nMechanics")
    assert info.value.errors == [(2, "Gunnery three"), (3, "Small Projectile Turret 6"), (4, "Mechanics")]


def test_format_skill_plan_lists_each_level_to_train():
    assert format_skill_plan([("Gunnery", 2, 4), ("Mechanics", 0, 1), ("Navigation", 3, 3)]) == (
        "Gunnery 3\nGunnery 4\nMechanics 1"
    )


def test_skill_plan_import_creates_required_levels(rifter_types):
    skill_set = SkillSet.objects.create_from_skill_plan("Gunnery 3\nSmall Projectile Turret IV", name="Guns")
    levels = {s.eve_type_id: (s.required_level, s.recommended_level) for s in skill_set.skills.all()}
    assert levels == {GUNNERY: (3, None), SMALL_PROJECTILE: (4, None)}
    assert skill_set.ship_type_id is None


def test_skill_plan_import_can_create_recommended_levels(rifter_types):
    skill_set = SkillSet.objects.create_from_skill_plan("Gunnery 5", name="Guns", as_recommended=True)
    assert [(s.required_level, s.recommended_level) for s in skill_set.skills.all()] == [(None, 5)]


def test_skill_plan_import_loads_unknown_skills_from_esi(esi, db):
    skill_set = SkillSet.objects.create_from_skill_plan("Gunnery 2\nHeavy Missiles 1", name="From ESI")
    assert sorted(skill_set.skills.values_list("eve_type_id", "required_level")) == [(3300, 2), (3324, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The skill plan is empty."),
        ("Gunnery 3\nGunnery three", 'like "Gunnery 3" — not: line 2: Gunnery three'),
        ("Gunnery 3\nRifter 1", "These are not skills: Rifter"),
    ],
)
def test_malformed_skill_plan_says_why_and_creates_nothing(rifter_types, text, message):
    with pytest.raises(SkillSetImportError) as info:
        SkillSet.objects.create_from_skill_plan(text, name="Broken")
    assert message in str(info.value)
    assert _nothing_created()


# --- the admin's import form ----------------------------------------------------------------


def test_import_form_creates_from_eft(rifter_types):
    form = SkillSetImportForm({"kind": "eft", "name": "", "text": FIT})
    assert form.is_valid(), form.errors
    assert form.save().name == "Tackle Rifter"


def test_import_form_needs_a_name_for_skill_plans(rifter_types):
    form = SkillSetImportForm({"kind": "skill_plan", "text": "Gunnery 3"})
    assert not form.is_valid()
    assert "name" in form.errors
    assert _nothing_created()


def test_cloning_copies_skills_and_groups(rifter_types):
    group = SkillSetGroup.objects.create(name="Doctrine")
    original = SkillSet.objects.create_from_eft(FIT, groups=[group])
    copy = original.clone()
    assert copy.name == "Tackle Rifter (copy)"
    assert original.clone().name == "Tackle Rifter (copy) (2)"
    assert list(copy.groups.all()) == [group]
    assert sorted(copy.skills.values_list("eve_type_id", "required_level")) == sorted(
        original.skills.values_list("eve_type_id", "required_level")
    )


# --- the demo's doctrines, from EFT, against the ESI emulator ------------------------------


@pytest.mark.parametrize("name", list(DOCTRINE_FITTINGS))
def test_a_demo_doctrine_imports_from_eft_with_every_skill_it_needs(esi, db, name):
    group = SkillSetGroup.objects.create(name="Demo doctrines", is_doctrine=True)
    text = DOCTRINE_FITTINGS[name]

    skill_set = SkillSet.objects.create_from_eft(text, groups=[group])

    item_ids = [_type_id(type_name) for type_name in parse_eft(text).type_names]
    expected: dict[int, int] = {}
    for type_id in item_ids:
        for skill_id, level in emulated.required_skills(type_id).items():
            expected[skill_id] = max(level, expected.get(skill_id, 0))
    assert skill_set.name == name
    assert skill_set.ship_type_id == item_ids[0]
    assert list(skill_set.groups.all()) == [group]
    assert dict(skill_set.skills.values_list("eve_type_id", "required_level")) == expected
    assert not skill_set.skills.filter(recommended_level__isnull=False).exists()


def test_the_demo_doctrines_import_one_after_the_other(esi, db):
    # POST /universe/ids is not cacheable (ESI gives it no cache age): django-esi caches by a key
    # without the body, so a cached answer would give the second import the first one's ids

    for text in DOCTRINE_FITTINGS.values():
        SkillSet.objects.create_from_eft(text)
    assert SkillSet.objects.count() == len(DOCTRINE_FITTINGS)


def test_the_rifter_doctrine_needs_the_frigate_and_gun_skills(esi, db):
    skill_set = SkillSet.objects.create_from_eft(DOCTRINE_FITTINGS["Rifter (tackle)"])
    levels = dict(skill_set.skills.values_list("eve_type_id", "required_level"))
    assert levels[MINMATAR_FRIGATE] == 1
    assert levels[SPACESHIP_COMMAND] == 1
    assert levels[SMALL_PROJECTILE] == 4
    assert levels[GUNNERY] == 2
    assert levels[MECHANICS] == 2  # Damage Control II needs Hull Upgrades II, which needs Mechanics II


def _type_id(name: str) -> int:
    return next(t.type_id for t in emulated.types().values() if t.name == name)
