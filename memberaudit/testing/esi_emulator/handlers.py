"""Route handlers: turn a matched operation into the data ESI would return.

A handler gets a :class:`Call` and returns a :class:`Payload` (the JSON-ready object plus
the section it came from, so the server can reuse serialized bytes and ETags), or raises
:class:`ApiError`. Paging is done by the server on the full list a handler returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from . import universe as U
from .world import CHARACTER_ID_BASE, KILLMAIL_ID_BASE, CharacterData, Section, World


class ApiError(Exception):
    """An ESI error response: status code and the ``error`` message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Call:
    """One request to a spec operation, as handlers see it."""

    world: World
    operation_id: str
    path_params: dict[str, str]
    query: dict[str, list[str]]
    body: Any = None
    character: CharacterData | None = None

    def int_param(self, name: str) -> int:
        """A path parameter as int (400 when it is not a number)."""
        try:
            return int(self.path_params[name])
        except (KeyError, ValueError):
            raise ApiError(400, f"Invalid {name}") from None

    def query_value(self, name: str) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Payload:
    """What a handler returns: data, the section it belongs to and a memo key."""

    data: Any
    section: Section | None = None
    key: tuple = field(default=())


def _section(call: Call, name: str) -> Payload:
    assert call.character is not None
    section = call.character.get(name)
    return Payload(section.data, section)


HANDLERS: dict[str, Callable[[Call], Payload]] = {}


def handles(*operation_ids: str) -> Callable:
    """Register a handler for one or more operation ids."""

    def register(func: Callable[[Call], Payload]) -> Callable[[Call], Payload]:
        for operation_id in operation_ids:
            HANDLERS[operation_id] = func
        return func

    return register


def simple_section(operation_id: str, section: str) -> None:
    """Register an operation that returns a section as it is."""
    HANDLERS[operation_id] = lambda call: _section(call, section)


for _op, _name in {
    "GetCharactersCharacterIdAssets": "assets",
    "GetCharactersCharacterIdAttributes": "attributes",
    "GetCharactersCharacterIdBlueprints": "blueprints",
    "GetCharactersCharacterIdClones": "clones",
    "GetCharactersCharacterIdContacts": "contacts",
    "GetCharactersCharacterIdContactsLabels": "contact_labels",
    "GetCharactersCharacterIdContracts": "contracts",
    "GetCharactersCharacterIdFatigue": "fatigue",
    "GetCharactersCharacterIdFwStats": "fw",
    "GetCharactersCharacterIdImplants": "implants",
    "GetCharactersCharacterIdKillmailsRecent": "killmails",
    "GetCharactersCharacterIdLocation": "location",
    "GetCharactersCharacterIdLoyaltyPoints": "loyalty",
    "GetCharactersCharacterIdMailLabels": "mail_labels",
    "GetCharactersCharacterIdMailLists": "mail_lists",
    "GetCharactersCharacterIdMedals": "medals",
    "GetCharactersCharacterIdMining": "mining",
    "GetCharactersCharacterIdNotifications": "notifications",
    "GetCharactersCharacterIdOnline": "online",
    "GetCharactersCharacterIdOrders": "orders",
    "GetCharactersCharacterIdOrdersHistory": "orders_history",
    "GetCharactersCharacterIdPlanets": "planets",
    "GetCharactersCharacterIdRoles": "roles",
    "GetCharactersCharacterIdShip": "ship",
    "GetCharactersCharacterIdSkillqueue": "skillqueue",
    "GetCharactersCharacterIdSkills": "skills",
    "GetCharactersCharacterIdStandings": "standings",
    "GetCharactersCharacterIdTitles": "titles",
    "GetCharactersCharacterIdWallet": "wallet",
    "GetCharactersCharacterIdWalletJournal": "journal",
}.items():
    simple_section(_op, _name)


