"""End-to-end: the real django-esi client over real HTTP against the ESI emulator.

Every stored section is compared with what the emulator served (counts, sums, keys, fields).
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from helpers import write_statements

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import (
    CharacterAsset,
    CharacterAttributes,
    CharacterCorporationHistory,
    CharacterDetails,
    CharacterImplant,
    CharacterJumpClone,
    CharacterLocation,
    CharacterOnlineStatus,
    CharacterShip,
    CharacterSkill,
    CharacterSkillpoints,
    CharacterSkillqueueEntry,
    CharacterWalletBalance,
    CharacterWalletJournalEntry,
    CharacterWalletTransaction,
    SectionStatus,
)
from memberaudit.sections import engine
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

MY_SECTIONS = [
    "assets",
    "attributes",
    "corporation_history",
    "details",
    "implants",
    "jump_clones",
    "location",
    "online_status",
    "ship",
    "skill_queue",
    "skills",
    "wallet_balance",
    "wallet_journal",
    "wallet_transactions",
]


def served(esi, character, path: str, *, public: bool = False, pages: bool = False):
    """What the emulator serves for ``path`` (raw JSON, all pages)."""
    client = RawClient(esi.url)
    token = None if public else character.memberaudit_token  # set by the fixture below
    path = "/" + path.lstrip("/")
    response = client.get(path + ("?page=1" if pages else ""), token=token)
    assert response.status == 200, (path, response.status, response.body[:200])
    data = response.json()
    if pages:
        for page in range(2, int(response.headers.get("x-pages", 1)) + 1):
            data += client.get(f"{path}?page={page}", token=token).json()
    return data


@pytest.fixture
def update_all():
    def _run(character, sections=MY_SECTIONS, force=False):
        return {name: engine.update_section(character, name, force=force) for name in sections}

    return _run


@pytest.fixture
def registered(register_character):
    def _make(**kwargs):
        from esi.models import Token

        character = register_character(**kwargs)
        character.memberaudit_token = Token.objects.get(character_id=character.character_id).access_token
        return character

    return _make


def _expire_esi_response_cache():
    """Let django-esi's response cache run out (ETags stay): the next call is a real conditional GET."""
    cache.delete_pattern("esi_*")


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_first_update_stores_exactly_what_esi_served(esi, registered, update_all, size):
    character = registered(size=size)
    cid = character.character_id
    results = update_all(character)
    assert {r.outcome for r in results.values()} <= {"changed", "unchanged"}, {
        n: r.message for n, r in results.items() if r.outcome not in {"changed", "unchanged"}
    }

    skills = served(esi, character, f"characters/{cid}/skills")
    stored = dict(
        CharacterSkill.objects.filter(character=character).values_list("eve_type_id", "skillpoints_in_skill")
    )
    assert stored == {s["skill_id"]: s["skillpoints_in_skill"] for s in skills["skills"]}
    assert CharacterSkillpoints.objects.get(character=character).total == skills["total_sp"]

    queue = served(esi, character, f"characters/{cid}/skillqueue")
    assert list(
        CharacterSkillqueueEntry.objects.filter(character=character).values_list("eve_type_id", flat=True)
    ) == [q["skill_id"] for q in sorted(queue, key=lambda q: q["queue_position"])]

    attributes = served(esi, character, f"characters/{cid}/attributes")
    stored_attributes = CharacterAttributes.objects.get(character=character)
    assert stored_attributes.intelligence == attributes["intelligence"]
    assert stored_attributes.bonus_remaps == attributes.get("bonus_remaps")

    balance = served(esi, character, f"characters/{cid}/wallet")
    assert CharacterWalletBalance.objects.get(character=character).total == Decimal(str(balance)).quantize(
        Decimal("0.01")
    )
    journal = served(esi, character, f"characters/{cid}/wallet/journal", pages=True)
    stored_journal = CharacterWalletJournalEntry.objects.filter(character=character)
    assert set(stored_journal.values_list("entry_id", flat=True)) == {e["id"] for e in journal}
    assert sum(e.amount or 0 for e in stored_journal) == sum(
        Decimal(str(e.get("amount", 0))).quantize(Decimal("0.01")) for e in journal
    )
    transactions = served(esi, character, f"characters/{cid}/wallet/transactions")
    assert set(
        CharacterWalletTransaction.objects.filter(character=character).values_list(
            "transaction_id", flat=True
        )
    ) == {t["transaction_id"] for t in transactions}

    location = served(esi, character, f"characters/{cid}/location")
    assert (
        CharacterLocation.objects.get(character=character).eve_solar_system_id == location["solar_system_id"]
    )
    online = served(esi, character, f"characters/{cid}/online")
    assert CharacterOnlineStatus.objects.get(character=character).online == online["online"]
    ship = served(esi, character, f"characters/{cid}/ship")
    stored_ship = CharacterShip.objects.get(character=character)
    assert (stored_ship.item_id, stored_ship.name) == (ship["ship_item_id"], ship["ship_name"])

    details = served(esi, character, f"characters/{cid}", public=True)
    stored_details = CharacterDetails.objects.get(character=character)
    assert (stored_details.name, stored_details.corporation_id) == (
        details["name"],
        details["corporation_id"],
    )
    assert stored_details.description == details.get("description", "")
    history = served(esi, character, f"characters/{cid}/corporationhistory", public=True)
    assert CharacterCorporationHistory.objects.filter(character=character).count() == len(history)

    implants = served(esi, character, f"characters/{cid}/implants")
    assert set(
        CharacterImplant.objects.filter(character=character).values_list("eve_type_id", flat=True)
    ) == set(implants)
    clones = served(esi, character, f"characters/{cid}/clones")
    assert CharacterJumpClone.objects.filter(character=character).count() == len(
        clones.get("jump_clones", [])
    )

    assets = served(esi, character, f"characters/{cid}/assets", pages=True)
    stored_assets = {a.item_id: a for a in CharacterAsset.objects.filter(character=character)}
    served_ids = {a["item_id"] for a in assets}
    assert served_ids <= set(stored_assets)
    assert set(stored_assets) - served_ids <= {ship["ship_item_id"]}  # only the active ship may be added
    assert sum(stored_assets[i].quantity for i in served_ids) == sum(a["quantity"] for a in assets)
    for asset in assets:
        row = stored_assets[asset["item_id"]]
        expected_parent = asset["location_id"] if asset["location_id"] in stored_assets else None
        assert row.parent_item_id == expected_parent
    assert SectionStatus.objects.filter(character=character, error_message="").count() == len(MY_SECTIONS)


