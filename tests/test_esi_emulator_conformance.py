"""Spec conformance of the ESI emulator, proven with the unmodified django-esi client.

Every operation Member Audit uses is called through ``esi.openapi_clients.ESIClientProvider``
(aiopenapi3 validates responses against the spec: required fields, enums, formats) for
characters of each size class, and must come back parsed.
"""

from __future__ import annotations

import json

import pytest

from allianceauth.eveonline.models import EveCharacter
from esi.models import Scope, Token
from esi.openapi_clients import ESIClientProvider

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.spec import load_spec

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

CHARACTER_OPERATIONS = [
    "GetCharactersCharacterIdAssets",
    "PostCharactersCharacterIdAssetsNames",
    "GetCharactersCharacterIdAttributes",
    "GetCharactersCharacterIdBlueprints",
    "GetCharactersCharacterIdCalendar",
    "GetCharactersCharacterIdCalendarEventId",
    "GetCharactersCharacterIdClones",
    "GetCharactersCharacterIdContacts",
    "GetCharactersCharacterIdContactsLabels",
    "GetCharactersCharacterIdContracts",
    "GetCharactersCharacterIdContractsContractIdItems",
    "GetCharactersCharacterIdContractsContractIdBids",
    "GetCharactersCharacterIdFatigue",
    "GetCharactersCharacterIdFwStats",
    "GetCharactersCharacterIdImplants",
    "GetCharactersCharacterIdIndustryJobs",
    "GetCharactersCharacterIdKillmailsRecent",
    "GetCharactersCharacterIdLocation",
    "GetCharactersCharacterIdLoyaltyPoints",
    "GetCharactersCharacterIdMail",
    "GetCharactersCharacterIdMailLabels",
    "GetCharactersCharacterIdMailLists",
    "GetCharactersCharacterIdMailMailId",
    "GetCharactersCharacterIdMedals",
    "GetCharactersCharacterIdMining",
    "GetCharactersCharacterIdNotifications",
    "GetCharactersCharacterIdOnline",
    "GetCharactersCharacterIdOrders",
    "GetCharactersCharacterIdOrdersHistory",
    "GetCharactersCharacterIdPlanets",
    "GetCharactersCharacterIdPlanetsPlanetId",
    "GetCharactersCharacterIdRoles",
    "GetCharactersCharacterIdShip",
    "GetCharactersCharacterIdSkillqueue",
    "GetCharactersCharacterIdSkills",
    "GetCharactersCharacterIdStandings",
    "GetCharactersCharacterIdTitles",
    "GetCharactersCharacterIdWallet",
    "GetCharactersCharacterIdWalletJournal",
    "GetCharactersCharacterIdWalletTransactions",
]
PUBLIC_OPERATIONS = [
    "GetCharactersCharacterId",
    "GetCharactersCharacterIdCorporationhistory",
    "GetCharactersCharacterIdPortrait",
    "PostCharactersAffiliation",
    "GetCorporationsCorporationId",
    "GetAlliancesAllianceId",
    "GetKillmailsKillmailIdKillmailHash",
    "PostUniverseNames",
    "PostUniverseIds",
    "GetUniverseStructuresStructureId",
    "GetUniverseStationsStationId",
    "GetUniverseTypes",
    "GetUniverseTypesTypeId",
    "GetUniverseGroups",
    "GetUniverseGroupsGroupId",
    "GetUniverseCategories",
    "GetUniverseCategoriesCategoryId",
    "GetUniverseSystems",
    "GetUniverseSystemsSystemId",
    "GetUniverseConstellations",
    "GetUniverseConstellationsConstellationId",
    "GetUniverseRegions",
    "GetUniverseRegionsRegionId",
    "GetUniversePlanetsPlanetId",
    "GetUniverseFactions",
    "GetUniverseRaces",
    "GetUniverseBloodlines",
    "GetDogmaAttributesAttributeId",
    "GetMarketsPrices",
    "GetStatus",
    "GetMetaStatus",
]
ALL_OPERATIONS = CHARACTER_OPERATIONS + PUBLIC_OPERATIONS


def _tags() -> dict[str, str]:
    tags = {}
    for item in load_spec()["paths"].values():
        for method, op in item.items():
            if method in ("get", "post", "put", "delete"):
                tags[op["operationId"]] = op["tags"][0]
    return tags


TAGS = _tags()


@pytest.fixture(scope="module")
def emulator():
    """A private emulator (module scope) so other tests' faults and ticks do not interfere."""
    with EsiEmulator(characters=6, seed=7) as esi:
        yield esi


