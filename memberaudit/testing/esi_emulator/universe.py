"""The small static EVE universe the emulator serves and draws its ids from.

Real EVE ids where they are well known (Jita, Jita IV-4, Rifter, Tritanium, core skills);
everything else is invented but self-consistent: every type has a group, every group a
category, every station and structure a solar system, every system a constellation and
region. Skills beyond the well-known ones are generated so that characters can own up to
~400 distinct skills.

Ships, modules, charges, drones, implants and skills carry dogma like EVE's: the skills they
require (``requiredSkill1..3`` with their levels), so fittings and skill plans resolve to a
complete, cycle-free tree of skills; skills also carry their training attributes and rank.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

# --- dogma attribute ids used by skills and implants ----------------------------------
ATTR_CHARISMA = 164
ATTR_INTELLIGENCE = 165
ATTR_MEMORY = 166
ATTR_PERCEPTION = 167
ATTR_WILLPOWER = 168
ATTR_PRIMARY = 180
ATTR_SECONDARY = 181
ATTR_SKILL_RANK = 275
ATTR_IMPLANT_SLOT = 331
ATTR_POWER = 30
ATTR_CPU = 50
ATTR_LOW_SLOTS = 12
ATTR_MED_SLOTS = 13
ATTR_HI_SLOTS = 14
#: (required skill, its level) attribute ids, as EVE's requiredSkill1..3 / requiredSkill1Level..3
ATTR_REQUIRED_SKILLS = ((182, 277), (183, 278), (184, 279))
IMPLANT_BONUS_ATTRS = {
    "charisma": 175,
    "intelligence": 176,
    "memory": 177,
    "perception": 178,
    "willpower": 179,
}
ATTRIBUTE_IDS = {
    "charisma": ATTR_CHARISMA,
    "intelligence": ATTR_INTELLIGENCE,
    "memory": ATTR_MEMORY,
    "perception": ATTR_PERCEPTION,
    "willpower": ATTR_WILLPOWER,
}
DOGMA_ATTRIBUTES: dict[int, dict] = {
    ATTR_CHARISMA: {"name": "charisma", "display_name": "Charisma"},
    ATTR_INTELLIGENCE: {"name": "intelligence", "display_name": "Intelligence"},
    ATTR_MEMORY: {"name": "memory", "display_name": "Memory"},
    ATTR_PERCEPTION: {"name": "perception", "display_name": "Perception"},
    ATTR_WILLPOWER: {"name": "willpower", "display_name": "Willpower"},
    175: {"name": "charismaBonus", "display_name": "Charisma Modifier"},
    176: {"name": "intelligenceBonus", "display_name": "Intelligence Modifier"},
    177: {"name": "memoryBonus", "display_name": "Memory Modifier"},
    178: {"name": "perceptionBonus", "display_name": "Perception Modifier"},
    179: {"name": "willpowerBonus", "display_name": "Willpower Modifier"},
    ATTR_PRIMARY: {"name": "primaryAttribute", "display_name": "Primary attribute"},
    ATTR_SECONDARY: {"name": "secondaryAttribute", "display_name": "Secondary attribute"},
    ATTR_SKILL_RANK: {"name": "skillTimeConstant", "display_name": "Training time multiplier"},
    ATTR_IMPLANT_SLOT: {"name": "implantness", "display_name": "Implant Slot"},
    ATTR_POWER: {"name": "power", "display_name": "Powergrid Usage"},
    ATTR_CPU: {"name": "cpu", "display_name": "CPU usage"},
    ATTR_LOW_SLOTS: {"name": "lowSlots", "display_name": "Low Slots"},
    ATTR_MED_SLOTS: {"name": "medSlots", "display_name": "Medium Slots"},
    ATTR_HI_SLOTS: {"name": "hiSlots", "display_name": "High Slots"},
    182: {"name": "requiredSkill1", "display_name": "Primary Skill required"},
    183: {"name": "requiredSkill2", "display_name": "Secondary Skill required"},
    184: {"name": "requiredSkill3", "display_name": "Tertiary Skill required"},
    277: {"name": "requiredSkill1Level", "display_name": "requiredSkill1Level"},
    278: {"name": "requiredSkill2Level", "display_name": "requiredSkill2Level"},
    279: {"name": "requiredSkill3Level", "display_name": "requiredSkill3Level"},
}

# --- dogma effects: (name, display name, effect category) -------------------------------
EFFECT_LO_POWER = 11
EFFECT_HI_POWER = 12
EFFECT_MED_POWER = 13
EFFECT_ONLINE = 16
EFFECT_TURRET_FITTED = 42
EFFECT_SKILL = 132
DOGMA_EFFECTS: dict[int, tuple[str, str, int]] = {
    EFFECT_LO_POWER: ("loPower", "Low power", 0),
    EFFECT_HI_POWER: ("hiPower", "High power", 0),
    EFFECT_MED_POWER: ("medPower", "Medium power", 0),
    EFFECT_ONLINE: ("online", "Online", 4),
    EFFECT_TURRET_FITTED: ("turretFitted", "Turret fitted", 0),
    EFFECT_SKILL: ("skillEffect", "", 0),
}

# --- categories and groups --------------------------------------------------------------
CATEGORIES: dict[int, str] = {
    1: "Owner",
    2: "Celestial",
    3: "Station",
    4: "Material",
    6: "Ship",
    7: "Module",
    8: "Charge",
    9: "Blueprint",
    11: "Entity",
    16: "Skill",
    18: "Drone",
    20: "Implant",
    25: "Asteroid",
    41: "Planetary Interaction",
    42: "Planetary Resources",
    65: "Structure",
}

GROUPS: dict[int, tuple[str, int]] = {
    # group_id: (name, category_id)
    1: ("Character", 1),
    2: ("Corporation", 1),
    32: ("Alliance", 1),
    3: ("Region", 2),
    4: ("Constellation", 2),
    5: ("Solar System", 2),
    6: ("Sun", 2),
    7: ("Planet", 2),
    12: ("Cargo Container", 2),
    340: ("Secure Cargo Container", 2),
    15: ("Station", 3),
    18: ("Mineral", 4),
    25: ("Frigate", 6),
    26: ("Cruiser", 6),
    27: ("Battleship", 6),
    28: ("Hauler", 6),
    29: ("Capsule", 6),
    419: ("Combat Battlecruiser", 6),
    463: ("Mining Barge", 6),
    513: ("Freighter", 6),
    547: ("Carrier", 6),
    38: ("Shield Extender", 7),
    46: ("Propulsion Module", 7),
    52: ("Warp Scrambler", 7),
    54: ("Mining Laser", 7),
    55: ("Projectile Weapon", 7),
    60: ("Damage Control", 7),
    83: ("Projectile Ammo", 8),
    385: ("Heavy Missile", 8),
    562: ("Asteroid Guristas Frigate", 11),
    105: ("Frigate Blueprint", 9),
    107: ("Cruiser Blueprint", 9),
    100: ("Combat Drone", 18),
    300: ("Cyberimplant", 20),
    460: ("Scordite", 25),
    462: ("Veldspar", 25),
    1027: ("Command Centers", 41),
    1028: ("Processors", 41),
    1063: ("Extractor Control Units", 41),
    1032: ("Planet Liquid-Gas - Raw Resource", 42),
    1657: ("Citadel", 65),
    1404: ("Engineering Complex", 65),
    # skill groups
    255: ("Gunnery", 16),
    256: ("Missiles", 16),
    257: ("Spaceship Command", 16),
    258: ("Fleet Support", 16),
    266: ("Corporation Management", 16),
    268: ("Production", 16),
    270: ("Science", 16),
    272: ("Electronic Systems", 16),
    273: ("Drones", 16),
    274: ("Trade", 16),
    275: ("Navigation", 16),
    278: ("Social", 16),
    1209: ("Shields", 16),
    1210: ("Armor", 16),
    1216: ("Engineering", 16),
    1217: ("Scanning", 16),
    1218: ("Resource Processing", 16),
    1220: ("Neural Enhancement", 16),
    1241: ("Planet Management", 16),
}

SKILL_GROUPS = [gid for gid, (_, cat) in GROUPS.items() if cat == 16]


@dataclass(frozen=True)
class TypeInfo:
    """An inventory type as served by ``/universe/types/{type_id}``."""

    type_id: int
    name: str
    group_id: int
    volume: float = 1.0
    description: str = ""
    published: bool = True
    dogma: tuple[tuple[int, float], ...] = field(default=())
    #: (effect id, is default)
    effects: tuple[tuple[int, bool], ...] = field(default=())

    @property
    def category_id(self) -> int:
        """The category of the type's group."""
        return GROUPS[self.group_id][1]