# --- character routes with parameters -----------------------------------------------
@handles("PostCharactersCharacterIdAssetsNames")
def assets_names(call: Call) -> Payload:
    """Names of the character's items; unnamed items are named ``None`` like ESI."""
    char = call.character
    assert char is not None
    ids = call.body
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise ApiError(400, "Request body must be a list of item ids")
    if len(ids) > 1000:
        raise ApiError(400, "Too many ids (max 1000)")
    if any(i not in char.asset_ids for i in ids):
        raise ApiError(404, "Invalid IDs in the request")
    return Payload([{"item_id": i, "name": char.asset_names.get(i, "None")} for i in dict.fromkeys(ids)])


@handles("GetCharactersCharacterIdContractsContractIdItems")
def contract_items(call: Call) -> Payload:
    """Items of one contract."""
    assert call.character is not None
    contract_id = call.int_param("contract_id")
    if contract_id not in call.character.contract_items:
        raise ApiError(404, "Contract not found!")
    return _keyed(call, "contracts", call.character.contract_items[contract_id], contract_id)


@handles("GetCharactersCharacterIdContractsContractIdBids")
def contract_bids(call: Call) -> Payload:
    """Bids on one contract (empty for non-auctions)."""
    assert call.character is not None
    contract_id = call.int_param("contract_id")
    if contract_id not in call.character.contract_items:
        raise ApiError(404, "Contract not found!")
    return _keyed(call, "contracts", call.character.contract_bids.get(contract_id, []), contract_id)


def _keyed(call: Call, section_name: str, data: Any, *key: Any) -> Payload:
    assert call.character is not None
    return Payload(data, call.character.get(section_name), key)


def _mail_header(mail: dict) -> dict:
    return {k: v for k, v in mail.items() if not k.startswith("_")}


@handles("GetCharactersCharacterIdMail")
def mail_headers(call: Call) -> Payload:
    """Up to 50 mail headers, newest first, below ``last_mail_id``, optionally by label."""
    assert call.character is not None
    section = call.character.get("mail")
    last = call.query_value("last_mail_id")
    labels = {int(v) for raw in call.query.get("labels", []) for v in raw.split(",") if v}
    mails = section.data
    if last:
        mails = [m for m in mails if m["mail_id"] < int(last)]
    if labels:
        mails = [m for m in mails if labels.intersection(m["labels"])]
    page = [_mail_header(m) for m in mails[:50]]
    return Payload(page, section, (last, tuple(sorted(labels))))


@handles("GetCharactersCharacterIdMailMailId")
def mail_body(call: Call) -> Payload:
    """One mail with its body."""
    assert call.character is not None
    mail_id = call.int_param("mail_id")
    section = call.character.get("mail")
    for mail in section.data:
        if mail["mail_id"] == mail_id:
            return Payload(
                {
                    "body": mail["_body"],
                    "from": mail["from"],
                    "labels": mail["labels"],
                    "read": mail["is_read"],
                    "recipients": mail["recipients"],
                    "subject": mail["subject"],
                    "timestamp": mail["timestamp"],
                },
                section,
                (mail_id,),
            )
    raise ApiError(404, "Mail not found")


@handles("GetCharactersCharacterIdWalletTransactions")
def wallet_transactions(call: Call) -> Payload:
    """Up to 2500 transactions, newest first, older than ``from_id`` if given."""
    assert call.character is not None
    section = call.character.get("transactions")
    from_id = call.query_value("from_id")
    rows = section.data
    if from_id:
        rows = [t for t in rows if t["transaction_id"] < int(from_id)]
    return Payload(rows[:2500], section, (from_id,))


@handles("GetCharactersCharacterIdIndustryJobs")
def industry_jobs(call: Call) -> Payload:
    """Industry jobs; delivered ones only with ``include_completed=true``."""
    assert call.character is not None
    section = call.character.get("industry")
    completed = (call.query_value("include_completed") or "").lower() == "true"
    rows = section.data if completed else [j for j in section.data if j["status"] != "delivered"]
    return Payload(rows, section, (completed,))


@handles("GetCharactersCharacterIdCalendar")
def calendar(call: Call) -> Payload:
    """Up to 50 upcoming events, after ``from_event`` if given."""
    assert call.character is not None
    section = call.character.get("calendar")
    from_event = call.query_value("from_event")
    rows = section.data
    if from_event:
        rows = [e for e in rows if e["event_id"] > int(from_event)]
    return Payload(rows[:50], section, (from_event,))