@pytest.fixture(scope="module")
def client(emulator, tmp_path_factory):
    """The real django-esi client, pointed at the emulator through the spec's servers."""
    spec_file = emulator.spec_file(tmp_path_factory.mktemp("spec"))
    provider = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        spec_file=str(spec_file),
        operations=ALL_OPERATIONS,
    )
    return provider.client


def _op(client, operation_id: str):
    return getattr(getattr(client, TAGS[operation_id].replace(" ", "_")), operation_id)


def _token(emulator: EsiEmulator, info: dict) -> Token:
    character_id = info["character_id"]
    EveCharacter.objects.get_or_create(
        character_id=character_id,
        defaults={
            "character_name": info["name"],
            "corporation_id": info["corporation_id"],
            "corporation_name": "Corp",
            "corporation_ticker": "CORP",
        },
    )
    token = Token.objects.create(
        character_id=character_id,
        character_name=info["name"],
        access_token=emulator.mint_token(character_id),
        refresh_token="emulated",
        token_type="character",
        character_owner_hash=f"hash-{character_id}",
    )
    scopes = [Scope.objects.get_or_create(name=s, defaults={"help_text": s})[0] for s in emulator.all_scopes]
    token.scopes.add(*scopes)
    return token


def _by_size(emulator: EsiEmulator) -> dict[str, dict]:
    result: dict[str, dict] = {}
    for info in emulator.characters():
        key = "sparse" if info["sparse"] else info["size"]
        result.setdefault(key, info)
    return result


@pytest.fixture(scope="module")
def characters(emulator):
    """One character per size class plus one that leaves optional fields out."""
    chosen = _by_size(emulator)
    assert {"small", "medium", "large", "huge", "sparse"} <= set(chosen)
    return chosen


def _answered_with_200_since(emulator: EsiEmulator, before: dict[str, dict[str, int]]) -> set[str]:
    """Operations the emulator answered with 200 since its ``stats()["by_route"]`` was ``before``.

    Each test proves its own coverage this way, so it holds when the test runs alone, under
    ``-k`` or in any order.
    """
    after = emulator.stats()["by_route"]
    return {op for op, statuses in after.items() if statuses.get("200", 0) > before.get(op, {}).get("200", 0)}


def _as_dicts(rows) -> list[dict]:
    return [row.model_dump(exclude_unset=True) if hasattr(row, "model_dump") else row for row in rows]


@pytest.mark.parametrize("size", ["small", "medium", "large", "huge", "sparse"])
def test_every_character_operation_parses(client, emulator, characters, size):
    info = characters[size]
    character_id = info["character_id"]
    token = _token(emulator, info)
    seen: dict[str, object] = {}
    before = emulator.stats()["by_route"]

    def results(operation_id: str, **kwargs):
        data = _op(client, operation_id)(character_id=character_id, token=token, **kwargs).results()
        seen[operation_id] = data
        return data

    def result(operation_id: str, **kwargs):
        data = _op(client, operation_id)(character_id=character_id, token=token, **kwargs).result()
        seen[operation_id] = data
        return data

    assets = results("GetCharactersCharacterIdAssets")
    assert len(assets) >= 5
    item_ids = [a.item_id for a in assets if a.is_singleton][:1000]
    names = result("PostCharactersCharacterIdAssetsNames", body=item_ids)
    assert len(names) == len(item_ids)

    for operation_id in [
        "GetCharactersCharacterIdAttributes",
        "GetCharactersCharacterIdBlueprints",
        "GetCharactersCharacterIdClones",
        "GetCharactersCharacterIdContacts",
        "GetCharactersCharacterIdContactsLabels",
        "GetCharactersCharacterIdFatigue",
        "GetCharactersCharacterIdFwStats",
        "GetCharactersCharacterIdImplants",
        "GetCharactersCharacterIdKillmailsRecent",
        "GetCharactersCharacterIdLocation",
        "GetCharactersCharacterIdLoyaltyPoints",
        "GetCharactersCharacterIdMailLabels",
        "GetCharactersCharacterIdMailLists",
        "GetCharactersCharacterIdMedals",
        "GetCharactersCharacterIdMining",
        "GetCharactersCharacterIdNotifications",
        "GetCharactersCharacterIdOnline",
        "GetCharactersCharacterIdOrders",
        "GetCharactersCharacterIdOrdersHistory",
        "GetCharactersCharacterIdPlanets",
        "GetCharactersCharacterIdRoles",
        "GetCharactersCharacterIdShip",
        "GetCharactersCharacterIdSkillqueue",
        "GetCharactersCharacterIdSkills",
        "GetCharactersCharacterIdStandings",
        "GetCharactersCharacterIdTitles",
        "GetCharactersCharacterIdWallet",
        "GetCharactersCharacterIdWalletJournal",
        "GetCharactersCharacterIdWalletTransactions",
    ]:
        results(operation_id)
    results("GetCharactersCharacterIdIndustryJobs", include_completed=True)

    # details behind lists
    calendar = results("GetCharactersCharacterIdCalendar")
    for event in calendar[:2]:
        result("GetCharactersCharacterIdCalendarEventId", event_id=event.event_id)
    contracts = results("GetCharactersCharacterIdContracts")
    for contract in contracts[:3]:
        result("GetCharactersCharacterIdContractsContractIdItems", contract_id=contract.contract_id)
        result("GetCharactersCharacterIdContractsContractIdBids", contract_id=contract.contract_id)
    mails = result("GetCharactersCharacterIdMail")
    assert len(mails) == min(50, len(mails))
    if mails:
        older = result("GetCharactersCharacterIdMail", last_mail_id=mails[-1].mail_id)
        assert all(m.mail_id < mails[-1].mail_id for m in older)
        body = result("GetCharactersCharacterIdMailMailId", mail_id=mails[0].mail_id)
        assert body.body
    planets = seen["GetCharactersCharacterIdPlanets"]
    for colony in planets[:1]:
        result("GetCharactersCharacterIdPlanetsPlanetId", planet_id=colony.planet_id)

    # the wallet and the journal agree
    journal = seen["GetCharactersCharacterIdWalletJournal"]
    wallet = seen["GetCharactersCharacterIdWallet"][0]
    assert journal and journal[0].balance == pytest.approx(wallet)

    used = set(seen) | {"GetCharactersCharacterIdAssets"}
    if size == "huge":
        missing = set(CHARACTER_OPERATIONS) - used
        assert not missing, f"not called: {missing}"
        unanswered = set(CHARACTER_OPERATIONS) - _answered_with_200_since(emulator, before)
        assert not unanswered, f"not answered with 200: {unanswered}"
        assert len(assets) >= 20000
        assert len(seen["GetCharactersCharacterIdSkills"][0].skills) >= 330
        assert len(journal) >= 2000


