"""Market orders: the open ones (replaced) and closed ones (history, updated by order id)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.market import CharacterMarketOrder, CharacterMarketOrderHistory

from .base import Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows

ORDERS_SCOPE = "esi-markets.read_character_orders.v1"


def order_row(order: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of an order as ESI gives it (open or closed)."""
    return {
        "order_id": order["order_id"],
        "eve_type_id": order["type_id"],
        "region_id": order["region_id"],
        "location_id": order["location_id"],
        "is_buy_order": order.get("is_buy_order", False),
        "is_corporation": order["is_corporation"],
        "price": order["price"],
        "volume_total": order["volume_total"],
        "volume_remain": order["volume_remain"],
        "min_volume": order.get("min_volume"),
        "range": order["range"],
        "duration": order["duration"],
        "escrow": order.get("escrow"),
        "issued": order["issued"],
    }


def _related(orders: list[dict]) -> dict[str, set[int]]:
    return {
        "types": ids(o["type_id"] for o in orders),
        "locations": ids(o["location_id"] for o in orders),
    }


@register
class MarketOrdersSection(Section):
    name = "market_orders"
    title = _("Market orders")
    ring = 2
    scopes = (ORDERS_SCOPE,)
    operations = ("GetCharactersCharacterIdOrders",)
    models = (CharacterMarketOrder,)
    description = "The open buy and sell orders with price and remaining volume, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [order_row(o) for o in payload]
        return replace_rows(CharacterMarketOrder, {"character": ctx.character}, rows, key="order_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return _related(payload)


@register
class MarketOrderHistorySection(Section):
    name = "market_order_history"
    title = _("Market order history")
    ring = 2
    scopes = (ORDERS_SCOPE,)
    operations = ("GetCharactersCharacterIdOrdersHistory",)
    models = (CharacterMarketOrderHistory,)
    description = (
        "Cancelled and expired orders of the last 90 days (ESI's window), kept as history, "
        "every ring 2 cycle."
    )

    paged = True

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [{**order_row(o), "state": o["state"]} for o in payload]
        # history: orders ESI no longer shows are kept
        return replace_rows(
            CharacterMarketOrderHistory,
            {"character": ctx.character},
            rows,
            key="order_id",
            delete_missing=False,
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return _related(payload)
