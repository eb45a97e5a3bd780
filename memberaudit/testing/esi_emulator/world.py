"""The deterministic world behind the emulator: entities and per-character data.

Everything derives from ``seed``: the same seed, start time and sequence of ticks give
byte-identical responses. Character data is generated lazily on first access (a world with
thousands of characters starts instantly) and every tick is recorded, so a character that is
first touched after a few ticks is generated at the start time and then has the same ticks
replayed as the others.
"""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from . import colonies, hostiles
from . import universe as U
from .names import (
    ALLIANCE_NOUNS,
    CORP_NOUNS,
    MAIL_SUBJECTS,
    bio,
    mail_body,
    ticker_for,
    unique_org_name,
    unique_person_name,
)

CHARACTER_ID_BASE = 2112000000
OUTSIDER_ID_BASE = 2113000000
CORPORATION_ID_BASE = 98000001
OUTSIDER_CORPORATION_ID_BASE = 98100001
ALLIANCE_ID_BASE = 99000001
OUTSIDER_ALLIANCE_ID_BASE = 99100001
#: characters ESI no longer knows: their ids stay in old mails, /universe/names answers 404
PURGED_CHARACTER_ID_BASE = 2114000001
PURGED_CHARACTERS = 3
#: every how many mails one comes from a purged character (by mail id, no random draw)
PURGED_SENDER_EVERY = 41
ITEM_ID_BASE = 1_050_000_000_000
JOURNAL_ID_BASE = 21_000_000_000
TRANSACTION_ID_BASE = 6_100_000_000
MAIL_ID_BASE = 5_000_000_000
CONTRACT_ID_BASE = 190_000_000
KILLMAIL_ID_BASE = 120_000_000
PER_CHARACTER_ID_SPACE = 10_000_000

SIZE_CLASSES = ("small", "medium", "large", "huge")
SIZE_WEIGHTS = (55, 28, 12, 5)

# (min, max) volumes per size class
VOLUMES: dict[str, dict[str, tuple[int, int]]] = {
    "small": {
        "assets": (5, 60),
        "journal": (10, 120),
        "mails": (20, 60),
        "skills": (50, 110),
        "contacts": (0, 25),
        "contracts": (0, 6),
        "notifications": (5, 40),
        "killmails": (0, 5),
        "orders_history": (0, 10),
        "blueprints": (0, 3),
        "queue": (0, 5),
    },
    "medium": {
        "assets": (300, 2000),
        "journal": (200, 800),
        "mails": (100, 250),
        "skills": (110, 220),
        "contacts": (20, 120),
        "contracts": (5, 40),
        "notifications": (40, 150),
        "killmails": (2, 30),
        "orders_history": (10, 80),
        "blueprints": (3, 30),
        "queue": (3, 20),
    },
    "large": {
        "assets": (3000, 9000),
        "journal": (900, 2000),
        "mails": (250, 420),
        "skills": (220, 330),
        "contacts": (100, 400),
        "contracts": (30, 150),
        "notifications": (150, 400),
        "killmails": (20, 120),
        "orders_history": (80, 400),
        "blueprints": (30, 200),
        "queue": (10, 40),
    },
    "huge": {
        "assets": (20000, 25000),
        "journal": (2000, 2500),
        "mails": (420, 600),
        "skills": (330, 400),
        "contacts": (300, 1100),
        "contracts": (120, 400),
        "notifications": (400, 500),
        "killmails": (100, 300),
        "orders_history": (300, 1200),
        "blueprints": (200, 600),
        "queue": (20, 50),
    },
}

ACTIVITY_RATE = {"small": 0.15, "medium": 0.6, "large": 2.0, "huge": 3.5}  # journal entries/hour
MAIL_TICK_RATE = {"small": 0.2, "medium": 0.5, "large": 1.0, "huge": 1.0}  # mails/hour
MOVE_TICK_RATE = {"small": 0.2, "medium": 0.4, "large": 1.0, "huge": 1.0}  # moves/hour

WINDOW_DAYS = 30


def iso(moment: datetime) -> str:
    """ESI's date-time format."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_default(value: Any) -> Any:
    """``json.dumps`` hook: datetimes and dates the way ESI writes them."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value)!r}")


