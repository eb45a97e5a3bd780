"""Market orders: open ones and the history of closed ones."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from memberaudit.core import formatting
from memberaudit.models import Character
from memberaudit.models.market import CharacterMarketOrder, CharacterMarketOrderHistory
from memberaudit.views.tables import Column, Table

from . import cells, register_table


def _kind(order):
    return cells.badge(_("buy"), "danger") if order.is_buy_order else cells.badge(_("sell"), "success")


def _columns(extra: tuple[Column, ...] = ()) -> tuple[Column, ...]:
    return (
        Column("issued", _("Issued"), lambda o: cells.moment(o.issued), order_by=("issued",)),
        Column("kind", _("Buy / sell"), _kind, order_by=("is_buy_order",)),
        Column(
            "eve_type", _("Item"), cells.eve_type, order_by=("eve_type__name",), search=("eve_type__name",)
        ),
        Column("price", _("Price"), lambda o: cells.isk(o.price), order_by=("price",), css="text-end"),
        Column(
            "volume",
            _("Remaining / total"),
            lambda o: f"{formatting.number(o.volume_remain)} / {formatting.number(o.volume_total)}",
            order_by=("volume_remain",),
            css="text-end",
        ),
        Column(
            "location",
            _("Location"),
            cells.location,
            order_by=("location__name",),
            search=("location__name",),
        ),
        Column("duration", _("Days"), lambda o: o.duration, order_by=("duration",), css="text-end"),
        *extra,
    )


register_table(
    Table(
        name="market_orders",
        section="market_orders",
        title=_("Open orders"),
        rows=lambda character, params: CharacterMarketOrder.objects.filter(
            character=character
        ).select_related("eve_type", cells.location_related()),
        columns=_columns(),
    )
)


def _history(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterMarketOrderHistory.objects.filter(character=character).select_related(
        "eve_type", cells.location_related()
    )


register_table(
    Table(
        name="market_order_history",
        section="market_order_history",
        title=_("Closed orders"),
        rows=_history,
        columns=_columns(
            (
                Column(
                    "state",
                    _("State"),
                    lambda o: o.get_state_display(),
                    order_by=("state",),
                    search=("state",),
                ),
            )
        ),
    )
)
