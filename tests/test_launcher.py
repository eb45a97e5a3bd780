"""The launcher: registering characters through SSO, the character list, share/unshare/remove."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from helpers import (
    add_character,
    create_eve_character,
    create_member,
    create_token,
    register_character,
    register_main,
)

from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from esi import app_settings as esi_settings
from esi.models import CallbackRedirect

from memberaudit.esi_scopes import CHARACTER_SCOPES
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db

LAUNCHER = reverse("memberaudit:launcher")
ADD = reverse("memberaudit:add_character")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def member(client):
    user = create_member("Alice Member", "basic_access")
    client.force_login(user)
    return user


# --- scopes ---------------------------------------------------------------------------------


def test_scopes_are_the_ones_listed_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### ESI scopes", 1)[1].split("###", 1)[0]
    assert tuple(sorted(re.findall(r"`(esi-[a-z_.]+\.v\d)`", section))) == tuple(sorted(CHARACTER_SCOPES))
    assert len(set(CHARACTER_SCOPES)) == len(CHARACTER_SCOPES)


# --- adding a character ---------------------------------------------------------------------


def test_add_character_sends_the_user_to_eve_sso_with_all_scopes(client, member):
    response = client.get(ADD)
    assert response.status_code == 302
    assert response["Location"].startswith(esi_settings.ESI_OAUTH_LOGIN_URL)
    query = parse_qs(urlparse(response["Location"]).query)
    assert set(query["scope"][0].split()) == set(CHARACTER_SCOPES)


def _return_from_sso(client: Client, token) -> None:
    """What django-esi's callback view leaves behind before it redirects back to the view."""
    CallbackRedirect.objects.create(session_key=client.session.session_key, state="s", url=ADD, token=token)


def test_add_character_registers_an_owned_character(client, member):
    alt = create_eve_character("Alice Alt")
    add_character(member, alt)
    _return_from_sso(client, create_token(member, alt, CHARACTER_SCOPES))
    response = client.get(ADD)
    assert response.status_code == 302
    assert response["Location"] == LAUNCHER
    character = Character.objects.get(eve_character=alt)
    assert not character.is_disabled and not character.is_shared
    assert _messages(response) == ["Alice Alt has been registered."]


def test_add_character_takes_ownership_through_aa_for_a_new_character(client, member):
    # AA records the ownership of a character the user logs in with for the first time.
    fresh = create_eve_character("Brand New")
    _return_from_sso(client, create_token(member, fresh, CHARACTER_SCOPES))
    client.get(ADD)
    assert Character.objects.get(eve_character=fresh).user == member


def test_add_character_refuses_a_character_owned_by_someone_else(client, member):
    other = create_member("Other Owner", "basic_access")
    foreign = other.profile.main_character
    # A token that AA did not attach to this user (with a user, AA would move the ownership).
    _return_from_sso(client, create_token(None, foreign, CHARACTER_SCOPES))
    response = client.get(ADD)
    assert response["Location"] == LAUNCHER
    assert not Character.objects.exists()
    assert "only register characters that belong to your account" in _messages(response)[0]


def test_adding_again_re_enables_and_clears_token_errors(client, member):
    character = register_main(member)
    character.is_disabled = True
    character.save()
    SectionStatus.objects.create(
        character=character, section="wallet", is_token_error=True, error_message="revoked"
    )
    _return_from_sso(client, create_token(member, member.profile.main_character, CHARACTER_SCOPES))
    response = client.get(ADD)
    character.refresh_from_db()
    assert not character.is_disabled
    assert not character.section_statuses.filter(is_token_error=True).exists()
    assert Character.objects.count() == 1
    assert "registered again" in _messages(response)[0]


# --- the character list ---------------------------------------------------------------------


def test_launcher_lists_own_characters_main_first_with_key_info(client, member):
    alt = register_character(member, "Aaron Alt", corporation_name="Alt Corp", alliance_id=None)
    main = register_main(member)
    register_main(create_member("Somebody Else", "basic_access"))
    html = client.get(LAUNCHER).content.decode()
    assert html.index("Alice Member") < html.index("Aaron Alt")  # main first, though "Aa" < "Al"
    # through MEMBERAUDIT_EVE_IMAGE_URL (the emulator's stand-in in tests)
    assert f"/images/characters/{main.character_id}/portrait?size=64" in html
    assert f"/images/characters/{alt.character_id}/portrait?size=64" in html
    assert "Alt Corp" in html and "Test Corp" in html and "Test Alliance" in html
    assert ">Main<" in html and ">Alt<" in html
    assert "Somebody Else" not in html.split("ma-launcher-characters", 1)[1]
    assert reverse("memberaudit:character_viewer", args=[alt.pk]) in html