def test_sparse_character_leaves_optional_fields_out(client, emulator, characters):
    info = characters["sparse"]
    token = _token(emulator, info)
    attributes = _op(client, "GetCharactersCharacterIdAttributes")(
        character_id=info["character_id"], token=token
    ).result()
    assert "bonus_remaps" not in attributes.model_fields_set
    full = characters["huge"]
    token = _token(emulator, full)
    attributes = _op(client, "GetCharactersCharacterIdAttributes")(
        character_id=full["character_id"], token=token
    ).result()
    assert "bonus_remaps" in attributes.model_fields_set


def test_public_and_universe_operations_parse(client, emulator, characters):
    info = characters["huge"]
    character_id = info["character_id"]
    token = _token(emulator, info)
    before = emulator.stats()["by_route"]

    def call(operation_id: str, **kwargs):
        return _op(client, operation_id)(**kwargs).result()

    public = call("GetCharactersCharacterId", character_id=character_id)
    assert public.name == info["name"]
    history = call("GetCharactersCharacterIdCorporationhistory", character_id=character_id)
    assert history[0].corporation_id == info["corporation_id"]
    call("GetCharactersCharacterIdPortrait", character_id=character_id)
    affiliation = call("PostCharactersAffiliation", body=[c["character_id"] for c in emulator.characters()])
    assert {a.character_id for a in affiliation} == {c["character_id"] for c in emulator.characters()}
    corporation = call("GetCorporationsCorporationId", corporation_id=info["corporation_id"])
    call("GetCorporationsCorporationId", corporation_id=1000035)  # NPC corporation
    call("GetAlliancesAllianceId", alliance_id=corporation.alliance_id)

    killmails = _op(client, "GetCharactersCharacterIdKillmailsRecent")(
        character_id=character_id, token=token
    ).results()
    for km in killmails[:3]:
        call("GetKillmailsKillmailIdKillmailHash", killmail_id=km.killmail_id, killmail_hash=km.killmail_hash)

    # every id the character data refers to resolves through /universe/names
    contacts = _op(client, "GetCharactersCharacterIdContacts")(
        character_id=character_id, token=token
    ).results()
    journal = _op(client, "GetCharactersCharacterIdWalletJournal")(
        character_id=character_id, token=token
    ).results()
    ids = {c.contact_id for c in contacts}
    ids |= {j.first_party_id for j in journal if j.first_party_id} | {
        j.second_party_id for j in journal if j.second_party_id
    }
    ids = sorted(ids)
    for start in range(0, len(ids), 1000):
        names = call("PostUniverseNames", body=ids[start : start + 1000])
        assert len(names) == len(ids[start : start + 1000])
    found = call("PostUniverseIds", body=["Jita", info["name"]])
    assert found.systems[0].id == 30000142

    assets = _op(client, "GetCharactersCharacterIdAssets")(character_id=character_id, token=token).results()
    locations = {a.location_id for a in assets if a.location_type in ("station", "item")}
    structures = sorted(x for x in locations if x > 1_000_000_000_000 and x < 1_050_000_000_000)
    stations = sorted(x for x in locations if 60_000_000 <= x < 64_000_000)
    assert structures and stations
    for structure_id in structures:
        structure = call("GetUniverseStructuresStructureId", structure_id=structure_id, token=token)
        assert structure.name
    for station_id in stations:
        call("GetUniverseStationsStationId", station_id=station_id)

    # every asset type is served; details for one type per group (each call costs the client ~20 ms)
    type_ids = _op(client, "GetUniverseTypes")().results()
    asset_types = {a.type_id for a in assets} | {587, 34, 3300, 17366}
    assert asset_types <= set(type_ids)
    groups: dict[int, int] = {}
    for type_id in sorted(asset_types):
        eve_type = call("GetUniverseTypesTypeId", type_id=type_id) if len(groups) < 12 else None
        if eve_type is not None and eve_type.group_id not in groups:
            groups[eve_type.group_id] = type_id
    group_ids = _op(client, "GetUniverseGroups")().results()
    for group_id in list(groups)[:6]:
        assert group_id in group_ids
        group = call("GetUniverseGroupsGroupId", group_id=group_id)
        assert groups[group_id] in group.types
    for category_id in call("GetUniverseCategories"):
        call("GetUniverseCategoriesCategoryId", category_id=category_id)
    for region_id in call("GetUniverseRegions"):
        call("GetUniverseRegionsRegionId", region_id=region_id)
    for constellation_id in call("GetUniverseConstellations"):
        call("GetUniverseConstellationsConstellationId", constellation_id=constellation_id)
    for system_id in call("GetUniverseSystems"):
        system = call("GetUniverseSystemsSystemId", system_id=system_id)
        for planet in system.planets or []:
            call("GetUniversePlanetsPlanetId", planet_id=planet.planet_id)
    call("GetUniverseFactions")
    call("GetUniverseRaces")
    call("GetUniverseBloodlines")
    call("GetDogmaAttributesAttributeId", attribute_id=180)
    assert call("GetMarketsPrices")
    assert call("GetStatus").players > 0
    status = call("GetMetaStatus")
    assert {r.status for r in status.routes} == {"OK"}
    unanswered = set(PUBLIC_OPERATIONS) - _answered_with_200_since(emulator, before)
    assert not unanswered, f"not answered with 200: {unanswered}"


