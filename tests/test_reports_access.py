"""What the finder and the reports list, per role: exactly the scope of SPEC.md, zero leaks.

The same roles and world as ``test_permission_matrix.py`` (which checks the status codes),
plus characters that are owned but not registered. The expected names are written out by
hand below, never computed with ``memberaudit.access``.
"""

from __future__ import annotations

import csv
import io

import pytest
from helpers import add_character, create_eve_character
from test_permission_matrix import (
    CORP_A,
    CORP_B,
    CORP_C,
    ROLES,
    TARGET_NAMES,
    _build_world,
)

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from memberaudit.models.skillsets import SkillSet

UNREGISTERED = {
    "corp_unreg": "Target CorpUnreg",  # owned by the member of corp A
    "far_unreg": "Target FarUnreg",  # owned by the member whose main is in corp C
    "recruiter_unreg": "Role recruiter Unregistered",  # owned by the recruiter (main in corp A)
}
ALL_TARGETS = set(TARGET_NAMES) | set(UNREGISTERED)

#: role -> targets the finder lists (the VIEW table's "ok" cells + unregistered characters)
FINDER_SEES = {
    "recruiter": {"shared", "recruiter_unreg"},  # own, even without characters_access
    "corp_lead_recruiter": {"shared"},
    # the recruiter's main is in corp A too: its unregistered alt is a corp member's
    "corp_auditor": {"corp_main", "corp_alt", "corp_unreg", "recruiter_unreg"},
    "alliance_auditor": {"corp_main", "corp_alt", "ally_main", "corp_unreg", "recruiter_unreg"},
    "everything_auditor": ALL_TARGETS,
    "superuser": ALL_TARGETS,
}
#: role -> targets in the skill sets report (characters in scope, no characters_access needed)
SKILL_REPORT_SEES = {
    "corp_lead": {"corp_main", "corp_alt"},
    "corp_lead_recruiter": {"corp_main", "corp_alt", "shared"},
    "everything_auditor": set(TARGET_NAMES),
    "superuser": set(TARGET_NAMES),
}
#: role -> members (by main) in the user compliance report
USER_REPORT_SEES = {
    "corp_lead": {"corp_main"},
    "corp_lead_recruiter": {"corp_main"},
    "everything_auditor": {"corp_main", "far_main", "ally_main", "shared", "revoked"},
    "superuser": {"corp_main", "far_main", "ally_main", "shared", "revoked"},
}
#: role -> corporations (of members' mains) in the corporation compliance report
CORPORATION_REPORT_SEES = {
    "corp_lead": {CORP_A},
    "corp_lead_recruiter": {CORP_A},
    "everything_auditor": {CORP_A, CORP_B, CORP_C},
    "superuser": {CORP_A, CORP_B, CORP_C},
}
NAMES = {**TARGET_NAMES, **UNREGISTERED}


def _build() -> dict[str, User]:
    users, _ = _build_world()
    owners = {
        "corp_unreg": User.objects.get(username="member_a"),
        "far_unreg": User.objects.get(username="member_c"),
        "recruiter_unreg": User.objects.get(username="recruiter"),
    }
    for key, owner in owners.items():
        add_character(owner, create_eve_character(UNREGISTERED[key], corporation_id=CORP_A, alliance_id=None))
    SkillSet.objects.create(name="Tackle")
    return users


