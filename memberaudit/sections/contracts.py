"""Contracts with their items (fetched once) and auction bids (refreshed while outstanding).

ESI lists the contracts of the last 30 days; we keep every contract we ever saw (history,
pruned only by ``MEMBERAUDIT_DATA_RETENTION_LIMIT``) and update it in place when its status
changes. Items are asked for once per item exchange or auction, while ESI still lists it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from memberaudit.esi import gateway
from memberaudit.models.contracts import CharacterContract, CharacterContractBid, CharacterContractItem

from . import retention
from .base import NOT_MODIFIED, Changes, Counterparties, Section, SyncContext, ids
from .registry import register
from .sync import batch_size, dt, replace_rows

logger = logging.getLogger(__name__)

CONTRACTS_SCOPE = "esi-contracts.read_character_contracts.v1"
LIST_OPERATION = "GetCharactersCharacterIdContracts"
ITEMS_OPERATION = "GetCharactersCharacterIdContractsContractIdItems"
BIDS_OPERATION = "GetCharactersCharacterIdContractsContractIdBids"
#: contract types whose items ESI serves
TYPES_WITH_ITEMS = frozenset({"item_exchange", "auction"})
OUTSTANDING = "outstanding"


def fetch_detail(ctx: SyncContext, operation_id: str, **params: Any) -> gateway.EsiResponse:
    """Ask for a detail we have not stored yet, bypassing the ETag.

    A 304 would hand us nothing to store (the ETag may stem from a run whose store failed),
    and such details are asked for only once anyway.
    """
    response = ctx.esi(operation_id, refetch=True, **params)
    return response


def _id(value: Any) -> int | None:
    """An EVE id, or None for ESI's 0 / absent ("nobody")."""
    return int(value) if value else None


def _in_chunks(values: list[int]) -> Iterable[list[int]]:
    size = batch_size()
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stored(ctx: SyncContext, contract_ids: Iterable[int], *fields: str) -> dict[int, dict[str, Any]]:
    """Stored contracts of the character among ``contract_ids``: contract_id -> ``fields``."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _in_chunks(sorted(set(contract_ids))):
        qs = CharacterContract.objects.filter(character=ctx.character, contract_id__in=chunk)
        for row in qs.values("contract_id", *fields):
            found[row["contract_id"]] = row
    return found


def contract_row(contract: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of one contract as ESI gives it."""
    return {
        "contract_id": contract["contract_id"],
        "contract_type": contract["type"],
        "status": contract["status"],
        "availability": contract["availability"],
        "for_corporation": contract.get("for_corporation", False),
        "title": contract.get("title", ""),
        "issuer_id": _id(contract.get("issuer_id")),
        "issuer_corporation_id": _id(contract.get("issuer_corporation_id")),
        "assignee_id": _id(contract.get("assignee_id")),
        "acceptor_id": _id(contract.get("acceptor_id")),
        "start_location_id": _id(contract.get("start_location_id")),
        "end_location_id": _id(contract.get("end_location_id")),
        "price": contract.get("price"),
        "reward": contract.get("reward"),
        "collateral": contract.get("collateral"),
        "buyout": contract.get("buyout"),
        "volume": contract.get("volume"),
        "days_to_complete": contract.get("days_to_complete"),
        "date_issued": contract["date_issued"],
        "date_expired": contract["date_expired"],
        "date_accepted": contract.get("date_accepted"),
        "date_completed": contract.get("date_completed"),
    }


_ZERO_ISK = Value(0, output_field=DecimalField(max_digits=20, decimal_places=2))
#: what a contract moves: the price of an exchange or auction, the reward of a courier
_CONTRACT_ISK = Coalesce(F("price"), _ZERO_ISK) + Coalesce(F("reward"), _ZERO_ISK)


