"""Every id the emulator's data mentions can be looked up, as it could be on ESI.

The test reads every character route of every character over HTTP (all pages, every mail,
contract, calendar event, colony and killmail), collects each id a payload mentions (parties,
senders, standings, types, locations, ids inside notification texts and EVE markup links) and
follows them through the public routes (corporations, stations, systems, types, groups, dogma,
...) until nothing new turns up. Every lookup must succeed, except for the few ids the world
declares unknown to ESI (purged characters): ``/universe/names`` answers 404 for them, for the
whole request, like ESI.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator import universe as U
from memberaudit.testing.esi_emulator.handlers import HANDLERS, UNKNOWN_IDS_MESSAGE
from memberaudit.testing.esi_emulator.rawclient import RawClient, RawResponse
from memberaudit.testing.esi_emulator.spec import default_router

pytestmark = pytest.mark.emulator

#: keys naming an entity, with the category /universe/names must give (None: see a sibling key)
ENTITY_KEYS: dict[str, str | None] = {
    "character_id": "character",
    "corporation_id": "corporation",
    "alliance_id": "alliance",
    "faction_id": "faction",
    "ceo_id": "character",
    "creator_id": "character",
    "creator_corporation_id": "corporation",
    "executor_corporation_id": "corporation",
    "militia_corporation_id": "corporation",
    "issuer_corporation_id": "corporation",
    "issuer_id": None,  # a character (contracts) or the corporation's CEO (medals)
    "installer_id": "character",
    "completed_character_id": "character",
    "bidder_id": "character",
    "first_party_id": None,
    "second_party_id": None,
    "tax_receiver_id": None,
    "client_id": None,
    "assignee_id": None,
    "acceptor_id": None,
    "from": None,
    "contact_id": None,  # contact_type
    "from_id": None,  # from_type
    "sender_id": None,  # sender_type
    "recipient_id": None,  # recipient_type
    "owner_id": None,  # owner_type (calendar), character (colonies), corporation (structures)
    "owner": "corporation",
}
#: keys whose value is a type id
TYPE_KEYS = {
    "type_id",
    "ship_type_id",
    "skill_id",
    "item_type_id",
    "weapon_type_id",
    "blueprint_type_id",
    "product_type_id",
    "content_type_id",
}
#: keys whose value is a station, structure, solar system, planet or map object
LOCATION_KEYS = {
    "location_id",
    "start_location_id",
    "end_location_id",
    "station_id",
    "structure_id",
    "facility_id",
    "blueprint_location_id",
    "output_location_id",
    "solar_system_id",
    "system_id",
    "planet_id",
    "star_id",
    "constellation_id",
    "region_id",
}
#: ids of the character's own records, of ESI's fixed lists, or of another lookup
OTHER_KEYS = {
    "item_id",
    "ship_item_id",
    "blueprint_id",
    "mail_id",
    "label_id",
    "mailing_list_id",
    "record_id",
    "contract_id",
    "bid_id",
    "job_id",
    "order_id",
    "transaction_id",
    "journal_ref_id",
    "event_id",
    "notification_id",
    "killmail_id",
    "medal_id",
    "title_id",
    "jump_clone_id",
    "activity_id",
    "context_id",  # read with context_id_type
    "pin_id",
    "source_pin_id",
    "destination_pin_id",
    "route_id",
    "head_id",
    "schematic_id",  # looked up below
    "race_id",  # /universe/races
    "bloodline_id",  # /universe/bloodlines
    "attribute_id",
    "effect_id",
    "group_id",
    "category_id",
    "id",
}
SIBLING_CATEGORY = {
    "character": "character",
    "corporation": "corporation",
    "alliance": "alliance",
    "faction": "faction",
    "npc_corp": "corporation",
    "agent": "character",
}
#: EVE markup links: ``showinfo:<type id>//<id>``
SHOWINFO = re.compile(r"showinfo:(\d+)//(\d+)")
#: what notification texts mention
TEXT_IDS = {
    "charID": "character",
    "corpID": "corporation",
    "solarSystemID": "location",
    "shipTypeID": "type",
}
OWNER_TYPES = {1377: "character", 2: "corporation", 16159: "alliance"}
CELESTIAL_TYPES = {3, 4, 5}


@dataclass
class Refs:
    """What the data mentions: entity id -> categories, type ids, location ids (and where)."""

    entities: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    types: set[int] = field(default_factory=set)
    locations: set[int] = field(default_factory=set)
    schematics: set[int] = field(default_factory=set)
    #: the characters' items: containers are the location of what is inside them
    items: set[int] = field(default_factory=set)
    unclassified: set[str] = field(default_factory=set)

    def entity(self, value: Any, category: str | None) -> None:
        if value:
            self.entities[int(value)].add(category)

    def walk(self, data: Any, route: str = "") -> None:
        """Collect the ids of one payload (any JSON)."""
        if isinstance(data, list):
            if route.endswith("/implants") and all(isinstance(v, int) for v in data):
                self.types.update(data)
                return
            for item in data:
                self.walk(item, route)
        elif isinstance(data, dict):
            self._walk_object(data, route)

    def _walk_object(self, data: dict, route: str) -> None:
        sibling = (
            data.get("contact_type")
            or data.get("from_type")
            or data.get("sender_type")
            or data.get("recipient_type")
            or data.get("owner_type")
        )
        for key, value in data.items():
            if isinstance(value, dict | list):
                if key == "implants" and all(isinstance(v, int) for v in value):
                    self.types.update(value)
                elif key in ("planets", "stations", "systems", "constellations") and all(
                    isinstance(v, int) for v in value
                ):
                    self.locations.update(value)
                elif key in ("types", "groups"):
                    continue  # a group's types, a category's groups: followed from the other side
                else:
                    self.walk(value, route)
                continue
            if key in ENTITY_KEYS:
                if key == "recipient_id" and sibling == "mailing_list":
                    continue  # the character's mailing lists: named by its mail lists route
                if key == "sender_id" and sibling == "other":
                    category = None
                elif key == "alliance_id" and route.endswith("/universe/races"):
                    category = "faction"  # ESI's "alliance" of a race is its faction
                elif ENTITY_KEYS[key] is None and sibling in SIBLING_CATEGORY:
                    category = SIBLING_CATEGORY[sibling]
                else:
                    category = ENTITY_KEYS[key]
                self.entity(value, category)
            elif key in TYPE_KEYS:
                if value:
                    self.types.add(int(value))
            elif key in LOCATION_KEYS:
                if value:
                    self.locations.add(int(value))
            elif key == "item_id":
                self.items.add(int(value))
            elif key == "schematic_id":
                self.schematics.add(int(value))
            elif key == "context_id" and data.get("context_id_type") == "system_id":
                self.locations.add(int(value))
            elif key in OTHER_KEYS:
                continue
            elif key.endswith("_id") or key.endswith("ID"):
                self.unclassified.add(f"{route}: {key}")
            elif isinstance(value, str):
                self._walk_text(key, value, data)

    def _walk_text(self, key: str, text: str, data: dict) -> None:
        for type_id, target in SHOWINFO.findall(text):
            type_id, target = int(type_id), int(target)
            self.types.add(type_id)
            if type_id in OWNER_TYPES:
                self.entity(target, OWNER_TYPES[type_id])
            elif type_id in CELESTIAL_TYPES:
                self.locations.add(target)
        if key == "text":  # notifications: YAML-like "name: value" lines
            for name, value in re.findall(r"^(\w+): (\d+)$", text, flags=re.MULTILINE):
                kind = TEXT_IDS.get(name)
                if kind == "type":
                    self.types.add(int(value))
                elif kind == "location":
                    self.locations.add(int(value))
                elif kind:
                    self.entity(value, kind)
                elif name.endswith("ID"):
                    self.unclassified.add(f"notification text: {name}")
        if key == "reason" and data.get("ref_type") == "bounty_prizes":
            for type_id in re.findall(r"(\d+): \d+", text):
                self.types.add(int(type_id))


class Walker:
    """Reads the emulator over HTTP; every answer is kept with its route for the assertions."""

    def __init__(self, emulator: EsiEmulator) -> None:
        self.emulator = emulator
        self.http = RawClient(emulator.url)
        self.refs = Refs()
        self.failures: list[str] = []
        self.structure_token = ""

    def get(self, path: str, token: str | None = None) -> RawResponse:
        response = self.http.get(path, token)
        if response.status != 200:
            self.failures.append(f"GET {path}: {response.status} {response.body[:120]!r}")
        return response

    def read(self, path: str, token: str | None = None) -> Any:
        """A route's JSON (every page), walked for ids; None when it failed."""
        first = self.get(path, token)
        if first.status != 200:
            return None
        data = first.json()
        pages = int(first.headers.get("x-pages", "1"))
        for page in range(2, pages + 1):
            separator = "&" if "?" in path else "?"
            data += self.get(f"{path}{separator}page={page}", token).json()
        self.refs.walk(data, path.split("?")[0].rstrip("/"))
        return data

    # --- the characters' data ------------------------------------------------------------
    def character_routes(self) -> list[str]:
        """Paths of every character GET route the emulator serves with only a character id."""
        routes = []
        for operation in default_router().operations.values():
            if (
                operation.method == "GET"
                and operation.character_bound
                and operation.param_names == ("character_id",)
                and operation.operation_id in HANDLERS
            ):
                routes.append(operation.path)
        return sorted(routes)

    def read_character(self, character_id: int) -> None:
        token = self.emulator.mint_token(character_id)
        self.structure_token = self.structure_token or token
        base = f"/characters/{character_id}"
        for route in self.character_routes():
            path = route.replace("{character_id}", str(character_id))
            if path.endswith("/mail"):
                self._read_mails(path, token)
            elif path.endswith("/calendar"):
                events = self.read(path, token) or []
                for event in events:
                    self.read(f"{base}/calendar/{event['event_id']}", token)
            elif path.endswith("/industry/jobs"):
                self.read(f"{path}?include_completed=true", token)
            elif path.endswith("/wallet/transactions"):
                self._read_transactions(path, token)
            elif path.endswith("/contracts"):
                for contract in self.read(path, token) or []:
                    contract_id = contract["contract_id"]
                    self.read(f"{base}/contracts/{contract_id}/items", token)
                    self.read(f"{base}/contracts/{contract_id}/bids", token)
            elif path.endswith("/planets"):
                for colony in self.read(path, token) or []:
                    self.read(f"{base}/planets/{colony['planet_id']}", token)
            elif path.endswith("/killmails/recent"):
                for km in self.read(path, token) or []:
                    self.read(f"/killmails/{km['killmail_id']}/{km['killmail_hash']}")
            else:
                self.read(path, token)

    def _read_mails(self, path: str, token: str) -> None:
        last = None
        while True:
            page = self.read(f"{path}?last_mail_id={last}" if last else path, token) or []
            for header in page:
                self.read(f"{path}/{header['mail_id']}", token)
            if len(page) < 50:
                return
            last = page[-1]["mail_id"]

    def _read_transactions(self, path: str, token: str) -> None:
        last = None
        while True:
            rows = self.read(f"{path}?from_id={last}" if last else path, token) or []
            if len(rows) < 2500:
                return
            last = rows[-1]["transaction_id"]

    # --- following the ids through the public routes -----------------------------------------
    def reference_data(self) -> None:
        for path in ("/universe/factions", "/universe/races", "/universe/bloodlines"):
            self.read(path)

    def follow(self, unknown: set[int]) -> tuple[set[int], set[int]]:
        """Look up everything mentioned until nothing new turns up: (types seen, entities seen)."""
        seen_entities: set[int] = set()
        seen_types: set[int] = set()
        seen_locations: set[int] = set()
        seen_groups: set[int] = set()
        seen_categories: set[int] = set()
        seen_attributes: set[int] = set()
        seen_effects: set[int] = set()
        refs = self.refs
        while True:
            entities = set(refs.entities) - seen_entities - unknown
            types = refs.types - seen_types
            locations = refs.locations - refs.items - seen_locations
            if not (entities or types or locations):
                break
            seen_entities |= entities
            seen_types |= types
            seen_locations |= locations
            for entity_id in sorted(entities):
                categories = refs.entities[entity_id] - {None}
                if "character" in categories:
                    self.read(f"/characters/{entity_id}/")
                if "corporation" in categories:
                    self.read(f"/corporations/{entity_id}/")
                if "alliance" in categories:
                    self.read(f"/alliances/{entity_id}/")
            for location_id in sorted(locations):
                self.read_location(location_id)
            for type_id in sorted(types):
                data = self.read(f"/universe/types/{type_id}/")
                if data is None:
                    continue
                for group_id in {data["group_id"]} - seen_groups:
                    seen_groups.add(group_id)
                    group = self.read(f"/universe/groups/{group_id}/")
                    if group and group["category_id"] not in seen_categories:
                        seen_categories.add(group["category_id"])
                        self.read(f"/universe/categories/{group['category_id']}/")
                dogma = {a["attribute_id"]: a["value"] for a in data.get("dogma_attributes", [])}
                for attribute_id in sorted(set(dogma) - seen_attributes):
                    seen_attributes.add(attribute_id)
                    self.read(f"/dogma/attributes/{attribute_id}/")
                for skill_attribute, _level in U.ATTR_REQUIRED_SKILLS:
                    if skill_attribute in dogma:
                        refs.types.add(int(dogma[skill_attribute]))
                for effect in data.get("dogma_effects", []):
                    if effect["effect_id"] not in seen_effects:
                        seen_effects.add(effect["effect_id"])
                        self.read(f"/dogma/effects/{effect['effect_id']}/")
        for schematic_id in sorted(refs.schematics):
            self.read(f"/universe/schematics/{schematic_id}/")
        return seen_types, seen_entities

    def read_location(self, location_id: int) -> None:
        if 10_000_000 <= location_id < 20_000_000:
            self.read(f"/universe/regions/{location_id}/")
        elif 20_000_000 <= location_id < 30_000_000:
            self.read(f"/universe/constellations/{location_id}/")
        elif 30_000_000 <= location_id < 40_000_000:
            self.read(f"/universe/systems/{location_id}/")
        elif location_id in U.PLANETS:
            self.read(f"/universe/planets/{location_id}/")
        elif 40_000_000 <= location_id < 50_000_000:
            self.read(f"/universe/stars/{location_id}/")
        elif 60_000_000 <= location_id < 64_000_000:
            self.read(f"/universe/stations/{location_id}/")
        else:
            self.read(f"/universe/structures/{location_id}/", self.structure_token)

    def names(self, ids: list[int]) -> RawResponse:
        return self.http.post("/universe/names/", body=ids)


