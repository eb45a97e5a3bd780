"""Wallet: balance, journal (with a balance plot) and transactions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EveType

from memberaudit.core import esi_labels, formatting
from memberaudit.models import (
    Character,
    CharacterWalletBalance,
    CharacterWalletJournalEntry,
    CharacterWalletTransaction,
)
from memberaudit.views.tables import Column, Table, isk_html

from . import cells, chart, register_table, tab_context
from .columns import type_column

#: the balance plot shows at most this many points (evenly thinned out)
MAX_CHART_POINTS = 500
#: and looks at most this many journal entries back
MAX_CHART_ENTRIES = 10_000


@tab_context("wallet_balance")
def wallet_balance_context(character: Character) -> dict[str, Any]:
    return {"wallet_balance": CharacterWalletBalance.objects.filter(character=character).first()}


def _journal(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterWalletJournalEntry.objects.filter(character=character).select_related(
        "first_party", "second_party"
    )


def _ref_type(entry: CharacterWalletJournalEntry) -> str:
    return esi_labels.ref_type(entry.ref_type)


def _prepare_journal(page: list[CharacterWalletJournalEntry], character: Character) -> None:
    """Names of the NPC types in the page's bounty reasons (one query, only when there are some)."""
    kills = {entry.pk: formatting.bounty_kills(entry.reason) for entry in page}
    type_ids = {type_id for pairs in kills.values() for type_id, _count in pairs}
    names = dict(EveType.objects.filter(id__in=type_ids).values_list("id", "name")) if type_ids else {}
    for entry in page:
        entry.reason_text = (
            formatting.bounty_text(kills[entry.pk], names) if kills[entry.pk] else entry.reason
        )


register_table(
    Table(
        name="wallet_journal",
        section="wallet_journal",
        title=_("Wallet journal"),
        rows=_journal,
        prepare=_prepare_journal,
        columns=(
            Column("date", _("Date"), lambda e: cells.moment(e.date), order_by=("date",)),
            Column("ref_type", _("Type"), _ref_type, order_by=("ref_type",), search=("ref_type",)),
            Column(
                "first_party",
                _("First party"),
                lambda e: cells.entity(e, "first_party"),
                order_by=("first_party__name",),
                search=("first_party__name",),
            ),
            Column(
                "second_party",
                _("Second party"),
                lambda e: cells.entity(e, "second_party"),
                order_by=("second_party__name",),
                search=("second_party__name",),
            ),
            Column("amount", _("Amount"), lambda e: isk_html(e.amount), order_by=("amount",), css="text-end"),
            Column("balance", _("Balance"), lambda e: e.balance, order_by=("balance",), css="text-end"),
            Column("description", _("Description"), lambda e: e.description, search=("description",)),
            Column("reason", _("Reason"), lambda e: getattr(e, "reason_text", e.reason), search=("reason",)),
        ),
    )
)


def _transactions(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterWalletTransaction.objects.filter(character=character).select_related(
        "eve_type", "client", cells.location_related()
    )


register_table(
    Table(
        name="wallet_transactions",
        section="wallet_transactions",
        title=_("Wallet transactions"),
        rows=_transactions,
        columns=(
            Column("date", _("Date"), lambda t: cells.moment(t.date), order_by=("date",)),
            Column(
                "kind",
                _("Buy / sell"),
                lambda t: cells.badge(_("buy"), "danger") if t.is_buy else cells.badge(_("sell"), "success"),
                order_by=("is_buy",),
            ),
            type_column("eve_type", _("Item")),
            Column("quantity", _("Quantity"), lambda t: t.quantity, order_by=("quantity",), css="text-end"),
            Column(
                "unit_price",
                _("Unit price"),
                lambda t: cells.isk(t.unit_price),
                order_by=("unit_price",),
                css="text-end",
            ),
            Column(
                "total",
                _("Total"),
                lambda t: (
                    isk_html(t.unit_price * t.quantity * (-1 if t.is_buy else 1))
                    if t.unit_price is not None
                    else None
                ),
                css="text-end",
            ),
            Column(
                "client",
                _("Client"),
                lambda t: cells.entity(t, "client"),
                order_by=("client__name",),
                search=("client__name",),
            ),
            Column(
                "location",
                _("Location"),
                cells.location,
                order_by=("location__name",),
                search=("location__name",),
            ),
        ),
    )
)


def _thin_out(points: list, limit: int) -> list:
    """At most ``limit`` points, evenly spaced, always keeping the newest."""
    if len(points) <= limit:
        return points
    step = len(points) / limit
    thinned = [points[int(i * step)] for i in range(limit - 1)]
    return [*thinned, points[-1]]


@chart("wallet_balance")
def wallet_balance_chart(character: Character) -> dict[str, Any]:
    """Wallet balance over time, from the journal's balance after each entry (one query)."""
    newest_first = list(
        CharacterWalletJournalEntry.objects.filter(character=character, balance__isnull=False)
        .order_by("-date", "-entry_id")
        .values_list("date", "balance")[:MAX_CHART_ENTRIES]
    )
    points = _thin_out(newest_first[::-1], MAX_CHART_POINTS)
    return {
        "type": "line",
        "data": {
            "labels": [formatting.eve_time(date) for date, _balance in points],
            "datasets": [
                {
                    "label": str(_("Wallet balance (ISK)")),
                    "data": [float(balance) for _date, balance in points],
                    "fill": True,
                    "pointRadius": 0,
                    "tension": 0.1,
                }
            ],
        },
        "options": {"scales": {"x": {"ticks": {"maxTicksLimit": 12}}}},
        # viewer_tabs.js labels this axis like formatting.abbreviate ("1.2b", "350m")
        "ma_axis_format": {"y": "abbreviate"},
    }
