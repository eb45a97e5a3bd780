"""Contracts in a table; a contract's items and bids in a dialog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from memberaudit.models import Character
from memberaudit.models.contracts import CharacterContract, CharacterContractBid, CharacterContractItem
from memberaudit.views.tables import Column, Table

from . import cells, detail, register_table

_RELATED = (
    "issuer",
    "issuer_corporation",
    "assignee",
    "acceptor",
    "start_location__eve_solar_system__eve_constellation__eve_region",
    "end_location__eve_solar_system__eve_constellation__eve_region",
)


def _contracts(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterContract.objects.filter(character=character).select_related(*_RELATED)


def _title(contract: CharacterContract):
    # Contract titles are plain text in EVE: escaped, never rendered as markup.
    url = reverse("memberaudit:character_detail", args=[contract.character_id, "contract", contract.pk])
    text = contract.title or _("(no title)")
    return format_html('<a href="#" data-ma-detail="{}">{}</a>', url, text)


def _assignee(contract: CharacterContract):
    """The assignee, and who accepted it when that was someone else (one column: the table fits)."""
    assignee = cells.entity(contract, "assignee")
    if contract.acceptor_id and contract.acceptor_id != contract.assignee_id:
        return format_html(
            '{}<div class="small text-body-secondary">{} {}</div>',
            assignee,
            _("accepted by"),
            cells.entity(contract, "acceptor"),
        )
    return assignee


def _price(contract: CharacterContract):
    if contract.contract_type == CharacterContract.ContractType.COURIER:
        return contract.reward
    return contract.price


register_table(
    Table(
        name="contracts",
        section="contracts",
        title=_("Contracts"),
        rows=_contracts,
        columns=(
            Column(
                "date_issued", _("Issued"), lambda c: cells.moment(c.date_issued), order_by=("date_issued",)
            ),
            Column(
                "type",
                _("Type"),
                lambda c: c.get_contract_type_display(),
                order_by=("contract_type",),
                search=("contract_type",),
            ),
            Column(
                "status",
                _("Status"),
                lambda c: c.get_status_display(),
                order_by=("status",),
                search=("status",),
            ),
            Column("title", _("Title"), _title, order_by=("title",), search=("title",)),
            Column(
                "issuer",
                _("Issuer"),
                lambda c: cells.entity(c, "issuer"),
                order_by=("issuer__name",),
                search=("issuer__name",),
            ),
            Column(
                "assignee",
                _("Assignee / acceptor"),
                _assignee,
                order_by=("assignee__name",),
                search=("assignee__name", "acceptor__name"),
            ),
            Column(
                "price",
                _("Price / reward"),
                lambda c: cells.isk(_price(c)),
                order_by=("price", "reward"),
                css="text-end text-nowrap",
            ),
            Column(
                "start_location",
                pgettext_lazy("contract start location", "From"),
                lambda c: cells.location(c, "start_location"),
                order_by=("start_location__name",),
                search=("start_location__name",),
            ),
            Column(
                "date_expired",
                _("Expires"),
                lambda c: cells.moment(c.date_expired),
                order_by=("date_expired",),
            ),
        ),
    )
)


@detail("contract", "memberaudit/partials/viewer_detail_contract.html")
def contract_detail(character: Character, pk: int) -> dict[str, Any] | None:
    contract = CharacterContract.objects.filter(character=character, pk=pk).select_related(*_RELATED).first()
    if contract is None:
        return None
    items = list(
        CharacterContractItem.objects.filter(contract=contract)
        .select_related("eve_type__eve_group")
        .order_by("-is_included", "record_id")
    )
    bids = list(
        CharacterContractBid.objects.filter(contract=contract).select_related("bidder").order_by("-amount")
    )
    return {
        "contract": contract,
        "parties": {
            "issuer": cells.entity(contract, "issuer"),
            "issuer_corporation": cells.entity(contract, "issuer_corporation"),
            "assignee": cells.entity(contract, "assignee"),
            "acceptor": cells.entity(contract, "acceptor"),
        },
        "start_location": cells.location(contract, "start_location"),
        "end_location": cells.location(contract, "end_location"),
        "items": [
            {"item": item, "type": cells.eve_type(item), "group": cells.eve_group(item)} for item in items
        ],
        "bids": [{"bid": bid, "bidder": cells.entity(bid, "bidder")} for bid in bids],
    }