@handles("GetCharactersCharacterIdCalendarEventId")
def calendar_event(call: Call) -> Payload:
    """One calendar event."""
    assert call.character is not None
    event_id = call.int_param("event_id")
    event = call.character.calendar_events.get(event_id)
    if event is None:
        raise ApiError(404, "Event not found")
    return Payload(event, call.character.get("calendar"), (event_id,))


@handles("GetCharactersCharacterIdPlanetsPlanetId")
def planet_detail(call: Call) -> Payload:
    """Layout of one colony (see :mod:`.colonies`): pins with extractor programs, links, routes."""
    assert call.character is not None
    planet_id = call.int_param("planet_id")
    colony = call.character.colonies.get(planet_id)
    if colony is None:
        raise ApiError(404, "Colony not found")
    return Payload(colony.data, colony)


# --- public character / corporation / alliance --------------------------------------
def _entity(call: Call, name: str, category: str) -> Any:
    entity_id = call.int_param(name)
    entity = call.world.entities.get(entity_id)
    if entity is None or entity.category != category:
        raise ApiError(404, f"{category.capitalize()} not found")
    return entity


@handles("GetCharactersCharacterId")
def public_character(call: Call) -> Payload:
    """Public information of a character."""
    entity = _entity(call, "character_id", "character")
    d = entity.data
    body: dict[str, Any] = {}
    corp = d["corporation_id"]
    alliance = call.world.alliance_of(corp)
    if alliance:
        body["alliance_id"] = alliance
    body.update(
        birthday=d["birthday"],
        bloodline_id=d["bloodline_id"],
        corporation_id=corp,
    )
    if d.get("description"):
        body["description"] = d["description"]
    body.update(
        gender=d["gender"], name=entity.name, race_id=d["race_id"], security_status=d["security_status"]
    )
    return Payload(body)


@handles("GetCharactersCharacterIdCorporationhistory")
def corporation_history(call: Call) -> Payload:
    """Corporation history (registrable characters have one; others a single entry)."""
    character_id = call.int_param("character_id")
    if character_id in call.world.profiles:
        return _section_of(call, character_id, "corphistory")
    entity = call.world.entities.get(character_id)
    if entity is None or entity.category != "character":
        raise ApiError(404, "Character not found")
    return Payload(
        [
            {
                "corporation_id": entity.data["corporation_id"],
                "record_id": 1,
                "start_date": entity.data["birthday"],
            }
        ]
    )


def _section_of(call: Call, character_id: int, name: str) -> Payload:
    section = call.world.character(character_id).get(name)
    return Payload(section.data, section, ())


@handles("GetCharactersCharacterIdPortrait")
def portrait(call: Call) -> Payload:
    """Portrait URLs (the image server is not emulated)."""
    character_id = call.int_param("character_id")
    base = f"https://images.evetech.net/characters/{character_id}/portrait?size="
    return Payload({f"px{s}x{s}": f"{base}{s}" for s in (64, 128, 256, 512)})


@handles("PostCharactersAffiliation")
def affiliation(call: Call) -> Payload:
    """Corporation and alliance of characters."""
    ids = _id_list(call)
    rows = []
    for character_id in dict.fromkeys(ids):
        entity = call.world.entities.get(character_id)
        if entity is None or entity.category != "character":
            raise ApiError(404, "Invalid character ID")
        corp = entity.data["corporation_id"]
        row: dict[str, Any] = {"character_id": character_id, "corporation_id": corp}
        alliance = call.world.alliance_of(corp)
        if alliance:
            row = {"alliance_id": alliance, **row}
        rows.append(row)
    return Payload(rows)


def _id_list(call: Call) -> list[int]:
    ids = call.body
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise ApiError(400, "Request body must be a non-empty list of ids")
    if len(ids) > 1000:
        raise ApiError(400, "Too many ids (max 1000)")
    return ids


