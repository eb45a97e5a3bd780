"""Wallet balance, journal and transactions."""

from __future__ import annotations

from django.db import models

from .characters import Character
from .fields import entity_fk, isk, location_fk, type_fk


class CharacterWalletBalance(models.Model):
    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="wallet_balance")
    total = isk()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {self.total} ISK"


class CharacterWalletJournalEntry(models.Model):
    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="wallet_journal")
    entry_id = models.BigIntegerField()
    date = models.DateTimeField()
    ref_type = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    amount = isk()
    balance = isk()
    first_party = entity_fk()
    second_party = entity_fk()
    reason = models.TextField(blank=True, default="")
    context_id = models.BigIntegerField(null=True, default=None)
    context_id_type = models.CharField(max_length=32, blank=True, default="")
    tax = isk()
    tax_receiver = entity_fk()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "entry_id"], name="ma_journal_unique")]
        indexes = [models.Index(fields=["character", "-date"], name="ma_journal_char_date")]

    def __str__(self) -> str:
        return f"{self.character}: {self.entry_id}"


class CharacterWalletTransaction(models.Model):
    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="wallet_transactions")
    transaction_id = models.BigIntegerField()
    date = models.DateTimeField()
    eve_type = type_fk()
    location = location_fk()
    unit_price = isk()
    quantity = models.BigIntegerField()
    client = entity_fk()
    is_buy = models.BooleanField()
    is_personal = models.BooleanField()
    journal_ref_id = models.BigIntegerField()

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "transaction_id"], name="ma_transaction_unique")
        ]
        indexes = [models.Index(fields=["character", "-date"], name="ma_transaction_char_date")]

    def __str__(self) -> str:
        return f"{self.character}: {self.transaction_id}"