_BASE_TYPES: list[TypeInfo] = [
    # owners and celestials: what ``showinfo:<type>//<id>`` links in EVE markup and the map refer to
    TypeInfo(1377, "Character", 1, 1.0, published=False),
    TypeInfo(2, "Corporation", 2, 1.0, published=False),
    TypeInfo(16159, "Alliance", 32, 1.0, published=False),
    TypeInfo(3, "Region", 3, 1.0, published=False),
    TypeInfo(4, "Constellation", 4, 1.0, published=False),
    TypeInfo(5, "Solar System", 5, 1.0, published=False),
    TypeInfo(6, "Sun G5 (Yellow)", 6, 1.0),
    # ships
    TypeInfo(670, "Capsule", 29, 500.0),
    TypeInfo(587, "Rifter", 25, 27289.0),
    TypeInfo(603, "Merlin", 25, 16500.0),
    TypeInfo(597, "Punisher", 25, 28600.0),
    TypeInfo(32880, "Venture", 25, 29500.0),
    TypeInfo(621, "Caracal", 26, 92000.0),
    TypeInfo(622, "Stabber", 26, 80000.0),
    TypeInfo(24698, "Drake", 419, 252000.0),
    TypeInfo(638, "Raven", 27, 486000.0),
    TypeInfo(641, "Megathron", 27, 486000.0),
    TypeInfo(648, "Badger", 28, 250000.0),
    TypeInfo(17478, "Retriever", 463, 150000.0),
    TypeInfo(20185, "Charon", 513, 16250000.0),
    TypeInfo(23757, "Archon", 547, 12500000.0),
    # modules
    TypeInfo(484, "125mm Gatling AutoCannon I", 55, 5.0),
    TypeInfo(2873, "200mm AutoCannon II", 55, 5.0),
    TypeInfo(3831, "Medium Shield Extender II", 38, 10.0),
    TypeInfo(3841, "Large Shield Extender II", 38, 25.0),
    TypeInfo(438, "1MN Afterburner II", 46, 5.0),
    TypeInfo(12076, "50MN Microwarpdrive II", 46, 10.0),
    TypeInfo(448, "Warp Scrambler II", 52, 5.0),
    TypeInfo(482, "Miner II", 54, 5.0),
    TypeInfo(2048, "Damage Control II", 60, 5.0),
    # charges
    TypeInfo(185, "EMP S", 83, 0.0025),
    TypeInfo(21894, "Republic Fleet EMP S", 83, 0.0025),
    TypeInfo(209, "Scourge Heavy Missile", 385, 0.03),
    # drones
    TypeInfo(2488, "Warrior II", 100, 5.0),
    TypeInfo(2456, "Hobgoblin II", 100, 5.0),
    # minerals and ore
    TypeInfo(34, "Tritanium", 18, 0.01),
    TypeInfo(35, "Pyerite", 18, 0.01),
    TypeInfo(36, "Mexallon", 18, 0.01),
    TypeInfo(37, "Isogen", 18, 0.01),
    TypeInfo(38, "Nocxium", 18, 0.01),
    TypeInfo(1230, "Veldspar", 462, 0.1),
    TypeInfo(1228, "Scordite", 460, 0.15),
    # containers
    TypeInfo(3297, "Large Standard Container", 12, 65.0),
    TypeInfo(11489, "Large Secure Container", 340, 65.0),
    TypeInfo(17366, "Station Container", 340, 10000.0),
    TypeInfo(17367, "Station Vault Container", 340, 50000.0),
    TypeInfo(17368, "Station Warehouse Container", 340, 100000.0),
    # NPCs (the ``reason`` of bounty prizes counts the NPC types killed)
    TypeInfo(23328, "Pithi Arrogator", 562, 20000.0, published=False),
    TypeInfo(23329, "Pithi Despoiler", 562, 20000.0, published=False),
    # blueprints
    TypeInfo(691, "Rifter Blueprint", 105, 0.01),
    TypeInfo(951, "Merlin Blueprint", 105, 0.01),
    TypeInfo(24699, "Drake Blueprint", 107, 0.01),
    # stations and structures
    TypeInfo(1529, "Caldari Administrative Station", 15, 0.0),
    TypeInfo(1932, "Gallente Military Station", 15, 0.0),
    TypeInfo(1926, "Amarr Trade Post", 15, 0.0),
    TypeInfo(35832, "Astrahus", 1657, 8000.0),
    TypeInfo(35833, "Fortizar", 1657, 80000.0),
    TypeInfo(35834, "Keepstar", 1657, 800000.0),
    TypeInfo(35825, "Raitaru", 1404, 8000.0),
    # planetary interaction
    TypeInfo(2254, "Temperate Command Center", 1027, 1000.0),
    TypeInfo(3060, "Temperate Extractor Control Unit", 1063, 0.0),
    TypeInfo(2473, "Temperate Basic Industry Facility", 1028, 0.0),
    TypeInfo(2268, "Aqueous Liquids", 1032, 0.01),
    # planets
    TypeInfo(11, "Planet (Temperate)", 7, 1.0),
    TypeInfo(2016, "Planet (Barren)", 7, 1.0),
    TypeInfo(2014, "Planet (Oceanic)", 7, 1.0),
    TypeInfo(12, "Planet (Ice)", 7, 1.0),
    TypeInfo(13, "Planet (Gas)", 7, 1.0),
    TypeInfo(2015, "Planet (Lava)", 7, 1.0),
    TypeInfo(2017, "Planet (Storm)", 7, 1.0),
    TypeInfo(2063, "Planet (Plasma)", 7, 1.0),
]