def _checked_everything(character, at=None):
    at = at or timezone.now()
    SectionStatus.objects.bulk_create(
        SectionStatus(character=character, section=name, last_checked_at=at, last_success_at=at)
        for name in registry.names()
    )
    return character


def test_launcher_shows_update_health(client, member):
    now = timezone.now()
    ok = _checked_everything(register_character(member, "Ok Pilot"))
    partial = register_character(member, "Partial Pilot")
    SectionStatus.objects.create(character=partial, section="skills", last_success_at=now)
    broken = _checked_everything(register_character(member, "Broken Pilot"))
    SectionStatus.objects.filter(character=broken, section="wallet_balance").update(
        error_message="403", is_token_error=True
    )
    register_character(member, "Fresh Pilot")
    assert ok

    response = client.get(LAUNCHER)
    rows = {row.character.name: row.health.code for row in response.context["rows"]}
    assert rows == {
        "Ok Pilot": "ok",
        # one section updated is not "OK": most were never updated
        "Partial Pilot": "stale",
        "Broken Pilot": "token_error",
        "Fresh Pilot": "never_updated",
    }
    html = response.content.decode()
    alert = html.split('id="ma-token-errors"', 1)[1].split("</div>", 1)[0]
    assert "Broken Pilot" in alert and "Partial Pilot" not in alert
    for label in ("OK", "Token broken", "Out of date", "Never updated"):
        assert f">{label}</span>" in html
    assert "sections were not updated recently enough" in html


def test_launcher_says_what_broke_and_offers_to_register_again(client, member):
    broken = register_character(member, "Revoked Pilot")
    SectionStatus.objects.create(
        character=broken,
        section="wallet_journal",
        is_token_error=True,
        last_attempt_at=timezone.now(),
        error_message="EVE SSO refused to renew the token (TokenInvalidError): the app was revoked",
    )
    html = client.get(LAUNCHER).content.decode()
    item = html.split(f'id="ma-token-error-{broken.pk}"', 1)[1].split("</li>", 1)[0]
    assert "the app was revoked" in item
    assert reverse("memberaudit:add_character") in item and "Register Revoked Pilot again" in item


def test_launcher_without_token_problems_shows_no_alert(client, member):
    register_main(member)
    assert 'id="ma-token-errors"' not in client.get(LAUNCHER).content.decode()


def _launcher_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(LAUNCHER).status_code == 200
    return len(context)


def _add_characters(user, count: int, start: int) -> None:
    for n in range(start, start + count):
        character = register_character(user, f"Pilot {n:03}", is_shared=n % 2 == 0)
        SectionStatus.objects.create(character=character, section="skills", last_success_at=timezone.now())
        SectionStatus.objects.create(
            character=character, section="wallet", error_message="boom", is_token_error=n % 3 == 0
        )


def test_launcher_issues_the_same_queries_for_1_and_20_characters(client):
    user = create_member("Sharing Sam", "basic_access", "share_characters")
    client.force_login(user)
    _add_characters(user, 1, 0)
    client.get(LAUNCHER)  # AA creates its menu items and custom CSS row on the first page view
    one = _launcher_queries(client)
    _add_characters(user, 19, 1)
    twenty = _launcher_queries(client)
    assert len(client.get(LAUNCHER).context["rows"]) == 20
    assert one == twenty


def test_launcher_has_room_for_section_data(client, member):
    register_main(member)
    html = client.get(LAUNCHER).content.decode()
    for column in ("Location", "Ship", "Wallet", "Skill points", "Training"):
        assert f">{column}</th>" in html


# --- share, unshare, remove -----------------------------------------------------------------


def test_share_button_only_with_share_characters(client, member):
    register_main(member)
    html = client.get(LAUNCHER).content.decode()
    assert (
        reverse("memberaudit:remove_character", args=[member.profile.main_character.memberaudit_character.pk])
        in html
    )
    assert "/share/" not in html
    sharer = create_member("Sharing Sue", "basic_access", "share_characters")
    register_main(sharer)
    client.force_login(sharer)
    assert "/share/" in client.get(LAUNCHER).content.decode()


