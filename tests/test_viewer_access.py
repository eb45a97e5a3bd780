"""The character viewer shell: what its overview shows, and that it is gated by access.py.

The full role × character grid is in test_permission_matrix.py; these tests cover the page
itself and the edges of the gate.
"""

from __future__ import annotations

import re

import pytest
from helpers import create_member, grant, register_character, register_main

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from memberaudit import app_settings
from memberaudit.models import SectionStatus

pytestmark = pytest.mark.django_db


def _viewer(character_pk: int) -> str:
    return reverse("memberaudit:character_viewer", args=[character_pk])


@pytest.fixture
def auditor(client):
    user = create_member("Audra Auditor", "basic_access", "characters_access", "view_everything")
    client.force_login(user)
    return user


def test_overview_shows_the_character_and_its_owner(client, auditor):
    owner = create_member("Olga Owner", "basic_access", "share_characters")
    alt = register_character(
        owner, "Olga Alt", corporation_name="Alt Industries", alliance_name="Alt Alliance"
    )
    alt.is_shared = True
    alt.save()
    response = client.get(_viewer(alt.pk))
    assert response.status_code == 200
    html = response.content.decode()
    # EVE's image server, or the ESI emulator standing in for it (the test project's setting)
    assert f"{app_settings.eve_image_url()}/characters/{alt.character_id}/portrait" in html
    assert "Olga Alt" in html and "Alt Industries" in html and "Alt Alliance" in html
    assert "Main: Olga Owner" in html
    assert ">Shared<" in html
    assert ">Orphaned<" not in html
    assert 'id="ma-viewer-tabs"' in html


def test_overview_of_a_main_says_main(client, auditor):
    main = register_main(create_member("Mona Main", "basic_access"))
    html = client.get(_viewer(main.pk)).content.decode()
    assert ">Main<" in html and "Main: Mona" not in html


def test_overview_flags_orphaned_characters(client, auditor):
    orphan = register_character(None, "Lost Pilot")
    html = client.get(_viewer(orphan.pk)).content.decode()
    assert ">Orphaned<" in html


def test_section_status_table(client, auditor):
    character = register_main(create_member("Stan Status", "basic_access"))
    now = timezone.now()
    SectionStatus.objects.create(character=character, section="skills", last_success_at=now)
    SectionStatus.objects.create(
        character=character, section="wallet", error_message="boom", is_token_error=True
    )
    SectionStatus.objects.create(
        character=character, section="assets", error_message="<script>alert(1)</script>"
    )
    SectionStatus.objects.create(character=character, section="mails")
    SectionStatus.objects.create(character=character, section="wallet_journal", last_success_at=now)
    html = client.get(_viewer(character.pk)).content.decode()
    table = html.split('id="ma-viewer-section-statuses"', 1)[1].split("</table>", 1)[0]
    # sections by the names people read (their titles), not their identifiers
    for title, label in (
        ("Skills", "OK"),
        ("Wallet", "Token broken"),
        ("Assets", "Error"),
        ("Mails", "Never updated"),
        ("Wallet journal", "OK"),
    ):
        row = table.split(f"<td>{title}</td>", 1)[1].split("</tr>", 1)[0]
        assert f">{label}</span>" in row, title
    assert "wallet_journal" not in table
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_viewer_without_statuses_says_not_updated_yet(client, auditor):
    character = register_main(create_member("Nina New", "basic_access"))
    assert "has not been updated yet" in client.get(_viewer(character.pk)).content.decode()


def test_viewer_queries_do_not_grow_with_sections(client, auditor):
    character = register_main(create_member("Quinn Queries", "basic_access"))
    client.get(_viewer(character.pk))  # AA's first-request setup
    with CaptureQueriesContext(connection) as few:
        client.get(_viewer(character.pk))
    for n in range(15):
        SectionStatus.objects.create(
            character=character, section=f"section_{n}", last_success_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as many:
        client.get(_viewer(character.pk))
    assert len(few) == len(many)


# --- the gate -------------------------------------------------------------------------------


def _normalized(response, character_pk: int) -> str:
    """The page without what differs on every request (its own URL, CSRF tokens)."""
    html = response.content.decode().replace(_viewer(character_pk), "<url>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_unknown_and_forbidden_characters_look_the_same(client):
    user = create_member("Nosy Nick", "basic_access")
    client.force_login(user)
    other = register_main(create_member("Private Pete", "basic_access"))
    forbidden = client.get(_viewer(other.pk))
    unknown = client.get(_viewer(other.pk + 1000))
    assert forbidden.status_code == unknown.status_code == 404
    assert "Private Pete" not in forbidden.content.decode()
    assert _normalized(forbidden, other.pk) == _normalized(unknown, other.pk + 1000)


def test_owner_opens_own_character_without_any_scope(client):
    user = create_member("Plain Paula", "basic_access")
    client.force_login(user)
    character = register_main(user)
    assert client.get(_viewer(character.pk)).status_code == 200


def test_access_ends_when_the_permission_is_revoked(client):
    from django.contrib.auth.models import Permission

    recruiter = create_member("Rita Recruiter", "basic_access", "view_shared_characters")
    client.force_login(recruiter)
    applicant = create_member("Andy Applicant", "basic_access", "share_characters", corporation_id=2999)
    shared = register_main(applicant, is_shared=True)
    assert client.get(_viewer(shared.pk)).status_code == 200
    applicant.user_permissions.remove(Permission.objects.get(codename="share_characters"))
    response = client.get(_viewer(shared.pk))
    assert response.status_code == 404
    assert "Andy Applicant" not in response.content.decode()


def test_forbidden_is_answered_directly_not_by_the_sites_handler(client):
    user = create_member("No Access", "characters_access", "view_everything")
    client.force_login(user)
    character = register_main(grant(create_member("Target Tom"), "basic_access"))
    response = client.get(_viewer(character.pk))
    assert response.status_code == 403
    assert "Target Tom" not in response.content.decode()
    assert "Access denied" in response.content.decode()