# implants: (type_id, name, attribute, bonus, slot)
IMPLANT_SPECS = [
    (10216, "Ocular Filter - Standard", "perception", 3, 1),
    (10208, "Memory Augmentation - Standard", "memory", 3, 2),
    (10212, "Neural Boost - Standard", "willpower", 3, 3),
    (10221, "Cybernetic Subprocessor - Standard", "intelligence", 3, 4),
    (10225, "Social Adaptation Chip - Standard", "charisma", 3, 5),
    (9899, "Ocular Filter - Basic", "perception", 1, 1),
    (9941, "Memory Augmentation - Basic", "memory", 1, 2),
]
IMPLANT_TYPE_IDS = [spec[0] for spec in IMPLANT_SPECS]
#: what implants require (at the level of their bonus)
CYBERNETICS = 3411

# well-known skills: (type_id, name, group_id, rank, primary, secondary)
_KNOWN_SKILLS = [
    (3300, "Gunnery", 255, 1, "perception", "willpower"),
    (3301, "Small Hybrid Turret", 255, 1, "perception", "willpower"),
    (3302, "Small Projectile Turret", 255, 1, "perception", "willpower"),
    (3303, "Small Energy Turret", 255, 1, "perception", "willpower"),
    (3305, "Medium Projectile Turret", 255, 3, "perception", "willpower"),
    (3310, "Rapid Firing", 255, 2, "perception", "willpower"),
    (3311, "Sharpshooter", 255, 2, "perception", "willpower"),
    (3312, "Motion Prediction", 255, 2, "perception", "willpower"),
    (3315, "Surgical Strike", 255, 4, "perception", "willpower"),
    (3319, "Missile Launcher Operation", 256, 1, "perception", "willpower"),
    (3321, "Light Missiles", 256, 2, "perception", "willpower"),
    (3324, "Heavy Missiles", 256, 3, "perception", "willpower"),
    (3327, "Spaceship Command", 257, 1, "perception", "willpower"),
    (3328, "Gallente Frigate", 257, 2, "perception", "willpower"),
    (3329, "Minmatar Frigate", 257, 2, "perception", "willpower"),
    (3330, "Caldari Frigate", 257, 2, "perception", "willpower"),
    (3331, "Amarr Frigate", 257, 2, "perception", "willpower"),
    (3333, "Minmatar Cruiser", 257, 5, "perception", "willpower"),
    (3334, "Caldari Cruiser", 257, 5, "perception", "willpower"),
    (3337, "Minmatar Battleship", 257, 8, "perception", "willpower"),
    (3338, "Caldari Battleship", 257, 8, "perception", "willpower"),
    (17940, "Mining Barge", 257, 4, "perception", "willpower"),
    (33096, "Caldari Battlecruiser", 257, 6, "perception", "willpower"),
    (3348, "Leadership", 258, 1, "charisma", "willpower"),
    (3363, "Corporation Management", 266, 1, "memory", "charisma"),
    (3380, "Industry", 268, 1, "memory", "intelligence"),
    (3387, "Mass Production", 268, 2, "memory", "intelligence"),
    (3402, "Science", 270, 1, "intelligence", "memory"),
    (3403, "Research", 270, 1, "intelligence", "memory"),
    (3427, "Electronic Warfare", 272, 2, "intelligence", "memory"),
    (3428, "Long Range Targeting", 272, 2, "intelligence", "memory"),
    (3436, "Drones", 273, 1, "memory", "perception"),
    (3442, "Drone Interfacing", 273, 5, "memory", "perception"),
    (3443, "Trade", 274, 1, "charisma", "memory"),
    (3444, "Retail", 274, 2, "charisma", "memory"),
    (3446, "Broker Relations", 274, 2, "charisma", "memory"),
    (16622, "Accounting", 274, 3, "charisma", "memory"),
    (3449, "Navigation", 275, 1, "intelligence", "perception"),
    (3450, "Afterburner", 275, 1, "intelligence", "perception"),
    (3453, "Evasive Maneuvering", 275, 2, "intelligence", "perception"),
    (3455, "Warp Drive Operation", 275, 1, "intelligence", "perception"),
    (3355, "Social", 278, 1, "charisma", "intelligence"),
    (3356, "Negotiation", 278, 2, "charisma", "intelligence"),
    (3416, "Shield Operation", 1209, 1, "intelligence", "memory"),
    (3419, "Shield Management", 1209, 3, "intelligence", "memory"),
    (3394, "Hull Upgrades", 1210, 2, "intelligence", "memory"),
    (3392, "Mechanics", 1210, 1, "intelligence", "memory"),
    (3413, "Power Grid Management", 1216, 1, "intelligence", "memory"),
    (3426, "CPU Management", 1216, 1, "intelligence", "memory"),
    (3418, "Capacitor Management", 1216, 3, "intelligence", "memory"),
    (3412, "Astrometrics", 1217, 3, "intelligence", "memory"),
    (3386, "Mining", 1218, 1, "memory", "intelligence"),
    (3385, "Reprocessing", 1218, 1, "memory", "intelligence"),
    (3411, "Cybernetics", 1220, 3, "intelligence", "memory"),
    (2406, "Planetology", 1241, 3, "intelligence", "memory"),
    (2505, "Command Center Upgrades", 1241, 4, "charisma", "intelligence"),
]
SYNTHETIC_SKILL_BASE = 80000
SKILL_COUNT = 420


