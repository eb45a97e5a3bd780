"""Hostiles planted in the emulated world: an alliance, its corporation and members that a
few registrable characters deal with — a contact, ISK donations, a trade, a contract, a
mail, a past membership.

Deterministic per seed and world size, like the rest of the world: the same characters get
the same planted interactions whichever of them is generated first. The planted entities
use ids and names of their own, so nothing else in the world ever touches them and a test
can expect exactly ``planted(world)``. They are registered as world entities, so
``/universe/names``, ``/universe/ids``, ``/characters/affiliation``, ``/characters/{id}``,
``/corporations/{id}`` and ``/alliances/{id}`` serve them like any other entity.

``register(world)`` runs when the world is built (before any character is generated, so
every character sees the same public world whatever the order of generation);
``plant(world, data)`` runs once per character, at the end of its generation. The world
draws random contacts from all alliances, the planted one included: ``plant`` takes such
draws out again, so only planted interactions involve the hostiles.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import universe as U

if TYPE_CHECKING:
    from .world import CharacterData, World

ALLIANCE_ID = 99_300_001
#: below the world's player corporations, so random contacts never pick it
CORPORATION_ID = 98_000_000
MEMBER_ID_BASE = 2_117_000_001
MEMBERS = 4
#: planted contracts and corporation history records get ids far from the generated ones
CONTRACT_OFFSET = 9_000
RECORD_OFFSET = 90

ALLIANCE_NAMES = ["Vorpal Dominion", "Ashen Concord", "Gravewind Compact", "Night Harbour Pact"]
CORPORATION_NAMES = ["Blackfang Reavers", "Cinder Wolves", "Hollow Crown Cartel", "Rustmaw Raiders"]
MEMBER_FIRST = ["Vex", "Mordra", "Skarn", "Ilsa", "Qorin", "Thessa", "Brakk", "Yvaine"]
MEMBER_LAST = ["Sablethorn", "Grimveil", "Ashcroft", "Duskbane", "Ironmaw", "Nightvale"]

#: what a planted character does with the hostiles (``planted`` names these kinds)
KINDS = ("contact", "donation", "trade", "contract", "mail", "membership")


@dataclasses.dataclass(frozen=True)
class Planted:
    """One planted interaction: ``character_id`` dealt with ``counterparty_id`` (a ``kind``)."""

    character_id: int
    kind: str
    counterparty_id: int
    isk: float = 0.0
    standing: float | None = None


def _rng(world: World, *parts: Any):
    from .world import _rng as world_rng

    return world_rng(world.seed, "hostiles", *parts)


def names(world: World) -> dict[int, str]:
    """Names of the planted alliance, corporation and members (per seed)."""
    rng = _rng(world, "names")
    result = {
        ALLIANCE_ID: rng.choice(ALLIANCE_NAMES),
        CORPORATION_ID: rng.choice(CORPORATION_NAMES),
    }
    people = rng.sample([f"{first} {last}" for first in MEMBER_FIRST for last in MEMBER_LAST], MEMBERS)
    for k, name in enumerate(people):
        result[MEMBER_ID_BASE + k] = name
    return result


def member_ids() -> list[int]:
    return [MEMBER_ID_BASE + k for k in range(MEMBERS)]


def planted_ids() -> set[int]:
    """Ids of every planted entity."""
    return {ALLIANCE_ID, CORPORATION_ID, *member_ids()}


def register(world: World) -> None:
    """Add the planted entities to the world's public entities (once)."""
    if ALLIANCE_ID in world.entities:
        return
    from .world import Entity

    known = names(world)
    founded = world.start - timedelta(days=1200)
    rng = _rng(world, "entities")
    world.entities[ALLIANCE_ID] = Entity(
        ALLIANCE_ID,
        known[ALLIANCE_ID],
        "alliance",
        {"ticker": "VRPL", "date_founded": founded, "executor": CORPORATION_ID},
    )
    world.entities[CORPORATION_ID] = Entity(
        CORPORATION_ID,
        known[CORPORATION_ID],
        "corporation",
        {
            "ticker": "FANG",
            "alliance_id": ALLIANCE_ID,
            "date_founded": founded,
            "tax_rate": 0.1,
            "members": member_ids(),
            "ceo_id": MEMBER_ID_BASE,
        },
    )
    for member_id in member_ids():
        bloodline_id = rng.choice(sorted(U.BLOODLINES))
        world.entities[member_id] = Entity(
            member_id,
            known[member_id],
            "character",
            {
                "corporation_id": CORPORATION_ID,
                "race_id": U.BLOODLINES[bloodline_id][1],
                "bloodline_id": bloodline_id,
                "gender": rng.choice(["male", "female"]),
                "birthday": world.start - timedelta(days=rng.randint(400, 3000)),
                "security_status": round(rng.uniform(-10, -2), 6),
            },
        )