def test_actions_are_confirmed_in_a_modal_posting_with_csrf(client, member):
    register_main(member)
    html = client.get(LAUNCHER).content.decode()
    assert 'id="ma-confirm-modal"' in html
    form = (
        html.split('id="ma-confirm-form"', 1)[0].rsplit("<form", 1)[1]
        + html.split('id="ma-confirm-form"', 1)[1]
    )
    assert 'method="post"' in form
    assert "csrfmiddlewaretoken" in form
    assert 'data-bs-target="#ma-confirm-modal"' in html
    assert "memberaudit/confirm_modal.js" in html


def test_share_and_unshare(client):
    user = create_member("Sharing Sue", "basic_access", "share_characters")
    client.force_login(user)
    character = register_main(user)
    response = client.post(reverse("memberaudit:share_character", args=[character.pk]))
    assert response.status_code == 302 and response["Location"] == LAUNCHER
    character.refresh_from_db()
    assert character.is_shared
    assert "shared" in _messages(response)[0]
    client.post(reverse("memberaudit:unshare_character", args=[character.pk]))
    character.refresh_from_db()
    assert not character.is_shared


def test_unsharing_is_allowed_after_losing_share_characters(client, member):
    character = register_main(member, is_shared=True)
    response = client.post(reverse("memberaudit:unshare_character", args=[character.pk]))
    assert response.status_code == 302
    character.refresh_from_db()
    assert not character.is_shared


def test_remove_deletes_the_character_and_its_statuses(client, member):
    character = register_main(member)
    SectionStatus.objects.create(character=character, section="skills")
    response = client.post(reverse("memberaudit:remove_character", args=[character.pk]))
    assert response.status_code == 302
    assert not Character.objects.exists() and not SectionStatus.objects.exists()
    assert _messages(response) == ["Alice Member has been removed."]
    # AA's ownership is not ours to touch
    assert member.character_ownerships.count() == 1


def test_state_changes_need_a_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    character = register_main(member)
    response = client.post(reverse("memberaudit:remove_character", args=[character.pk]))
    assert response.status_code == 403
    assert Character.objects.filter(pk=character.pk).exists()


def test_when_a_character_was_last_checked_and_last_changed_is_shown(client, member):
    character = register_main(member)
    now = timezone.now()
    _checked_everything(character, at=now - dt.timedelta(hours=2))
    SectionStatus.objects.filter(character=character, section="skills").update(
        last_change_at=now - dt.timedelta(days=3)
    )
    page = client.get(LAUNCHER).content.decode()
    assert "Last checked 2\xa0hours ago" in page  # the badge's hint
    assert "checked 2\xa0hours ago" in page and "changed 3\xa0days ago" in page


# --- totals, compliance, sharing expiry -------------------------------------------------------


def _total(html: str, key: str) -> str:
    return html.split(f'data-total="{key}">', 1)[1].split("</div>", 1)[0].strip()


def test_launcher_sums_characters_skill_points_and_wallets(client, member):
    from memberaudit.models import CharacterSkillpoints, CharacterWalletBalance

    main = register_main(member)
    alt = register_character(member, "Rich Alt")
    register_character(member, "Empty Alt")
    CharacterSkillpoints.objects.create(character=main, total=5_000_000)
    CharacterSkillpoints.objects.create(character=alt, total=1_500_000)
    CharacterWalletBalance.objects.create(character=main, total="1000000.40")
    CharacterWalletBalance.objects.create(character=alt, total="2500000.30")
    html = client.get(LAUNCHER).content.decode()
    assert _total(html, "characters") == "3"
    assert _total(html, "total_sp") == "6,500,000"
    assert _total(html, "wallet") == "3,500,001 ISK"


def test_launcher_lists_unregistered_alts_and_says_what_to_do(client, member):
    _checked_everything(register_main(member))
    add_character(member, create_eve_character("Hidden Alt"))
    add_character(create_member("Other Person", "basic_access"), create_eve_character("Not Mine"))
    html = client.get(LAUNCHER).content.decode()
    banner = html.split('id="ma-compliance"', 1)[1].split('id="ma-launcher-characters"', 1)[0]
    assert "You are not compliant" in banner
    alts = banner.split('id="ma-unregistered-alts"', 1)[1]
    assert "Hidden Alt" in alts and "Not Mine" not in alts
    assert reverse("memberaudit:add_character") in alts
    assert "Alice Member" not in alts
    assert _total(html, "compliance") == '<span class="badge text-bg-danger">Not compliant</span>'