@pytest.fixture(scope="module")
def walked() -> Iterator[tuple[EsiEmulator, Walker, tuple[set[int], set[int]]]]:
    """A private emulator whose every character was read and whose ids were all followed."""
    with EsiEmulator(characters=6, seed=23) as emulator:
        # reading every mail body of six characters is more than ESI's buckets allow at once
        groups = {o.rate_limit.group for o in default_router().operations.values() if o.rate_limit}
        emulator.set_faults(rate_limits=dict.fromkeys(groups, 1_000_000))
        walker = Walker(emulator)
        for info in emulator.characters():
            emulator.reset_limits()
            walker.read_character(info["character_id"])
        walker.reference_data()
        emulator.reset_limits()
        followed = walker.follow(set(emulator.core.world.purged_characters))
        yield emulator, walker, followed
        walker.http.close()


def _unknown_ids(emulator: EsiEmulator, walker: Walker) -> set[int]:
    return set(walker.refs.entities) & set(emulator.core.world.purged_characters)


def test_every_id_in_the_data_is_classified(walked):
    _emulator, walker, _followed = walked
    assert not walker.refs.unclassified, "ids of unknown kind: classify them in this test"


def test_every_lookup_the_data_leads_to_succeeds(walked):
    _emulator, walker, (types, entities) = walked
    assert walker.failures == []
    assert {5, 1377} <= types, "solar systems and characters are linked in mails"
    assert {587, 3329, 3327} <= types, "ships and the skills they need"
    assert len(entities) > 100


