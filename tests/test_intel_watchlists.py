"""Watch lists: filled by hand, by CSV (all or nothing) and from contacts; subscribers hear of new hits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import create_member, register_character, register_main

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from allianceauth.notifications.models import Notification
from eveuniverse.models import EveEntity

from memberaudit.intel import notify, watchlists
from memberaudit.models import (
    CharacterInteraction,
    CounterpartyAffiliation,
    WatchList,
    WatchListEntry,
)
from memberaudit.sections import registry
from memberaudit.sections.base import SyncContext

pytestmark = pytest.mark.django_db

SPY, CORP, ALLIANCE, GRUNT = 2_115_000_001, 98_200_001, 99_200_001, 2_115_000_002


@pytest.fixture
def officer():
    return create_member("officer", "basic_access", "intel_access")


@pytest.fixture
def names():
    EveEntity.objects.create(id=SPY, name="Known Spy", category="character")
    EveEntity.objects.create(id=CORP, name="Red Dawn", category="corporation")
    EveEntity.objects.create(id=ALLIANCE, name="Red Dawn", category="alliance")  # same name, two kinds
    EveEntity.objects.create(id=30000142, name="Jita", category="solar_system")


@pytest.fixture
def hostiles():
    return WatchList.objects.create(name="Hostiles")


def entries(watch_list) -> dict[int, tuple[str, str, str]]:
    return {
        e.entity_id: (e.kind, e.reason, e.source)
        for e in WatchListEntry.objects.filter(watch_list=watch_list)
    }


# --- pages ------------------------------------------------------------------------------------------


def test_an_officer_creates_a_list_and_adds_an_entity_by_id(client, officer, names):
    client.force_login(officer)
    response = client.post(
        reverse("memberaudit:intel_watch_lists"), {"name": "Spies", "contacts_max_standing": 0}
    )
    watch_list = WatchList.objects.get(name="Spies")
    assert response["Location"] == reverse("memberaudit:intel_watch_list", args=[watch_list.pk])
    client.post(
        reverse("memberaudit:intel_watch_list_add", args=[watch_list.pk]), {"q": str(SPY), "reason": "leaks"}
    )
    entry = WatchListEntry.objects.get(watch_list=watch_list)
    assert (entry.entity_id, entry.kind, entry.name, entry.reason, entry.added_by) == (
        SPY,
        "character",
        "Known Spy",
        "leaks",
        officer,
    )
    page = client.get(reverse("memberaudit:intel_watch_list", args=[watch_list.pk])).content.decode()
    assert "Known Spy" in page and "leaks" in page


def test_a_name_of_several_kinds_asks_which_one(client, officer, names, hostiles):
    client.force_login(officer)
    client.post(reverse("memberaudit:intel_watch_list_add", args=[hostiles.pk]), {"q": "red dawn"})
    assert not WatchListEntry.objects.exists()
    page = client.get(reverse("memberaudit:intel_watch_list", args=[hostiles.pk])).content.decode()
    assert f'value="{CORP}"' in page and f'value="{ALLIANCE}"' in page
    client.post(reverse("memberaudit:intel_watch_list_add", args=[hostiles.pk]), {"q": str(ALLIANCE)})
    assert entries(hostiles) == {ALLIANCE: ("alliance", "", "manual")}


def test_something_that_is_not_an_entity_is_refused(client, officer, names, hostiles):
    client.force_login(officer)
    client.post(reverse("memberaudit:intel_watch_list_add", args=[hostiles.pk]), {"q": "30000142"})
    assert not WatchListEntry.objects.exists()


def test_remove_subscribe_and_delete(client, officer, hostiles):
    client.force_login(officer)
    entry = WatchListEntry.objects.create(watch_list=hostiles, entity_id=SPY, kind="character")
    client.post(reverse("memberaudit:intel_watch_list_remove_entry", args=[hostiles.pk, entry.pk]))
    assert not WatchListEntry.objects.exists()
    client.post(reverse("memberaudit:intel_watch_list_subscribe", args=[hostiles.pk]), {"subscribe": "1"})
    assert list(hostiles.subscribers.all()) == [officer]
    client.post(reverse("memberaudit:intel_watch_list_subscribe", args=[hostiles.pk]), {"subscribe": "0"})
    assert not hostiles.subscribers.exists()
    client.post(reverse("memberaudit:intel_watch_list_delete", args=[hostiles.pk]))
    assert not WatchList.objects.exists()


def _upload(client, watch_list, text: str):
    file = SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")
    return client.post(
        reverse("memberaudit:intel_watch_list_import", args=[watch_list.pk]), {"file": file}, follow=True
    )


def test_a_csv_import_adds_every_row(client, officer, names, hostiles):
    client.force_login(officer)
    WatchListEntry.objects.create(watch_list=hostiles, entity_id=SPY, kind="character", reason="old")
    response = _upload(
        client, hostiles, f"name,kind,reason,id\nRed Dawn,corporation,gankers,\n,,new reason,{SPY}\n"
    )
    assert "1 added, 1 updated" in response.content.decode()
    assert entries(hostiles) == {
        CORP: ("corporation", "gankers", "csv"),
        SPY: ("character", "new reason", "manual"),
    }


def test_a_csv_with_one_bad_row_imports_nothing_and_says_why(client, officer, names, hostiles):
    client.force_login(officer)
    EveEntity.objects.create(id=GRUNT, name="Lone Wolf", category="character")
    response = _upload(client, hostiles, "name,kind\nKnown Spy,\nx,planet\n")
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "line 3" in page and "planet" in page  # parsing problems come before any lookup
    response = _upload(client, hostiles, "name,kind\nKnown Spy,\nRed Dawn,\nLone Wolf,alliance\n")
    page = response.content.decode()
    assert "line 3" in page and "several entities" in page  # Red Dawn: corporation or alliance?
    assert "line 4" in page  # a character, not an alliance
    assert not WatchListEntry.objects.exists()


def test_csv_names_are_looked_up_in_esi(esi, officer, hostiles):
    result = watchlists.import_csv(
        hostiles, "name\nRed Dawn Raiders\nHostile Intentions Coalition\n", officer
    )
    assert result.problems == []
    kinds = {entry.name: entry.kind for entry in WatchListEntry.objects.filter(watch_list=hostiles)}
    assert kinds == {"Red Dawn Raiders": "corporation", "Hostile Intentions Coalition": "alliance"}
    assert EveEntity.objects.filter(name="Red Dawn Raiders").exists()  # no ESI next time


def test_an_unknown_name_in_esi_is_a_problem(esi, officer, hostiles):
    result = watchlists.import_csv(hostiles, "name\nRed Dawn Raiders\nNo Such Pilot Anywhere\n", officer)
    assert [(p.line, p.code) for p in result.problems] == [(3, "not_found")]
    assert not WatchListEntry.objects.exists()


# --- contacts sync -----------------------------------------------------------------------------------


def _contacts(character, contacts: list[tuple[int, str, float]]) -> None:
    """Store contacts as the contacts section does (the sync follows inside its transaction)."""
    payload = {
        "contacts": [
            {"contact_id": i, "contact_type": kind, "standing": standing} for i, kind, standing in contacts
        ],
        "labels": None,
    }
    ctx = SyncContext(character=character, status=None, token=None)
    for step in registry.get("contacts").store_passes(ctx, payload):
        with transaction.atomic():
            step()


def test_a_list_follows_the_negative_contacts_of_an_own_character(client, officer, hostiles):
    own = register_main(officer)
    _contacts(own, [(SPY, "character", -10.0), (CORP, "corporation", 5.0), (ALLIANCE, "alliance", -5.0)])
    WatchListEntry.objects.create(watch_list=hostiles, entity_id=GRUNT, kind="character", reason="by hand")
    client.force_login(officer)
    client.post(reverse("memberaudit:intel_watch_list_sync", args=[hostiles.pk]), {"character": own.pk})
    assert set(entries(hostiles)) == {SPY, ALLIANCE, GRUNT}
    assert entries(hostiles)[SPY][2] == "contacts"

    _contacts(own, [(CORP, "corporation", -10.0), (ALLIANCE, "alliance", -5.0), (GRUNT, "character", 10.0)])
    assert set(entries(hostiles)) == {CORP, ALLIANCE, GRUNT}  # SPY left the contacts; GRUNT stays (by hand)
    assert entries(hostiles)[GRUNT] == ("character", "by hand", "manual")

    client.post(reverse("memberaudit:intel_watch_list_sync", args=[hostiles.pk]), {"character": ""})
    assert set(entries(hostiles)) == {GRUNT}


def test_a_list_cannot_follow_somebody_elses_contacts(client, officer, hostiles):
    other = register_main(create_member("other", "basic_access"))
    client.force_login(officer)
    client.post(reverse("memberaudit:intel_watch_list_sync", args=[hostiles.pk]), {"character": other.pk})
    hostiles.refresh_from_db()
    assert hostiles.contacts_source is None


# --- notifications -------------------------------------------------------------------------------


def _interaction(character, counterparty):
    return CharacterInteraction.objects.create(
        character=character, source="mail", counterparty_id=counterparty, count=1, last_seen=timezone.now()
    )


def test_subscribers_hear_of_new_hits_about_characters_they_may_open(officer, hostiles):
    auditor = create_member(
        "auditor", "basic_access", "intel_access", "characters_access", "view_same_alliance", alliance_id=3001
    )
    hostiles.subscribers.add(officer, auditor)
    WatchListEntry.objects.create(watch_list=hostiles, entity_id=ALLIANCE, kind="alliance")
    CounterpartyAffiliation.objects.create(
        entity_id=GRUNT, corporation_id=CORP, alliance_id=ALLIANCE, checked_at=timezone.now()
    )
    member = register_main(create_member("member", "basic_access", alliance_id=3001))
    _interaction(member, GRUNT)
    sent = notify.notify_new_hits([(member.pk, GRUNT)])
    assert sent == 1  # the officer may open only own characters: not told about this one
    notification = Notification.objects.get(user=auditor)
    assert "Hostiles" in notification.title and "member" in notification.message
    assert not Notification.objects.filter(user=officer).exists()
    notify.notify_new_hits([(member.pk, GRUNT)])
    assert Notification.objects.filter(user=auditor).count() == 1  # throttled


def test_a_sync_that_adds_a_watched_counterparty_notifies_after_commit(
    officer, hostiles, django_capture_on_commit_callbacks
):
    hostiles.subscribers.add(officer)
    WatchListEntry.objects.create(watch_list=hostiles, entity_id=SPY, kind="character")
    CounterpartyAffiliation.objects.create(entity_id=SPY, corporation_id=CORP, checked_at=timezone.now())
    own = register_character(officer, "officer alt")
    entry = {
        "id": 1,
        "date": (timezone.now() - timedelta(hours=1)).isoformat(),
        "ref_type": "player_donation",
        "amount": 5,
        "first_party_id": SPY,
        "second_party_id": own.character_id,
    }
    ctx = SyncContext(character=own, status=None, token=None)
    with django_capture_on_commit_callbacks(execute=True):
        for step in registry.get("wallet_journal").store_passes(ctx, [entry]):
            with transaction.atomic():
                step()
    notification = Notification.objects.get(user=officer)
    assert "officer alt" in notification.message
