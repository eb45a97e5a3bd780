"""Intel on the emulator's planted world: real syncs over HTTP, real affiliations from ESI.

The emulator plants a hostile alliance, its corporation and members that a few characters
deal with (``esi_emulator.hostiles``). After the sections are synced, the index and the
report must show every planted interaction with its evidence and nothing else, match the
members through their corporation and alliance, and follow data retention. The next sync
after time passed in the emulator: ``test_intel_tick.py``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import create_member, write_statements

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memberaudit.intel import affiliations, index
from memberaudit.models import CharacterInteraction, WatchList, WatchListEntry
from memberaudit.sections import engine, registry, retention
from memberaudit.testing.esi_emulator import hostiles

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

SECTIONS = ("contacts", "wallet_journal", "wallet_transactions", "contracts", "mail", "corporation_history")
#: where each planted kind of interaction shows up in the index
SOURCES = {
    "contact": ("contacts",),
    "donation": ("wallet_journal",),
    "trade": ("wallet_journal", "wallet_transactions"),
    "contract": ("contracts",),
    "mail": ("mail",),
    "membership": ("corporation_history",),
}
#: the contract names the member as issuer and the corporation as the issuer's corporation
EXTRA = {"contract": hostiles.CORPORATION_ID}


def expected_evidence(world) -> set[tuple[int, str, int]]:
    """(character id, section, counterparty id) of every planted interaction."""
    found = set()
    for item in hostiles.planted(world):
        for source in SOURCES[item.kind]:
            found.add((item.character_id, source, item.counterparty_id))
        if item.kind in EXTRA:
            found.add((item.character_id, "contracts", EXTRA[item.kind]))
    return found


def sync(characters, sections=SECTIONS):
    for character in characters:
        for name in sections:
            result = engine.update_section(character, name)
            assert result.outcome in ("changed", "unchanged"), (name, result.message)


def index_rows(watched: set[int] | None = None) -> set[tuple[int, str, int]]:
    rows = CharacterInteraction.objects.values_list(
        "character__eve_character__character_id", "source", "counterparty_id"
    )
    return {row for row in rows if watched is None or row[2] in watched}


@pytest.fixture(scope="module")
def _synced_world(django_db_setup, django_db_blocker, esi_emulator):
    """The planted characters and one bystander registered and synced once per module (their
    syncs are the expensive part), in a transaction rolled back at the end."""
    from conftest import point_sso_at

    from django.test import override_settings

    from memberaudit.esi import client as esi_client
    from memberaudit.testing.registration import register_character

    world = esi_emulator.core.world
    bystander = next(cid for cid in world.character_ids() if cid not in hostiles.targets(world))
    wanted = [*hostiles.targets(world), bystander]
    scopes = sorted(registry.all_scopes())
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as monkeypatch,
        override_settings(ESI_API_URL=esi_emulator.url),
    ):
        point_sso_at(esi_emulator, monkeypatch)
        esi_client.reset()
        esi_emulator.reset_limits()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            characters = [
                register_character(info, esi_emulator.issue_tokens(info["id"], scopes), scopes)
                for info in esi_emulator.characters()
                if info["id"] in wanted
            ]
            sync(characters)
            affiliations.refresh()
            yield world, characters
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            esi_client.reset()


@pytest.fixture
def planted_world(_synced_world, esi):
    """Each test runs in a savepoint of the module's world, with ESI pointing at the emulator."""
    return _synced_world


def _watch(*entity_ids_and_kinds) -> WatchList:
    watch_list = WatchList.objects.create(name="Planted")
    for entity_id, kind in entity_ids_and_kinds:
        WatchListEntry.objects.create(watch_list=watch_list, entity_id=entity_id, kind=kind)
    return watch_list


def _report(client, **params):
    officer = create_member("officer", "basic_access", "intel_access", "characters_access", "view_everything")
    client.force_login(officer)
    response = client.get(reverse("memberaudit:intel_report_data"), {"length": 100, **params})
    return response.json()["data"]


def test_every_planted_interaction_is_indexed_with_its_evidence_and_nothing_else(planted_world):
    world, _characters = planted_world
    planted_ids = {hostiles.ALLIANCE_ID, hostiles.CORPORATION_ID, *hostiles.member_ids()}
    assert index_rows(planted_ids) == expected_evidence(world)
    # evidence details: a trade's ISK and the standing of a contact
    for item in hostiles.planted(world):
        row = CharacterInteraction.objects.get(
            character__eve_character__character_id=item.character_id,
            source=SOURCES[item.kind][-1],
            counterparty_id=item.counterparty_id,
        )
        if item.kind == "contact":
            assert row.standing == item.standing
        if item.kind in ("trade", "contract") and not any(
            other.kind in ("donation", "trade") and other.counterparty_id == item.counterparty_id
            for other in hostiles.planted(world)
            if other.character_id == item.character_id and other is not item
        ):
            assert float(row.isk) == pytest.approx(item.isk, abs=0.01)


def test_the_report_finds_the_members_through_their_corporation_and_alliance(planted_world, client):
    world, _characters = planted_world
    _watch((hostiles.ALLIANCE_ID, "alliance"))
    rows = _report(client)
    targets = {world.name(cid) for cid in hostiles.targets(world)}
    assert {row["member"] for row in rows} == targets  # each target is its own member here
    found = {(e["character_id"], e["source"], e["counterparty_id"]) for row in rows for e in row["evidence"]}
    assert found == expected_evidence(world)
    vias = {m["via"] for row in rows for e in row["evidence"] for m in e["matches"]}
    assert vias == {"alliance"}  # members and the corporation match through the alliance
    for row in rows:
        for evidence in row["evidence"]:
            assert evidence["viewer_url"].endswith(f"#ma-tab-{evidence['source']}")


def test_a_watched_corporation_matches_directly_and_through_its_members(planted_world, client):
    world, _characters = planted_world
    _watch((hostiles.CORPORATION_ID, "corporation"))
    vias = {
        (e["counterparty_id"] == hostiles.CORPORATION_ID, m["via"])
        for row in _report(client)
        for e in row["evidence"]
        for m in e["matches"]
    }
    assert vias == {(True, "direct"), (False, "corporation")}


def test_the_planted_entities_have_names(planted_world):
    world, _characters = planted_world
    from eveuniverse.models import EveEntity

    from memberaudit.sections import resolver

    resolver.resolve_entities([hostiles.ALLIANCE_ID, hostiles.CORPORATION_ID, *hostiles.member_ids()])
    names = dict(EveEntity.objects.filter(id__in=hostiles.names(world)).values_list("id", "name"))
    assert names == hostiles.names(world)


def test_retention_drops_what_it_pruned_from_the_index(planted_world, settings):
    world, _characters = planted_world
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 7
    retention.prune(now=world.start + timedelta(days=30))  # every planted mail, trade, contract is older
    planted_ids = {hostiles.ALLIANCE_ID, hostiles.CORPORATION_ID, *hostiles.member_ids()}
    kept_sources = {source for _cid, source, _cp in index_rows(planted_ids)}
    assert kept_sources <= {"contacts", "corporation_history"}  # not history: never pruned
    # what is left equals a rebuild from the stored rows
    before = index_rows()
    index.rebuild()
    assert index_rows() == before


def test_an_unchanged_sync_costs_the_index_nothing(planted_world):
    _world, characters = planted_world
    small = [c for c in characters if c.character_id != max(c.character_id for c in characters)][:2]
    with CaptureQueriesContext(connection) as ctx:
        sync(small)
    writes = [sql for sql in write_statements(ctx) if "characterinteraction" in sql]
    assert writes == []