def test_the_compliance_banner_names_broken_characters_and_their_missing_scopes(client, member):
    from django.contrib.auth.models import Group

    from memberaudit.models.compliance import ComplianceGroupDesignation

    ComplianceGroupDesignation.objects.create(group=Group.objects.create(name="Audited Members"))
    broken = _checked_everything(register_main(member))
    SectionStatus.objects.filter(character=broken, section="wallet_balance").update(
        is_token_error=True, error_message="missing scope"
    )
    stale = register_character(member, "Sleepy Alt")
    html = client.get(LAUNCHER).content.decode()
    banner = html.split('id="ma-compliance"', 1)[1]
    assert "Audited Members" in banner.split("</p>", 1)[0]
    problem = banner.split(f'id="ma-compliance-problem-{broken.pk}"', 1)[1].split("</li>", 1)[0]
    assert "register the character again" in problem
    assert registry.get("wallet_balance").scopes[0] in problem
    assert "No section has been updated yet" in banner.split(f'id="ma-compliance-problem-{stale.pk}"', 1)[1]


def test_a_compliant_member_sees_no_banner(client, member):
    _checked_everything(register_main(member))
    html = client.get(LAUNCHER).content.decode()
    assert 'id="ma-compliance"' not in html
    assert _total(html, "compliance") == '<span class="badge text-bg-success">Compliant</span>'


def test_the_launcher_agrees_with_the_compliance_report(client, member):
    from memberaudit import compliance

    _checked_everything(register_main(member))
    partial = register_character(member, "Partial Alt")
    SectionStatus.objects.create(character=partial, section="skills", last_success_at=timezone.now())
    assert not client.get(LAUNCHER).context["compliance"].is_compliant
    assert not compliance.compliant_users().filter(pk=member.pk).exists()
    SectionStatus.objects.filter(character=partial, section="skills").delete()
    _checked_everything(partial)
    assert client.get(LAUNCHER).context["compliance"].is_compliant
    assert compliance.compliant_users().filter(pk=member.pk).exists()


def test_the_launcher_shows_when_a_share_ends(client):
    user = create_member("Sharing Sue", "basic_access", "share_characters")
    client.force_login(user)
    character = register_main(user)
    with override_settings(MEMBERAUDIT_SHARING_TIMEOUT=14):
        response = client.post(reverse("memberaudit:share_character", args=[character.pk]), follow=True)
        character.refresh_from_db()
        ends = timezone.localtime(character.shared_at + dt.timedelta(days=14))
        html = response.content.decode()
        assert "is now shared with recruiters until" in html
        row = html.split(f'data-character-id="{character.character_id}"', 1)[1]
        assert "until " + ends.strftime("%Y-%m-%d") in row.split("</td>", 1)[0]  # EVE time (UTC)
    # without a timeout a share has no end to show
    assert "ma-share-ends" not in client.get(LAUNCHER).content.decode()


def test_long_names_are_cut_with_an_ellipsis_and_keep_their_full_text(client, member):
    long_name = "Captain " + "Verylongname" * 8
    register_character(member, long_name, corporation_name="Corporation " + "X" * 80)
    html = client.get(LAUNCHER).content.decode()
    assert f'class="ma-ellipsis" title="{long_name}"' in html
    css = (Path(__file__).resolve().parents[1] / "memberaudit/static/memberaudit/memberaudit.css").read_text()
    assert "text-overflow: ellipsis" in css.split(".ma-ellipsis", 1)[1].split("}", 1)[0]


@pytest.mark.emulator
def test_launcher_shows_location_ship_wallet_sp_and_training_from_the_sections(
    client, esi, register_character
):
    from memberaudit.models import CharacterShip, CharacterSkillpoints
    from memberaudit.sections import engine

    character = register_character(size="medium")
    for name in ("location", "ship", "wallet_balance", "skills", "skill_queue"):
        engine.update_section(character, name)
    user = character.user
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="memberaudit", codename="basic_access")
    )
    client.force_login(user)
    html = client.get(LAUNCHER).content.decode()
    ship = CharacterShip.objects.get(character=character)
    assert ship.name in html
    assert f"{CharacterSkillpoints.objects.get(character=character).total:,}" in html
    assert "ISK" in html