@handles("GetCorporationsCorporationId")
def corporation(call: Call) -> Payload:
    """Public information of a corporation (player or NPC)."""
    entity = _entity(call, "corporation_id", "corporation")
    d = entity.data
    body: dict[str, Any] = {}
    if d.get("alliance_id"):
        body["alliance_id"] = d["alliance_id"]
    body["ceo_id"] = d["ceo_id"]
    body["creator_id"] = d["ceo_id"]
    if d.get("date_founded"):
        body["date_founded"] = d["date_founded"]
    body["description"] = f'<font size="12" color="#bfffffff">Welcome to {entity.name}.</font>'
    if d.get("faction_id"):
        body["faction_id"] = d["faction_id"]
    body.update(
        member_count=len(d.get("members", [])) or 1000,
        name=entity.name,
        tax_rate=d.get("tax_rate", 0.11),
        ticker=d["ticker"],
        war_eligible=not d.get("npc", False),
    )
    return Payload(body)


@handles("GetAlliancesAllianceId")
def alliance(call: Call) -> Payload:
    """Public information of an alliance."""
    entity = _entity(call, "alliance_id", "alliance")
    d = entity.data
    executor = d.get("executor")
    creator_corp = executor or 98000001
    creator = (
        call.world.entities[creator_corp].data.get("ceo_id", 90000001)
        if creator_corp in call.world.entities
        else 90000001
    )
    body: dict[str, Any] = {
        "creator_corporation_id": creator_corp,
        "creator_id": creator,
        "date_founded": d["date_founded"],
    }
    if executor:
        body["executor_corporation_id"] = executor
    body.update(name=entity.name, ticker=d["ticker"])
    return Payload(body)


@handles("GetKillmailsKillmailIdKillmailHash")
def killmail(call: Call) -> Payload:
    """One killmail; the id tells which character's data it belongs to."""
    km_id = call.int_param("killmail_id")
    character_id = CHARACTER_ID_BASE + (km_id - KILLMAIL_ID_BASE) // 1000
    if km_id < KILLMAIL_ID_BASE or character_id not in call.world.profiles:
        raise ApiError(404, "Killmail not found")
    details = call.world.character(character_id).killmail_details.get(km_id)
    if details is None or details["_hash"] != call.path_params.get("killmail_hash"):
        raise ApiError(422, "Invalid killmail_id and/or killmail_hash")
    return Payload({k: v for k, v in details.items() if not k.startswith("_")})


# --- universe -------------------------------------------------------------------------
#: ESI's answer when one id of a ``/universe/names`` request is unknown: nothing is resolved
UNKNOWN_IDS_MESSAGE = "Ensure all IDs are valid before resolving."


@handles("PostUniverseNames")
def universe_names(call: Call) -> Payload:
    """Names and categories of ids; one unknown id is a 404 for the whole request, like ESI.

    Like ESI it names characters (agents and NPCs included), corporations, alliances, factions,
    stations, solar systems, constellations, regions and types; not structures, mailing lists
    or ids of characters that no longer exist.
    """
    ids = _id_list(call)
    rows = []
    for entity_id in dict.fromkeys(ids):
        entity = call.world.entities.get(entity_id)
        if entity is None:
            raise ApiError(404, UNKNOWN_IDS_MESSAGE)
        rows.append({"category": entity.category, "id": entity_id, "name": entity.name})
    return Payload(rows)


@handles("PostUniverseIds")
def universe_ids(call: Call) -> Payload:
    """Ids of exact names, grouped by category."""
    names = call.body
    if not isinstance(names, list) or not names:
        raise ApiError(400, "Request body must be a non-empty list of names")
    wanted = set(names)
    keys = {
        "alliance": "alliances",
        "character": "characters",
        "constellation": "constellations",
        "corporation": "corporations",
        "faction": "factions",
        "inventory_type": "inventory_types",
        "region": "regions",
        "station": "stations",
        "solar_system": "systems",
    }
    result: dict[str, list] = {}
    for entity in call.world.entities.values():
        if entity.name in wanted:
            # NPC agents are characters for /universe/names, but ESI lists them as agents here
            key = "agents" if entity.id in U.AGENTS else keys[entity.category]
            result.setdefault(key, []).append({"id": entity.id, "name": entity.name})
    return Payload(dict(sorted(result.items())))