@dataclass(frozen=True)
class SkillInfo:
    """A skill type with what training time needs."""

    type_id: int
    name: str
    group_id: int
    rank: int
    primary: str
    secondary: str


def sp_for_level(rank: int, level: int) -> int:
    """Skill points needed for ``level`` of a skill of ``rank`` (EVE's formula)."""
    if level <= 0:
        return 0
    return int(round(250 * rank * (32 ** ((level - 1) / 2))))


@functools.cache
def skills() -> list[SkillInfo]:
    """All skill types, the well-known ones first."""
    result = [SkillInfo(*spec) for spec in _KNOWN_SKILLS]
    attrs = ["intelligence", "memory", "perception", "willpower", "charisma"]
    n = 0
    while len(result) < SKILL_COUNT:
        group_id = SKILL_GROUPS[n % len(SKILL_GROUPS)]
        group_name = GROUPS[group_id][0]
        primary = attrs[n % 5]
        secondary = attrs[(n + 2) % 5]
        result.append(
            SkillInfo(
                SYNTHETIC_SKILL_BASE + n,
                f"{group_name} Specialization {n // len(SKILL_GROUPS) + 1}",
                group_id,
                1 + (n * 7) % 8,
                primary,
                secondary,
            )
        )
        n += 1
    return result


@functools.cache
def skills_by_id() -> dict[int, SkillInfo]:
    """Skills keyed by type id."""
    return {s.type_id: s for s in skills()}