def test_every_mentioned_entity_type_and_place_has_a_name(walked):
    emulator, walker, (types, _entities) = walked
    unknown = _unknown_ids(emulator, walker)
    expected = {i: cats - {None} for i, cats in walker.refs.entities.items() if i not in unknown}
    # what /universe/names knows besides entities: types and the map, not structures or planets
    expected.update({t: {"inventory_type"} for t in types})
    for location_id in walker.refs.locations - walker.refs.items:
        if 30_000_000 <= location_id < 40_000_000:
            expected[location_id] = {"solar_system"}
        elif 60_000_000 <= location_id < 64_000_000:
            expected[location_id] = {"station"}
    ids = sorted(expected)
    answered: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        response = walker.names(ids[start : start + 1000])
        assert response.status == 200, response.body[:200]
        answered.update({row["id"]: row["category"] for row in response.json()})
    assert set(answered) == set(ids)
    wrong = {i: (answered[i], sorted(c)) for i, c in expected.items() if c and answered[i] not in c}
    assert wrong == {}
    assert {answered[f] for f in U.FACTIONS if f in answered} <= {"faction"}


def test_a_few_ids_are_unknown_to_esi_and_fail_the_whole_names_request(walked):
    emulator, walker, _followed = walked
    unknown = _unknown_ids(emulator, walker)
    assert 1 <= len(unknown) <= 5, "a few deliberately unknown ids appear in the data"
    known = next(i for i in walker.refs.entities if i not in unknown)
    for entity_id in sorted(unknown):
        emulator.reset_limits()
        for body in ([entity_id], [known, entity_id]):
            response = walker.names(body)
            assert response.status == 404
            assert response.json() == {"error": UNKNOWN_IDS_MESSAGE}
        assert walker.http.get(f"/characters/{entity_id}/").status == 404


def test_mailing_lists_are_not_named_by_universe_names(walked):
    emulator, walker, _followed = walked
    list_id = next(iter(emulator.core.world.mailing_lists))
    assert walker.names([list_id]).status == 404


def test_universe_ids_finds_names_of_every_category(walked):
    emulator, walker, _followed = walked
    world = emulator.core.world
    agent_id, (agent, _corp) = next(iter(U.AGENTS.items()))
    names = ["Jita", "Rifter", "Caldari State", "Caldari Navy", agent, world.name(world.character_ids()[0])]
    response = walker.http.post("/universe/ids/", body=names)
    assert response.status == 200
    found = {key: {row["name"] for row in rows} for key, rows in response.json().items()}
    assert found == {
        "agents": {agent},
        "characters": {names[-1]},
        "corporations": {"Caldari Navy"},
        "factions": {"Caldari State"},
        "inventory_types": {"Rifter"},
        "systems": {"Jita"},
    }
    assert any(row["id"] == agent_id for row in response.json()["agents"])
