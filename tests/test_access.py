"""Unit tests of memberaudit.access: the query functions and the rules of SPEC.md."""

from __future__ import annotations

import pytest
from helpers import (
    add_character,
    create_eve_character,
    create_member,
    grant,
    register_character,
    register_main,
)

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allianceauth.authentication.models import State

from memberaudit import access
from memberaudit.models import Character

CORP_A, CORP_B, CORP_C = 2001, 2002, 2003
ALLIANCE_X, ALLIANCE_Y = 3001, 3002

pytestmark = pytest.mark.django_db


def _member(
    name: str, *perms: str, corporation_id: int = CORP_A, alliance_id: int | None = ALLIANCE_X
) -> User:
    return create_member(name, *perms, corporation_id=corporation_id, alliance_id=alliance_id)


def _names(qs) -> set[str]:
    return {character.name for character in qs.select_related("eve_character")}


def _perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="memberaudit", codename=codename)


# --- features -------------------------------------------------------------------------------


def test_nothing_without_basic_access_even_with_every_scope():
    user = _member("no_basic", "characters_access", "view_everything", "view_shared_characters")
    register_main(user)
    assert not access.can_access_app(user)
    assert not access.accessible_characters(user).exists()
    assert not access.characters_in_scope(user).exists()
    assert not access.owned_characters(user).exists()
    assert not access.accessible_users(user).exists()


def test_anonymous_user_has_nothing():
    register_main(_member("alice", "basic_access"))
    anonymous = AnonymousUser()
    assert not access.can_access_app(anonymous)
    assert not access.accessible_characters(anonymous).exists()
    assert not access.accessible_users(anonymous).exists()


def test_inactive_user_has_nothing():
    user = _member("alice", "basic_access", "view_everything", "characters_access")
    register_main(user)
    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    assert not access.accessible_characters(user).exists()


def test_feature_helpers_need_basic_access_too():
    features = ("share_characters", "finder_access", "reports_access", "exports_access")
    without = _member("without", *features)
    with_basic = _member("with", "basic_access", *features)
    for check in (access.can_share, access.can_use_finder, access.can_access_reports, access.can_export):
        assert not check(without)
        assert check(with_basic)


# --- own characters -------------------------------------------------------------------------