def test_second_run_with_nothing_changed_is_all_304_and_writes_nothing(esi, registered, update_all):
    character = registered(size="medium")
    update_all(character)
    _expire_esi_response_cache()
    esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        results = update_all(character)
    assert {r.outcome for r in results.values()} == {"unchanged"}
    assert write_statements(ctx) == []
    assert set(esi.stats()["by_status"]) == {"304"}, esi.stats()["by_status"]


def test_a_run_inside_the_cache_window_makes_no_http_request_at_all(esi, registered, update_all):
    character = registered(size="small")
    update_all(character)
    esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        update_all(character)
    assert write_statements(ctx) == []
    assert esi.stats()["by_status"] == {}


class _Rival:
    """Another worker, in a thread: tries to take the lock of a running update every 0.1 s.

    It stops trying once the update releases that lock (``locks.release`` is wrapped): a lock
    taken after the release is no overlap, and the update still writes its bookkeeping then.
    """

    def __init__(self, key: str, *, steal_after: float | None = None) -> None:
        import threading

        self.key = key
        self.steal_after = steal_after
        self.taken = []
        self._stop = threading.Event()
        self._guard = threading.Lock()  # one attempt, or one release by the update, at a time
        self._released = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._patch = None

    def _run(self) -> None:
        from memberaudit.sections import locks

        started = time.monotonic()
        while not self._stop.wait(0.1):
            with self._guard:
                if self._released:
                    return
                if self.steal_after is not None and time.monotonic() - started >= self.steal_after:
                    cache.delete(self.key)  # as if the lock had expired
                    self.steal_after = None
                if (lock := locks.acquire(self.key, 60)) is not None:
                    self.taken.append(lock)

    def _release(self, lock, *, original):
        if lock.name in (self.key, cache.make_key(self.key)):
            with self._guard:
                self._released = True
                return original(lock)
        return original(lock)

    def __enter__(self) -> _Rival:
        from unittest import mock

        from memberaudit.sections import locks

        original = locks.release
        self._patch = mock.patch.object(
            locks, "release", side_effect=lambda lock: self._release(lock, original=original)
        )
        self._patch.start()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._patch.stop()


def test_the_lock_outlives_an_esi_call_longer_than_its_timeout(esi, registered, monkeypatch):
    character = registered(size="small")
    # renewed every second; three seconds of life leave room for a busy CI machine's scheduler
    monkeypatch.setattr(engine, "LOCK_SECONDS", 3)
    esi.set_faults(latency_ms=3500)  # every ESI answer takes longer than the lock lives
    with _Rival(engine.lock_key_for(character.pk, "assets")) as rival:
        result = engine.update_section(character, "assets")
    assert result.outcome == "changed", result.message
    assert rival.taken == [], "nobody got the lock while the update ran"


def test_an_update_that_lost_its_lock_stops_and_leaves_the_new_owner_alone(esi, registered, monkeypatch):
    character = registered(size="small")
    monkeypatch.setattr(engine, "LOCK_SECONDS", 1)
    esi.set_faults(latency_ms=1300)
    with _Rival(engine.lock_key_for(character.pk, "assets"), steal_after=0.5) as rival:
        result = engine.update_section(character, "assets")
    assert (result.outcome, result.message.startswith("lost the lock")) == ("skipped", True)
    (other,) = rival.taken
    assert other.owned(), "the new owner's lock was neither renewed away nor released"
    assert not SectionStatus.objects.filter(character=character, section="assets").exists()
    assert not CharacterAsset.objects.filter(character=character).exists()
