"""Django admin: character list with health and filters, actions, read-only statuses, locations."""

from __future__ import annotations

import datetime as dt

import pytest
from export_rows import create_rows
from helpers import create_member, register_character, register_main

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from memberaudit import tasks
from memberaudit.models import Character, CharacterWalletJournalEntry, Location, SectionStatus
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:memberaudit_character_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


def _character(name: str, *, health: str = "ok", orphan: bool = False, corporation: str = "Test Corp"):
    if orphan:
        character = register_character(None, name, corporation_name=corporation)
    else:
        owner = create_member(name, corporation_name=corporation)  # the main is named like the user
        character = register_main(owner)
    now = timezone.now()
    if health != "never":
        SectionStatus.objects.create(character=character, section="skills", last_success_at=now)
    if health == "error":
        SectionStatus.objects.create(character=character, section="assets", error_message="HTTP 502")
    if health == "token_error":
        SectionStatus.objects.create(
            character=character, section="mail", error_message="no token", is_token_error=True
        )
    return character


@pytest.fixture
def queued(monkeypatch):
    """The update_character tasks the admin queued (recorded, not run)."""
    calls = []

    def _record(args=None, kwargs=None, priority=None, **options):
        calls.append({"kwargs": kwargs or {}, "priority": priority})

    monkeypatch.setattr(tasks.update_character, "apply_async", _record)
    return calls


def _names(response) -> set[str]:
    return {c.name for c in response.context["cl"].result_list}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- character list ------------------------------------------------------------------------------


def test_the_list_shows_owner_main_corporation_flags_and_health(admin_client):
    _character("healthy")
    _character("broken", health="token_error", corporation="Other Corp")
    _character("lonely", orphan=True, health="never")
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "healthy (healthy)" in html  # main (username)
    assert "Other Corp" in html
    assert "Token broken" in html and "Never updated" in html and ">OK<" in html


def test_the_list_query_count_does_not_grow_with_characters(admin_client):
    for i in range(2):
        _character(f"few{i}", health="error")
    few = _queries(admin_client, reverse(CHANGELIST))
    for i in range(10):
        _character(f"many{i}", health="token_error" if i % 2 else "ok", orphan=i % 3 == 0)
    assert _queries(admin_client, reverse(CHANGELIST)) == few


@pytest.mark.parametrize(
    "query, expected",
    [
        ("update_status=ok", {"healthy"}),
        ("update_status=error", {"erring"}),
        ("update_status=token_error", {"broken"}),
        ("update_status=never_updated", {"lonely"}),
        ("orphaned=yes", {"lonely"}),
        ("orphaned=no", {"healthy", "erring", "broken"}),
        ("eve_character__corporation_name=Other+Corp", {"broken"}),
    ],
)
def test_filters(admin_client, query, expected):
    _character("healthy")
    _character("erring", health="error")
    _character("broken", health="token_error", corporation="Other Corp")
    _character("lonely", orphan=True, health="never")
    response = admin_client.get(reverse(CHANGELIST) + "?" + query)
    assert _names(response) == expected


def test_characters_cannot_be_added_or_deleted_synchronously(admin_client):
    character = _character("keeper")
    assert admin_client.get(reverse("admin:memberaudit_character_add")).status_code == 403
    response = admin_client.get(reverse(CHANGELIST))
    assert "delete_selected" not in response.content.decode()
    assert (
        admin_client.get(reverse("admin:memberaudit_character_delete", args=[character.pk])).status_code
        == 403
    )


def test_a_normal_staff_user_without_permissions_sees_nothing(client):
    staff = User.objects.create_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(CHANGELIST)).status_code == 403


# --- actions -------------------------------------------------------------------------------------


def _action(client, action: str, characters, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in characters], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_update_now_queues_updatable_characters_at_user_priority(admin_client, queued):
    active = _character("active")
    orphan = _character("orphan", orphan=True)
    response = _action(admin_client, "update_now", [active, orphan], index=0)
    assert response.status_code == 302
    assert queued == [
        {
            "kwargs": {"character_pk": active.pk, "priority": tasks.PRIORITY_USER},
            "priority": tasks.PRIORITY_USER,
        }
    ]


def test_force_update_shows_a_form_then_queues_the_chosen_ring(admin_client, queued):
    character = _character("forced")
    page = _action(admin_client, "force_update_sections", [character], index=0)
    assert page.status_code == 200
    html = page.content.decode()
    assert "All sections of ring 1" in html and "(wallet_journal)" in html
    assert queued == []

    response = _action(admin_client, "force_update_sections", [character], apply="1", target="ring:1")
    assert response.status_code == 302
    (call,) = queued
    assert call["priority"] == tasks.PRIORITY_USER
    assert call["kwargs"]["force"] is True
    assert call["kwargs"]["sections"] == [s.name for s in registry.all_sections() if s.ring == 1]


