"""The intel report, investigate, asset search and where-is: what they show and what they cost."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from helpers import create_member, register_character, register_main

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eveuniverse.models import EveEntity

from memberaudit.models import (
    CharacterAsset,
    CharacterInteraction,
    CharacterLocation,
    CharacterOnlineStatus,
    CounterpartyAffiliation,
    WatchList,
    WatchListEntry,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
SPY, HOSTILE_CORP, HOSTILE_ALLIANCE, GRUNT, TRADER = (
    2_115_000_001,
    98_200_001,
    99_200_001,
    2_115_000_002,
    2_116_000_001,
)


@pytest.fixture
def leader():
    """Alliance-wide intel: opens every member of alliance 3001."""
    return create_member(
        "leader", "basic_access", "intel_access", "characters_access", "view_same_alliance", alliance_id=3001
    )


@pytest.fixture
def hostiles():
    watch_list = WatchList.objects.create(name="Hostiles")
    WatchListEntry.objects.create(watch_list=watch_list, entity_id=SPY, kind="character", name="Known Spy")
    WatchListEntry.objects.create(
        watch_list=watch_list,
        entity_id=HOSTILE_ALLIANCE,
        kind="alliance",
        name="Hostile Coalition",
        reason="war",
    )
    traders = WatchList.objects.create(name="Traders")
    WatchListEntry.objects.create(
        watch_list=traders, entity_id=HOSTILE_CORP, kind="corporation", name="Red Dawn"
    )
    CounterpartyAffiliation.objects.create(
        entity_id=GRUNT, corporation_id=HOSTILE_CORP, alliance_id=HOSTILE_ALLIANCE, checked_at=NOW
    )
    EveEntity.objects.create(id=SPY, name="Known Spy", category="character")
    EveEntity.objects.create(id=GRUNT, name='=HYPERLINK("http://x")', category="character")
    return watch_list, traders


def interact(
    character,
    counterparty,
    source="wallet_journal",
    *,
    days_ago=1,
    count=1,
    isk=0,
    standing=None,
    kind="character",
):
    return CharacterInteraction.objects.create(
        character=character,
        source=source,
        counterparty_id=counterparty,
        kind=kind,
        first_seen=NOW - timedelta(days=days_ago + 1),
        last_seen=NOW - timedelta(days=days_ago),
        count=count,
        isk=isk,
        standing=standing,
    )


def member(name, **kwargs):
    user = create_member(name, "basic_access", **kwargs)
    return user, register_main(user)


def data(client, url_name, /, **params):
    response = client.get(reverse(f"memberaudit:{url_name}"), {"length": 100, **params})
    assert response.status_code == 200
    return response.json()


def test_members_are_grouped_by_main_scored_and_carry_their_evidence(client, leader, hostiles):
    user, main = member("alpha")
    alt = register_character(user, "alpha alt", corporation_id=2002)
    interact(main, SPY, count=3, isk=Decimal("1000000"))
    interact(alt, GRUNT, "contracts", days_ago=40, count=1, isk=Decimal("5000000000"))
    interact(alt, TRADER)  # not watched: never shown
    client.force_login(leader)
    report = data(client, "intel_report_data")
    assert report["recordsTotal"] == 1
    row = report["data"][0]
    assert (row["member"], row["characters"], row["interactions"]) == ("alpha", 2, 4)
    assert Decimal(row["isk"]) == Decimal("5001000000")
    assert 0 < row["score"] <= 100
    evidence = {(e["character"], e["counterparty_id"]): e for e in row["evidence"]}
    assert set(evidence) == {("alpha", SPY), ("alpha alt", GRUNT)}
    spy = evidence[("alpha", SPY)]
    # the journal tab, searched for the counterparty: the rows behind the evidence
    assert (
        spy["viewer_url"]
        == reverse("memberaudit:character_viewer", args=[main.pk]) + "?search=Known+Spy#ma-tab-wallet_journal"
    )
    assert [(m["entity"], m["via"]) for m in spy["matches"]] == [("Known Spy", "direct")]
    grunt = evidence[("alpha alt", GRUNT)]
    assert {(m["entity"], m["list"], m["via"]) for m in grunt["matches"]} == {
        ("Hostile Coalition", "Hostiles", "alliance"),
        ("Red Dawn", "Traders", "corporation"),
    }


def test_filters_narrow_the_report_to_a_list_a_kind_a_source_and_a_date(client, leader, hostiles):
    hostile_list, traders = hostiles
    _user, spy_dealer = member("spy dealer")
    _user, grunt_dealer = member("grunt dealer")
    interact(spy_dealer, SPY, "mail", days_ago=2)
    interact(grunt_dealer, GRUNT, "contracts", days_ago=90)
    client.force_login(leader)

    def members(**params):
        return {row["member"] for row in data(client, "intel_report_data", **params)["data"]}

    assert members() == {"spy dealer", "grunt dealer"}
    assert members(list=traders.pk) == {"grunt dealer"}
    assert members(kind="character") == {"spy dealer"}
    assert members(kind="alliance") == {"grunt dealer"}
    assert members(source="contracts") == {"grunt dealer"}
    assert members(since=(NOW - timedelta(days=30)).date().isoformat()) == {"spy dealer"}
    assert members(kind="spaceship", source="nonsense") == {"spy dealer", "grunt dealer"}  # ignored


def test_a_positive_standing_towards_a_watched_entity_ranks_first(client, leader, hostiles):
    _user, friendly = member("friendly")
    _user, trader = member("trader")
    interact(friendly, SPY, "contacts", standing=10.0)
    interact(trader, SPY, count=2)
    client.force_login(leader)
    ranked = [row["member"] for row in data(client, "intel_report_data")["data"]]
    assert ranked == ["friendly", "trader"]


def test_a_watched_faction_matches_its_contacts_and_its_militia(client, leader):
    """Factions are contacts (kind ``faction``) and the faction of a counterparty in its militia."""
    caldari, militia_pilot = 500_001, 2_117_000_001
    WatchListEntry.objects.create(
        watch_list=WatchList.objects.create(name="Enemy factions"),
        entity_id=caldari,
        kind="faction",
        name="Caldari",
    )
    CounterpartyAffiliation.objects.create(
        entity_id=militia_pilot, corporation_id=1_000_180, faction_id=caldari, checked_at=NOW
    )
    _user, friend = member("faction friend")
    _user, trader = member("militia trader")
    _user, bystander = member("bystander")
    interact(friend, caldari, "contacts", standing=5.0, kind="faction")
    interact(trader, militia_pilot, "wallet_transactions", isk=Decimal("1000"))
    interact(bystander, TRADER)
    client.force_login(leader)
    rows = {row["member"]: row for row in data(client, "intel_report_data")["data"]}
    assert set(rows) == {"faction friend", "militia trader"}
    assert [m["via"] for m in rows["faction friend"]["evidence"][0]["matches"]] == ["direct"]
    assert [m["via"] for m in rows["militia trader"]["evidence"][0]["matches"]] == ["faction"]


def test_a_character_without_owner_is_its_own_member(client, hostiles):
    boss = create_member("boss", "basic_access", "intel_access", "view_everything", "characters_access")
    orphan = register_character(None, "Lonely Orphan")
    interact(orphan, SPY)
    client.force_login(boss)
    row = data(client, "intel_report_data")["data"][0]
    assert (row["member"], row["is_orphan"], len(row["evidence"])) == ("Lonely Orphan", True, 1)


def test_the_csv_has_every_evidence_row_and_is_formula_safe(client, leader, hostiles):
    _user, main = member("csv member")
    interact(main, GRUNT, isk=Decimal("12.50"))
    client.force_login(leader)
    response = client.get(reverse("memberaudit:intel_report_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "Member"
    body = rows[1:]
    assert len(body) == 2  # one row per matched entity: alliance and corporation
    assert {row[4] for row in body} == {'\'=HYPERLINK("http://x")'}
    assert {row[9] for row in body} == {"Hostiles", "Traders"}


def test_investigate_finds_everybody_who_dealt_with_an_entity_or_its_members(client, leader, hostiles):
    _user, first = member("first")
    _user, second = member("second")
    interact(first, GRUNT, "mail")
    interact(second, HOSTILE_ALLIANCE, "contacts", standing=-10)
    interact(second, TRADER)
    client.force_login(leader)
    result = data(client, "intel_investigate_data", entity=HOSTILE_ALLIANCE)
    found = {(row["character"], row["counterparty_id"], row["matches"][0]["via"]) for row in result["data"]}
    assert found == {("first", GRUNT, "alliance"), ("second", HOSTILE_ALLIANCE, "direct")}
    assert result["summary"]["characters"] == 2


def test_investigate_page_looks_an_id_up_and_names_the_lists(client, leader, hostiles):
    EveEntity.objects.create(id=HOSTILE_ALLIANCE, name="Hostile Coalition", category="alliance")
    client.force_login(leader)
    response = client.get(reverse("memberaudit:intel_investigate"), {"q": str(HOSTILE_ALLIANCE)})
    html = response.content.decode()
    assert "Hostile Coalition" in html and "Hostiles" in html
    assert f'data-entity="{HOSTILE_ALLIANCE}"' in html


def _asset(character, item_id, **fields):
    defaults = {"location_flag": "Hangar", "location_type": "station", "quantity": 1, "is_singleton": False}
    return CharacterAsset.objects.create(character=character, item_id=item_id, **{**defaults, **fields})


def test_asset_search_filters_and_totals_per_character_and_location(client, leader):
    _user, first = member("hauler one")
    _user, second = member("hauler two")
    _asset(first, 1, name="Loot box", quantity=10, location_id=60003760)
    _asset(first, 2, name="Loot box", quantity=5, location_id=60008494)
    _asset(second, 3, name="Loot box", quantity=1, location_id=60003760)
    _asset(second, 4, name="Other", quantity=100, location_id=60003760)
    client.force_login(leader)
    items = data(
        client,
        "intel_assets_data",
        name="loot",
        **{"order[0][column]": "0", "columns[0][data]": "quantity", "order[0][dir]": "desc"},
    )
    assert [row["quantity"] for row in items["data"]] == [10, 5, 1]
    assert items["totals"] == {"quantity": 16, "stacks": 3, "characters": 2}
    assert items["data"][0]["viewer_url"].endswith("#ma-tab-assets")
    per_character = data(client, "intel_assets_data", name="loot", by="characters")
    assert {(r["character_name"], r["quantity"], r["stacks"]) for r in per_character["data"]} == {
        ("hauler one", 15, 2),
        ("hauler two", 1, 1),
    }
    per_location = data(client, "intel_assets_data", name="loot", by="locations")
    assert {(r["location_id"], r["quantity"], r["characters"]) for r in per_location["data"]} == {
        (60003760, 11, 2),
        (60008494, 5, 1),
    }
    by_location = data(client, "intel_assets_data", location="60008494")
    assert [row["item_id"] for row in by_location["data"]] == [2]


def test_an_asset_row_links_to_the_exact_item_in_its_container(client, leader):
    _user, hauler = member("hauler")
    viewer = reverse("memberaudit:character_viewer", args=[hauler.pk])
    _asset(hauler, 100, name="Secret Stash", location_id=60003760, is_singleton=True)
    _asset(hauler, 101, name="Hidden plans", parent_item_id=100, location_id=60003760)
    _asset(hauler, 102, name="Loose plans", location_id=60003760)
    _asset(hauler, 103, name="Lost plans", parent_item_id=999, location_id=60003760)
    client.force_login(leader)
    rows = {row["item_id"]: row for row in data(client, "intel_assets_data", name="plans")["data"]}
    assert rows[101]["container_name"] == "Secret Stash"
    assert rows[101]["asset_url"] == f"{viewer}?item=101&parent=100#ma-tab-assets"
    assert rows[102]["container_name"] == ""
    assert rows[102]["asset_url"] == f"{viewer}?item=102&search=Loose+plans#ma-tab-assets"
    assert rows[103]["container_name"] == "Unknown (999)"
    assert rows[101]["viewer_url"] == f"{viewer}#ma-tab-assets"


def test_where_is_filters_by_online_status_and_counts_per_system(client, leader):
    _user, first = member("online pilot")
    _user, second = member("offline pilot")
    CharacterOnlineStatus.objects.create(character=first, online=True)
    CharacterOnlineStatus.objects.create(character=second, online=False)
    CharacterLocation.objects.create(character=first, eve_solar_system_id=30000142)
    CharacterLocation.objects.create(character=second, eve_solar_system_id=30000142)
    client.force_login(leader)
    online = data(client, "intel_where_data", online="yes")
    assert [row["character"] for row in online["data"]] == ["online pilot"]
    systems = data(client, "intel_where_data", by="systems")
    counts = {row["key"]: (row["characters"], row["online"]) for row in systems["data"]}
    assert counts[30000142] == (2, 1)


# --- query counts ---------------------------------------------------------------------------------


def _populate(n: int) -> None:
    for i in range(n):
        user, main = member(f"pilot {n} {i}")
        alt = register_character(user, f"alt {n} {i}")
        for character in (main, alt):
            interact(character, SPY, count=2)
            interact(character, GRUNT, "mail")
            _asset(character, 10_000 * n + 2 * i + (character is alt), name="Loot box", location_id=60003760)
            CharacterLocation.objects.create(character=character, eve_solar_system_id=30000142)
            CharacterOnlineStatus.objects.create(character=character, online=bool(i % 2))


PAGES = [
    ("intel_report_data", {}),
    ("intel_investigate_data", {"entity": HOSTILE_ALLIANCE}),
    ("intel_assets_data", {}),
    ("intel_assets_data", {"by": "locations"}),
    ("intel_where_data", {}),
    ("intel_where_data", {"by": "regions"}),
]


def _queries(client, name, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        data(client, name, **params)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "params"), PAGES, ids=[f"{n}-{p}" for n, p in PAGES])
def test_pages_cost_the_same_queries_for_2_or_10_characters(client, leader, hostiles, name, params):
    client.force_login(leader)
    _populate(1)  # 2 characters
    few = _queries(client, name, params)
    _populate(4)  # 10 characters
    many = _queries(client, name, params)
    assert few == many, f"{name}: {few} queries for 2 characters, {many} for 10"