# --- what types require: type id -> {skill id: level} (at most three, like EVE's dogma) ------------
# Close to EVE's requirements where the skill exists here; where EVE's skill is not among ours
# (Gallente Battleship, Caldari Hauler, capital skills, Mining Frigate, ...) a skill we have
# stands in. Every chain ends at a skill without requirements: no cycles.
SKILL_PREREQUISITES: dict[int, dict[int, int]] = {
    3301: {3300: 1},
    3302: {3300: 1},
    3303: {3300: 1},
    3305: {3302: 3},
    3310: {3300: 2},
    3311: {3300: 2},
    3312: {3300: 2},
    3315: {3300: 3},
    3321: {3319: 1},
    3324: {3321: 3},
    3328: {3327: 1},
    3329: {3327: 1},
    3330: {3327: 1},
    3331: {3327: 1},
    3333: {3329: 3},
    3334: {3330: 3},
    3337: {3333: 3},
    3338: {33096: 3},
    17940: {3386: 4, 3327: 3},
    33096: {3334: 3},
    3387: {3380: 4},
    3403: {3402: 4},
    3442: {3436: 5},
    3444: {3443: 2},
    3446: {3443: 2},
    16622: {3443: 4},
    3450: {3449: 1},
    3453: {3449: 1},
    3455: {3449: 1},
    3356: {3355: 3},
    3419: {3416: 1},
    3394: {3392: 2},
    3418: {3413: 1},
    3412: {3402: 3},
    3411: {3402: 3},
    2406: {3402: 3},
    2505: {2406: 1},
}
TYPE_REQUIREMENTS: dict[int, dict[int, int]] = {
    # ships
    587: {3329: 1},
    603: {3330: 1},
    597: {3331: 1},
    32880: {3327: 1, 3386: 1},
    621: {3334: 1},
    622: {3333: 1},
    24698: {33096: 1},
    638: {3338: 1},
    641: {3327: 4},
    648: {3330: 3},
    17478: {17940: 1},
    20185: {3338: 4},
    23757: {3327: 5},
    # modules
    484: {3302: 1},
    2873: {3302: 4, 3300: 2},
    3831: {3419: 2},
    3841: {3419: 4},
    438: {3450: 4},
    12076: {3453: 3},
    448: {3427: 4},
    482: {3386: 4},
    2048: {3394: 2, 3392: 1},
    # charges and drones
    209: {3324: 1},
    2488: {3436: 4},
    2456: {3436: 4},
}
#: a module's slot effect and fitting cost (cpu, power grid)
_MODULE_FITTING: dict[int, tuple[int, float, float]] = {
    484: (EFFECT_HI_POWER, 4.0, 1.0),
    2873: (EFFECT_HI_POWER, 8.0, 5.0),
    482: (EFFECT_HI_POWER, 60.0, 2.0),
    3831: (EFFECT_MED_POWER, 26.0, 23.0),
    3841: (EFFECT_MED_POWER, 44.0, 187.0),
    438: (EFFECT_MED_POWER, 25.0, 10.0),
    12076: (EFFECT_MED_POWER, 55.0, 150.0),
    448: (EFFECT_MED_POWER, 30.0, 1.0),
    2048: (EFFECT_LO_POWER, 30.0, 1.0),
}
_TURRETS = {484, 2873}
#: a ship's (high, medium, low) slots
_SHIP_SLOTS: dict[int, tuple[int, int, int]] = {
    587: (4, 3, 3),
    603: (3, 4, 3),
    597: (4, 2, 4),
    32880: (3, 3, 1),
    621: (5, 5, 3),
    622: (5, 4, 4),
    24698: (7, 6, 4),
    638: (8, 6, 5),
    641: (7, 4, 7),
    648: (1, 4, 1),
    17478: (2, 3, 1),
    20185: (0, 0, 3),
    23757: (3, 5, 6),
}


