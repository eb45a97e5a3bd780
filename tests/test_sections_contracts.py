"""Contracts: stored in place as history, items fetched once, bids while the auction runs."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import httpx2 as httpx
import pytest
from helpers import create_character, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from memberaudit.models import Character
from memberaudit.models.contracts import CharacterContract, CharacterContractBid, CharacterContractItem
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext

SECTION = registry.get("contracts")


@pytest.fixture
def character(db) -> Character:
    return create_character("trader")


def _ctx(character: Character, state: dict | None = None) -> SyncContext:
    status = None
    if state is not None:
        from memberaudit.models import SectionStatus

        status = SectionStatus(character=character, section="contracts", state=state)
    return SyncContext(character=character, status=status, token=None)


#: one moment for the whole module: two payloads built a second apart must carry the same dates
NOW = timezone.now().replace(microsecond=0)


def _iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def _contract(contract_id: int, kind: str = "item_exchange", status: str = "outstanding", **extra) -> dict:
    contract = {
        "contract_id": contract_id,
        "type": kind,
        "status": status,
        "availability": "personal",
        "for_corporation": False,
        "issuer_id": 90_000_001,
        "issuer_corporation_id": 2001,
        "assignee_id": 90_000_002,
        "acceptor_id": 0,
        "start_location_id": 60003760,
        "end_location_id": 60003760,
        "date_issued": _iso(2),
        "date_expired": _iso(-12),
        "price": 1_000_000.5,
        "volume": 12.5,
        "title": '<img src=x onerror="alert(1)">',
    }
    contract.update(extra)
    return contract


def _payload(contracts=(), items=(), items_gone=(), bids=()) -> dict:
    return {
        "contracts": None if contracts is None else list(contracts),
        "items": list(items),
        "items_gone": list(items_gone),
        "bids": list(bids),
    }


def _items(contract_id: int, count: int = 2) -> dict:
    return {
        "contract_id": contract_id,
        "items": [
            {
                "record_id": contract_id * 10 + n,
                "type_id": 34 + n,
                "quantity": 100 * (n + 1),
                "is_singleton": False,
                "is_included": True,
            }
            for n in range(count)
        ],
    }


def _bids(contract_id: int, *bid_ids: int) -> dict:
    return {
        "contract_id": contract_id,
        "bids": [
            {"bid_id": bid_id, "bidder_id": 90_000_009, "amount": 2_000_000 + bid_id, "date_bid": _iso(1)}
            for bid_id in bid_ids
        ],
    }


# --- store logic ------------------------------------------------------------------------


def test_store_creates_contracts_items_and_bids(character):
    payload = _payload(
        [
            _contract(1),
            _contract(2, "auction", buyout=5e6),
            _contract(3, "courier", reward=1e6, collateral=1e8),
        ],
        items=[_items(1, 3), _items(2, 1)],
        bids=[_bids(2, 11, 12)],
    )
    ctx = _ctx(character)
    changes = SECTION.store(ctx, payload)

    # 3 contracts + 4 items + 2 bids created; the items flag of 2 contracts updated
    assert (changes.created, changes.updated, changes.deleted) == (9, 2, 0)
    contract = CharacterContract.objects.get(character=character, contract_id=1)
    assert contract.title == '<img src=x onerror="alert(1)">'  # raw user text, escaped by templates
    assert contract.acceptor_id is None  # ESI's 0 means nobody
    assert contract.price == Decimal("1000000.50")
    assert contract.items_loaded is True
    assert contract.items.count() == 3
    courier = CharacterContract.objects.get(character=character, contract_id=3)
    assert (courier.reward, courier.items_loaded) == (Decimal("1000000.00"), False)
    assert list(
        CharacterContractBid.objects.filter(contract__contract_id=2)
        .values_list("bid_id", flat=True)
        .order_by("bid_id")
    ) == [11, 12]
    assert ctx.new_state == {"listed": [1, 2, 3]}


def test_second_store_of_the_same_payload_writes_nothing(character):
    payload = _payload(
        [_contract(1), _contract(2, "auction")], items=[_items(1), _items(2)], bids=[_bids(2, 11)]
    )
    SECTION.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        changes = SECTION.store(_ctx(character), copy.deepcopy(payload))
    assert changes.total == 0
    assert write_statements(queries) == []


def test_status_change_updates_the_contract_in_place(character):
    SECTION.store(_ctx(character), _payload([_contract(1), _contract(2)]))
    pk = CharacterContract.objects.get(contract_id=1).pk
    accepted = _contract(1, status="finished", acceptor_id=90_000_003, date_accepted=_iso(0.5))
    changes = SECTION.store(_ctx(character), _payload([accepted, _contract(2)]))
    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 0)
    contract = CharacterContract.objects.get(contract_id=1)
    assert (contract.pk, contract.status, contract.acceptor_id) == (pk, "finished", 90_000_003)
    assert contract.date_accepted is not None


def test_contracts_esi_no_longer_lists_are_kept_as_history(character):
    SECTION.store(_ctx(character), _payload([_contract(1), _contract(2)], items=[_items(1)]))
    changes = SECTION.store(_ctx(character), _payload([_contract(2)]))
    assert changes.deleted == 0
    assert set(CharacterContract.objects.values_list("contract_id", flat=True)) == {1, 2}
    assert CharacterContractItem.objects.filter(contract__contract_id=1).count() == 2


def test_items_are_stored_only_once(character):
    SECTION.store(_ctx(character), _payload([_contract(1)], items=[_items(1, 2)]))
    changes = SECTION.store(_ctx(character), _payload([_contract(1)], items=[_items(1, 5)]))
    assert changes.total == 0
    assert CharacterContractItem.objects.count() == 2


def test_items_esi_no_longer_has_are_not_asked_for_again(character):
    SECTION.store(_ctx(character), _payload([_contract(1)], items_gone=[1]))
    contract = CharacterContract.objects.get(contract_id=1)
    assert contract.items_loaded is True
    assert contract.items.count() == 0


def test_new_bids_are_added_and_old_ones_kept(character):
    SECTION.store(_ctx(character), _payload([_contract(2, "auction")], bids=[_bids(2, 11)]))
    changes = SECTION.store(_ctx(character), _payload([_contract(2, "auction")], bids=[_bids(2, 11, 12)]))
    assert changes.created == 1
    assert CharacterContractBid.objects.count() == 2


def test_bids_and_items_alone_leave_contracts_untouched(character):
    """With an unchanged contract list (304) only bids and missing items arrive."""
    SECTION.store(_ctx(character), _payload([_contract(1), _contract(2, "auction")]))
    ctx = _ctx(character)
    changes = SECTION.store(ctx, _payload(None, items=[_items(1)], bids=[_bids(2, 11)]))
    assert (changes.created, changes.updated) == (3, 1)
    assert ctx.new_state is None  # the list of listed contracts stays as it was
    assert CharacterContract.objects.count() == 2


def test_related_ids_name_parties_locations_and_item_types(character):
    payload = _payload([_contract(1)], items=[_items(1, 2)], bids=[_bids(1, 5)])
    related = SECTION.related_ids(payload)
    assert related["entities"] == {90_000_001, 2001, 90_000_002, 90_000_009}
    assert related["locations"] == {60003760}
    assert related["types"] == {34, 35}


def test_contracts_issued_before_the_retention_limit_are_pruned(character, settings):
    from memberaudit.sections import retention

    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 30
    SECTION.store(_ctx(character), _payload([_contract(1, date_issued=_iso(31)), _contract(2)]))
    retention.prune()
    assert list(CharacterContract.objects.values_list("contract_id", flat=True)) == [2]


# --- end to end against the ESI emulator --------------------------------------------------


def served(esi, token: str, path: str, *, pages: bool = False):
    """What the emulator serves for ``path`` (raw JSON, all pages)."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{esi.url}{path.lstrip('/')}"
    response = httpx.get(url, headers=headers, params={"page": 1} if pages else None)
    response.raise_for_status()
    data = response.json()
    if pages:
        for page in range(2, int(response.headers.get("X-Pages", 1)) + 1):
            data += httpx.get(url, headers=headers, params={"page": page}).json()
    return data