def test_own_characters_are_always_accessible_with_basic_access():
    user = _member("alice", "basic_access")
    main = register_main(user)
    alt = register_character(user, "Alice Alt", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    register_main(_member("bob", "basic_access"))  # same corp, but no scope
    assert set(access.accessible_characters(user)) == {main, alt}
    assert set(access.characters_in_scope(user)) == {main, alt}
    assert access.can_view_character(user, alt)
    assert access.can_manage_character(user, alt)


def test_only_the_owner_may_manage_a_character_even_an_auditor_or_superuser():
    owner = _member("owner", "basic_access")
    character = register_main(owner)
    auditor = _member("auditor", "basic_access", "characters_access", "view_everything")
    superuser = _member("root", "basic_access")
    superuser.is_superuser = True
    superuser.save()
    assert access.can_view_character(auditor, character)
    assert access.can_view_character(superuser, character)
    assert not access.can_manage_character(auditor, character)
    assert not access.can_manage_character(superuser, character)


# --- scope follows the main, never an alt ---------------------------------------------------


@pytest.fixture
def corp_world():
    """Requester (main in corp A) with an alt in corp C, and members around them."""
    requester = _member("lead", "basic_access", "characters_access", "view_same_corporation")
    register_main(requester)
    register_character(requester, "Lead Alt In C", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)

    member_a = _member("member_a", "basic_access")
    register_main(member_a)
    register_character(member_a, "Member A Alt Elsewhere", corporation_id=2099, alliance_id=None)

    member_c = _member("member_c", "basic_access", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    register_main(member_c)
    register_character(member_c, "Member C Alt In A", corporation_id=CORP_A, alliance_id=ALLIANCE_X)

    member_b = _member("member_b", "basic_access", corporation_id=CORP_B)
    register_main(member_b)
    return requester


def test_corporation_scope_includes_mains_of_my_main_corp_with_all_their_alts(corp_world):
    assert _names(access.accessible_characters(corp_world)) == {
        "lead",
        "Lead Alt In C",
        "member_a",
        "Member A Alt Elsewhere",
    }


def test_corporation_scope_ignores_my_alts_corporation(corp_world):
    # member_c's main is in corp C, where the requester only has an alt.
    assert "member_c" not in _names(access.accessible_characters(corp_world))


def test_corporation_scope_ignores_alts_in_my_corp_whose_main_is_elsewhere(corp_world):
    assert "Member C Alt In A" not in _names(access.accessible_characters(corp_world))


def test_alliance_scope_follows_the_main_alliance():
    requester = _member("auditor", "basic_access", "characters_access", "view_same_alliance")
    register_character(requester, "Auditor Alt In Y", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    in_b = _member("in_b", "basic_access", corporation_id=CORP_B)
    register_main(in_b)
    in_y = _member("in_y", "basic_access", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    register_main(in_y)
    no_alliance = _member("no_alliance", "basic_access", corporation_id=2099, alliance_id=None)
    register_main(no_alliance)
    assert _names(access.accessible_characters(requester)) == {"Auditor Alt In Y", "in_b"}


def test_requester_without_alliance_gets_no_alliance_scope():
    requester = _member("loner", "basic_access", "characters_access", "view_same_alliance", alliance_id=None)
    other = _member("other_loner", "basic_access", alliance_id=None, corporation_id=2099)
    register_main(other)
    assert not access.accessible_characters(requester).exists()


def test_requester_without_main_gets_no_corporation_scope():
    requester = User.objects.create_user("no_main")
    requester = grant(requester, "basic_access", "characters_access", "view_same_corporation")
    alt = create_eve_character("No Main Alt", corporation_id=CORP_A)
    add_character(requester, alt)
    own = register_character(requester, eve_character=alt)
    register_main(_member("member_a", "basic_access"))
    assert set(access.accessible_characters(requester)) == {own}


def test_a_character_follows_its_owners_main_change():
    requester = _member("lead", "basic_access", "characters_access", "view_same_corporation")
    member = _member("member", "basic_access", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    alt_in_a = register_character(member, "Member Alt In A", corporation_id=CORP_A)
    assert not access.can_view_character(requester, alt_in_a)
    member.profile.main_character = alt_in_a.eve_character
    member.profile.save()
    assert access.can_view_character(requester, alt_in_a)


# --- characters_access: scope alone opens nothing -------------------------------------------


def test_scope_without_characters_access_is_for_reports_only():
    leadership = _member("leadership", "basic_access", "reports_access", "view_same_corporation")
    member = _member("member", "basic_access")
    character = register_main(member)
    assert not access.can_view_character(leadership, character)
    assert character in access.characters_in_scope(leadership)
    assert member in access.accessible_users(leadership)


def test_view_everything_without_characters_access_is_scope_only():
    user = _member("reporter", "basic_access", "view_everything")
    other = register_main(_member("other", "basic_access", corporation_id=CORP_C, alliance_id=ALLIANCE_Y))
    orphan = register_character(None, "Orphan")
    assert not access.can_view_character(user, other)
    assert {other, orphan} <= set(access.characters_in_scope(user))


# --- shared characters ----------------------------------------------------------------------


@pytest.fixture
def recruiter() -> User:
    return _member("recruiter", "basic_access", "finder_access", "view_shared_characters")


def _applicant(name: str, *perms: str) -> User:
    return _member(name, "basic_access", *perms, corporation_id=CORP_C, alliance_id=ALLIANCE_Y)


def test_recruiter_opens_shared_characters_without_characters_access(recruiter):
    applicant = _applicant("applicant", "share_characters")
    shared = register_main(applicant, is_shared=True)
    unshared = register_character(applicant, "Applicant Alt", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    assert access.can_view_character(recruiter, shared)
    assert not access.can_view_character(recruiter, unshared)
    assert shared in access.characters_in_scope(recruiter)


def test_shared_character_disappears_when_owner_loses_share_characters(recruiter):
    applicant = _applicant("applicant", "share_characters")
    shared = register_main(applicant, is_shared=True)
    assert access.can_view_character(recruiter, shared)
    applicant.user_permissions.remove(_perm("share_characters"))
    assert not access.can_view_character(recruiter, shared)
    assert shared not in access.characters_in_scope(recruiter)


@pytest.mark.parametrize("via", ["group", "state", "superuser"])
def test_owner_may_hold_share_characters_through_group_state_or_superuser(recruiter, via):
    applicant = _applicant("applicant")
    shared = register_main(applicant, is_shared=True)
    assert not access.can_view_character(recruiter, shared)
    if via == "group":
        group = Group.objects.create(name="sharers")
        group.permissions.add(_perm("share_characters"))
        applicant.groups.add(group)
    elif via == "state":
        state = State.objects.create(name="Applicants", priority=5000)
        state.permissions.add(_perm("share_characters").pk)
        state.member_characters.add(applicant.profile.main_character)  # AA assigns the state
        applicant.profile.refresh_from_db()
        assert applicant.profile.state == state
    else:
        applicant.is_superuser = True
        applicant.save()
    assert access.can_view_character(recruiter, shared)


def test_inactive_owner_no_longer_shares(recruiter):
    applicant = _applicant("applicant", "share_characters")
    shared = register_main(applicant, is_shared=True)
    applicant.is_active = False
    applicant.save()
    assert not access.can_view_character(recruiter, shared)


def test_shared_characters_need_view_shared_characters():
    auditor = _member("auditor", "basic_access", "characters_access", "view_same_corporation")
    shared = register_main(_applicant("applicant", "share_characters"), is_shared=True)
    assert not access.can_view_character(auditor, shared)


# --- orphans, everything, superuser ---------------------------------------------------------


def test_orphans_only_for_view_everything_and_superusers():
    orphan = register_character(None, "Orphan", corporation_id=CORP_A, alliance_id=ALLIANCE_X, is_shared=True)
    lead = _member("lead", "basic_access", "characters_access", "view_same_corporation", "view_same_alliance")
    recruiter = _member("recruiter", "basic_access", "view_shared_characters")
    everything = _member("everything", "basic_access", "characters_access", "view_everything")
    superuser = _member("root", "basic_access")
    superuser.is_superuser = True
    superuser.save()
    assert not access.can_view_character(lead, orphan)
    assert orphan not in access.characters_in_scope(lead)
    assert not access.can_view_character(recruiter, orphan)
    assert access.can_view_character(everything, orphan)
    assert access.can_view_character(superuser, orphan)


def test_superuser_sees_everything_without_explicit_permissions():
    superuser = User.objects.create_superuser("root")
    add_character(superuser, create_eve_character("root"), main=True)
    superuser = User.objects.get(pk=superuser.pk)
    register_main(_applicant("other"))
    register_character(None, "Orphan")
    assert access.accessible_characters(superuser).count() == Character.objects.count() == 2
    assert access.accessible_users(superuser).count() == User.objects.count()


# --- users in reports -----------------------------------------------------------------------


def test_accessible_users_follow_the_main_corporation_and_alliance():
    lead = _member("lead", "basic_access", "reports_access", "view_same_corporation")
    add_character(lead, create_eve_character("Lead Alt", corporation_id=CORP_C, alliance_id=ALLIANCE_Y))
    same_corp = _member("same_corp", "basic_access")
    same_alliance = _member("same_alliance", "basic_access", corporation_id=CORP_B)
    other = _member("other", "basic_access", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    assert set(access.accessible_users(lead)) == {lead, same_corp}

    auditor = _member("auditor", "basic_access", "view_same_alliance")
    assert set(access.accessible_users(auditor)) == {lead, same_corp, same_alliance, auditor}

    everything = _member("everything", "basic_access", "view_everything")
    assert other in access.accessible_users(everything)
    normal = _member("normal", "basic_access")
    assert set(access.accessible_users(normal)) == {normal}


def test_sharing_a_character_does_not_share_its_user():
    recruiter = _member("recruiter", "basic_access", "view_shared_characters")
    applicant = _applicant("applicant", "share_characters")
    register_main(applicant, is_shared=True)
    assert applicant not in access.accessible_users(recruiter)


# --- speed ----------------------------------------------------------------------------------


def _queries_for_fresh_user(user_pk: int, query) -> int:
    user = User.objects.get(pk=user_pk)  # no permission cache yet
    with CaptureQueriesContext(connection) as context:
        list(query(user))
    return len(context)


def _populate(count: int, start: int) -> None:
    for n in range(start, start + count):
        member = _member(
            f"m{n}", "basic_access", "share_characters", corporation_id=CORP_A if n % 2 else CORP_C
        )
        register_main(member, is_shared=n % 3 == 0)
        register_character(member, f"m{n} alt")


@pytest.mark.parametrize(
    "query",
    [
        access.accessible_characters,
        access.characters_in_scope,
        access.accessible_users,
        access.owned_characters,
    ],
)
def test_query_functions_issue_the_same_number_of_queries_for_more_characters(query):
    lead = _member(
        "lead",
        "basic_access",
        "characters_access",
        "view_same_corporation",
        "view_same_alliance",
        "view_shared_characters",
    )
    _populate(2, 0)
    small = _queries_for_fresh_user(lead.pk, query)
    _populate(40, 2)
    large = _queries_for_fresh_user(lead.pk, query)
    assert small == large
    # AA loads permissions with 5 queries (user, groups, profile, state, state permissions);
    # then at most the requester's main and the result itself.
    assert large <= 7


def test_a_scope_is_one_sql_query_once_permissions_are_loaded():
    lead = _member(
        "lead", "basic_access", "characters_access", "view_same_corporation", "view_shared_characters"
    )
    _populate(20, 0)
    lead = User.objects.get(pk=lead.pk)
    access.can_access_app(lead)  # loads and caches the permissions
    with CaptureQueriesContext(connection) as context:
        names = _names(access.accessible_characters(lead))
    assert len(context) == 2  # the requester's main + the characters
    assert len(names) == 20 + 4  # corp A members (10 mains + 10 alts), shared ones from C
