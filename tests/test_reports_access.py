"""What the finder and the reports list, per role: exactly the scope of SPEC.md, zero leaks.

The same roles and world as ``test_permission_matrix.py`` (which checks the status codes),
plus characters that are owned but not registered. The expected names are written out by
hand below, never computed with ``memberaudit.access``.
"""

from __future__ import annotations

import csv
import io

import pytest
from helpers import add_character, create_eve_character, create_member
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


def _download(client, name: str, params: dict | None = None) -> list[list[str]]:
    """The rows of a CSV download (streamed), header first."""
    response = client.get(reverse(f"memberaudit:{name}"), params or {})
    assert response.status_code == 200
    assert response.streaming, "downloads stream"
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


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
    assert _seen({row[0] for row in _download(client, "report_skill_sets_csv")}) == SKILL_REPORT_SEES[role]


@pytest.mark.parametrize("role", sorted(USER_REPORT_SEES))
def test_user_compliance_report_covers_the_members_in_scope(users, client, role):
    client.force_login(users[role])
    rows = client.get(reverse("memberaudit:report_user_compliance_data")).json()["data"]
    assert _seen({row["main"] for row in rows}) == USER_REPORT_SEES[role]
    assert (
        _seen({row[0] for row in _download(client, "report_user_compliance_csv")}) == USER_REPORT_SEES[role]
    )
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


# --- paged, sorted and searched on the server ----------------------------------------------------

REPORT_TABLES = {
    "report_user_compliance_data": "main",
    "report_corporation_compliance_data": "corporation",
    "report_skill_sets_data": "character",
}


def _sorted_by(column: str, direction: str = "asc", **params) -> dict:
    return {"order[0][column]": "0", "order[0][name]": column, "order[0][dir]": direction, **params}


@pytest.mark.parametrize("name", sorted(REPORT_TABLES))
def test_paging_through_a_report_returns_every_row_once_in_order(users, client, name):
    client.force_login(users["superuser"])
    url = reverse(f"memberaudit:{name}")
    column = REPORT_TABLES[name]
    whole = client.get(url, _sorted_by(column, "desc", length=500)).json()
    assert whole["recordsTotal"] == whole["recordsFiltered"] == len(whole["data"]) >= 3
    pages, start = [], 0
    while start < whole["recordsTotal"]:
        answer = client.get(url, _sorted_by(column, "desc", start=start, length=2, draw=7)).json()
        assert answer["draw"] == 7 and len(answer["data"]) <= 2
        pages += answer["data"]
        start += 2
    assert pages == whole["data"]
    labels = [row[column] for row in whole["data"]]
    assert labels == sorted(labels, key=str.casefold, reverse=True) or labels == sorted(labels, reverse=True)