def targets(world: World) -> list[int]:
    """The registrable characters that deal with the hostiles: a few, chosen per seed."""
    ids = world.character_ids()
    count = min(len(ids), max(3, len(ids) // 10))
    return sorted(_rng(world, "targets", len(ids)).sample(ids, count))


def _kinds_of(world: World, character_id: int, position: int) -> list[str]:
    """The first target does everything, the others two to four things (so every kind occurs)."""
    if position == 0:
        return list(KINDS)
    rng = _rng(world, "kinds", character_id)
    return sorted(rng.sample(KINDS, rng.randint(2, 4)), key=KINDS.index)


def planted(world: World) -> list[Planted]:
    """Every planted interaction of the world, as the emulator serves it."""
    result: list[Planted] = []
    for position, character_id in enumerate(targets(world)):
        result.extend(_plan(world, character_id, position))
    return result


def _plan(world: World, character_id: int, position: int) -> list[Planted]:
    rng = _rng(world, "plan", character_id)
    members = member_ids()
    plan = []
    for kind in _kinds_of(world, character_id, position):
        member = rng.choice(members)
        if kind == "contact":  # a friendly standing towards the hostile corporation or a member
            if position % 2 == 0:
                plan.append(Planted(character_id, kind, CORPORATION_ID, standing=5.0))
            else:
                plan.append(Planted(character_id, kind, member, standing=10.0))
        elif kind == "membership":
            plan.append(Planted(character_id, kind, CORPORATION_ID))
        else:
            isk = round(rng.uniform(5e7, 2e9), 2) if kind in ("donation", "trade", "contract") else 0.0
            plan.append(Planted(character_id, kind, member, isk=isk))
    return plan


def plant(world: World, data: CharacterData) -> None:
    """Add the planted interactions to a freshly generated character (none for most)."""
    register(world)
    _drop_random_contacts(world, data)
    character_id = data.profile.character_id
    chosen = targets(world)
    if character_id not in chosen:
        return
    t0 = world.start
    rng = _rng(world, "data", character_id)
    for number, item in enumerate(_plan(world, character_id, chosen.index(character_id))):
        moment = (t0 - timedelta(days=1 + number, hours=rng.randint(1, 20))).replace(microsecond=0)
        {
            "contact": _contact,
            "donation": _donation,
            "trade": _trade,
            "contract": _contract,
            "mail": _mail,
            "membership": _membership,
        }[item.kind](world, data, item, moment, number)


# --- one function per kind ---------------------------------------------------------------------


def _replace(data: CharacterData, name: str, rows: Any, moment: datetime) -> None:
    data.set(name, rows, moment)


def _drop_random_contacts(world: World, data: CharacterData) -> None:
    contacts = data.get("contacts").data
    kept = [c for c in contacts if c["contact_id"] not in planted_ids()]
    if len(kept) != len(contacts):
        _replace(data, "contacts", kept, world.start)


def _contact(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    contacts = [c for c in data.get("contacts").data if c["contact_id"] != item.counterparty_id]
    contact: dict[str, Any] = {
        "contact_id": item.counterparty_id,
        "contact_type": "corporation" if item.counterparty_id == CORPORATION_ID else "character",
        "standing": item.standing,
    }
    if contact["contact_type"] == "character":
        contact["is_watched"] = False
    contacts.append(contact)
    _replace(data, "contacts", sorted(contacts, key=lambda c: c["contact_id"]), world.start)


def _journal_insert(world: World, data: CharacterData, entries: list[dict]) -> None:
    """Add entries to the journal, newest first like ESI, keeping the running balance and the
    wallet consistent (each entry's balance is the one before it plus its amount)."""
    journal = list(data.get("journal").data) + entries
    journal.sort(key=lambda e: (e["date"], e["id"]), reverse=True)
    oldest = journal[-1]
    balance = (
        round(oldest["balance"] - oldest["amount"], 2) if oldest not in entries else data.get("wallet").data
    )
    rebuilt = []
    for entry in reversed(journal):
        balance = round(balance + entry["amount"], 2)
        rebuilt.append({**entry, "balance": balance})
    rebuilt.reverse()
    _replace(data, "journal", rebuilt, world.start)
    _replace(data, "wallet", balance, world.start)


def _donation(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    from .world import JOURNAL_ID_BASE

    entry = {
        "amount": item.isk,
        "balance": 0.0,
        "date": moment,
        "description": f"{world.name(item.counterparty_id)} deposited cash into {data.profile.name}'s account",
        "first_party_id": item.counterparty_id,
        "id": data.next_id("journal", JOURNAL_ID_BASE),
        "reason": "for services rendered",
        "ref_type": "player_donation",
        "second_party_id": data.profile.character_id,
    }
    _journal_insert(world, data, [entry])


def _trade(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    from .world import JOURNAL_ID_BASE, TRANSACTION_ID_BASE

    quantity = 10
    transaction_id = data.next_id("transaction", TRANSACTION_ID_BASE)
    entry = {
        "amount": item.isk,
        "balance": 0.0,
        "context_id": transaction_id,
        "context_id_type": "market_transaction_id",
        "date": moment,
        "description": f"Market: {world.name(item.counterparty_id)} bought stuff from {data.profile.name}",
        "first_party_id": item.counterparty_id,
        "id": data.next_id("journal", JOURNAL_ID_BASE),
        "ref_type": "market_transaction",
        "second_party_id": data.profile.character_id,
    }
    _journal_insert(world, data, [entry])
    transaction = {
        "client_id": item.counterparty_id,
        "date": moment,
        "is_buy": False,
        "is_personal": True,
        "journal_ref_id": entry["id"],
        "location_id": U.LOCATIONS_HIGHSEC[0],
        "quantity": quantity,
        "transaction_id": transaction_id,
        "type_id": U.SHIP_TYPES[0],
        "unit_price": round(item.isk / quantity, 2),
    }
    transactions = list(data.get("transactions").data) + [transaction]
    transactions.sort(key=lambda t: (t["date"], t["transaction_id"]), reverse=True)
    _replace(data, "transactions", transactions, world.start)


def _contract(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    from .world import CONTRACT_ID_BASE

    contract_id = CONTRACT_ID_BASE + data.profile.index * 10000 + CONTRACT_OFFSET + number
    contract = {
        "acceptor_id": data.profile.character_id,
        "assignee_id": data.profile.character_id,
        "availability": "personal",
        "contract_id": contract_id,
        "date_accepted": moment + timedelta(hours=2),
        "date_completed": moment + timedelta(hours=2),
        "date_expired": moment + timedelta(days=14),
        "date_issued": moment,
        "for_corporation": False,
        "issuer_corporation_id": CORPORATION_ID,
        "issuer_id": item.counterparty_id,
        "price": item.isk,
        "start_location_id": U.LOCATIONS_HIGHSEC[0],
        "end_location_id": U.LOCATIONS_HIGHSEC[0],
        "status": "finished",
        "title": "No questions asked",
        "type": "item_exchange",
        "volume": 2500.0,
    }
    contracts = [contract] + list(data.get("contracts").data)
    contracts.sort(key=lambda c: c["date_issued"], reverse=True)
    _replace(data, "contracts", contracts, world.start)
    data.contract_items[contract_id] = [
        {
            "is_included": True,
            "is_singleton": False,
            "quantity": 1,
            "record_id": 3_900_000_000 + data.profile.index * 100 + number,
            "type_id": U.SHIP_TYPES[0],
        }
    ]


def _mail(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    from .world import MAIL_ID_BASE, _mail_labels_body

    mail = {
        "from": item.counterparty_id,
        "is_read": False,
        "labels": [1],
        "mail_id": data.next_id("mail", MAIL_ID_BASE),
        "recipients": [{"recipient_id": data.profile.character_id, "recipient_type": "character"}],
        "subject": "Our arrangement",
        "timestamp": moment,
        "_body": (
            '<font size="12" color="#bfffffff">The usual fee is in your wallet. '
            f'Regards, <a href="showinfo:1377//{item.counterparty_id}">{world.name(item.counterparty_id)}</a></font>'
        ),
    }
    mails = list(data.mails) + [mail]
    mails.sort(key=lambda m: (m["timestamp"], m["mail_id"]), reverse=True)
    data.mails = mails
    _replace(data, "mail", mails, world.start)
    _replace(data, "mail_labels", _mail_labels_body(data), world.start)


def _membership(world: World, data: CharacterData, item: Planted, moment: datetime, number: int) -> None:
    """A past stint in the hostile corporation, just before the current corporation."""
    history = list(data.get("corphistory").data)  # newest first
    current, previous = history[0], history[1]
    start = previous["start_date"] + (current["start_date"] - previous["start_date"]) / 2
    stint = {
        "corporation_id": CORPORATION_ID,
        "record_id": 10_000_000 + data.profile.index * 100 + RECORD_OFFSET,
        "start_date": start.replace(microsecond=0),
    }
    _replace(data, "corphistory", [current, stint, *history[1:]], world.start)
