"""Wallet balance, journal and transactions (journal and transactions are append-only)."""

from __future__ import annotations

from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F
from django.utils.translation import gettext_lazy as _

from memberaudit.models.wallet import (
    CharacterWalletBalance,
    CharacterWalletJournalEntry,
    CharacterWalletTransaction,
)

from .base import NOT_MODIFIED, Changes, Counterparties, Section, SyncContext, ids
from .registry import register
from .retention import within
from .sync import append_rows, upsert_one

WALLET_SCOPE = "esi-wallet.read_character_wallet.v1"


@register
class WalletBalanceSection(Section):
    name = "wallet_balance"
    title = _("Wallet balance")
    ring = 2
    scopes = (WALLET_SCOPE,)
    operations = ("GetCharactersCharacterIdWallet",)
    models = (CharacterWalletBalance,)
    description = "The ISK balance, every ring 2 cycle."

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdWallet")
        return NOT_MODIFIED if response.not_modified else {"total": response.data}

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return upsert_one(CharacterWalletBalance, {"character": ctx.character}, {"total": payload["total"]})


@register
class WalletJournalSection(Section):
    name = "wallet_journal"
    title = _("Wallet journal")
    ring = 2
    scopes = (WALLET_SCOPE,)
    operations = ("GetCharactersCharacterIdWalletJournal",)
    models = (CharacterWalletJournalEntry,)
    retention = ((CharacterWalletJournalEntry, "date"),)
    counterparties = (
        Counterparties(
            CharacterWalletJournalEntry, "first_party_id", date="date", isk="amount", append_only=True
        ),
        Counterparties(
            CharacterWalletJournalEntry, "second_party_id", date="date", isk="amount", append_only=True
        ),
    )
    description = (
        "Wallet journal entries of the last 30 days (ESI's window), kept as history, every ring 2 cycle."
    )

    paged = True

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = (
            {
                "entry_id": entry["id"],
                "date": entry["date"],
                "ref_type": entry["ref_type"],
                "description": entry.get("description", ""),
                "amount": entry.get("amount"),
                "balance": entry.get("balance"),
                "first_party_id": entry.get("first_party_id"),
                "second_party_id": entry.get("second_party_id"),
                "reason": entry.get("reason", ""),
                "context_id": entry.get("context_id"),
                "context_id_type": entry.get("context_id_type", ""),
                "tax": entry.get("tax"),
                "tax_receiver_id": entry.get("tax_receiver_id"),
            }
            for entry in payload
        )
        return append_rows(
            CharacterWalletJournalEntry, {"character": ctx.character}, within(rows, "date"), key="entry_id"
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        parties = ids(
            e.get(k) for e in payload for k in ("first_party_id", "second_party_id", "tax_receiver_id")
        )
        return {"entities": parties}


@register
class WalletTransactionsSection(Section):
    name = "wallet_transactions"
    title = _("Wallet transactions")
    ring = 2
    scopes = (WALLET_SCOPE,)
    operations = ("GetCharactersCharacterIdWalletTransactions",)
    models = (CharacterWalletTransaction,)
    retention = ((CharacterWalletTransaction, "date"),)
    counterparties = (
        Counterparties(
            CharacterWalletTransaction,
            "client_id",
            date="date",
            isk=ExpressionWrapper(
                F("unit_price") * F("quantity"), output_field=DecimalField(max_digits=22, decimal_places=2)
            ),
            append_only=True,
        ),
    )
    description = "Market transactions (up to the last 2,500), kept as history, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = (
            {
                "transaction_id": t["transaction_id"],
                "date": t["date"],
                "eve_type_id": t["type_id"],
                "location_id": t["location_id"],
                "unit_price": t["unit_price"],
                "quantity": t["quantity"],
                "client_id": t["client_id"],
                "is_buy": t["is_buy"],
                "is_personal": t["is_personal"],
                "journal_ref_id": t["journal_ref_id"],
            }
            for t in payload
        )
        return append_rows(
            CharacterWalletTransaction,
            {"character": ctx.character},
            within(rows, "date"),
            key="transaction_id",
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "types": ids(t["type_id"] for t in payload),
            "entities": ids(t["client_id"] for t in payload),
            "locations": ids(t["location_id"] for t in payload),
        }