def requirement_dogma(requirements: dict[int, int]) -> tuple[tuple[int, float], ...]:
    """``requiredSkill1..3`` and their levels for ``{skill id: level}`` (at most three)."""
    if len(requirements) > len(ATTR_REQUIRED_SKILLS):
        raise ValueError("EVE's dogma names at most three required skills per type")
    result: list[tuple[int, float]] = []
    slots = ATTR_REQUIRED_SKILLS[: len(requirements)]
    for (skill_attr, level_attr), (skill_id, level) in zip(slots, requirements.items(), strict=True):
        result += [(skill_attr, float(skill_id)), (level_attr, float(level))]
    return tuple(result)


def skill_requirements(skill: SkillInfo) -> dict[int, int]:
    """What a skill requires: listed for the well-known ones; a synthetic specialization needs
    the first well-known skill of its group at III."""
    if skill.type_id < SYNTHETIC_SKILL_BASE:
        return SKILL_PREREQUISITES.get(skill.type_id, {})
    base = next((s.type_id for s in skills() if s.group_id == skill.group_id), None)
    return {base: 3} if base is not None and base < SYNTHETIC_SKILL_BASE else {}


def _with_fitting_dogma(info: TypeInfo) -> TypeInfo:
    dogma: list[tuple[int, float]] = []
    effects: list[tuple[int, bool]] = []
    if info.type_id in _SHIP_SLOTS:
        high, medium, low = _SHIP_SLOTS[info.type_id]
        dogma += [(ATTR_HI_SLOTS, float(high)), (ATTR_MED_SLOTS, float(medium)), (ATTR_LOW_SLOTS, float(low))]
    if info.type_id in _MODULE_FITTING:
        slot_effect, cpu, power = _MODULE_FITTING[info.type_id]
        dogma += [(ATTR_CPU, cpu), (ATTR_POWER, power)]
        effects += [(slot_effect, False), (EFFECT_ONLINE, False)]
        if info.type_id in _TURRETS:
            effects.append((EFFECT_TURRET_FITTED, False))
    dogma += requirement_dogma(TYPE_REQUIREMENTS.get(info.type_id, {}))
    if not dogma and not effects:
        return info
    return replace(info, dogma=tuple(dogma), effects=tuple(effects))


@functools.cache
def types() -> dict[int, TypeInfo]:
    """Every inventory type the emulator knows, keyed by type id."""
    result = {t.type_id: _with_fitting_dogma(t) for t in _BASE_TYPES}
    for type_id, name, attribute, bonus, slot in IMPLANT_SPECS:
        result[type_id] = TypeInfo(
            type_id,
            name,
            300,
            1.0,
            f"+{bonus} {attribute} implant.",
            dogma=(
                (IMPLANT_BONUS_ATTRS[attribute], float(bonus)),
                (ATTR_IMPLANT_SLOT, float(slot)),
                *requirement_dogma({CYBERNETICS: bonus}),
            ),
        )
    for skill in skills():
        result[skill.type_id] = TypeInfo(
            skill.type_id,
            skill.name,
            skill.group_id,
            0.01,
            f"Skill: {skill.name}.",
            dogma=(
                (ATTR_PRIMARY, float(ATTRIBUTE_IDS[skill.primary])),
                (ATTR_SECONDARY, float(ATTRIBUTE_IDS[skill.secondary])),
                (ATTR_SKILL_RANK, float(skill.rank)),
                *requirement_dogma(skill_requirements(skill)),
            ),
            effects=((EFFECT_SKILL, False),),
        )
    return result


def required_skills(type_id: int) -> dict[int, int]:
    """Every skill (prerequisites included) needed to use a type: skill id -> highest level."""
    needed: dict[int, int] = {}
    pending = [type_id]
    while pending:
        current = types()[pending.pop()]
        values = dict(current.dogma)
        for skill_attr, level_attr in ATTR_REQUIRED_SKILLS:
            if skill_attr in values:
                skill_id, level = int(values[skill_attr]), int(values[level_attr])
                if level > needed.get(skill_id, 0):
                    needed[skill_id] = level
                    pending.append(skill_id)
    return needed


@functools.cache
def group_types() -> dict[int, list[int]]:
    """Type ids per group id."""
    result: dict[int, list[int]] = {gid: [] for gid in GROUPS}
    for type_id, info in sorted(types().items()):
        result[info.group_id].append(type_id)
    return result


def types_in_category(category_id: int) -> list[int]:
    """Type ids of all groups in a category (sorted)."""
    return sorted(t for t, info in types().items() if info.category_id == category_id)