def _position(seed: int) -> dict[str, float]:
    return {"x": float(seed % 9973) * 1e9, "y": float(seed % 97) * 1e8, "z": -float(seed % 7919) * 1e9}


@handles("GetUniverseStructuresStructureId")
def structure(call: Call) -> Payload:
    """A player structure (needs a token with esi-universe.read_structures.v1)."""
    structure_id = call.int_param("structure_id")
    info = U.STRUCTURES.get(structure_id)
    if info is None:
        raise ApiError(403, "Forbidden")
    return Payload(
        {
            "name": info.name,
            "owner_id": info.owner_id,
            "position": _position(structure_id),
            "solar_system_id": info.system_id,
            "type_id": info.type_id,
        }
    )


@handles("GetUniverseStationsStationId")
def station(call: Call) -> Payload:
    """An NPC station."""
    info = U.STATIONS.get(call.int_param("station_id"))
    if info is None:
        raise ApiError(404, "Station not found")
    return Payload(
        {
            "max_dockable_ship_volume": 50000000.0,
            "name": info.name,
            "office_rental_cost": 10000.0,
            "owner": info.owner_id,
            "position": _position(info.station_id),
            "race_id": info.race_id,
            "reprocessing_efficiency": 0.5,
            "reprocessing_stations_take": 0.05,
            "services": [
                "courier-missions",
                "reprocessing-plant",
                "market",
                "cloning",
                "repair-facilities",
                "fitting",
                "docking",
                "office-rental",
                "jump-clone-facility",
                "loyalty-point-store",
            ],
            "station_id": info.station_id,
            "system_id": info.system_id,
            "type_id": info.type_id,
        }
    )


@handles("GetUniverseTypes")
def type_ids(call: Call) -> Payload:
    """All type ids (paged)."""
    return Payload(sorted(U.types()))


@handles("GetUniverseTypesTypeId")
def type_detail(call: Call) -> Payload:
    """One inventory type with its dogma: skills needed, training attributes, fitting, slots."""
    info = U.types().get(call.int_param("type_id"))
    if info is None:
        raise ApiError(404, "Type not found")
    body: dict[str, Any] = {
        "capacity": 0.0,
        "description": info.description or f"{info.name}.",
    }
    if info.dogma:
        body["dogma_attributes"] = [{"attribute_id": a, "value": v} for a, v in info.dogma]
    if info.effects:
        body["dogma_effects"] = [{"effect_id": e, "is_default": d} for e, d in info.effects]
    body.update(
        group_id=info.group_id,
        mass=1000.0,
        name=info.name,
        packaged_volume=info.volume,
        portion_size=1,
        published=info.published,
        radius=1.0,
        type_id=info.type_id,
        volume=info.volume,
    )
    return Payload(body)


@handles("GetUniverseGroups")
def group_ids(call: Call) -> Payload:
    """All group ids (paged)."""
    return Payload(sorted(U.GROUPS))


@handles("GetUniverseGroupsGroupId")
def group_detail(call: Call) -> Payload:
    """One group with its types."""
    group_id = call.int_param("group_id")
    if group_id not in U.GROUPS:
        raise ApiError(404, "Group not found")
    name, category_id = U.GROUPS[group_id]
    return Payload(
        {
            "category_id": category_id,
            "group_id": group_id,
            "name": name,
            "published": True,
            "types": U.group_types()[group_id],
        }
    )


@handles("GetUniverseCategories")
def category_ids(call: Call) -> Payload:
    """All category ids."""
    return Payload(sorted(U.CATEGORIES))


@handles("GetUniverseCategoriesCategoryId")
def category_detail(call: Call) -> Payload:
    """One category with its groups."""
    category_id = call.int_param("category_id")
    if category_id not in U.CATEGORIES:
        raise ApiError(404, "Category not found")
    groups = sorted(g for g, (_, c) in U.GROUPS.items() if c == category_id)
    return Payload(
        {"category_id": category_id, "groups": groups, "name": U.CATEGORIES[category_id], "published": True}
    )