def test_served_spec_points_at_the_emulator(emulator):
    import urllib.request

    with urllib.request.urlopen(emulator.url + "meta/openapi.json") as response:
        spec = json.loads(response.read())
    assert spec["servers"] == [{"url": emulator.url.rstrip("/")}]
    assert len(spec["paths"]) == len(load_spec()["paths"])


def test_the_client_can_download_the_spec_from_the_emulator(emulator, monkeypatch):
    from esi import app_settings

    monkeypatch.setattr(app_settings, "ESI_API_URL", emulator.url)
    provider = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        operations=["GetUniverseTypesTypeId"],
    )
    assert provider.client.Universe.GetUniverseTypesTypeId(type_id=587).result().name == "Rifter"


def test_django_eveuniverse_loads_the_static_universe(emulator, tmp_path, monkeypatch):
    from eveuniverse import providers
    from eveuniverse.models import EveEntity, EveSolarSystem, EveStation, EveType

    monkeypatch.setattr(providers.esi, "_spec_file", str(emulator.spec_file(tmp_path)))
    monkeypatch.setattr(providers.esi, "_client", None)
    rifter, _ = EveType.objects.get_or_create_esi(id=587)
    assert rifter.name == "Rifter"
    assert rifter.eve_group.eve_category.name == "Ship"
    gunnery, _ = EveType.objects.get_or_create_esi(id=3300)
    assert gunnery.eve_group.eve_category_id == 16
    jita, _ = EveSolarSystem.objects.get_or_create_esi(id=30000142)
    assert jita.eve_constellation.eve_region.name == "The Forge"
    station, _ = EveStation.objects.get_or_create_esi(id=60003760)
    assert station.eve_solar_system_id == 30000142
    entity_ids = [emulator.characters()[0]["character_id"], 98000001, 99000001, 30000142, 1000035]
    EveEntity.objects.bulk_resolve_names(entity_ids)
    assert EveEntity.objects.filter(id__in=entity_ids, name__isnull=False).exclude(name="").count() == 5