@pytest.fixture(scope="module")
def _module_users(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def users(_module_users, db):
    return {role: User.objects.get(pk=user.pk) for role, user in _module_users.items()}


def _seen(names: set[str]) -> set[str]:
    return {key for key, name in NAMES.items() if name in names}


def _finder_names(client) -> set[str]:
    response = client.get(reverse("memberaudit:finder_data"), {"length": 500, "draw": 1})
    assert response.status_code == 200
    data = response.json()
    assert data["recordsTotal"] == len(data["data"])
    return {row["character"] for row in data["data"]}


@pytest.mark.parametrize("role", sorted(FINDER_SEES))
def test_finder_lists_exactly_the_characters_the_role_may_find(users, client, role):
    client.force_login(users[role])
    names = _finder_names(client)
    assert _seen(names) == FINDER_SEES[role]
    assert {f"Role {role} Main", f"Role {role} Alt"} <= names, "own characters are always listed"


def test_finder_marks_unregistered_characters_and_links_only_registered_ones(users, client):
    client.force_login(users["corp_auditor"])
    rows = client.get(reverse("memberaudit:finder_data"), {"length": 500}).json()["data"]
    by_name = {row["character"]: row for row in rows}
    assert by_name["Target CorpUnreg"]["registered"] is False
    assert by_name["Target CorpUnreg"]["viewer_url"] is None
    assert by_name["Target CorpUnreg"]["main"] == "Target CorpMain"
    assert by_name["Target CorpMain"]["viewer_url"].startswith("/member-audit/character/")


@pytest.mark.parametrize("role", sorted(SKILL_REPORT_SEES))
def test_skill_sets_report_covers_the_characters_in_scope(users, client, role):
    client.force_login(users[role])
    report = client.get(reverse("memberaudit:report_skill_sets_data")).json()
    assert _seen({row["character"] for row in report["data"]}) == SKILL_REPORT_SEES[role]
    assert [s["name"] for s in report["skill_sets"]] == ["Tackle"]
    text = client.get(reverse("memberaudit:report_skill_sets_csv")).content.decode()
    assert _seen({row[0] for row in csv.reader(io.StringIO(text))}) == SKILL_REPORT_SEES[role]


@pytest.mark.parametrize("role", sorted(USER_REPORT_SEES))
def test_user_compliance_report_covers_the_members_in_scope(users, client, role):
    client.force_login(users[role])
    rows = client.get(reverse("memberaudit:report_user_compliance_data")).json()["data"]
    assert _seen({row["main"] for row in rows}) == USER_REPORT_SEES[role]
    text = client.get(reverse("memberaudit:report_user_compliance_csv")).content.decode()
    assert _seen({row[0] for row in csv.reader(io.StringIO(text))}) == USER_REPORT_SEES[role]
    body = client.get(reverse("memberaudit:report_user_compliance_data")).content.decode()
    hidden = {NAMES[key] for key in ALL_TARGETS - USER_REPORT_SEES[role]}
    assert not [name for name in hidden if name in body], "no other names, not even of alts"


@pytest.mark.parametrize("role", sorted(CORPORATION_REPORT_SEES))
def test_corporation_compliance_report_covers_the_corporations_in_scope(users, client, role):
    client.force_login(users[role])
    rows = client.get(reverse("memberaudit:report_corporation_compliance_data")).json()["data"]
    assert {row["corporation_id"] for row in rows} == CORPORATION_REPORT_SEES[role]
    assert not any(name in str(rows) for name in NAMES.values())


def test_mains_only_filter_drops_alts(users, client):
    client.force_login(users["corp_lead"])
    url = reverse("memberaudit:report_skill_sets_data")
    rows = client.get(url, {"mains_only": "1"}).json()["data"]
    assert _seen({row["character"] for row in rows}) == {"corp_main"}
    assert all(row["is_main"] for row in rows)


def test_user_compliance_counts_unregistered_characters(users, client):
    client.force_login(users["superuser"])
    rows = client.get(reverse("memberaudit:report_user_compliance_data")).json()["data"]
    member = next(row for row in rows if row["main"] == "Target CorpMain")
    # main + alt registered (never updated: not healthy), one unregistered
    assert (member["characters"], member["registered"], member["unregistered"]) == (3, 2, 1)
    assert member["is_compliant"] is False


def test_roles_in_the_matrix_are_the_roles_here():
    assert set(FINDER_SEES) | set(SKILL_REPORT_SEES) <= set(ROLES)