@handles("GetUniverseRegions")
def region_ids(call: Call) -> Payload:
    """All region ids."""
    return Payload(sorted(U.REGIONS))


@handles("GetUniverseRegionsRegionId")
def region_detail(call: Call) -> Payload:
    """One region with its constellations."""
    region_id = call.int_param("region_id")
    if region_id not in U.REGIONS:
        raise ApiError(404, "Region not found")
    name, description = U.REGIONS[region_id]
    constellations = sorted(c for c, (_, r) in U.CONSTELLATIONS.items() if r == region_id)
    return Payload(
        {"constellations": constellations, "description": description, "name": name, "region_id": region_id}
    )


@handles("GetUniverseConstellations")
def constellation_ids(call: Call) -> Payload:
    """All constellation ids."""
    return Payload(sorted(U.CONSTELLATIONS))


@handles("GetUniverseConstellationsConstellationId")
def constellation_detail(call: Call) -> Payload:
    """One constellation with its systems."""
    constellation_id = call.int_param("constellation_id")
    if constellation_id not in U.CONSTELLATIONS:
        raise ApiError(404, "Constellation not found")
    name, region_id = U.CONSTELLATIONS[constellation_id]
    systems = sorted(s for s, info in U.SYSTEMS.items() if info.constellation_id == constellation_id)
    return Payload(
        {
            "constellation_id": constellation_id,
            "name": name,
            "position": _position(constellation_id),
            "region_id": region_id,
            "systems": systems,
        }
    )


@handles("GetUniverseSystems")
def system_ids(call: Call) -> Payload:
    """All solar system ids."""
    return Payload(sorted(U.SYSTEMS))


@handles("GetUniverseSystemsSystemId")
def system_detail(call: Call) -> Payload:
    """One solar system with planets and stations."""
    system_id = call.int_param("system_id")
    info = U.SYSTEMS.get(system_id)
    if info is None:
        raise ApiError(404, "Solar system not found")
    planets = [{"planet_id": pid} for pid, p in sorted(U.PLANETS.items()) if p[1] == system_id]
    stations = sorted(s for s, st in U.STATIONS.items() if st.system_id == system_id)
    body: dict[str, Any] = {"constellation_id": info.constellation_id, "name": info.name}
    if planets:
        body["planets"] = planets
    body.update(
        position=_position(system_id),
        security_class="A" if info.security_status >= 0.5 else "C",
        security_status=info.security_status,
        star_id=info.star_id,
    )
    if stations:
        body["stations"] = stations
    body["system_id"] = system_id
    return Payload(body)


@handles("GetUniverseStarsStarId")
def star(call: Call) -> Payload:
    """The star of a solar system (the ``star_id`` of ``/universe/systems/{id}``)."""
    star_id = call.int_param("star_id")
    system = next((s for s in U.SYSTEMS.values() if s.star_id == star_id), None)
    if system is None:
        raise ApiError(404, "Star not found")
    return Payload(
        {
            "age": 4_500_000_000 + (star_id % 997) * 1_000_000,
            "luminosity": 1.0 + (star_id % 13) / 100,
            "name": f"{system.name} - Star",
            "radius": 700_000_000,
            "solar_system_id": system.system_id,
            "spectral_class": "G5 V",
            "temperature": 5800,
            "type_id": U.STAR_TYPE_ID,
        }
    )


@handles("GetUniverseSchematicsSchematicId")
def schematic(call: Call) -> Payload:
    """A planetary factory schematic (the ``schematic_id`` of colony pins)."""
    schematic_id = call.int_param("schematic_id")
    if schematic_id not in U.SCHEMATICS:
        raise ApiError(404, "Schematic not found")
    name, cycle_time = U.SCHEMATICS[schematic_id]
    return Payload({"cycle_time": cycle_time, "schematic_name": name})