SHIP_TYPES = [587, 603, 597, 32880, 621, 622, 24698, 638, 641, 648, 17478]
BIG_SHIP_TYPES = [20185, 23757]
MODULE_TYPES = [484, 2873, 3831, 3841, 438, 12076, 448, 482, 2048]
CHARGE_TYPES = [185, 21894, 209]
DRONE_TYPES = [2488, 2456]
MINERAL_TYPES = [34, 35, 36, 37, 38]
ORE_TYPES = [1230, 1228]
CONTAINER_TYPES = [17366, 17367, 17368, 11489]
NESTED_CONTAINER_TYPES = [3297, 11489]
BLUEPRINT_TYPES = [691, 951, 24699]
BOUNTY_NPC_TYPES = [23328, 23329]
BLUEPRINT_PRODUCTS = {691: 587, 951: 603, 24699: 24698}
TRADE_TYPES = MINERAL_TYPES + CHARGE_TYPES + MODULE_TYPES + DRONE_TYPES

# --- map ------------------------------------------------------------------------------
# region_id: (name, description)
REGIONS: dict[int, tuple[str, str]] = {
    10000002: ("The Forge", "The commercial heart of the Caldari State."),
    10000043: ("Domain", "The core of the Amarr Empire."),
    10000032: ("Sinq Laison", "Gallente trade lanes."),
    10000042: ("Metropolis", "Minmatar industrial hub."),
    10000060: ("Delve", "Null-security space."),
}
# constellation_id: (name, region_id, position)
CONSTELLATIONS: dict[int, tuple[str, int]] = {
    20000020: ("Kimotoro", 10000002),
    20000322: ("Throne Worlds", 10000043),
    20000389: ("Coriault", 10000032),
    20000300: ("Hed", 10000042),
    20000696: ("O-EIMK", 10000060),
}


@dataclass(frozen=True)
class SystemInfo:
    """A solar system."""

    system_id: int
    name: str
    constellation_id: int
    security_status: float
    star_id: int


SYSTEMS: dict[int, SystemInfo] = {
    s.system_id: s
    for s in [
        SystemInfo(30000142, "Jita", 20000020, 0.9459, 40009076),
        SystemInfo(30000144, "Perimeter", 20000020, 0.9453, 40009115),
        SystemInfo(30000145, "New Caldari", 20000020, 0.9997, 40009140),
        SystemInfo(30002187, "Amarr", 20000322, 1.0, 40139385),
        SystemInfo(30002659, "Dodixie", 20000389, 0.8693, 40168620),
        SystemInfo(30002053, "Hek", 20000300, 0.5155, 40130310),
        SystemInfo(30004759, "1DQ1-A", 20000696, -0.3827, 40301510),
        SystemInfo(30004760, "T5ZI-S", 20000696, -0.3114, 40301560),
    ]
}


@dataclass(frozen=True)
class StationInfo:
    """An NPC station."""

    station_id: int
    name: str
    system_id: int
    type_id: int
    owner_id: int
    race_id: int


STATIONS: dict[int, StationInfo] = {
    s.station_id: s
    for s in [
        StationInfo(60003760, "Jita IV - Moon 4 - Caldari Navy Assembly Plant", 30000142, 1529, 1000035, 1),
        StationInfo(60003466, "Jita IV - Moon 4 - Caldari Business Tribunal", 30000142, 1529, 1000033, 1),
        StationInfo(60008494, "Amarr VIII (Oris) - Emperor Family Academy", 30002187, 1926, 1000086, 4),
        StationInfo(
            60011866, "Dodixie IX - Moon 20 - Federation Navy Assembly Plant", 30002659, 1932, 1000120, 8
        ),
        StationInfo(60005686, "Hek VIII - Moon 12 - Boundless Creation Factory", 30002053, 1932, 1000057, 2),
    ]
}


@dataclass(frozen=True)
class StructureInfo:
    """An Upwell structure (served by ``/universe/structures/{id}`` with a token)."""

    structure_id: int
    name: str
    system_id: int
    type_id: int
    owner_id: int


# owners are player corporations of the generated world (98000001.. exist for any seed)
STRUCTURES: dict[int, StructureInfo] = {
    s.structure_id: s
    for s in [
        StructureInfo(1035466617946, "Perimeter - Tranquility Trading Tower", 30000144, 35834, 98000001),
        StructureInfo(1022734985679, "1DQ1-A - 1-st Imperial Palace", 30004759, 35834, 98000002),
        StructureInfo(1042000000101, "T5ZI-S - Emulated Fortizar", 30004760, 35833, 98000001),
        StructureInfo(1042000000102, "New Caldari - Emulated Raitaru", 30000145, 35825, 98000003),
        StructureInfo(1042000000103, "Hek - Emulated Astrahus", 30002053, 35832, 98000002),
    ]
}

# planet_id: (name, system_id, type_id, planet_type)
PLANETS: dict[int, tuple[str, int, int, str]] = {
    40009077: ("Jita I", 30000142, 2016, "barren"),
    40009078: ("Jita II", 30000142, 2014, "oceanic"),
    40009082: ("Jita IV", 30000142, 11, "temperate"),
    40009116: ("Perimeter I", 30000144, 2015, "lava"),
    40009117: ("Perimeter II", 30000144, 13, "gas"),
    40168621: ("Dodixie I", 30002659, 12, "ice"),
    40130311: ("Hek I", 30002053, 2017, "storm"),
    40301511: ("1DQ1-A I", 30004759, 2063, "plasma"),
    40301512: ("1DQ1-A II", 30004759, 11, "temperate"),
}

