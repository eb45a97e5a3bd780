"""The interaction index follows what the sections stored: counterparties, counts, dates, ISK."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from helpers import create_character, write_statements

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eveuniverse.models import EveEntity

from memberaudit.intel import index
from memberaudit.models import Character, CharacterInteraction
from memberaudit.sections import registry, retention
from memberaudit.sections.base import SyncContext

NOW = timezone.now().replace(microsecond=0)
HOSTILE, TRADER, CORP, OWN_CORP = 2_100_000_001, 2_100_000_002, 98_000_777, 98_000_001


@pytest.fixture
def character(db) -> Character:
    return create_character("indexed", corporation_id=OWN_CORP)


def stored(character: Character, section: str, payload) -> None:
    """Store like the engine does: every pass in a transaction (the index follows inside it)."""
    ctx = SyncContext(character=character, status=None, token=None)
    for step in registry.get(section).store_passes(ctx, payload):
        with transaction.atomic():
            step()


def rows(character: Character, source: str | None = None) -> dict[int, CharacterInteraction]:
    qs = CharacterInteraction.objects.filter(character=character)
    if source:
        qs = qs.filter(source=source)
    return {row.counterparty_id: row for row in qs}


def journal(entry_id: int, first: int, second: int, amount: float, days_ago: float, **extra) -> dict:
    return {
        "id": entry_id,
        "date": (NOW - timedelta(days=days_ago)).isoformat(),
        "ref_type": "player_donation",
        "amount": amount,
        "first_party_id": first,
        "second_party_id": second,
        **extra,
    }


def test_journal_parties_are_counted_once_per_entry_with_dates_and_isk(character):
    me = character.character_id
    stored(
        character,
        "wallet_journal",
        [
            journal(1, HOSTILE, me, 1_000_000.5, days_ago=10),
            journal(2, me, HOSTILE, -250_000, days_ago=2),
            journal(3, TRADER, me, 10, days_ago=1),
        ],
    )
    found = rows(character, "wallet_journal")
    assert set(found) == {HOSTILE, TRADER}  # never the character itself
    hostile = found[HOSTILE]
    assert hostile.count == 2
    assert hostile.isk == Decimal("1250000.50")
    assert hostile.first_seen == NOW - timedelta(days=10)
    assert hostile.last_seen == NOW - timedelta(days=2)
    assert hostile.standing is None


def test_new_history_updates_the_counts_and_adds_new_counterparties(character):
    me = character.character_id
    stored(character, "wallet_journal", [journal(1, HOSTILE, me, 100, days_ago=3)])
    stored(
        character,
        "wallet_journal",
        [
            journal(1, HOSTILE, me, 100, days_ago=3),
            journal(2, HOSTILE, me, 50, days_ago=1),
            journal(3, CORP, me, 7, 1),
        ],
    )
    found = rows(character, "wallet_journal")
    assert (found[HOSTILE].count, found[HOSTILE].isk, found[HOSTILE].last_seen) == (
        2,
        Decimal("150.00"),
        NOW - timedelta(days=1),
    )
    assert found[CORP].count == 1


def test_a_refresh_without_news_writes_nothing(character):
    me = character.character_id
    stored(character, "wallet_journal", [journal(1, HOSTILE, me, 100, days_ago=3)])
    section = registry.get("wallet_journal")
    with CaptureQueriesContext(connection) as ctx:
        changes = index.refresh_character(section, character)
    assert changes.total == 0
    assert write_statements(ctx) == []


def test_an_unchanged_payload_costs_the_index_nothing(character):
    """The journal is append-only: a repeated payload stores nothing, so the index is not even asked."""
    me = character.character_id
    payload = [journal(1, HOSTILE, me, 100, days_ago=3)]
    stored(character, "wallet_journal", payload)
    with CaptureQueriesContext(connection) as ctx:
        stored(character, "wallet_journal", payload)
    assert write_statements(ctx) == []
    assert not any("memberaudit_characterinteraction" in q["sql"] for q in ctx.captured_queries)


def test_transactions_count_the_client_with_the_isk_of_the_trade(character):
    stored(
        character,
        "wallet_transactions",
        [
            {
                "transaction_id": 5,
                "date": NOW.isoformat(),
                "type_id": 34,
                "location_id": 60003760,
                "unit_price": 5.5,
                "quantity": 1000,
                "client_id": TRADER,
                "is_buy": True,
                "is_personal": True,
                "journal_ref_id": 1,
            }
        ],
    )
    row = rows(character, "wallet_transactions")[TRADER]
    assert (row.count, row.isk, row.last_seen) == (1, Decimal("5500.00"), NOW)


def _contract(contract_id: int, **fields) -> dict:
    return {
        "contract_id": contract_id,
        "type": "item_exchange",
        "status": "finished",
        "availability": "personal",
        "date_issued": (NOW - timedelta(days=1)).isoformat(),
        "date_expired": (NOW + timedelta(days=13)).isoformat(),
        "price": 1_000_000,
        **fields,
    }


def test_contracts_count_each_party_once_and_skip_the_own_corporation(character):
    me = character.character_id
    stored(
        character,
        "contracts",
        {
            "contracts": [
                # outgoing, accepted by the assignee: HOSTILE once, own corporation not at all
                _contract(
                    1, issuer_id=me, issuer_corporation_id=OWN_CORP, assignee_id=HOSTILE, acceptor_id=HOSTILE
                ),
                # incoming from HOSTILE of CORP: the issuer's corporation is evidence too
                _contract(2, issuer_id=HOSTILE, issuer_corporation_id=CORP, assignee_id=me, acceptor_id=me),
                # public courier accepted by TRADER
                _contract(
                    3, issuer_id=me, issuer_corporation_id=OWN_CORP, acceptor_id=TRADER, price=None, reward=5
                ),
            ],
            "items": [],
            "items_gone": [],
            "bids": [],
        },
    )
    found = rows(character, "contracts")
    assert set(found) == {HOSTILE, CORP, TRADER}
    assert found[HOSTILE].count == 2
    assert found[HOSTILE].isk == Decimal("2000000.00")
    assert (found[CORP].count, found[CORP].kind) == (1, "corporation")
    assert (found[TRADER].count, found[TRADER].isk) == (1, Decimal("5.00"))


def test_mail_senders_and_recipients_but_not_mailing_lists(character):
    me = character.character_id
    mails = [
        {
            "mail_id": 1,
            "from": HOSTILE,
            "subject": "hi",
            "timestamp": (NOW - timedelta(days=5)).isoformat(),
            "recipients": [
                {"recipient_id": me, "recipient_type": "character"},
                {"recipient_id": 145000001, "recipient_type": "mailing_list"},
            ],
        },
        {
            "mail_id": 2,
            "from": me,
            "subject": "re: hi",
            "timestamp": (NOW - timedelta(days=4)).isoformat(),
            "recipients": [
                {"recipient_id": HOSTILE, "recipient_type": "character"},
                {"recipient_id": CORP, "recipient_type": "corporation"},
            ],
        },
    ]
    stored(character, "mail", {"headers": mails, "labels": None, "lists": None, "bodies": {}})
    found = rows(character, "mail")
    assert set(found) == {HOSTILE, CORP}
    assert (found[HOSTILE].count, found[HOSTILE].kind) == (2, "character")
    assert (found[HOSTILE].first_seen, found[HOSTILE].last_seen) == (
        NOW - timedelta(days=5),
        NOW - timedelta(days=4),
    )
    assert found[CORP].kind == "corporation"


def test_contacts_keep_their_first_sighting_and_move_last_seen_when_the_standing_changes(character):
    contacts = {
        "contacts": [{"contact_id": HOSTILE, "contact_type": "character", "standing": 5.0}],
        "labels": None,
    }
    stored(character, "contacts", contacts)
    first = rows(character, "contacts")[HOSTILE]
    assert (first.standing, first.kind, first.count) == (5.0, "character", 1)

    contacts["contacts"].append({"contact_id": CORP, "contact_type": "corporation", "standing": -10.0})
    stored(character, "contacts", contacts)
    again = rows(character, "contacts")[HOSTILE]
    assert (again.first_seen, again.last_seen) == (first.first_seen, first.last_seen)

    contacts["contacts"][0]["standing"] = 10.0
    stored(character, "contacts", contacts)
    changed = rows(character, "contacts")[HOSTILE]
    assert changed.standing == 10.0
    assert changed.first_seen == first.first_seen
    assert changed.last_seen >= first.last_seen

    stored(character, "contacts", {"contacts": [], "labels": None})
    assert rows(character, "contacts") == {}


def test_corporation_history_names_every_corporation(character):
    stored(
        character,
        "corporation_history",
        [
            {"record_id": 1, "corporation_id": 1000167, "start_date": "2015-01-01T00:00:00Z"},
            {"record_id": 2, "corporation_id": CORP, "start_date": "2018-01-01T00:00:00Z"},
            {"record_id": 3, "corporation_id": OWN_CORP, "start_date": "2020-01-01T00:00:00Z"},
        ],
    )
    found = rows(character, "corporation_history")
    assert set(found) == {1000167, CORP, OWN_CORP}
    assert found[CORP].kind == "corporation"


def test_the_kind_of_an_unknown_party_comes_from_resolved_names(character):
    EveEntity.objects.create(id=HOSTILE, name="Hostile Pilot", category="character")
    stored(character, "wallet_journal", [journal(1, HOSTILE, character.character_id, 1, days_ago=1)])
    assert rows(character)[HOSTILE].kind == "character"


def test_retention_removes_what_was_pruned_and_recounts_the_rest(character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 30
    me = character.character_id
    stored(
        character,
        "wallet_journal",
        [
            journal(1, HOSTILE, me, 100, days_ago=20),
            journal(2, HOSTILE, me, 50, days_ago=5),
            journal(3, TRADER, me, 9, 25),
        ],
    )
    later = NOW + timedelta(days=16)  # entry 1 (20 d) and 3 (25 d) are now older than 30 days
    retention.prune(now=later)
    found = rows(character, "wallet_journal")
    assert set(found) == {HOSTILE}
    assert (found[HOSTILE].count, found[HOSTILE].isk, found[HOSTILE].first_seen) == (
        1,
        Decimal("50.00"),
        NOW - timedelta(days=5),
    )


def test_retention_leaves_rows_alone_whose_evidence_is_all_newer(character, settings):
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = None  # stored while retention was off
    other = create_character("other")
    me = character.character_id
    stored(character, "wallet_journal", [journal(1, HOSTILE, me, 100, days_ago=40)])
    stored(other, "wallet_journal", [journal(2, HOSTILE, other.character_id, 100, days_ago=1)])
    settings.MEMBERAUDIT_DATA_RETENTION_LIMIT = 30
    with CaptureQueriesContext(connection) as ctx:
        retention.prune(now=NOW)
    assert rows(character) == {}
    writes = [sql for sql in write_statements(ctx) if "characterinteraction" in sql]
    assert len(writes) == 1 and writes[0].startswith("DELETE")
    assert rows(other)[HOSTILE].count == 1


def test_a_reset_section_leaves_no_index_rows(character):
    stored(character, "wallet_journal", [journal(1, HOSTILE, character.character_id, 1, days_ago=1)])
    registry.get("wallet_journal").reset(character)
    assert rows(character) == {}


def test_rebuild_recreates_the_index_from_stored_rows(character):
    stored(character, "wallet_journal", [journal(1, HOSTILE, character.character_id, 1, days_ago=1)])
    CharacterInteraction.objects.all().delete()
    changes = index.rebuild()
    assert changes.created == [(character.pk, HOSTILE)]
    assert set(rows(character)) == {HOSTILE}


def test_append_only_history_is_read_from_the_last_counted_row_on(character):
    me = character.character_id
    stored(
        character, "wallet_journal", [journal(1, HOSTILE, me, 100, days_ago=3), journal(2, TRADER, me, 5, 2)]
    )
    with CaptureQueriesContext(connection) as ctx:
        stored(
            character,
            "wallet_journal",
            [journal(3, HOSTILE, me, -40, days_ago=1), journal(4, CORP, me, 7, days_ago=1)],
        )
    aggregates = [
        q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"] and "walletjournal" in q["sql"]
    ]
    # "id" on SQLite, `id` on MariaDB
    assert aggregates and all(re.search(r'[`"]id[`"] >', sql) for sql in aggregates)
    incremental = {
        (r.counterparty_id, r.count, r.isk, r.first_seen, r.last_seen, r.last_row)
        for r in rows(character).values()
    }
    index.rebuild()
    rebuilt = {
        (r.counterparty_id, r.count, r.isk, r.first_seen, r.last_seen, r.last_row)
        for r in rows(character).values()
    }
    assert incremental == rebuilt
    assert rows(character)[HOSTILE].count == 2


def test_the_rebuild_command_fills_an_empty_index(character):
    from io import StringIO

    from django.core.management import call_command

    stored(character, "wallet_journal", [journal(1, HOSTILE, character.character_id, 1, days_ago=1)])
    CharacterInteraction.objects.all().delete()
    out = StringIO()
    call_command("memberaudit_intel_index", stdout=out)
    assert set(rows(character)) == {HOSTILE}
    assert "1 rows added" in out.getvalue()