@handles("GetUniversePlanetsPlanetId")
def planet(call: Call) -> Payload:
    """One planet."""
    planet_id = call.int_param("planet_id")
    if planet_id not in U.PLANETS:
        raise ApiError(404, "Planet not found")
    name, system_id, type_id, _ = U.PLANETS[planet_id]
    return Payload(
        {
            "name": name,
            "planet_id": planet_id,
            "position": _position(planet_id),
            "system_id": system_id,
            "type_id": type_id,
        }
    )


@handles("GetUniverseFactions")
def factions(call: Call) -> Payload:
    """The empire factions."""
    rows = []
    for faction_id, (name, _race, corp, militia, system_id) in sorted(U.FACTIONS.items()):
        rows.append(
            {
                "corporation_id": corp,
                "description": f"The {name}.",
                "faction_id": faction_id,
                "is_unique": True,
                "militia_corporation_id": militia,
                "name": name,
                "size_factor": 5.0,
                "solar_system_id": system_id,
                "station_count": 1000,
                "station_system_count": 500,
            }
        )
    return Payload(rows)


@handles("GetUniverseRaces")
def races(call: Call) -> Payload:
    """The four races."""
    return Payload(
        [
            {"alliance_id": alliance, "description": f"The {name} race.", "name": name, "race_id": race_id}
            for race_id, (name, alliance) in sorted(U.RACES.items())
        ]
    )


@handles("GetUniverseBloodlines")
def bloodlines(call: Call) -> Payload:
    """Bloodlines with their starting attributes."""
    return Payload(
        [
            {
                "bloodline_id": bid,
                "charisma": 6,
                "corporation_id": corp,
                "description": f"The {name} bloodline.",
                "intelligence": 7,
                "memory": 7,
                "name": name,
                "perception": 8,
                "race_id": race,
                "ship_type_id": ship,
                "willpower": 7,
            }
            for bid, (name, race, corp, ship) in sorted(U.BLOODLINES.items())
        ]
    )


@handles("GetDogmaAttributesAttributeId")
def dogma_attribute(call: Call) -> Payload:
    """The dogma attributes skills and implants refer to."""
    attribute_id = call.int_param("attribute_id")
    info = U.DOGMA_ATTRIBUTES.get(attribute_id)
    if info is None:
        raise ApiError(404, "Dogma attribute not found")
    return Payload(
        {
            "attribute_id": attribute_id,
            "default_value": 0.0,
            "description": info["display_name"],
            "display_name": info["display_name"],
            "high_is_good": True,
            "name": info["name"],
            "published": True,
            "stackable": True,
        }
    )


@handles("GetDogmaEffectsEffectId")
def dogma_effect(call: Call) -> Payload:
    """The dogma effects types refer to (slots, online, skills); without modifiers."""
    effect_id = call.int_param("effect_id")
    info = U.DOGMA_EFFECTS.get(effect_id)
    if info is None:
        raise ApiError(404, "Dogma effect not found")
    name, display_name, category = info
    body: dict[str, Any] = {"description": display_name, "disallow_auto_repeat": False}
    if display_name:
        body["display_name"] = display_name
    body.update(
        effect_category=category,
        effect_id=effect_id,
        electronic_chance=False,
        is_assistance=False,
        is_offensive=False,
        is_warp_safe=False,
        name=name,
        published=bool(display_name),
        range_chance=False,
    )
    return Payload(body)


@handles("GetMarketsPrices")
def market_prices(call: Call) -> Payload:
    """Average and adjusted prices of all types."""
    rows = []
    for type_id in sorted(U.types()):
        price = float(1 + (type_id * 7919) % 100000) * (1000 if U.types()[type_id].category_id == 6 else 1)
        rows.append({"adjusted_price": price, "average_price": round(price * 1.05, 2), "type_id": type_id})
    return Payload(rows)


@handles("GetStatus")
def server_status(call: Call) -> Payload:
    """Tranquility status: started at the last 11:05 downtime before the data time."""
    now = call.world.data_time
    started = now.replace(hour=11, minute=5, second=0)
    if started > now:
        started -= timedelta(days=1)
    players = 15000 + (call.world.seed * 7919 + now.hour * 131) % 20000
    return Payload({"players": players, "server_version": "3011488", "start_time": started})