def _rng(seed: int, *parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


@dataclass
class Entity:
    """A character, corporation or alliance of the public world."""

    id: int
    name: str
    category: str
    data: dict = field(default_factory=dict)


@dataclass
class CharacterProfile:
    """What is known about a generated (registrable) character without generating its data."""

    character_id: int
    index: int
    name: str
    corporation_id: int
    alliance_id: int | None
    size: str
    sparse: bool
    race_id: int
    bloodline_id: int
    gender: str
    birthday: datetime
    security_status: float

    def as_dict(self) -> dict:
        """JSON shape of ``GET /_emulator/characters``."""
        return {
            "id": self.character_id,
            "character_id": self.character_id,
            "name": self.name,
            "corporation_id": self.corporation_id,
            "alliance_id": self.alliance_id,
            "size": self.size,
            "size_class": self.size,
            "sparse": self.sparse,
        }


class JsonRows(list):
    """A list of rows stored as compact JSON bytes (for big lists that never change).

    The server joins a page of rows into the response body instead of keeping a second copy;
    the bytes are the same as ``json.dumps`` of the rows with ``separators=(",", ":")``.
    """

    @classmethod
    def of(cls, rows: list[dict]) -> JsonRows:
        """Serialize ``rows`` once."""
        return cls(json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode() for row in rows)


class Section:
    """One ESI section of one character: data plus a memo of serialized responses.

    Sections are replaced, never mutated in place, once served: a change creates a new
    ``Section`` (new memo, new ``last_modified``); untouched sections keep their bytes.
    """

    __slots__ = ("data", "last_modified", "memo")

    def __init__(self, data: Any, last_modified: datetime) -> None:
        self.data = data
        self.last_modified = last_modified
        self.memo: dict = {}


class CharacterData:
    """All sections of one character."""

    def __init__(self, profile: CharacterProfile) -> None:
        self.profile = profile
        self.sections: dict[str, Section] = {}
        self.ticks_applied = 0
        self.counters: dict[str, int] = {}
        # generator state that is not itself a response
        self.flags: dict[str, bool] = {}
        self.home = 0
        self.attrs: dict[str, int] = {}
        self.skills: dict[int, dict] = {}
        self.unallocated = 0
        self.asset_names: dict[int, str] = {}
        self.asset_ids: range = range(0)  # item ids are contiguous per character
        self.locations: list[int] = []
        self.mail_label_defs: list[tuple[int, str, str]] = []
        self.mailing_list_ids: list[int] = []
        self.mails: list[dict] = []
        self.contract_items: dict[int, list] = {}
        self.contract_bids: dict[int, list] = {}
        self.calendar_events: dict[int, dict] = {}
        self.killmail_details: dict[int, dict] = {}
        #: colony layouts by planet id, each its own Section (own ETag and Last-Modified)
        self.colonies: dict[int, Section] = {}

    def set(self, name: str, data: Any, moment: datetime) -> None:
        """Store (or replace) a section."""
        self.sections[name] = Section(data, moment)

    def get(self, name: str) -> Section:
        """A section by name."""
        return self.sections[name]

    def set_colony(self, planet_id: int, layout: dict, moment: datetime) -> None:
        """Store (or replace) the layout of one colony."""
        self.colonies[planet_id] = Section(layout, moment)

    def next_id(self, kind: str, base: int) -> int:
        """Next id of a per-character 64-bit id sequence."""
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return base + self.profile.index * PER_CHARACTER_ID_SPACE + n


class World:
    """The generated universe: public entities, characters and their (lazy) data."""

    def __init__(self, characters: int, seed: int, start: datetime) -> None:
        self.seed = seed
        self.start = start.replace(microsecond=0)
        self.data_time = self.start
        self.ticks: list[tuple[datetime, datetime]] = []
        self._lock = threading.RLock()
        self._data: dict[int, CharacterData] = {}
        self.entities: dict[int, Entity] = {}
        self.profiles: dict[int, CharacterProfile] = {}
        self.outsiders: list[int] = []
        self.hostile_outsiders: list[int] = []
        self.mailing_lists: dict[int, str] = {}
        #: ids in the data that ESI cannot name (404 on /universe/names), with the names the
        #: texts that mention them still carry
        self.purged_characters: dict[int, str] = {}
        self._build_public(characters)
        hostiles.register(self)

    # --- public world ---------------------------------------------------------------
    def _build_public(self, n_characters: int) -> None:
        rng = _rng(self.seed, "public")
        used_names: set[str] = set()
        used_orgs: set[str] = set()
        used_tickers: set[str] = set()
        founded = self.start - timedelta(days=3000)

        n_corps = max(3, math.ceil(n_characters / 6))
        n_alliances = max(1, n_corps // 3)
        alliance_ids = []
        for a in range(n_alliances):
            aid = ALLIANCE_ID_BASE + a
            name = unique_org_name(rng, used_orgs, ALLIANCE_NOUNS)
            alliance_ids.append(aid)
            self.entities[aid] = Entity(
                aid,
                name,
                "alliance",
                {
                    "ticker": ticker_for(name, used_tickers),
                    "date_founded": founded + timedelta(days=rng.randint(0, 900)),
                },
            )
        corp_ids = []
        for c in range(n_corps):
            cid = CORPORATION_ID_BASE + c
            name = unique_org_name(rng, used_orgs, CORP_NOUNS)
            # the first corps are always in the first alliance; every 4th has no alliance
            alliance = None if (c % 4 == 3) else alliance_ids[c % n_alliances]
            corp_ids.append(cid)
            self.entities[cid] = Entity(
                cid,
                name,
                "corporation",
                {
                    "ticker": ticker_for(name, used_tickers),
                    "alliance_id": alliance,
                    "date_founded": founded + timedelta(days=rng.randint(0, 2500)),
                    "tax_rate": rng.choice([0.0, 0.05, 0.1, 0.15]),
                    "members": [],
                },
            )
        for aid in alliance_ids:
            members = [c for c in corp_ids if self.entities[c].data["alliance_id"] == aid]
            self.entities[aid].data["executor"] = members[0] if members else None

        # outsiders: other capsuleers (counterparties, contacts, attackers), some hostile
        hostile_alliance = OUTSIDER_ALLIANCE_ID_BASE
        self.entities[hostile_alliance] = Entity(
            hostile_alliance,
            "Hostile Intentions Coalition",
            "alliance",
            {"ticker": "H0STL", "date_founded": founded, "executor": OUTSIDER_CORPORATION_ID_BASE},
        )
        self.entities[hostile_alliance + 1] = Entity(
            hostile_alliance + 1,
            "Neutral Traders Union",
            "alliance",
            {"ticker": "NTU", "date_founded": founded, "executor": OUTSIDER_CORPORATION_ID_BASE + 2},
        )
        outsider_corps = []
        for k in range(6):
            cid = OUTSIDER_CORPORATION_ID_BASE + k
            alliance = hostile_alliance if k < 2 else (hostile_alliance + 1 if k < 4 else None)
            name = (
                ["Red Dawn Raiders", "Gank Squad Omega", "Haulers Anonymous", "Market Makers Inc"][k]
                if k < 4
                else unique_org_name(rng, used_orgs, CORP_NOUNS)
            )
            outsider_corps.append(cid)
            self.entities[cid] = Entity(
                cid,
                name,
                "corporation",
                {
                    "ticker": ticker_for(name, used_tickers),
                    "alliance_id": alliance,
                    "date_founded": founded,
                    "tax_rate": 0.1,
                    "members": [],
                },
            )
        for k in range(240):
            oid = OUTSIDER_ID_BASE + k
            corp = outsider_corps[k % len(outsider_corps)]
            name = unique_person_name(rng, used_names)
            self.entities[oid] = Entity(oid, name, "character", self._public_character(rng, corp))
            self.entities[corp].data["members"].append(oid)
            self.outsiders.append(oid)
            if self.entities[corp].data["alliance_id"] == hostile_alliance:
                self.hostile_outsiders.append(oid)

        # registrable characters
        for i in range(n_characters):
            cid = CHARACTER_ID_BASE + i
            crng = _rng(self.seed, "profile", i)
            size = SIZE_CLASSES[i] if i < 4 else crng.choices(SIZE_CLASSES, SIZE_WEIGHTS)[0]
            corp = corp_ids[i % n_corps] if i < n_corps else crng.choice(corp_ids)
            name = unique_person_name(rng, used_names)
            public = self._public_character(crng, corp)
            profile = CharacterProfile(
                character_id=cid,
                index=i,
                name=name,
                corporation_id=corp,
                alliance_id=self.entities[corp].data["alliance_id"],
                size=size,
                sparse=(i % 5 == 4),
                race_id=public["race_id"],
                bloodline_id=public["bloodline_id"],
                gender=public["gender"],
                birthday=public["birthday"],
                security_status=public["security_status"],
            )
            public["description"] = bio(
                crng, name, hostile=(i % 7 == 3), recruiter_id=self.outsiders[i % len(self.outsiders)]
            )
            self.profiles[cid] = profile
            self.entities[cid] = Entity(cid, name, "character", public)
            self.entities[corp].data["members"].append(cid)

        for cid in corp_ids + outsider_corps:
            members = self.entities[cid].data["members"]
            self.entities[cid].data["ceo_id"] = members[0] if members else self.outsiders[0]

        # static names (types, map, NPCs) resolve through /universe/names too
        for type_id, info in U.types().items():
            self.entities.setdefault(type_id, Entity(type_id, info.name, "inventory_type"))
        for system_id, sysinfo in U.SYSTEMS.items():
            self.entities[system_id] = Entity(system_id, sysinfo.name, "solar_system")
        for cid, (name, _region) in U.CONSTELLATIONS.items():
            self.entities[cid] = Entity(cid, name, "constellation")
        for rid, (name, _desc) in U.REGIONS.items():
            self.entities[rid] = Entity(rid, name, "region")
        for sid, station in U.STATIONS.items():
            self.entities[sid] = Entity(sid, station.name, "station")
        for fid, faction in U.FACTIONS.items():
            self.entities[fid] = Entity(fid, faction[0], "faction")
        ceos = {corp: ceo for ceo, (_name, corp) in U.NPC_CEOS.items()}
        for cid, (name, ticker, faction_id) in U.NPC_CORPORATIONS.items():
            self.entities[cid] = Entity(
                cid,
                name,
                "corporation",
                {
                    "ticker": ticker,
                    "alliance_id": None,
                    "faction_id": faction_id,
                    "npc": True,
                    "members": [],
                    "ceo_id": ceos[cid],
                },
            )
        for ceo_id, (name, corp) in U.NPC_CEOS.items():
            self.entities[ceo_id] = Entity(
                ceo_id,
                name,
                "character",
                {
                    "corporation_id": corp,
                    "race_id": 1,
                    "bloodline_id": 1,
                    "gender": "male",
                    "birthday": datetime(2003, 5, 6, tzinfo=timezone.utc),
                    "security_status": 0.0,
                },
            )
        for aid, (name, corp) in U.AGENTS.items():
            self.entities[aid] = Entity(
                aid,
                name,
                "character",
                {
                    "corporation_id": corp,
                    "race_id": 1,
                    "bloodline_id": 1,
                    "gender": "female",
                    "birthday": datetime(2003, 5, 6, tzinfo=timezone.utc),
                    "security_status": 0.0,
                },
            )
        for n in range(3):
            self.mailing_lists[145000001 + n] = ["Corp Logistics", "Alliance Intel", "Market Hub Chat"][n]
        # a stream of its own, so the names above stay the same
        purged_rng = _rng(self.seed, "purged")
        for k in range(PURGED_CHARACTERS):
            name = unique_person_name(purged_rng, used_names)
            self.purged_characters[PURGED_CHARACTER_ID_BASE + k] = name

    def _public_character(self, rng: random.Random, corporation_id: int) -> dict:
        bloodline_id = rng.choice(list(U.BLOODLINES))
        return {
            "corporation_id": corporation_id,
            "race_id": U.BLOODLINES[bloodline_id][1],
            "bloodline_id": bloodline_id,
            "gender": rng.choice(["male", "female"]),
            "birthday": self.start - timedelta(days=rng.randint(200, 6000), seconds=rng.randint(0, 86399)),
            "security_status": round(rng.uniform(-5, 5), 6),
        }

    # --- lookups --------------------------------------------------------------------
    def character_ids(self) -> list[int]:
        """Ids of the registrable characters in generation order."""
        return list(self.profiles)

    def alliance_of(self, corporation_id: int) -> int | None:
        """Alliance of a corporation (None if none)."""
        entity = self.entities.get(corporation_id)
        return entity.data.get("alliance_id") if entity else None

    def corporation_of(self, character_id: int) -> int:
        """Current corporation of a character (registrable, outsider or agent)."""
        return self.entities[character_id].data["corporation_id"]

    def name(self, entity_id: int) -> str:
        """Name of any known entity (or of a purged character, as old texts still show it)."""
        if entity_id in self.purged_characters:
            return self.purged_characters[entity_id]
        return self.entities[entity_id].name

    def purged_character(self, key: int) -> int:
        """One of the purged characters, chosen by ``key`` (no random draw)."""
        ids = sorted(self.purged_characters)
        return ids[key % len(ids)]

    def character(self, character_id: int) -> CharacterData:
        """The generated data of a registrable character, brought up to the current tick."""
        with self._lock:
            data = self._data.get(character_id)
            if data is None:
                data = CharacterData(self.profiles[character_id])
                generate_character(self, data)
                self._data[character_id] = data
            while data.ticks_applied < len(self.ticks):
                before, after = self.ticks[data.ticks_applied]
                apply_tick(self, data, before, after, data.ticks_applied)
                data.ticks_applied += 1
            return data

    def tick(self, seconds: float) -> datetime:
        """Advance the data clock; materialized characters change at once, others later."""
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        with self._lock:
            before = self.data_time
            after = before + timedelta(seconds=int(seconds))
            self.ticks.append((before, after))
            self.data_time = after
            for character_id in list(self._data):
                self.character(character_id)
            return after


# ======================================================================================
# generation
# ======================================================================================
def _between(rng: random.Random, volumes: dict[str, tuple[int, int]], key: str) -> int:
    low, high = volumes[key]
    return rng.randint(low, high)


def generate_character(world: World, data: CharacterData) -> None:
    """Generate every section of a character as of ``world.start``."""
    p = data.profile
    t0 = world.start
    seed = world.seed
    vol = VOLUMES[p.size]
    flags = _rng(seed, p.character_id, "flags")
    data.flags = {
        "miner": flags.random() < 0.5,
        "industrialist": flags.random() < 0.5 or p.size in ("large", "huge"),
        "trader": flags.random() < 0.5 or p.size == "huge",
        "pvp": flags.random() < 0.6,
        "fw": flags.random() < 0.25,
        "planets": flags.random() < 0.5 or p.size in ("large", "huge"),
    }
    f = data.flags

    # location, ship (the ship is also an asset)
    rng = _rng(seed, p.character_id, "location")
    home = rng.choice(U.LOCATIONS_HIGHSEC)
    current = rng.choice(U.LOCATIONS_ALL)
    docked = rng.random() < 0.7
    data.set("location", _location(current, docked), t0)
    data.home = home

    _gen_skills(world, data, t0, vol)
    _gen_assets(world, data, t0, vol, current, docked)
    _gen_wallet(world, data, t0, vol)
    _gen_mail(world, data, t0, vol)
    _gen_misc(world, data, t0, vol, f, home)
    hostiles.plant(world, data)


def _location(location_id: int, docked: bool) -> dict:
    system_id = U.location_system(location_id)
    result: dict[str, int] = {"solar_system_id": system_id}
    if docked:
        if location_id in U.STATIONS:
            result["station_id"] = location_id
        else:
            result["structure_id"] = location_id
    return result


def _gen_skills(world: World, data: CharacterData, t0: datetime, vol: dict) -> None:
    p = data.profile
    rng = _rng(world.seed, p.character_id, "skills")
    all_skills = U.skills()
    count = min(len(all_skills), _between(rng, vol, "skills"))
    known = all_skills[:55]
    chosen = list(known[: min(count, 55)])
    if count > len(chosen):
        chosen += rng.sample(all_skills[55:], count - len(chosen))
    skills = {}
    for skill in chosen:
        level = rng.choices([0, 1, 2, 3, 4, 5], [3, 10, 20, 30, 25, 12])[0]
        skills[skill.type_id] = {
            "active_skill_level": level,
            "skill_id": skill.type_id,
            "skillpoints_in_skill": U.sp_for_level(skill.rank, level),
            "trained_skill_level": level,
        }
    # alpha-clone style: a few skills trained above their active level
    if p.index % 6 == 5:
        for entry in list(skills.values())[:5]:
            entry["active_skill_level"] = min(entry["active_skill_level"], 3)
    unallocated = rng.choice([0, 0, 0, 50000, 250000, 1200000])
    # how much this pilot favours each attribute (charisma least, as most pilots do)
    preferences = {
        "charisma": rng.randint(17, 22) - 17,
        "intelligence": rng.randint(17, 27) - 17,
        "memory": rng.randint(17, 27) - 17,
        "perception": rng.randint(17, 27) - 17,
        "willpower": rng.randint(17, 27) - 17,
    }
    data.attrs = _remap(preferences)
    # ESI serves effective attributes: the remap plus the active clone's implant bonuses;
    # the queue below trains at the same effective speed
    attributes = _effective_attributes(
        data.attrs, _active_implants(_rng(world.seed, p.character_id, "clones"))
    )
    attr_section: dict[str, Any] = dict(attributes)
    if not p.sparse:
        attr_section["bonus_remaps"] = rng.randint(0, 3)
        attr_section["last_remap_date"] = t0 - timedelta(days=rng.randint(400, 900))
        attr_section["accrued_remap_cooldown_date"] = t0 - timedelta(days=rng.randint(30, 399))
    data.set("attributes", dict(sorted(attr_section.items())), t0)

    # queue: consecutive levels of skills below 5, first one started in the past
    queue = []
    n_queue = _between(rng, vol, "queue")
    candidates = [s for s in chosen if skills[s.type_id]["trained_skill_level"] < 5]
    rng.shuffle(candidates)
    elapsed = rng.randint(5, 300)  # minutes the first item has been in training, at most
    moment = t0
    planned: dict[int, int] = {}
    for skill in candidates:
        if len(queue) >= n_queue:
            break
        current = planned.get(skill.type_id, skills[skill.type_id]["trained_skill_level"])
        for level in range(current + 1, min(5, current + rng.randint(1, 2)) + 1):
            start_sp = U.sp_for_level(skill.rank, level - 1)
            end_sp = U.sp_for_level(skill.rank, level)
            training_start_sp = skills[skill.type_id]["skillpoints_in_skill"] if not queue else start_sp
            rate = attributes[skill.primary] + attributes[skill.secondary] / 2  # SP per minute
            minutes = max(1.0, (end_sp - training_start_sp) / rate)
            if not queue:
                # the item in training finishes 10..120 minutes after t0, at this same speed: it
                # started ``elapsed`` minutes ago part way into the level, or later at the
                # level's start when the level is shorter than that
                left = rng.randint(10, 120)
                training_start_sp = max(training_start_sp, math.ceil(end_sp - rate * (elapsed + left)))
                minutes = (end_sp - training_start_sp) / rate
                moment = t0 + timedelta(minutes=min(left, minutes) - minutes)
                # the skills route shows the skill with the SP its training started from
                skills[skill.type_id]["skillpoints_in_skill"] = training_start_sp
            finish = moment + timedelta(minutes=minutes)
            queue.append(
                {
                    "finish_date": finish.replace(microsecond=0),
                    "finished_level": level,
                    "level_end_sp": end_sp,
                    "level_start_sp": start_sp,
                    "queue_position": len(queue),
                    "skill_id": skill.type_id,
                    "start_date": moment.replace(microsecond=0),
                    "training_start_sp": training_start_sp,
                }
            )
            planned[skill.type_id] = level
            moment = finish
            if len(queue) >= n_queue:
                break
    if p.sparse and queue:
        # a paused queue: no dates, as ESI reports it
        for entry in queue:
            entry.pop("finish_date")
            entry.pop("start_date")
    data.set("skillqueue", queue, t0)
    data.skills = skills
    data.unallocated = unallocated
    data.set("skills", _skills_body(data), t0)


# EVE's neural remap: every attribute starts at 17, a remap spreads 14 more points, at most 10
# in one attribute (so each is 17..27 and they sum to 99 before implants and boosters)
ATTRIBUTE_BASE = 17
REMAP_POINTS = 14
REMAP_MAX_POINTS = 10
_IMPLANT_BONUS_TARGETS = {bonus_id: name for name, bonus_id in U.IMPLANT_BONUS_ATTRS.items()}


def _remap(preferences: dict[str, int]) -> dict[str, int]:
    """Base attributes of a remap that spreads the points in proportion to ``preferences``.

    Rounding leftovers go to the most preferred attributes that still have room.
    """
    total = sum(preferences.values())
    weights = preferences if total else dict.fromkeys(preferences, 1)
    total = sum(weights.values())
    points = {name: min(REMAP_MAX_POINTS, REMAP_POINTS * weight // total) for name, weight in weights.items()}
    by_preference = sorted(weights, key=lambda name: (-weights[name], name))
    while sum(points.values()) < REMAP_POINTS:
        name = next(n for n in by_preference if points[n] < REMAP_MAX_POINTS)
        points[name] += 1
        by_preference.append(by_preference.pop(by_preference.index(name)))
    return {name: ATTRIBUTE_BASE + points[name] for name in preferences}


def _effective_attributes(base: dict[str, int], implant_ids: list[int]) -> dict[str, int]:
    """Attributes as ESI serves them: the base plus the bonuses of the plugged-in implants."""
    types = U.types()
    effective = dict(base)
    for type_id in implant_ids:
        for attribute_id, value in types[type_id].dogma:
            if attribute_id in _IMPLANT_BONUS_TARGETS:
                effective[_IMPLANT_BONUS_TARGETS[attribute_id]] += int(value)
    return effective


def _active_implants(rng: random.Random) -> list[int]:
    """The active clone's implants: 0..5 Standard (+3) implants, at most one per slot.

    The first draw of the character's ``clones`` stream: the attributes (generated before the
    clones) repeat it on a fresh copy of that stream to know the implants' bonuses.
    """
    return sorted(rng.sample(U.IMPLANT_TYPE_IDS[:5], rng.randint(0, 5)))


def _skills_body(data: CharacterData) -> dict:
    skills = data.skills
    body: dict[str, Any] = {
        "skills": [dict(v) for _, v in sorted(skills.items())],
        "total_sp": sum(v["skillpoints_in_skill"] for v in skills.values()),
    }
    if data.unallocated or not data.profile.sparse:
        body["unallocated_sp"] = data.unallocated
    return body


SHIP_NAMES = [
    "{owner}'s {type}",
    "Bait #{n}",
    "Mining Op {n}",
    "Hauler {n}",
    "Doctrine {type}",
    "<b>Shiny</b> {type}",
]
CONTAINER_NAMES = [
    "Ammo",
    "Minerals",
    "Loot",
    "Doctrine fits",
    "Blueprints",
    "Spare modules",
    "PLEX vault",
    "Do not touch",
]


def _gen_assets(
    world: World, data: CharacterData, t0: datetime, vol: dict, current: int, docked: bool
) -> None:
    p = data.profile
    rng = _rng(world.seed, p.character_id, "assets")
    target = _between(rng, vol, "assets")
    items: list[dict] = []
    names: dict[int, str] = {}

    def location_type(location_id: int) -> str:
        if location_id in U.STATIONS:
            return "station"
        if location_id in U.SYSTEMS:
            return "solar_system"
        return "item"

    def add(
        type_id: int, location_id: int, flag: str, quantity: int = 1, singleton: bool = False, **extra: Any
    ) -> int:
        item_id = data.next_id("item", ITEM_ID_BASE)
        item = {
            "is_singleton": singleton,
            "item_id": item_id,
            "location_flag": flag,
            "location_id": location_id,
            "location_type": location_type(location_id),
            "quantity": quantity,
            "type_id": type_id,
        }
        item.update(extra)
        items.append(item)
        return item_id

    def fit_ship(ship_id: int) -> None:
        for slot in range(rng.randint(1, 4)):
            add(rng.choice([484, 2873]), ship_id, f"HiSlot{slot}", singleton=True)
        for slot in range(rng.randint(1, 3)):
            add(rng.choice([3831, 438, 448]), ship_id, f"MedSlot{slot}", singleton=True)
        for slot in range(rng.randint(1, 2)):
            add(2048, ship_id, f"LoSlot{slot}", singleton=True)
        add(rng.choice(U.CHARGE_TYPES), ship_id, "Cargo", quantity=rng.randint(100, 5000))
        if rng.random() < 0.5:
            add(rng.choice(U.DRONE_TYPES), ship_id, "DroneBay", quantity=rng.randint(1, 5))

    def new_ship(location_id: int, flag: str = "Hangar") -> int:
        ship_type = rng.choice(U.SHIP_TYPES)
        ship_id = add(ship_type, location_id, flag, singleton=True)
        template = rng.choice(SHIP_NAMES)
        names[ship_id] = template.format(
            owner=p.name.split()[0], type=world.name(ship_type), n=len(names) + 1
        )
        return ship_id

    # the active ship (docked at the current location, or in space)
    ship_location = current if docked else U.location_system(current)
    active_ship = new_ship(ship_location)
    fit_ship(active_ship)
    data.set(
        "ship",
        {"ship_item_id": active_ship, "ship_name": names[active_ship], "ship_type_id": items[0]["type_id"]},
        t0,
    )

    n_locations = {"small": 1, "medium": 3, "large": 5, "huge": 8}[p.size]
    locations = [current] + rng.sample([x for x in U.LOCATIONS_ALL if x != current], n_locations - 1)
    containers: list[int] = []
    for location in locations:
        for _ in range(rng.randint(0, 2 if p.size == "small" else 6)):
            ship_id = new_ship(location)
            if rng.random() < 0.6:
                fit_ship(ship_id)
        if p.size != "small" or rng.random() < 0.5:
            for _ in range(rng.randint(1, 2 if p.size == "small" else 4)):
                container = add(rng.choice(U.CONTAINER_TYPES), location, "Hangar", singleton=True)
                names[container] = rng.choice(CONTAINER_NAMES)
                containers.append(container)
                if rng.random() < 0.5:
                    nested = add(rng.choice(U.NESTED_CONTAINER_TYPES), container, "Unlocked", singleton=True)
                    names[nested] = f"{names[container]} / inner"
                    containers.append(nested)
    if containers and p.index % 3 == 1:
        names[containers[0]] = '<script>alert("asset name")</script>'
    if p.size in ("large", "huge"):
        big = add(rng.choice(U.BIG_SHIP_TYPES), locations[-1], "Hangar", singleton=True)
        names[big] = f"{p.name.split()[0]}'s capital"
    # blueprints are assets too
    blueprints = []
    for _ in range(_between(rng, vol, "blueprints")):
        bpo = rng.random() < 0.4
        location = rng.choice(containers) if containers and rng.random() < 0.5 else rng.choice(locations)
        flag = "Unlocked" if location in containers else "Hangar"
        type_id = rng.choice(U.BLUEPRINT_TYPES)
        extra = {} if bpo else {"is_blueprint_copy": True}
        item_id = add(type_id, location, flag, singleton=True, **extra)
        blueprints.append(
            {
                "item_id": item_id,
                "location_flag": flag,
                "location_id": location,
                "material_efficiency": rng.choice([0, 2, 5, 8, 10]),
                "quantity": -1 if bpo else -2,
                "runs": -1 if bpo else rng.randint(1, 300),
                "time_efficiency": rng.choice([0, 4, 10, 16, 20]),
                "type_id": type_id,
            }
        )
    data.set("blueprints", blueprints, t0)
    # bulk: stacks in hangars and containers until the target volume is reached
    stack_types = U.TRADE_TYPES + U.ORE_TYPES
    while len(items) < target:
        if containers and rng.random() < 0.55:
            location = rng.choice(containers)
            flag = "Unlocked"
        else:
            location = rng.choice(locations)
            flag = "Hangar"
        add(
            rng.choice(stack_types),
            location,
            flag,
            quantity=rng.choice([1, 5, 10, 100, 1000, 25000, 1_000_000]),
        )
    data.set("assets", JsonRows.of(items), t0)
    data.asset_names = names
    data.asset_ids = range(items[0]["item_id"], items[-1]["item_id"] + 1)
    data.locations = locations


REF_TYPES = [
    # (ref_type, sign, weight)
    ("bounty_prizes", 1, 20),
    ("market_transaction", 0, 25),
    ("transaction_tax", -1, 8),
    ("brokers_fee", -1, 8),
    ("player_donation", 0, 10),
    ("contract_price", 0, 6),
    ("agent_mission_reward", 1, 8),
    ("insurance", 1, 3),
    ("planetary_export_tax", -1, 3),
    ("industry_job_tax", -1, 4),
    ("corporation_account_withdrawal", 1, 2),
    ("jump_clone_installation_fee", -1, 1),
]
CONCORD = 1000125


def _journal_entry(
    world: World, data: CharacterData, rng: random.Random, moment: datetime, balance: float
) -> tuple[dict, dict | None, float]:
    p = data.profile
    ref_type, sign, _ = rng.choices(REF_TYPES, [r[2] for r in REF_TYPES])[0]
    if sign == 0:
        sign = rng.choice([1, -1])
    amount = round(rng.lognormvariate(13, 1.6), 2)
    if sign < 0 and amount > balance:
        sign = 1
    amount = round(sign * amount, 2)
    other = rng.choice(world.hostile_outsiders if rng.random() < 0.15 else world.outsiders)
    system_id = U.location_system(rng.choice(U.LOCATIONS_ALL))
    entry: dict[str, Any] = {
        "amount": amount,
        "balance": 0.0,
        "date": moment.replace(microsecond=0),
        "description": "",
        "id": data.next_id("journal", JOURNAL_ID_BASE),
        "ref_type": ref_type,
    }
    transaction = None
    if ref_type == "bounty_prizes":
        entry.update(
            description=f"{p.name} got bounty prizes for killing pirates in {world.name(system_id)}",
            first_party_id=CONCORD,
            second_party_id=p.character_id,
            reason="23328: 2,23329: 1",
            context_id=system_id,
            context_id_type="system_id",
            tax=round(abs(amount) * 0.1, 2),
            tax_receiver_id=p.corporation_id,
        )
    elif ref_type == "market_transaction":
        type_id = rng.choice(U.TRADE_TYPES)
        quantity = rng.randint(1, 500)
        transaction_id = data.next_id("transaction", TRANSACTION_ID_BASE)
        buyer, seller = (p.character_id, other) if amount < 0 else (other, p.character_id)
        entry.update(
            description=f"Market: {world.name(buyer)} bought stuff from {world.name(seller)}",
            first_party_id=buyer,
            second_party_id=seller,
            context_id=transaction_id,
            context_id_type="market_transaction_id",
        )
        location = rng.choice(U.LOCATIONS_HIGHSEC)
        transaction = {
            "client_id": other,
            "date": entry["date"],
            "is_buy": amount < 0,
            "is_personal": True,
            "journal_ref_id": entry["id"],
            "location_id": location,
            "quantity": quantity,
            "transaction_id": transaction_id,
            "type_id": type_id,
            "unit_price": round(abs(amount) / quantity, 2),
        }
    elif ref_type == "player_donation":
        giver, receiver = (other, p.character_id) if amount > 0 else (p.character_id, other)
        entry.update(
            description=f"{world.name(giver)} deposited cash into {world.name(receiver)}'s account",
            first_party_id=giver,
            second_party_id=receiver,
        )
        if rng.random() < 0.5:
            entry["reason"] = rng.choice(
                ["for the fleet", "srp", "thanks!", '<script>alert("j")</script>', '=HYPERLINK("http://x")']
            )
    elif ref_type == "agent_mission_reward":
        agent = rng.choice(list(U.AGENTS))
        entry.update(
            description=f"{world.name(p.character_id)} received a mission reward",
            first_party_id=agent,
            second_party_id=p.character_id,
        )
    else:
        entry.update(
            description=f"{ref_type.replace('_', ' ').capitalize()}",
            first_party_id=p.character_id if amount < 0 else p.corporation_id,
            second_party_id=CONCORD if amount < 0 else p.character_id,
        )
        if ref_type == "contract_price":
            entry.update(context_id=CONTRACT_ID_BASE + p.index * 10000, context_id_type="contract_id")
    balance = round(balance + amount, 2)
    entry["balance"] = balance
    return entry, transaction, balance


def _gen_wallet(world: World, data: CharacterData, t0: datetime, vol: dict) -> None:
    p = data.profile
    rng = _rng(world.seed, p.character_id, "wallet")
    n = _between(rng, vol, "journal")
    balance = round(rng.uniform(1e6, 5e9 if p.size in ("large", "huge") else 2e8), 2)
    begin = t0 - timedelta(days=WINDOW_DAYS) + timedelta(minutes=5)
    moments = sorted(begin + timedelta(seconds=rng.randint(0, WINDOW_DAYS * 86400 - 600)) for _ in range(n))
    journal: list[dict] = []
    transactions: list[dict] = []
    for moment in moments:
        entry, transaction, balance = _journal_entry(world, data, rng, moment, balance)
        journal.append(entry)
        if transaction:
            transactions.append(transaction)
    journal.reverse()  # newest first, as ESI
    transactions.reverse()
    data.set("journal", journal, t0)
    data.set("transactions", transactions, t0)
    data.set("wallet", balance, t0)


MAIL_LABEL_COLORS = ["#0000fe", "#006634", "#0099ff", "#fe0000", "#ff6600", "#ffff01", "#660066"]


def _gen_mail(world: World, data: CharacterData, t0: datetime, vol: dict) -> None:
    p = data.profile
    rng = _rng(world.seed, p.character_id, "mail")
    n = _between(rng, vol, "mails")
    custom = [(16, "Fleet ops"), (32, "Market"), (64, "Recruitment"), (128, "Spam")][: rng.randint(0, 4)]
    labels = [
        (1, "Inbox", "#ffffff"),
        (2, "Sent", "#ffffff"),
        (4, "[Corp]", "#ffffff"),
        (8, "[Alliance]", "#ffffff"),
    ]
    labels += [
        (lid, name, MAIL_LABEL_COLORS[k % len(MAIL_LABEL_COLORS)]) for k, (lid, name) in enumerate(custom)
    ]
    data.mail_label_defs = labels
    lists = rng.sample(list(world.mailing_lists), rng.randint(0, 3))
    data.set(
        "mail_lists",
        [{"mailing_list_id": lid, "name": world.mailing_lists[lid]} for lid in sorted(lists)],
        t0,
    )
    data.mailing_list_ids = lists
    moments = sorted(t0 - timedelta(seconds=rng.randint(60, 120 * 86400)) for _ in range(n))
    mails = [_new_mail(world, data, rng, moment) for moment in moments]
    mails.reverse()  # newest first
    data.mails = mails
    data.set("mail", mails, t0)
    data.set("mail_labels", _mail_labels_body(data), t0)


def _new_mail(world: World, data: CharacterData, rng: random.Random, moment: datetime) -> dict:
    p = data.profile
    mail_id = data.next_id("mail", MAIL_ID_BASE)
    sent = rng.random() < 0.15
    other = rng.choice(world.hostile_outsiders if rng.random() < 0.1 else world.outsiders)
    sender = p.character_id if sent else other
    if not sent and mail_id % PURGED_SENDER_EVERY == 0:
        # an old mail of a character that no longer exists: ESI cannot name the sender
        sender = world.purged_character(mail_id // PURGED_SENDER_EVERY)
    recipients: list[dict] = []
    labels: list[int] = [2] if sent else [1]
    kind = rng.random()
    if kind < 0.15 and not sent:
        recipients.append({"recipient_id": p.corporation_id, "recipient_type": "corporation"})
        labels.append(4)
    elif kind < 0.25 and not sent and p.alliance_id:
        recipients.append({"recipient_id": p.alliance_id, "recipient_type": "alliance"})
        labels.append(8)
    elif kind < 0.35 and data.mailing_list_ids:
        recipients.append(
            {"recipient_id": rng.choice(data.mailing_list_ids), "recipient_type": "mailing_list"}
        )
    else:
        recipients.append({"recipient_id": other if sent else p.character_id, "recipient_type": "character"})
    custom = [lid for lid, _, _ in data.mail_label_defs if lid >= 16]
    if custom and rng.random() < 0.3:
        labels.append(rng.choice(custom))
    system_id = rng.choice(list(U.SYSTEMS))
    hostile = (mail_id % 17 == 0) or (other in world.hostile_outsiders and rng.random() < 0.5)
    body = mail_body(
        rng,
        (sender, world.name(sender)),
        (p.character_id, p.name),
        (system_id, world.name(system_id)),
        hostile=hostile,
    )
    return {
        "from": sender,
        "is_read": sent or rng.random() < 0.8,
        "labels": sorted(labels),
        "mail_id": mail_id,
        "recipients": recipients,
        "subject": ("<b>URGENT</b> " if hostile and rng.random() < 0.3 else "") + rng.choice(MAIL_SUBJECTS),
        "timestamp": moment.replace(microsecond=0),
        "_body": body,
    }


def _mail_labels_body(data: CharacterData) -> dict:
    unread: dict[int, int] = {}
    for mail in data.mails:
        if not mail["is_read"]:
            for label in mail["labels"]:
                unread[label] = unread.get(label, 0) + 1
    labels = []
    for lid, name, color in data.mail_label_defs:
        entry: dict[str, Any] = {"color": color, "label_id": lid, "name": name}
        if unread.get(lid):
            entry["unread_count"] = unread[lid]
        labels.append(entry)
    return {"labels": labels, "total_unread_count": sum(1 for m in data.mails if not m["is_read"])}


NOTIFICATION_TYPES = [
    ("CorpAppNewMsg", "corporation"),
    ("CharAppAcceptMsg", "corporation"),
    ("InsuranceIssuedMsg", "corporation"),
    ("KillReportVictim", "character"),
    ("KillReportFinalBlow", "character"),
    ("StructureUnderAttack", "corporation"),
    ("StructureFuelAlert", "corporation"),
    ("WarDeclared", "alliance"),
    ("CorpAllBillMsg", "corporation"),
    ("SkinSequencingCompleted", "other"),
    ("ContactAdd", "character"),
    ("NPCStandingsGained", "faction"),
]
ROLES = [
    "Accountant",
    "Auditor",
    "Diplomat",
    "Director",
    "Factory_Manager",
    "Hangar_Take_1",
    "Personnel_Manager",
    "Station_Manager",
    "Trader",
]


def _gen_misc(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Every section besides location, skills, assets, wallet and mail."""
    _gen_online(world, data, t0, vol, flags, home)
    _gen_clones(world, data, t0, vol, flags, home)
    _gen_contacts(world, data, t0, vol, flags, home)
    _gen_contracts(world, data, t0, vol, flags, home)
    _gen_corphistory(world, data, t0, vol, flags, home)
    _gen_npc_and_social(world, data, t0, vol, flags, home)
    _gen_industry(world, data, t0, vol, flags, home)
    _gen_orders(world, data, t0, vol, flags, home)
    _gen_mining(world, data, t0, vol, flags, home)
    _gen_planets(world, data, t0, vol, flags, home)
    _gen_notifications(world, data, t0, vol, flags, home)
    _gen_killmails(world, data, t0, vol, flags, home)


def _gen_online(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Online."""
    p = data.profile
    seed = world.seed
    sparse = p.sparse
    rng = _rng(seed, p.character_id, "online")
    online: dict[str, Any] = {"online": rng.random() < 0.3}
    if not sparse:
        login = t0 - timedelta(minutes=rng.randint(30, 20000))
        online["last_login"] = login
        online["last_logout"] = (
            login + timedelta(minutes=rng.randint(5, 25))
            if not online["online"]
            else login - timedelta(hours=3)
        )
        online["logins"] = rng.randint(10, 9000)
    data.set("online", online, t0)


def _gen_clones(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Clones and implants."""
    p = data.profile
    seed = world.seed
    sparse = p.sparse
    rng = _rng(seed, p.character_id, "clones")
    implants = _active_implants(rng)  # their bonuses are in the served attributes
    data.set("implants", implants, t0)
    jump_clones = []
    for k in range(rng.randint(0, 5 if p.size != "small" else 1)):
        location = rng.choice(U.LOCATIONS_ALL)
        clone: dict[str, Any] = {
            "implants": sorted(rng.sample(U.IMPLANT_TYPE_IDS, rng.randint(0, 4))),
            "jump_clone_id": 20000000 + p.index * 100 + k,
            "location_id": location,
            "location_type": "station" if location in U.STATIONS else "structure",
        }
        if rng.random() < 0.5:
            clone["name"] = rng.choice(["PvP", "Mining", "Trade hub", "Null home"])
        jump_clones.append(clone)
    clones: dict[str, Any] = {
        "home_location": {
            "location_id": home,
            "location_type": "station" if home in U.STATIONS else "structure",
        },
        "jump_clones": jump_clones,
    }
    if not sparse:
        clones["last_clone_jump_date"] = t0 - timedelta(days=rng.randint(1, 300))
        clones["last_station_change_date"] = t0 - timedelta(days=rng.randint(1, 600))
    data.set("clones", clones, t0)


def _gen_contacts(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Contacts."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "contacts")
    contact_labels = [
        {"label_id": k + 1, "label_name": name}
        for k, name in enumerate(["Blues", "Reds", "Traders", "Scouts"][: rng.randint(0, 4)])
    ]
    data.set("contact_labels", contact_labels, t0)
    pool: list[tuple[int, str]] = [(o, "character") for o in world.outsiders]
    pool += [
        (c, "corporation")
        for c, e in world.entities.items()
        if e.category == "corporation" and c >= CORPORATION_ID_BASE
    ]
    pool += [(a, "alliance") for a, e in world.entities.items() if e.category == "alliance"]
    pool += [(f_id, "faction") for f_id in U.FACTIONS]
    n_contacts = min(len(pool), _between(rng, vol, "contacts"))
    contacts = []
    for contact_id, contact_type in sorted(rng.sample(pool, n_contacts)):
        hostile = contact_id in world.hostile_outsiders or contact_id == OUTSIDER_ALLIANCE_ID_BASE
        contact: dict[str, Any] = {
            "contact_id": contact_id,
            "contact_type": contact_type,
            "standing": -10.0 if hostile else rng.choice([-10.0, -5.0, 0.0, 5.0, 10.0]),
        }
        if contact_type == "character":
            contact["is_watched"] = rng.random() < 0.2
            if rng.random() < 0.05:
                contact["is_blocked"] = True
        if contact_labels and rng.random() < 0.4:
            contact["label_ids"] = sorted({rng.choice(contact_labels)["label_id"] for _ in range(2)})
        contacts.append(contact)
    data.set("contacts", contacts, t0)


def _gen_contracts(
    world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int
) -> None:
    """Contracts with items and bids."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "contracts")
    contracts = []
    items: dict[int, list] = {}
    bids: dict[int, list] = {}
    for k in range(_between(rng, vol, "contracts")):
        contract_id = CONTRACT_ID_BASE + p.index * 10000 + k
        kind = rng.choices(["item_exchange", "auction", "courier"], [6, 2, 2])[0]
        issued = t0 - timedelta(days=rng.uniform(0.1, 60))
        outgoing = rng.random() < 0.6
        other = rng.choice(world.hostile_outsiders if rng.random() < 0.1 else world.outsiders)
        statuses = ["outstanding", "finished", "finished", "deleted", "rejected"]
        status = rng.choice(statuses + (["in_progress"] if kind == "courier" else []))
        start = rng.choice(U.LOCATIONS_HIGHSEC)
        contract: dict[str, Any] = {
            "acceptor_id": other if status in ("finished", "in_progress") else 0,
            "assignee_id": other if not outgoing or rng.random() < 0.5 else 0,
            "availability": rng.choice(["personal", "public", "corporation"]),
            "contract_id": contract_id,
            "date_expired": issued + timedelta(days=14),
            "date_issued": issued,
            "for_corporation": False,
            "issuer_corporation_id": p.corporation_id if outgoing else world.corporation_of(other),
            "issuer_id": p.character_id if outgoing else other,
            "start_location_id": start,
            "end_location_id": start,
            "status": status,
            "type": kind,
            "volume": round(rng.uniform(1, 30000), 2),
        }
        if status == "finished":
            contract["date_accepted"] = issued + timedelta(hours=rng.randint(1, 48))
            contract["date_completed"] = contract["date_accepted"]
        if rng.random() < 0.6:
            contract["title"] = rng.choice(
                ["Doctrine fit", "Minerals", "PLEX", "Courier to Jita", '<img src=x onerror="alert(1)">', ""]
            )
        if kind == "item_exchange":
            contract["price"] = round(rng.uniform(1e5, 5e9), 2)
        elif kind == "auction":
            contract["price"] = round(rng.uniform(1e5, 1e8), 2)
            contract["buyout"] = round(contract["price"] * 3, 2)
            bids[contract_id] = [
                {
                    "amount": round(contract["price"] * (1 + b / 10), 2),
                    "bid_id": 9_000_000 + p.index * 10000 + k * 10 + b,
                    "bidder_id": rng.choice(world.outsiders),
                    "date_bid": issued + timedelta(hours=b + 1),
                }
                for b in range(rng.randint(0, 4))
            ]
        else:
            contract["reward"] = round(rng.uniform(1e6, 5e7), 2)
            contract["collateral"] = round(rng.uniform(1e7, 1e9), 2)
            contract["days_to_complete"] = rng.choice([3, 7, 14])
            contract["end_location_id"] = rng.choice([x for x in U.LOCATIONS_ALL if x != start])
        if kind != "courier":
            items[contract_id] = [
                {
                    "is_included": rng.random() < 0.9,
                    "is_singleton": False,
                    "quantity": rng.randint(1, 10000),
                    "record_id": 3_000_000_000 + p.index * 100000 + k * 50 + r,
                    "type_id": rng.choice(U.TRADE_TYPES + U.SHIP_TYPES),
                }
                for r in range(rng.randint(1, 8))
            ]
        else:
            items[contract_id] = []
        contracts.append(contract)
    contracts.reverse()
    data.set("contracts", contracts, t0)
    data.contract_items = items
    data.contract_bids = bids


def _gen_corphistory(
    world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int
) -> None:
    """Corporation history: starter NPC corp first, current corp last."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "corphistory")
    history = []
    moment = p.birthday
    corps = [rng.choice(U.STARTER_CORPORATIONS)]
    corps += rng.sample(
        list(range(OUTSIDER_CORPORATION_ID_BASE, OUTSIDER_CORPORATION_ID_BASE + 6)), rng.randint(0, 3)
    )
    corps.append(p.corporation_id)
    span = (t0 - p.birthday) / len(corps)
    for k, corp in enumerate(corps):
        entry: dict[str, Any] = {
            "corporation_id": corp,
            "record_id": 10_000_000 + p.index * 100 + k,
            "start_date": moment,
        }
        if k == 1 and rng.random() < 0.3:
            entry["is_deleted"] = True
        history.append(entry)
        moment = moment + span * rng.uniform(0.5, 1.0)
    history.reverse()
    data.set("corphistory", history, t0)


def _gen_npc_and_social(
    world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int
) -> None:
    """Loyalty, standings, fw, titles, roles, medals, fatigue, calendar."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "npc")
    npc_corps = list(U.NPC_CORPORATIONS)
    data.set(
        "loyalty",
        [
            {"corporation_id": c, "loyalty_points": rng.randint(100, 2_000_000)}
            for c in sorted(rng.sample(npc_corps, rng.randint(0, 4)))
        ],
        t0,
    )
    standings = [
        {"from_id": f_id, "from_type": "faction", "standing": round(rng.uniform(-5, 8), 4)}
        for f_id in sorted(rng.sample(list(U.FACTIONS), rng.randint(1, 4)))
    ]
    standings += [
        {"from_id": c, "from_type": "npc_corp", "standing": round(rng.uniform(-3, 9), 4)}
        for c in sorted(rng.sample(npc_corps, rng.randint(1, 6)))
    ]
    standings += [
        {"from_id": a, "from_type": "agent", "standing": round(rng.uniform(0, 6), 4)}
        for a in sorted(rng.sample(list(U.AGENTS), rng.randint(0, 3)))
    ]
    data.set("standings", standings, t0)
    if flags["fw"]:
        faction_id = rng.choice(list(U.FACTIONS))
        rank = rng.randint(0, 9)
        fw: dict[str, Any] = {
            "current_rank": rank,
            "enlisted_on": t0 - timedelta(days=rng.randint(10, 900)),
            "faction_id": faction_id,
            "highest_rank": rank + rng.randint(0, 1),
            "kills": {
                "last_week": rng.randint(0, 50),
                "total": rng.randint(50, 5000),
                "yesterday": rng.randint(0, 10),
            },
            "victory_points": {
                "last_week": rng.randint(0, 5000),
                "total": rng.randint(5000, 900000),
                "yesterday": rng.randint(0, 500),
            },
        }
    else:
        fw = {
            "kills": {"last_week": 0, "total": 0, "yesterday": 0},
            "victory_points": {"last_week": 0, "total": 0, "yesterday": 0},
        }
    data.set("fw", fw, t0)
    titles = [
        {"name": name, "title_id": 1 << k}
        for k, name in enumerate(
            ["Member", "<color=0xff00ff00>Fleet Commander</color>", "Director"][: rng.randint(0, 3)]
        )
    ]
    data.set("titles", titles, t0)
    is_director = rng.random() < 0.1
    roles: dict[str, Any] = {
        "roles": ["Director"] if is_director else sorted(rng.sample(ROLES, rng.randint(0, 3))),
        "roles_at_base": [],
        "roles_at_hq": sorted(rng.sample(ROLES, rng.randint(0, 2))),
        "roles_at_other": [],
    }
    data.set("roles", roles, t0)
    medals = []
    for k in range(rng.randint(0, 3)):
        medals.append(
            {
                "corporation_id": p.corporation_id,
                "date": t0 - timedelta(days=rng.randint(1, 700)),
                "description": "Awarded for outstanding service.",
                "graphics": [{"color": -1, "graphic": "caldari.1_1", "layer": 0, "part": 1}],
                "issuer_id": world.entities[p.corporation_id].data.get("ceo_id", p.character_id),
                "medal_id": 7000 + p.index * 10 + k,
                "reason": rng.choice(["Fleet MVP", "Logistics hero", "10 years of service"]),
                "status": rng.choice(["public", "private"]),
                "title": rng.choice(["Iron Star", "Silver Wing", "Golden Hauler"]),
            }
        )
    data.set("medals", medals, t0)
    fatigue: dict[str, Any] = {}
    if p.size in ("large", "huge") or rng.random() < 0.3:
        last_jump = t0 - timedelta(hours=rng.randint(1, 200))
        fatigue = {
            "jump_fatigue_expire_date": last_jump + timedelta(hours=rng.randint(1, 100)),
            "last_jump_date": last_jump,
            "last_update_date": last_jump,
        }
    data.set("fatigue", fatigue, t0)
    events = []
    event_details = {}
    for k in range(rng.randint(0, 6)):
        event_id = 3_000_000 + p.index * 100 + k
        when = t0 + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 23))
        title = rng.choice(["Strat op", "Corp meeting", "Mining op", "Structure timer"])
        response = rng.choice(["not_responded", "accepted", "tentative", "declined"])
        importance = rng.randint(0, 1)
        events.append(
            {
                "event_date": when,
                "event_id": event_id,
                "event_response": response,
                "importance": importance,
                "title": title,
            }
        )
        event_details[event_id] = {
            "date": when,
            "duration": rng.choice([60, 120, 180]),
            "event_id": event_id,
            "importance": importance,
            "owner_id": p.corporation_id,
            "owner_name": world.name(p.corporation_id),
            "owner_type": "corporation",
            "response": response,
            "text": '<font size="12" color="#bfffffff">Be there or be square.</font>',
            "title": title,
        }
    data.set("calendar", events, t0)
    data.calendar_events = event_details


def _gen_industry(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Industry jobs."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "industry")
    jobs = []
    blueprints = data.get("blueprints").data
    if flags["industrialist"] and blueprints:
        for k in range(rng.randint(1, 20 if p.size != "small" else 3)):
            bp = rng.choice(blueprints)
            start = t0 - timedelta(hours=rng.randint(1, 400))
            duration = rng.randint(3600, 7 * 86400)
            end = start + timedelta(seconds=duration)
            status = "active" if end > t0 else rng.choice(["delivered", "ready"])
            activity = rng.choice([1, 1, 3, 4, 5])
            job: dict[str, Any] = {
                "activity_id": activity,
                "blueprint_id": bp["item_id"],
                "blueprint_location_id": bp["location_id"],
                "blueprint_type_id": bp["type_id"],
                "cost": round(rng.uniform(1e4, 5e7), 2),
                "duration": duration,
                "end_date": end,
                "facility_id": rng.choice(U.LOCATIONS_HIGHSEC),
                "installer_id": p.character_id,
                "job_id": 500_000_000 + p.index * 1000 + k,
                "licensed_runs": rng.randint(1, 10),
                "output_location_id": bp["location_id"],
                "runs": rng.randint(1, 10),
                "start_date": start,
                "station_id": rng.choice(U.LOCATIONS_HIGHSEC),
                "status": status,
            }
            if activity == 1:
                job["product_type_id"] = U.BLUEPRINT_PRODUCTS[bp["type_id"]]
            if status == "delivered":
                job["completed_character_id"] = p.character_id
                job["completed_date"] = end
                job["successful_runs"] = job["runs"]
            jobs.append(job)
    data.set("industry", jobs, t0)


def _gen_orders(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Market orders and history."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "orders")
    orders = []
    history = []
    if flags["trader"]:
        for k in range(rng.randint(1, 30 if p.size != "small" else 4)):
            orders.append(_order(rng, p, 6_500_000_000 + p.index * 100000 + k, t0, None))
        for k in range(_between(rng, vol, "orders_history")):
            history.append(
                _order(
                    rng,
                    p,
                    6_400_000_000 + p.index * 100000 + k,
                    t0 - timedelta(days=rng.randint(1, 90)),
                    rng.choice(["cancelled", "expired"]),
                )
            )
    data.set("orders", orders, t0)
    data.set("orders_history", history, t0)


def _gen_mining(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Mining ledger."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "mining")
    mining = []
    if flags["miner"]:
        for day in range(WINDOW_DAYS):
            if rng.random() < 0.4:
                for type_id in rng.sample(U.ORE_TYPES, rng.randint(1, 2)):
                    mining.append(
                        {
                            "date": (t0 - timedelta(days=day)).date(),
                            "quantity": rng.randint(1000, 200000),
                            "solar_system_id": rng.choice(list(U.SYSTEMS)),
                            "type_id": type_id,
                        }
                    )
    data.set("mining", mining, t0)


def _gen_planets(world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int) -> None:
    """Planets."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "planets")
    planets = []
    if flags["planets"]:
        for planet_id in sorted(rng.sample(list(U.PLANETS), rng.randint(1, 6))):
            name, system_id, _type_id, planet_type = U.PLANETS[planet_id]
            planets.append(
                {
                    "last_update": t0 - timedelta(hours=rng.randint(1, 300)),
                    "num_pins": rng.randint(3, 20),
                    "owner_id": p.character_id,
                    "planet_id": planet_id,
                    "planet_type": planet_type,
                    "solar_system_id": system_id,
                    "upgrade_level": rng.randint(0, 5),
                }
            )
    data.set("planets", planets, t0)
    colonies.generate(world, data, planets, t0)


def _gen_notifications(
    world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int
) -> None:
    """Notifications (YAML-ish text like ESI)."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "notifications")
    notifications = []
    for k in range(_between(rng, vol, "notifications")):
        ntype, sender_type = rng.choice(NOTIFICATION_TYPES)
        sender = {
            "character": rng.choice(world.outsiders),
            "corporation": p.corporation_id,
            "alliance": p.alliance_id or OUTSIDER_ALLIANCE_ID_BASE,
            "faction": 500001,
            "other": 1000125,
        }[sender_type]
        other = rng.choice(world.outsiders)
        text = (
            f"charID: {other}\ncorpID: {p.corporation_id}\n"
            f"solarSystemID: {rng.choice(list(U.SYSTEMS))}\n"
            f"shipTypeID: {rng.choice(U.SHIP_TYPES)}\n"
            f"amount: {rng.randint(1, 10**9)}\n"
            "applicationText: 'Hi, I would like to join.<br>Thanks'\n"
        )
        notifications.append(
            {
                "is_read": rng.random() < 0.7,
                "notification_id": 1_800_000_000 + p.index * 10000 + k,
                "sender_id": sender,
                "sender_type": sender_type,
                "text": text,
                "timestamp": (t0 - timedelta(minutes=rng.randint(1, WINDOW_DAYS * 1440))).replace(
                    microsecond=0
                ),
                "type": ntype,
            }
        )
    notifications.sort(key=lambda n: n["notification_id"], reverse=True)
    data.set("notifications", notifications, t0)


def _gen_killmails(
    world: World, data: CharacterData, t0: datetime, vol: dict, flags: dict, home: int
) -> None:
    """Killmails (recent list; details are served from the same data)."""
    p = data.profile
    seed = world.seed
    rng = _rng(seed, p.character_id, "killmails")
    killmails = []
    details: dict[int, dict] = {}
    if flags["pvp"] or p.size in ("large", "huge"):
        for k in range(_between(rng, vol, "killmails")):
            km_id = KILLMAIL_ID_BASE + p.index * 1000 + k
            km_hash = f"{random.Random(f'{seed}:km:{km_id}').getrandbits(160):040x}"
            loss = rng.random() < 0.3
            other = rng.choice(world.hostile_outsiders if rng.random() < 0.5 else world.outsiders)
            victim_id, attacker_id = (p.character_id, other) if loss else (other, p.character_id)
            victim_corp = world.corporation_of(victim_id) if victim_id in world.entities else p.corporation_id
            attacker_corp = world.corporation_of(attacker_id)
            victim: dict[str, Any] = {
                "character_id": victim_id,
                "corporation_id": victim_corp,
                "damage_taken": rng.randint(500, 50000),
                "items": [
                    {
                        "flag": 27,
                        "item_type_id": rng.choice([484, 2873]),
                        "quantity_destroyed": 1,
                        "singleton": 0,
                    },
                    {
                        "flag": 5,
                        "item_type_id": rng.choice(U.CHARGE_TYPES),
                        "quantity_dropped": rng.randint(10, 500),
                        "singleton": 0,
                    },
                ],
                "position": {
                    "x": rng.uniform(-1e12, 1e12),
                    "y": rng.uniform(-1e11, 1e11),
                    "z": rng.uniform(-1e12, 1e12),
                },
                "ship_type_id": rng.choice(U.SHIP_TYPES),
            }
            if world.alliance_of(victim_corp):
                victim["alliance_id"] = world.alliance_of(victim_corp)
            attacker: dict[str, Any] = {
                "character_id": attacker_id,
                "corporation_id": attacker_corp,
                "damage_done": victim["damage_taken"],
                "final_blow": True,
                "security_status": round(rng.uniform(-10, 5), 1),
                "ship_type_id": rng.choice(U.SHIP_TYPES),
                "weapon_type_id": rng.choice([484, 2873]),
            }
            if world.alliance_of(attacker_corp):
                attacker["alliance_id"] = world.alliance_of(attacker_corp)
            details[km_id] = {
                "attackers": [attacker],
                "killmail_id": km_id,
                "killmail_time": t0 - timedelta(minutes=rng.randint(10, 80 * 1440)),
                "solar_system_id": rng.choice(list(U.SYSTEMS)),
                "victim": victim,
                "_hash": km_hash,
            }
            killmails.append({"killmail_hash": km_hash, "killmail_id": km_id})
    killmails.reverse()
    data.set("killmails", killmails, t0)
    data.killmail_details = details


def _order(
    rng: random.Random, p: CharacterProfile, order_id: int, issued: datetime, state: str | None
) -> dict:
    location = rng.choice(U.LOCATIONS_HIGHSEC)
    is_buy = rng.random() < 0.4
    total = rng.randint(1, 10000)
    price = round(rng.uniform(1, 5e6), 2)
    order: dict[str, Any] = {
        "duration": rng.choice([1, 3, 7, 14, 30, 90]),
        "is_buy_order": is_buy,
        "is_corporation": False,
        "issued": (issued - timedelta(hours=rng.randint(0, 200))).replace(microsecond=0),
        "location_id": location,
        "order_id": order_id,
        "price": price,
        "range": rng.choice(["station", "region", "solarsystem", "5"]) if is_buy else "region",
        "region_id": U.system_region(U.location_system(location)),
        "type_id": rng.choice(U.TRADE_TYPES),
        "volume_remain": rng.randint(0, total),
        "volume_total": total,
    }
    if is_buy:
        order["escrow"] = round(price * order["volume_remain"], 2)
        order["min_volume"] = 1
    if state:
        order["state"] = state
    return order


# ======================================================================================
# ticks: time moves, data changes plausibly
# ======================================================================================
def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, int(rng.gauss(lam, math.sqrt(lam))))
    threshold = math.exp(-lam)
    k, product = 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def apply_tick(world: World, data: CharacterData, before: datetime, after: datetime, index: int) -> None:
    """Change a character's data for the time between ``before`` and ``after``.

    Changes: wallet (journal, transactions, balance), mail (new mails, label counts), online
    status, and only for a character online at some time of the tick (as in the game and on
    ESI): location (a move: offline characters stay where they logged out) and skills and
    queue (finished items: ESI updates them only while the character is logged in); now and
    then a visit to a planetary colony (its layout and ``last_update``).
    Nothing else.
    """
    p = data.profile
    rng = _rng(world.seed, p.character_id, "tick", index)
    hours = (after - before).total_seconds() / 3600

    # wallet
    n = _poisson(rng, ACTIVITY_RATE[p.size] * hours)
    if p.size in ("large", "huge") and hours >= 0.25:
        n = max(1, n)
    journal = list(data.get("journal").data)
    transactions = list(data.get("transactions").data)
    cutoff = after - timedelta(days=WINDOW_DAYS)
    kept = [e for e in journal if e["date"] >= cutoff]
    if n or len(kept) != len(journal):
        balance = data.get("wallet").data
        moments = sorted(
            before + timedelta(seconds=rng.randint(1, max(1, int((after - before).total_seconds()))))
            for _ in range(n)
        )
        new_entries = []
        for moment in moments:
            entry, transaction, balance = _journal_entry(world, data, rng, moment, balance)
            new_entries.append(entry)
            if transaction:
                transactions.insert(0, transaction)
        journal = list(reversed(new_entries)) + kept
        data.set("journal", journal, after)
        transactions = [t for t in transactions if t["date"] >= cutoff]
        if transactions != data.get("transactions").data:
            data.set("transactions", transactions, after)
        if n:
            data.set("wallet", balance, after)

    # mail
    if rng.random() < min(1.0, MAIL_TICK_RATE[p.size] * hours):
        count = max(1, _poisson(rng, MAIL_TICK_RATE[p.size] * hours))
        mails = list(data.mails)
        for k in range(count):
            moment = before + (after - before) * ((k + 1) / (count + 1))
            mail = _new_mail(world, data, rng, moment)
            mail["is_read"] = False
            mails.insert(0, mail)
        data.mails = mails
        data.set("mail", mails, after)
        data.set("mail_labels", _mail_labels_body(data), after)

    # location: drawn here (the draws after it stay as they were), applied after the online
    # status below, because only a character who was online during the tick can move
    move = None
    if rng.random() < min(1.0, MOVE_TICK_RATE[p.size] * hours):
        current = data.get("location").data
        here = current.get("station_id") or current.get("structure_id")
        choices = [
            x for x in U.LOCATIONS_ALL if x != here and U.location_system(x) != current["solar_system_id"]
        ]
        target = rng.choice(choices)
        move = _location(target, rng.random() < 0.7)

    # online: at most one login or logout per tick
    was_online = data.get("online").data["online"]
    if rng.random() < min(1.0, 0.5 * hours):
        online = dict(data.get("online").data)
        online["online"] = not online["online"]
        if "logins" in online:
            if online["online"]:
                online["last_login"] = after - timedelta(minutes=1)
                online["logins"] += 1
            else:
                online["last_logout"] = after - timedelta(minutes=1)
        data.set("online", online, after)
    online_in_tick = was_online or data.get("online").data["online"]
    if move is not None and online_in_tick:
        data.set("location", move, after)

    # skills: finished queue items are trained. ESI recalculates a character's skills and queue
    # only while it is logged in (at login it catches up): a logged-out character keeps its
    # finished items in the queue and its old levels until then (no random draws here)
    queue = data.get("skillqueue").data
    if online_in_tick and queue and "finish_date" in queue[0]:
        finished = [q for q in queue if q["finish_date"] <= after]
        if finished:
            for item in finished:
                entry = data.skills[item["skill_id"]]
                entry["trained_skill_level"] = item["finished_level"]
                entry["active_skill_level"] = item["finished_level"]
                entry["skillpoints_in_skill"] = item["level_end_sp"]
            remaining = []
            for position, item in enumerate(q for q in queue if q["finish_date"] > after):
                item = dict(item)
                item["queue_position"] = position
                remaining.append(item)
            data.set("skillqueue", remaining, after)
            data.set("skills", _skills_body(data), after)

    # planets: a colony visit draws from its own stream, so the draws above stay as they were
    colonies.visit(world, data, before, after, index)