#: every system's star is of this type
STAR_TYPE_ID = 6
# schematic_id: (name, cycle time in seconds) -- what colony factories run
SCHEMATICS: dict[int, tuple[str, int]] = {121: ("Water", 1800)}

LOCATIONS_HIGHSEC = [60003760, 60003466, 60008494, 60011866, 60005686, 1035466617946, 1042000000102]
LOCATIONS_ALL = LOCATIONS_HIGHSEC + [1022734985679, 1042000000101, 1042000000103]


def location_system(location_id: int) -> int:
    """Solar system of a station or structure id."""
    if location_id in STATIONS:
        return STATIONS[location_id].system_id
    return STRUCTURES[location_id].system_id


def system_region(system_id: int) -> int:
    """Region of a solar system."""
    return CONSTELLATIONS[SYSTEMS[system_id].constellation_id][1]


# --- NPC entities ---------------------------------------------------------------------
# faction_id: (name, race_id, corporation_id, militia_corporation_id, home system)
FACTIONS: dict[int, tuple[str, int, int, int, int]] = {
    500001: ("Caldari State", 1, 1000035, 1000180, 30000145),
    500002: ("Minmatar Republic", 2, 1000051, 1000182, 30002053),
    500003: ("Amarr Empire", 4, 1000084, 1000179, 30002187),
    500004: ("Gallente Federation", 8, 1000120, 1000181, 30002659),
}
# corporation_id: (name, ticker, faction_id)
NPC_CORPORATIONS: dict[int, tuple[str, str, int | None]] = {
    1000125: ("CONCORD", "CONC", None),
    1000035: ("Caldari Navy", "CN", 500001),
    1000033: ("Caldari Business Tribunal", "CBT", 500001),
    1000167: ("State War Academy", "SWA", 500001),
    1000051: ("Republic Fleet", "RF", 500002),
    1000057: ("Boundless Creation", "BC", 500002),
    1000084: ("Amarr Navy", "AN", 500003),
    1000086: ("Emperor Family", "EF", 500003),
    1000120: ("Federation Navy", "FN", 500004),
    1000169: ("Center for Advanced Studies", "CAS", 500004),
    1000180: ("State Protectorate", "SP", 500001),
    1000181: ("Federal Defense Union", "FDU", 500004),
    1000182: ("Tribal Liberation Force", "TLF", 500002),
    1000179: ("24th Imperial Crusade", "24IC", 500003),
}
STARTER_CORPORATIONS = [1000167, 1000169, 1000057, 1000086]
# agent_id: (name, corporation_id)
AGENTS: dict[int, tuple[str, int]] = {
    3008416: ("Antaken Kamola", 1000035),
    3008417: ("Kaiko Oyonata", 1000035),
    3010124: ("Dagar Rudunn", 1000051),
    3011542: ("Ellen Arrant", 1000120),
    3013811: ("Amoh Kartar", 1000084),
}
# the NPC characters at the head of the NPC corporations: ceo_id: (name, corporation_id)
NPC_CEOS: dict[int, tuple[str, int]] = {
    3004000 + k: (name, corporation_id)
    for k, (corporation_id, name) in enumerate(
        [
            (1000125, "Ildar Ubomaki"),
            (1000035, "Oshima Kakkinen"),
            (1000033, "Teshi Oshiro"),
            (1000167, "Akkio Kasatsu"),
            (1000051, "Karin Midular"),
            (1000057, "Ratrik Abeda"),
            (1000084, "Merimar Ardishapur"),
            (1000086, "Arrana Kor-Azor"),
            (1000120, "Jacus Roden"),
            (1000169, "Ameline Duvailler"),
            (1000180, "Haatomo Hakatsu"),
            (1000181, "Vaelin Arrieux"),
            (1000182, "Kritsan Barbari"),
            (1000179, "Aulus Gonom"),
        ]
    )
}
# race_id: (name, alliance_id)  -- ESI's alliance_id of a race is its faction
RACES: dict[int, tuple[str, int]] = {
    1: ("Caldari", 500001),
    2: ("Minmatar", 500002),
    4: ("Amarr", 500003),
    8: ("Gallente", 500004),
}
# bloodline_id: (name, race_id, corporation_id, ship_type_id)
BLOODLINES: dict[int, tuple[str, int, int, int]] = {
    1: ("Deteis", 1, 1000167, 603),
    2: ("Civire", 1, 1000167, 603),
    3: ("Sebiestor", 2, 1000057, 587),
    4: ("Brutor", 2, 1000057, 587),
    5: ("Amarr", 4, 1000086, 597),
    6: ("Ni-Kunni", 4, 1000086, 597),
    7: ("Gallente", 8, 1000169, 32880),
    8: ("Intaki", 8, 1000169, 32880),
}