def test_user_compliance_sorts_by_counts_and_searches_in_the_database(users, client):
    client.force_login(users["superuser"])
    url = reverse("memberaudit:report_user_compliance_data")
    rows = client.get(url, _sorted_by("characters", "desc", length=500)).json()["data"]
    counts = [row["characters"] for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == 3  # Target CorpMain: main, alt, unreg
    answer = client.get(url, {"search[value]": "corpmain", "length": 500}).json()
    assert [row["main"] for row in answer["data"]] == ["Target CorpMain"]
    assert answer["recordsFiltered"] == 1 and answer["recordsTotal"] == len(rows)


def test_user_compliance_agrees_with_the_compliance_groups(users, client):
    from memberaudit import compliance

    client.force_login(users["superuser"])
    rows = client.get(reverse("memberaudit:report_user_compliance_data"), {"length": 500}).json()["data"]
    compliant = set(
        compliance.compliant_users().values_list("profile__main_character__character_name", flat=True)
    )
    assert {row["main"] for row in rows if row["is_compliant"]} == compliant & {row["main"] for row in rows}


def test_corporation_compliance_counts_members_per_corporation(users, client):
    client.force_login(users["superuser"])
    url = reverse("memberaudit:report_corporation_compliance_data")
    rows = client.get(url, _sorted_by("members", "desc", length=500)).json()["data"]
    members = {row["corporation_id"]: row["members"] for row in rows}
    # every role's main is in corp A, plus the member of corp A
    assert members[CORP_A] == max(members.values()) > 1
    assert all(0 <= row["share"] <= 100 for row in rows)
    create_member("zed", corporation_id=2999, corporation_name="Zeta Search Corp")
    searched = client.get(url, {"search[value]": "zeta SEARCH", "length": 500}).json()
    assert searched["recordsTotal"] == len(rows) + 1 and searched["recordsFiltered"] == 1
    assert searched["data"][0]["members"] == 1 and searched["data"][0]["compliant"] == 0


def test_skill_sets_report_sorts_by_a_skill_set_column(users, client):
    from memberaudit.models import Character
    from memberaudit.models.skillsets import CharacterSkillSetCheck

    tackle = SkillSet.objects.get(name="Tackle")
    flying = Character.objects.get(eve_character__character_name=NAMES["corp_alt"])
    CharacterSkillSetCheck.objects.create(
        character=flying, skill_set=tackle, can_fly=True, meets_recommended=True
    )
    client.force_login(users["corp_lead"])
    column = f"skill_sets.{tackle.pk}"
    answer = client.get(
        reverse("memberaudit:report_skill_sets_data"), _sorted_by(column, "desc", length=500)
    ).json()
    assert answer["data"][0]["character"] == NAMES["corp_alt"]
    assert answer["data"][0]["skill_sets"] == {str(tackle.pk): "recommended"}
    assert {row["skill_sets"][str(tackle.pk)] for row in answer["data"][1:]} == {""}


def test_downloads_hold_every_row_searched_and_sorted_like_the_table(users, client):
    client.force_login(users["superuser"])
    params = _sorted_by("main", "desc", start=2, length=1, **{"search[value]": "Target"})
    table = client.get(
        reverse("memberaudit:report_user_compliance_data"), {**params, "start": 0, "length": 500}
    )
    expected = [row["main"] for row in table.json()["data"]]
    rows = _download(client, "report_user_compliance_csv", params)
    assert [row[0] for row in rows[1:]] == expected and len(expected) >= 3


BAD_NUMBERS = ["99999999999999999999", "-99999999999999999999", "-1", "x", "", "1e3", "0x10", " "]
NUMERIC_PARAMS = ["start", "length", "draw", "order[0][column]", "group", "corporation", "alliance"]
#: endpoint -> the filters of its own that refuse a malformed value (400)
OWN_FILTERS = {
    "finder_data": {"corporation", "alliance"},
    "report_user_compliance_data": {"corporation", "alliance"},
    "report_user_compliance_csv": {"corporation", "alliance"},
    "report_corporation_compliance_data": {"corporation", "alliance"},
    "report_corporation_compliance_csv": {"corporation", "alliance"},
    "report_skill_sets_data": {"group", "corporation", "alliance"},
    "report_skill_sets_csv": {"group", "corporation", "alliance"},
}
ENDPOINTS = [
    "finder_data",
    "report_user_compliance_data",
    "report_user_compliance_csv",
    "report_corporation_compliance_data",
    "report_corporation_compliance_csv",
    "report_skill_sets_data",
    "report_skill_sets_csv",
]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_bad_numbers_give_a_page_never_a_server_error(users, client, name):
    client.force_login(users["superuser"])
    url = reverse(f"memberaudit:{name}")
    for param in NUMERIC_PARAMS:
        for value in BAD_NUMBERS:
            response = client.get(url, {param: value, "columns[0][data]": "character"})
            assert response.status_code in (200, 400), (param, value, response.status_code)
            if response.status_code == 400:
                # only a malformed filter of the table's own is refused; paging falls back safely
                assert param in OWN_FILTERS[name], (param, value)
            elif response.streaming:
                b"".join(response.streaming_content)
            elif name.endswith("_data"):
                data = response.json()
                assert isinstance(data["data"], list) and 0 <= data["draw"] < 2**31, (param, value)


def test_a_start_beyond_the_rows_is_an_empty_page(users, client):
    client.force_login(users["superuser"])
    for name in ("finder_data", *REPORT_TABLES):
        answer = client.get(reverse(f"memberaudit:{name}"), {"start": "99999999999999999999"}).json()
        assert answer["data"] == [] and answer["recordsTotal"] > 0, name


def test_a_malformed_group_is_a_bad_request_and_an_unknown_one_an_empty_report(users, client):
    client.force_login(users["superuser"])
    url = reverse("memberaudit:report_skill_sets_data")
    for group in ("99999999999999999999", "-3", "abc", "0x10"):
        assert client.get(url, {"group": group}).status_code == 400, group
        assert client.get(reverse("memberaudit:report_skill_sets_csv"), {"group": group}).status_code == 400
    assert [s["name"] for s in client.get(url, {"group": ""}).json()["skill_sets"]] == ["Tackle"]
    missing = client.get(url, {"group": "123456789"}).json()
    assert missing["skill_sets"] == [] and all(row["skill_sets"] == {} for row in missing["data"])