@register
class ContractsSection(Section):
    name = "contracts"
    title = _("Contracts")
    ring = 2
    scopes = (CONTRACTS_SCOPE,)
    operations = (LIST_OPERATION, ITEMS_OPERATION, BIDS_OPERATION)
    #: items and bids belong to their contract and go with it (reset, retention)
    models = (CharacterContract,)
    retention = ((CharacterContract, "date_issued"),)
    counterparties = (
        Counterparties(
            CharacterContract, "issuer_id", date="date_issued", isk=_CONTRACT_ISK, kind="character"
        ),
        Counterparties(
            CharacterContract,
            "issuer_corporation_id",
            date="date_issued",
            isk=_CONTRACT_ISK,
            kind="corporation",
            unless_self="issuer_id",
        ),
        Counterparties(CharacterContract, "assignee_id", date="date_issued", isk=_CONTRACT_ISK),
        # the acceptor is usually the assignee: one contract counts once
        Counterparties(
            CharacterContract,
            "acceptor_id",
            date="date_issued",
            isk=_CONTRACT_ISK,
            only=Q(assignee_id__isnull=True) | ~Q(acceptor_id=F("assignee_id")),
        ),
    )
    description = (
        "Contracts ESI lists for the last 30 days, kept as history with status updates, the items of "
        "item exchanges and auctions (fetched once) and auction bids, every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi(LIST_OPERATION, paged=True)
        cutoff = retention.cutoff()
        if response.not_modified:
            contracts = None
            items_wanted, bids_wanted = self._pending_work(ctx)
        else:
            contracts = sorted(
                (c for c in response.data if cutoff is None or dt(c["date_issued"]) >= cutoff),
                key=lambda c: c["contract_id"],
            )
            items_wanted, bids_wanted = self._work_for(ctx, contracts)

        items, items_gone = self._fetch_items(ctx, items_wanted)
        bids = self._fetch_bids(ctx, bids_wanted)
        if contracts is None and not (items or items_gone or bids):
            return NOT_MODIFIED
        return {"contracts": contracts, "items": items, "items_gone": items_gone, "bids": bids}

    @staticmethod
    def _fetch_items(ctx: SyncContext, contract_ids: set[int]) -> tuple[list[dict], list[int]]:
        """Items of these contracts, and the contracts whose items ESI no longer has."""
        items, gone = [], []
        for contract_id in sorted(contract_ids):
            try:
                answer = fetch_detail(ctx, ITEMS_OPERATION, contract_id=contract_id)
            except gateway.NotFound:
                gone.append(contract_id)  # do not ask again
                continue
            except gateway.TokenError:
                raise
            except gateway.EsiPaused as exc:  # budget low: keep what we have, the rest next run
                logger.info("%s: contract items postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            except gateway.EsiError as exc:  # incl. the route being down: asked again next run
                logger.warning("%s: items of contract %s: %s", ctx.character, contract_id, exc)
                ctx.postponed = True
                continue
            items.append({"contract_id": contract_id, "items": answer.data or []})
        return items, gone

    @staticmethod
    def _fetch_bids(ctx: SyncContext, contract_ids: set[int]) -> list[dict]:
        """Bids on these auctions, for those whose bids changed since we last asked."""
        bids = []
        for contract_id in sorted(contract_ids):
            try:
                answer = ctx.esi(BIDS_OPERATION, contract_id=contract_id)
            except gateway.TokenError:
                raise
            except gateway.EsiPaused as exc:
                logger.info("%s: contract bids postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            except gateway.EsiError as exc:
                logger.warning("%s: bids of contract %s: %s", ctx.character, contract_id, exc)
                ctx.postponed = True
                continue
            if not answer.not_modified:
                bids.append({"contract_id": contract_id, "bids": answer.data or []})
        return bids

    @staticmethod
    def _work_for(ctx: SyncContext, contracts: list[dict]) -> tuple[set[int], set[int]]:
        """Contracts (ESI listed them just now) whose items, and auctions whose bids, we need."""
        stored = _stored(ctx, (c["contract_id"] for c in contracts), "status", "items_loaded")
        items_wanted, bids_wanted = set(), set()
        for contract in contracts:
            contract_id = contract["contract_id"]
            known = stored.get(contract_id)
            if contract["type"] in TYPES_WITH_ITEMS and not (known and known["items_loaded"]):
                items_wanted.add(contract_id)
            # bids while outstanding, plus once when new or when it has just ended
            if contract["type"] == "auction" and (
                contract["status"] == OUTSTANDING or known is None or known["status"] == OUTSTANDING
            ):
                bids_wanted.add(contract_id)
        return items_wanted, bids_wanted

    @staticmethod
    def _pending_work(ctx: SyncContext) -> tuple[set[int], set[int]]:
        """With an unchanged list: items a previous run could not get, bids of outstanding auctions."""
        listed = set(ctx.state.get("listed", []))
        mine = CharacterContract.objects.filter(character=ctx.character)
        items_wanted = {
            contract_id
            for contract_id in mine.filter(
                contract_type__in=TYPES_WITH_ITEMS, items_loaded=False
            ).values_list("contract_id", flat=True)
            if contract_id in listed
        }
        bids_wanted = set(
            mine.filter(contract_type="auction", status=OUTSTANDING).values_list("contract_id", flat=True)
        )
        return items_wanted, bids_wanted

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        changes = Changes()
        if payload["contracts"] is not None:
            rows = [contract_row(c) for c in payload["contracts"]]
            changes += replace_rows(
                CharacterContract, {"character": ctx.character}, rows, key="contract_id", delete_missing=False
            )
            ctx.new_state = {"listed": sorted(c["contract_id"] for c in payload["contracts"])}
        changes += self._store_items(ctx, payload["items"], payload["items_gone"])
        changes += self._store_bids(ctx, payload["bids"])
        return changes

    @staticmethod
    def _store_items(ctx: SyncContext, items: list[dict], gone: list[int]) -> Changes:
        """Add the items of contracts that have none yet and mark those contracts as done."""
        contracts = _stored(ctx, [i["contract_id"] for i in items] + list(gone), "pk", "items_loaded")
        todo = {cid: row["pk"] for cid, row in contracts.items() if not row["items_loaded"]}
        if not todo:
            return Changes()
        new = [
            CharacterContractItem(
                contract_id=todo[entry["contract_id"]],
                record_id=item["record_id"],
                eve_type_id=item["type_id"],
                quantity=item["quantity"],
                raw_quantity=item.get("raw_quantity"),
                is_singleton=item["is_singleton"],
                is_included=item["is_included"],
            )
            for entry in items
            if entry["contract_id"] in todo
            for item in entry["items"]
        ]
        # the flag is set in the same transaction as the items: a contract has both or neither
        CharacterContractItem.objects.bulk_create(new, batch_size=batch_size())
        for chunk in _in_chunks(sorted(todo.values())):
            CharacterContract.objects.filter(pk__in=chunk).update(items_loaded=True)
        return Changes(created=len(new), updated=len(todo))

    @staticmethod
    def _store_bids(ctx: SyncContext, bids: list[dict]) -> Changes:
        """Add bids not stored yet (a bid never changes)."""
        contracts = _stored(ctx, [b["contract_id"] for b in bids], "pk")
        pks = {cid: row["pk"] for cid, row in contracts.items()}
        if not pks:
            return Changes()
        known = set(
            CharacterContractBid.objects.filter(contract_id__in=list(pks.values())).values_list(
                "contract_id", "bid_id"
            )
        )
        new = [
            CharacterContractBid(
                contract_id=pks[entry["contract_id"]],
                bid_id=bid["bid_id"],
                bidder_id=_id(bid.get("bidder_id")),
                date_bid=dt(bid["date_bid"]),
                amount=bid["amount"],
            )
            for entry in bids
            if entry["contract_id"] in pks
            for bid in entry["bids"]
            if (pks[entry["contract_id"]], bid["bid_id"]) not in known
        ]
        CharacterContractBid.objects.bulk_create(new, batch_size=batch_size())
        return Changes(created=len(new))

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        contracts = payload["contracts"] or []
        parties = ("issuer_id", "issuer_corporation_id", "assignee_id", "acceptor_id")
        return {
            "entities": ids(c.get(k) for c in contracts for k in parties)
            | ids(b.get("bidder_id") for entry in payload["bids"] for b in entry["bids"]),
            "locations": ids(c.get(k) for c in contracts for k in ("start_location_id", "end_location_id")),
            "types": ids(i["type_id"] for entry in payload["items"] for i in entry["items"]),
        }
