"""Rows in every export topic, with player-written text that tries formula injection."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from memberaudit.models import (
    Character,
    CharacterAsset,
    CharacterSkill,
    CharacterWalletJournalEntry,
    CharacterWalletTransaction,
)
from memberaudit.models.contracts import CharacterContract, CharacterContractItem
from memberaudit.models.mail import CharacterMail

#: what a hostile player might write into a contract title, a mail subject or a wallet reason
ATTACK = '=HYPERLINK("http://evil.example","click")'


def create_rows(character: Character, journal: int = 3) -> None:
    """``journal`` wallet journal entries and one row in each other topic."""
    now = timezone.now()
    CharacterWalletJournalEntry.objects.bulk_create(
        CharacterWalletJournalEntry(
            character=character,
            entry_id=1000 + i,
            date=now - timedelta(hours=i),
            ref_type="player_donation",
            description="-1 ISK for you",
            amount=Decimal("-1500.25"),
            balance=Decimal("1000000.00"),
            reason=ATTACK,
        )
        for i in range(journal)
    )
    CharacterWalletTransaction.objects.create(
        character=character,
        transaction_id=1,
        date=now,
        unit_price=Decimal("10.00"),
        quantity=5,
        is_buy=True,
        is_personal=True,
        journal_ref_id=1000,
    )
    contract = CharacterContract.objects.create(
        character=character,
        contract_id=77,
        contract_type="item_exchange",
        status="outstanding",
        availability="personal",
        title="+cmd|' /C calc'!A0",
        date_issued=now,
        date_expired=now + timedelta(days=3),
        price=Decimal("5.00"),
    )
    CharacterContractItem.objects.create(
        contract=contract, record_id=1, quantity=2, is_singleton=False, is_included=True
    )
    CharacterAsset.objects.create(
        character=character,
        item_id=5,
        location_flag="Hangar",
        location_type="station",
        quantity=1,
        is_singleton=True,
        name="@SUM(1+1)",
    )
    CharacterSkill.objects.create(
        character=character, active_skill_level=5, trained_skill_level=5, skillpoints_in_skill=256000
    )
    CharacterMail.objects.create(
        character=character, mail_id=9, subject="\t=1+1", timestamp=now, label_ids=[1, 4]
    )