def _token(character: Character) -> str:
    from esi.models import Token

    return Token.objects.filter(character_id=character.character_id).latest("created").access_token


def _route_calls(esi, operation_id: str) -> int:
    return sum(esi.stats()["by_route"].get(operation_id, {}).values())


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served(esi, register_character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None
    character = register_character(size="large")
    result = engine.update_section(character, "contracts")
    assert result.outcome == "changed", result.message

    token, cid = _token(character), character.character_id
    contracts = served(esi, token, f"characters/{cid}/contracts", pages=True)
    stored = {c.contract_id: c for c in CharacterContract.objects.filter(character=character)}
    assert set(stored) == {c["contract_id"] for c in contracts}
    assert sum(c.price or 0 for c in stored.values()) == sum(
        Decimal(str(c.get("price", 0))).quantize(Decimal("0.01")) for c in contracts
    )
    checked_items = checked_bids = 0
    for contract in contracts:
        row = stored[contract["contract_id"]]
        assert (row.contract_type, row.status, row.title) == (
            contract["type"],
            contract["status"],
            contract.get("title", ""),
        )
        assert row.issuer_id == contract["issuer_id"]
        assert row.acceptor_id == (contract["acceptor_id"] or None)
        with_items = contract["type"] in ("item_exchange", "auction")
        assert row.items_loaded is with_items
        if with_items and checked_items < 8:  # a sample: every check is an HTTP request
            checked_items += 1
            items = served(esi, token, f"characters/{cid}/contracts/{contract['contract_id']}/items")
            assert sorted(row.items.values_list("record_id", "quantity")) == sorted(
                (i["record_id"], i["quantity"]) for i in items
            )
        if contract["type"] == "auction" and checked_bids < 4:
            checked_bids += 1
            bids = served(esi, token, f"characters/{cid}/contracts/{contract['contract_id']}/bids")
            assert set(row.bids.values_list("bid_id", flat=True)) == {b["bid_id"] for b in bids}
    assert checked_items and checked_bids


@pytest.mark.emulator
@pytest.mark.django_db
def test_items_are_fetched_once_per_contract(esi, register_character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None
    character = register_character(size="medium")
    engine.update_section(character, "contracts")
    with_items = CharacterContract.objects.filter(
        character=character, contract_type__in=["item_exchange", "auction"]
    ).count()
    assert with_items > 0
    assert _route_calls(esi, "GetCharactersCharacterIdContractsContractIdItems") == with_items

    esi.reset_stats()
    result = engine.update_section(character, "contracts", force=True)
    assert result.outcome == "unchanged", result.message
    assert _route_calls(esi, "GetCharactersCharacterIdContractsContractIdItems") == 0
    # bids only for auctions that are still outstanding
    outstanding_auctions = CharacterContract.objects.filter(
        character=character, contract_type="auction", status="outstanding"
    ).count()
    assert _route_calls(esi, "GetCharactersCharacterIdContractsContractIdBids") == outstanding_auctions


@pytest.mark.emulator
@pytest.mark.django_db
def test_unchanged_second_run_writes_nothing(esi, register_character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None
    character = register_character(size="medium")
    engine.update_section(character, "contracts")
    from django.core.cache import cache

    cache.delete_pattern("esi_*")  # django-esi's response cache runs out, the ETags stay
    with CaptureQueriesContext(connection) as queries:
        result = engine.update_section(character, "contracts")
    assert result.outcome == "unchanged", result.message
    assert write_statements(queries) == []


@pytest.mark.emulator
@pytest.mark.django_db
def test_retention_limit_keeps_old_contracts_out(esi, register_character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 30
    character = register_character(size="medium")
    engine.update_section(character, "contracts")
    contracts = served(esi, _token(character), f"characters/{character.character_id}/contracts", pages=True)
    cutoff = timezone.now() - timedelta(days=30)
    recent = {
        c["contract_id"]
        for c in contracts
        if timezone.datetime.fromisoformat(c["date_issued"].replace("Z", "+00:00")) >= cutoff
    }
    assert recent and len(recent) < len(contracts)
    assert (
        set(CharacterContract.objects.filter(character=character).values_list("contract_id", flat=True))
        == recent
    )


@pytest.mark.emulator
@pytest.mark.django_db
def test_items_esi_failed_to_deliver_are_fetched_on_a_later_run_even_when_the_list_is_unchanged(
    esi, register_character, settings
):
    from django.core.cache import cache

    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None
    character = register_character(size="medium")
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdContractsContractIdItems": 1.0})
    result = engine.update_section(character, "contracts")
    assert result.outcome == "changed", result.message  # the contracts themselves are stored
    contracts = CharacterContract.objects.filter(character=character)
    with_items = contracts.filter(contract_type__in=["item_exchange", "auction"])
    assert with_items.exists()
    assert not with_items.filter(items_loaded=True).exists()

    esi.set_faults()
    esi.reset_limits()
    esi.reset_stats()
    cache.delete_pattern("esi_*")  # django-esi's response cache runs out, the ETags stay
    result = engine.update_section(character, "contracts")
    assert result.outcome == "changed", result.message
    assert esi.stats()["by_route"]["GetCharactersCharacterIdContracts"] == {"304": 1}
    assert not with_items.filter(items_loaded=False).exists()
    assert CharacterContractItem.objects.filter(contract__character=character).exists()
    assert _route_calls(esi, "GetCharactersCharacterIdContractsContractIdItems") == with_items.count()


@pytest.mark.emulator
def test_a_low_rate_limit_postpones_the_remaining_items_instead_of_losing_the_run(esi, register_character):
    from memberaudit.esi import budget

    character = register_character(size="large")
    esi.set_faults(rate_limits={"char-contract": 60})
    result = engine.update_section(character, "contracts")
    assert result.outcome == "changed", result.message
    contracts = CharacterContract.objects.filter(character=character)
    loaded_first = contracts.filter(items_loaded=True).count()
    waiting = contracts.filter(items_loaded=False, contract_type__in=["item_exchange", "auction"]).count()
    assert contracts.exists() and loaded_first > 0 and waiting > 0, "the budget stopped the run half-way"

    esi.set_faults()
    esi.reset_limits()
    budget.clear()
    engine.update_section(character, "contracts")
    assert contracts.filter(items_loaded=True).count() > loaded_first
