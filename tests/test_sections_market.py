"""Market orders: open orders are replaced, closed ones kept as history."""

from __future__ import annotations

import copy
from decimal import Decimal

import httpx2 as httpx
import pytest
from helpers import create_character, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.market import CharacterMarketOrder, CharacterMarketOrderHistory
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext

OPEN = registry.get("market_orders")
HISTORY = registry.get("market_order_history")


@pytest.fixture
def character(db) -> Character:
    return create_character("marketeer")


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def _order(order_id: int, **extra) -> dict:
    order = {
        "order_id": order_id,
        "type_id": 34,
        "region_id": 10000002,
        "location_id": 60003760,
        "is_corporation": False,
        "is_buy_order": True,
        "price": 5.55,
        "volume_total": 1000,
        "volume_remain": 400,
        "min_volume": 1,
        "range": "station",
        "duration": 90,
        "escrow": 2220.0,
        "issued": "2026-11-01T10:00:00Z",
    }
    order.update(extra)
    return order


# --- store logic ------------------------------------------------------------------------


def test_open_orders_are_replaced(character):
    assert OPEN.store(_ctx(character), [_order(1), _order(2), _order(3)]).created == 3
    changes = OPEN.store(_ctx(character), [_order(1, volume_remain=100), _order(3)])
    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 1)
    remaining = dict(CharacterMarketOrder.objects.values_list("order_id", "volume_remain"))
    assert remaining == {1: 100, 3: 400}
    order = CharacterMarketOrder.objects.get(order_id=1)
    assert (order.price, order.escrow, order.is_buy_order) == (Decimal("5.55"), Decimal("2220.00"), True)


def test_sell_orders_without_the_optional_fields(character):
    sell = _order(7, is_buy_order=None)
    for optional in ("is_buy_order", "min_volume", "escrow"):
        sell.pop(optional)
    OPEN.store(_ctx(character), [sell])
    order = CharacterMarketOrder.objects.get(order_id=7)
    assert (order.is_buy_order, order.min_volume, order.escrow) == (False, None, None)


def test_history_is_kept_and_updated_by_order_id(character):
    HISTORY.store(_ctx(character), [_order(1, state="expired"), _order(2, state="expired")])
    changes = HISTORY.store(_ctx(character), [_order(2, state="cancelled"), _order(3, state="cancelled")])
    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 0)
    states = dict(CharacterMarketOrderHistory.objects.values_list("order_id", "state"))
    assert states == {1: "expired", 2: "cancelled", 3: "cancelled"}


@pytest.mark.parametrize("section", [OPEN, HISTORY], ids=["open", "history"])
def test_second_store_of_the_same_payload_writes_nothing(character, section):
    payload = [_order(1, state="expired"), _order(2, state="cancelled", price=1e9)]
    section.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        changes = section.store(_ctx(character), copy.deepcopy(payload))
    assert changes.total == 0
    assert write_statements(queries) == []


def test_related_ids_name_types_and_locations():
    assert OPEN.related_ids([_order(1), _order(2, type_id=35, location_id=1_000_000_000_001)]) == {
        "types": {34, 35},
        "locations": {60003760, 1_000_000_000_001},
    }


# --- end to end against the ESI emulator --------------------------------------------------


def served(esi, character: Character, path: str, *, pages: bool = False):
    """What the emulator serves for ``path`` (raw JSON, all pages)."""
    from esi.models import Token

    token = Token.objects.filter(character_id=character.character_id).latest("created").access_token
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{esi.url}characters/{character.character_id}/{path}"
    response = httpx.get(url, headers=headers, params={"page": 1} if pages else None)
    response.raise_for_status()
    data = response.json()
    if pages:
        for page in range(2, int(response.headers.get("X-Pages", 1)) + 1):
            data += httpx.get(url, headers=headers, params={"page": page}).json()
    return data


def _isk(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served(esi, register_character):
    character = register_character(size="huge")
    for name in ("market_orders", "market_order_history"):
        result = engine.update_section(character, name)
        assert result.outcome == "changed", result.message

    orders = served(esi, character, "orders")
    stored = {o.order_id: o for o in CharacterMarketOrder.objects.filter(character=character)}
    assert orders and set(stored) == {o["order_id"] for o in orders}
    assert sum(o.price * o.volume_remain for o in stored.values()) == sum(
        _isk(o["price"]) * o["volume_remain"] for o in orders
    )
    for order in orders:
        row = stored[order["order_id"]]
        assert (row.eve_type_id, row.location_id, row.range) == (
            order["type_id"],
            order["location_id"],
            order["range"],
        )
        assert row.is_buy_order is order.get("is_buy_order", False)

    history = served(esi, character, "orders/history", pages=True)
    stored_history = CharacterMarketOrderHistory.objects.filter(character=character)
    assert history and set(stored_history.values_list("order_id", "state")) == {
        (o["order_id"], o["state"]) for o in history
    }
    assert sum(o.volume_total for o in stored_history) == sum(o["volume_total"] for o in history)