def test_force_update_of_a_single_section(admin_client, queued):
    character = _character("single")
    _action(admin_client, "force_update_sections", [character], apply="1", target="section:skills")
    assert queued[0]["kwargs"]["sections"] == ["skills"]


def test_force_update_with_an_invalid_choice_shows_the_form_again(admin_client, queued):
    character = _character("invalid")
    response = _action(
        admin_client, "force_update_sections", [character], apply="1", target="section:passwords"
    )
    assert response.status_code == 200
    assert queued == []


def test_disable_and_enable(admin_client):
    character = _character("toggled")
    _action(admin_client, "disable_updates", [character], index=0)
    character.refresh_from_db()
    assert character.is_disabled
    _action(admin_client, "enable_updates", [character], index=0)
    character.refresh_from_db()
    assert not character.is_disabled


def test_delete_in_background_asks_first_then_deletes_all_data_in_a_task(admin_client):
    doomed = _character("doomed")
    kept = _character("kept")
    create_rows(doomed, journal=5)
    create_rows(kept, journal=2)
    confirm = _action(admin_client, "delete_in_background", [doomed], index=0)
    assert confirm.status_code == 200
    assert "doomed" in confirm.content.decode()
    assert Character.objects.filter(pk=doomed.pk).exists()

    response = _action(admin_client, "delete_in_background", [doomed], apply="1")  # eager task
    assert response.status_code == 302
    assert not Character.objects.filter(pk=doomed.pk).exists()
    assert not CharacterWalletJournalEntry.objects.filter(character_id=doomed.pk).exists()
    assert CharacterWalletJournalEntry.objects.filter(character=kept).count() == 2


# --- section statuses and locations --------------------------------------------------------------


def test_section_statuses_are_read_only_and_filterable_with_flat_queries(admin_client):
    url = reverse("admin:memberaudit_sectionstatus_changelist")
    _character("status_a", health="error")
    few = _queries(admin_client, url)
    for i in range(6):
        _character(f"status_more{i}", health="token_error")
    assert _queries(admin_client, url) == few

    response = admin_client.get(url + "?error=token")
    assert {s.section for s in response.context["cl"].result_list} == {"mail"}
    response = admin_client.get(url + "?section=assets")
    assert [s.character.name for s in response.context["cl"].result_list] == ["status_a"]
    response = admin_client.get(url + "?error=ok")
    assert {s.section for s in response.context["cl"].result_list} == {"skills"}

    status = SectionStatus.objects.first()
    assert admin_client.get(reverse("admin:memberaudit_sectionstatus_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:memberaudit_sectionstatus_change", args=[status.pk]), {"error_message": "edited"}
    )
    assert change.status_code == 403
    status.refresh_from_db()
    assert status.error_message != "edited"


def test_locations_list_with_flat_queries(admin_client):
    url = reverse("admin:memberaudit_location_changelist")
    Location.objects.create(id=60003760, name="Jita IV - Moon 4")
    few = _queries(admin_client, url)
    for i in range(8):
        Location.objects.create(id=1_000_000_000_000 + i, is_forbidden=True)
    assert _queries(admin_client, url) == few
    response = admin_client.get(url + "?q=Jita")
    assert [loc.id for loc in response.context["cl"].result_list] == [60003760]


def test_the_change_page_edits_only_the_flags(admin_client):
    character = _character("editable")
    url = reverse("admin:memberaudit_character_change", args=[character.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"is_shared": "on", "is_disabled": "on"})
    assert response.status_code == 302
    character.refresh_from_db()
    assert character.is_shared and character.is_disabled
    assert character.eve_character.character_name == "editable"


def test_healthy_means_what_the_launcher_and_reports_mean_and_times_say_checked_and_changed(admin_client):
    """Health comes from ``memberaudit.health``: one checked section is not a healthy character."""
    from memberaudit import health
    from memberaudit.sections import registry

    fresh = _character("fresh")
    now = timezone.now()
    changed = now - dt.timedelta(days=21)
    SectionStatus.objects.filter(character=fresh).delete()
    SectionStatus.objects.bulk_create(
        SectionStatus(
            character=fresh,
            section=name,
            last_success_at=changed,
            last_checked_at=now,
            last_change_at=changed,
        )
        for name in registry.names()
    )
    partial = _character("partial")  # only skills were ever checked
    assert health.character_health(fresh).is_healthy and not health.character_health(partial).is_healthy

    assert _names(admin_client.get(reverse(CHANGELIST) + "?healthy=yes")) == {"fresh"}
    assert _names(admin_client.get(reverse(CHANGELIST) + "?healthy=no")) == {"partial"}
    rows = {c.name: c for c in admin_client.get(reverse(CHANGELIST)).context["cl"].result_list}
    assert rows["fresh"].health_last_checked == now, "last checked, not last changed"
    assert rows["fresh"].health_last_change == changed
