"""The permission matrix: every role × every kind of character × every URL of the app.

The expected answer of each cell is written out below, derived by hand from SPEC.md
("Permissions") — never computed with memberaudit.access. A cell fails when the status code
differs, when a denied request changed anything, or when a response names a character the
role may not see.

Adding a URL (e.g. a tab data endpoint of the viewer) is one line in ``ROWS``: which table it
follows (VIEW for anything that shows character data), how to build its URL, the HTTP method
and the status of an allowed request.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from helpers import add_character, create_eve_character, grant, register_character

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from esi import app_settings as esi_settings

from memberaudit.models import Character

# --- the world ------------------------------------------------------------------------------
# Corporation A and B are in alliance X, C in alliance Y, D in none. Every role's user has
# its main in A (alliance X) and an alt in C (alliance Y): an alt must never widen a scope.
CORP_A, CORP_B, CORP_C, CORP_D = 2001, 2002, 2003, 2004
ALLIANCE_X, ALLIANCE_Y = 3001, 3002

#: role -> permissions ("superuser" for a superuser without explicit permissions)
ROLES: dict[str, tuple[str, ...] | str | None] = {
    "anonymous": None,
    "no_basic": (  # everything except basic_access
        "share_characters",
        "finder_access",
        "reports_access",
        "characters_access",
        "exports_access",
        "view_shared_characters",
        "view_same_corporation",
        "view_same_alliance",
        "view_everything",
        "intel_access",
    ),
    "normal": ("basic_access",),
    "sharer": ("basic_access", "share_characters"),
    "recruiter": ("basic_access", "finder_access", "view_shared_characters"),
    "corp_lead": ("basic_access", "reports_access", "view_same_corporation"),
    "corp_lead_recruiter": (
        "basic_access",
        "reports_access",
        "view_same_corporation",
        "finder_access",
        "view_shared_characters",
    ),
    "corp_auditor": ("basic_access", "finder_access", "characters_access", "view_same_corporation"),
    "alliance_auditor": ("basic_access", "finder_access", "characters_access", "view_same_alliance"),
    "everything_auditor": (
        "basic_access",
        "finder_access",
        "reports_access",
        "characters_access",
        "view_everything",
    ),
    "intel_officer": ("basic_access", "intel_access"),
    "intel_only": ("intel_access",),  # without basic_access the app is closed
    "intel_auditor": ("basic_access", "intel_access", "characters_access", "view_same_alliance"),
    "superuser": "superuser",
}

#: target -> description; the role's own characters plus one of each kind of someone else's
TARGETS = {
    "own_main": "the role's main (corp A)",
    "own_alt": "the role's alt (corp C, alliance Y)",
    "corp_main": "main of a member of corp A",
    "corp_alt": "alt of that member, in corp D (no alliance)",
    "foreign_alt": "alt in corp A whose owner's main is in corp C (alliance Y)",
    "ally_main": "main in corp B (alliance X)",
    "far_main": "main in corp C (alliance Y), not shared",
    "shared": "main in corp C, shared; owner has share_characters",
    "revoked": "main in corp C, shared; owner lost share_characters",
    "orphan": "no owner; in corp A, flagged shared",
}

TARGET_NAMES = {
    "corp_main": "Target CorpMain",
    "corp_alt": "Target CorpAlt",
    "foreign_alt": "Target ForeignAlt",
    "ally_main": "Target AllyMain",
    "far_main": "Target FarMain",
    "shared": "Target SharedMain",
    "revoked": "Target RevokedMain",
    "orphan": "Target Orphan",
}


def _parse(text: str) -> dict[str, dict[str, str]]:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert header == list(TARGETS), header
    table = {row[0]: dict(zip(header, row[1:], strict=True)) for row in rows}
    assert list(table) == list(ROLES), list(table)
    return table


# --- the expected answers (from SPEC.md) ----------------------------------------------------
# ok: allowed; 404: no such character for this user; 403: feature permission missing;
# login: sent to the login page.

#: open a character (viewer and, later, every tab data endpoint)
VIEW = _parse("""
role                own_main own_alt corp_main corp_alt foreign_alt ally_main far_main shared revoked orphan
anonymous           login    login   login     login    login       login     login    login  login   login
no_basic            403      403     403       403      403         403       403      403    403     403
normal              ok       ok      404       404      404         404       404      404    404     404
sharer              ok       ok      404       404      404         404       404      404    404     404
recruiter           ok       ok      404       404      404         404       404      ok     404     404
corp_lead           ok       ok      404       404      404         404       404      404    404     404
corp_lead_recruiter ok       ok      404       404      404         404       404      ok     404     404
corp_auditor        ok       ok      ok        ok       404         404       404      404    404     404
alliance_auditor    ok       ok      ok        ok       404         ok        404      404    404     404
everything_auditor  ok       ok      ok        ok       ok          ok        ok       ok     ok      ok
intel_officer       ok       ok      404       404      404         404       404      404    404     404
intel_only          403      403     403       403      403         403       403      403    403     403
intel_auditor       ok       ok      ok        ok       404         ok        404      404    404     404
superuser           ok       ok      ok        ok       ok          ok        ok       ok     ok      ok
""")

#: unshare / remove: own characters only, for everybody with basic_access
MANAGE = _parse("""
role                own_main own_alt corp_main corp_alt foreign_alt ally_main far_main shared revoked orphan
anonymous           login    login   login     login    login       login     login    login  login   login
no_basic            403      403     403       403      403         403       403      403    403     403
normal              ok       ok      404       404      404         404       404      404    404     404
sharer              ok       ok      404       404      404         404       404      404    404     404
recruiter           ok       ok      404       404      404         404       404      404    404     404
corp_lead           ok       ok      404       404      404         404       404      404    404     404
corp_lead_recruiter ok       ok      404       404      404         404       404      404    404     404
corp_auditor        ok       ok      404       404      404         404       404      404    404     404
alliance_auditor    ok       ok      404       404      404         404       404      404    404     404
everything_auditor  ok       ok      404       404      404         404       404      404    404     404
intel_officer       ok       ok      404       404      404         404       404      404    404     404
intel_only          403      403     403       403      403         403       403      403    403     403
intel_auditor       ok       ok      404       404      404         404       404      404    404     404
superuser           ok       ok      404       404      404         404       404      404    404     404
""")

#: share: own characters only, and only with share_characters
SHARE = _parse("""
role                own_main own_alt corp_main corp_alt foreign_alt ally_main far_main shared revoked orphan
anonymous           login    login   login     login    login       login     login    login  login   login
no_basic            403      403     403       403      403         403       403      403    403     403
normal              403      403     403       403      403         403       403      403    403     403
sharer              ok       ok      404       404      404         404       404      404    404     404
recruiter           403      403     403       403      403         403       403      403    403     403
corp_lead           403      403     403       403      403         403       403      403    403     403
corp_lead_recruiter 403      403     403       403      403         403       403      403    403     403
corp_auditor        403      403     403       403      403         403       403      403    403     403
alliance_auditor    403      403     403       403      403         403       403      403    403     403
everything_auditor  403      403     403       403      403         403       403      403    403     403
intel_officer       403      403     403       403      403         403       403      403    403     403
intel_only          403      403     403       403      403         403       403      403    403     403
intel_auditor       403      403     403       403      403         403       403      403    403     403
superuser           ok       ok      404       404      404         404       404      404    404     404
""")

#: pages without a character (launcher, add character): basic_access
PAGE = {
    role: {"-": "login" if role == "anonymous" else "403" if role in ("no_basic", "intel_only") else "ok"}
    for role in ROLES
}

#: data exports (all characters, no scope): basic_access + exports_access; only the superuser here
EXPORTS = {
    role: {"-": "login" if role == "anonymous" else "ok" if role == "superuser" else "403"} for role in ROLES
}


#: character finder: basic_access + finder_access (what it lists: tests/test_reports_access.py)
FINDER = {
    role: {"-": outcome}
    for role, outcome in {
        "anonymous": "login",
        "no_basic": "403",
        "normal": "403",
        "sharer": "403",
        "recruiter": "ok",
        "corp_lead": "403",
        "corp_lead_recruiter": "ok",
        "corp_auditor": "ok",
        "alliance_auditor": "ok",
        "everything_auditor": "ok",
        "intel_officer": "403",
        "intel_only": "403",
        "intel_auditor": "403",
        "superuser": "ok",
    }.items()
}

#: reports: basic_access + reports_access (what they list: tests/test_reports_access.py)
REPORTS = {
    role: {"-": outcome}
    for role, outcome in {
        "anonymous": "login",
        "no_basic": "403",
        "normal": "403",
        "sharer": "403",
        "recruiter": "403",
        "corp_lead": "ok",
        "corp_lead_recruiter": "ok",
        "corp_auditor": "403",
        "alliance_auditor": "403",
        "everything_auditor": "ok",
        "intel_officer": "403",
        "intel_only": "403",
        "intel_auditor": "403",
        "superuser": "ok",
    }.items()
}

#: intel pages: basic_access + intel_access (what they list: test_intel_results_hold_only_...)
INTEL = {
    role: {
        "-": "login"
        if role == "anonymous"
        else "ok"
        if role in ("intel_officer", "intel_auditor", "superuser")
        else "403"
    }
    for role in ROLES
}


# --- the URLs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One URL of the app: how to call it and which table it follows."""

    name: str
    method: str
    url: Callable[[Character | None], str]
    table: dict[str, dict[str, str]]
    ok_status: int = 200
    ok_location: Callable[[], str] | None = None  # start of the Location of an allowed redirect

    @property
    def per_character(self) -> bool:
        return "-" not in next(iter(self.table.values()))


def _launcher_url() -> str:
    return reverse("memberaudit:launcher")


def _sso_url() -> str:
    return esi_settings.ESI_OAUTH_LOGIN_URL


def _char(name: str) -> Callable[[Character | None], str]:
    return lambda character: reverse(f"memberaudit:{name}", args=[character.pk])


def _report(name: str) -> str:
    return reverse(f"memberaudit:report_{name}") + "?search=Role"


def _viewer_url(name: str, *args) -> Callable[[Character | None], str]:
    return lambda character: reverse(f"memberaudit:{name}", args=[character.pk, *args])


_LIST_NUMBERS = itertools.count(1)


def _watch_list_url(name: str, *, entry: bool = False) -> Callable[[Character | None], str]:
    """A URL of a watch list (created inside the cell's rolled-back savepoint)."""

    def url(_character: Character | None) -> str:
        from memberaudit.models import WatchList, WatchListEntry

        watch_list = WatchList.objects.create(name=f"Matrix list {next(_LIST_NUMBERS)}")
        if entry:
            item = WatchListEntry.objects.create(watch_list=watch_list, entity_id=99_000_001, kind="alliance")
            return reverse(f"memberaudit:{name}", args=[watch_list.pk, item.pk])
        return reverse(f"memberaudit:{name}", args=[watch_list.pk])

    return url


def _intel(name: str, query: str = "") -> Callable[[Character | None], str]:
    return lambda _character: reverse(f"memberaudit:{name}") + query


def _watch_lists_url() -> str:
    return reverse("memberaudit:intel_watch_lists")


def _mail_detail_url(character: Character | None) -> str:
    """A mail of the target (created inside the cell's rolled-back savepoint)."""
    from memberaudit.models.mail import CharacterMail

    mail = CharacterMail.objects.create(character=character, mail_id=1, subject="Hello")
    return reverse("memberaudit:character_detail", args=[character.pk, "mail", mail.pk])


ROWS = [
    Row("launcher", "get", lambda _: reverse("memberaudit:launcher"), PAGE),
    Row("add_character", "get", lambda _: reverse("memberaudit:add_character"), PAGE, 302, _sso_url),
    Row("character_viewer", "get", _char("character_viewer"), VIEW),
    Row("character_tab", "get", _viewer_url("character_tab", "wallet_journal"), VIEW),
    Row("character_table", "get", _viewer_url("character_table", "wallet_journal"), VIEW),
    Row("character_chart", "get", _viewer_url("character_chart", "wallet_balance"), VIEW),
    Row("character_detail", "get", _mail_detail_url, VIEW),
    Row("share_character", "post", _char("share_character"), SHARE, 302, _launcher_url),
    Row("unshare_character", "post", _char("unshare_character"), MANAGE, 302, _launcher_url),
    Row("remove_character", "post", _char("remove_character"), MANAGE, 302, _launcher_url),
    Row("exports", "get", lambda _: reverse("memberaudit:exports"), EXPORTS),
    Row("export_status", "get", lambda _: reverse("memberaudit:export_status"), EXPORTS),
    Row(
        "export_generate",
        "post",
        lambda _: reverse("memberaudit:export_generate", args=["wallet_journal"]),
        EXPORTS,
        302,
        lambda: reverse("memberaudit:exports"),
    ),
    Row(
        "export_download",  # nothing generated yet: an allowed request goes back to the page
        "get",
        lambda _: reverse("memberaudit:export_download", args=["wallet_journal"]),
        EXPORTS,
        302,
        lambda: reverse("memberaudit:exports"),
    ),
    Row("character_skill_sets", "get", _char("character_skill_sets"), VIEW),
    Row("character_skill_sets_data", "get", _char("character_skill_sets_data"), VIEW),
    Row("finder", "get", lambda _: reverse("memberaudit:finder"), FINDER),
    # list endpoints are searched for the roles' own characters ("Role ..."): every allowed
    # answer must then name no target; what each role may see is in test_reports_access.py
    Row("finder_data", "get", lambda _: reverse("memberaudit:finder_data") + "?search[value]=Role", FINDER),
    Row("reports", "get", lambda _: reverse("memberaudit:reports"), REPORTS),
    Row("report_user_compliance_data", "get", lambda _: _report("user_compliance_data"), REPORTS),
    Row("report_user_compliance_csv", "get", lambda _: _report("user_compliance_csv"), REPORTS),
    Row(
        "report_corporation_compliance_data", "get", lambda _: _report("corporation_compliance_data"), REPORTS
    ),
    Row("report_corporation_compliance_csv", "get", lambda _: _report("corporation_compliance_csv"), REPORTS),
    Row("report_skill_sets_data", "get", lambda _: _report("skill_sets_data"), REPORTS),
    Row("report_skill_sets_csv", "get", lambda _: _report("skill_sets_csv"), REPORTS),
    Row("intel_report", "get", _intel("intel_report"), INTEL),
    Row("intel_report_data", "get", _intel("intel_report_data", "?search[value]=Role"), INTEL),
    Row("intel_report_csv", "get", _intel("intel_report_csv"), INTEL),
    Row("intel_investigate", "get", _intel("intel_investigate"), INTEL),
    Row("intel_investigate_data", "get", _intel("intel_investigate_data", "?entity=99000001"), INTEL),
    Row("intel_assets", "get", _intel("intel_assets"), INTEL),
    Row("intel_assets_data", "get", _intel("intel_assets_data", "?search[value]=Role"), INTEL),
    Row("intel_where", "get", _intel("intel_where"), INTEL),
    Row("intel_where_data", "get", _intel("intel_where_data", "?search[value]=Role"), INTEL),
    Row("intel_watch_lists", "get", _intel("intel_watch_lists"), INTEL),
    Row("intel_watch_list", "get", _watch_list_url("intel_watch_list"), INTEL),
    Row(
        "intel_watch_list_delete",
        "post",
        _watch_list_url("intel_watch_list_delete"),
        INTEL,
        302,
        _watch_lists_url,
    ),
    Row(
        "intel_watch_list_add", "post", _watch_list_url("intel_watch_list_add"), INTEL, 302, _watch_lists_url
    ),
    Row(
        "intel_watch_list_import",
        "post",
        _watch_list_url("intel_watch_list_import"),
        INTEL,
        302,
        _watch_lists_url,
    ),
    Row(
        "intel_watch_list_remove_entry",
        "post",
        _watch_list_url("intel_watch_list_remove_entry", entry=True),
        INTEL,
        302,
        _watch_lists_url,
    ),
    Row(
        "intel_watch_list_subscribe",
        "post",
        _watch_list_url("intel_watch_list_subscribe"),
        INTEL,
        302,
        _watch_lists_url,
    ),
    Row(
        "intel_watch_list_sync",
        "post",
        _watch_list_url("intel_watch_list_sync"),
        INTEL,
        302,
        _watch_lists_url,
    ),
]


# --- building the world ---------------------------------------------------------------------


def _user(username: str, main_name: str, *, corporation_id: int, alliance_id: int | None) -> User:
    user = User.objects.create_user(username)
    main = create_eve_character(main_name, corporation_id=corporation_id, alliance_id=alliance_id)
    add_character(user, main, main=True)
    return user


def _owned(user: User, name: str, **kwargs) -> Character:
    return register_character(user, name, **kwargs)


def _build_world() -> tuple[dict[str, User], dict[str, dict[str, Character]]]:
    """Users per role, and per role the character behind each target."""
    users: dict[str, User] = {}
    own: dict[str, dict[str, Character]] = {}
    for role, perms in ROLES.items():
        if perms is None:
            continue
        user = _user(role, f"Role {role} Main", corporation_id=CORP_A, alliance_id=ALLIANCE_X)
        if perms == "superuser":
            user.is_superuser = True
            user.save()
        elif perms:
            grant(user, *perms)
        main = register_character(user, eve_character=user.profile.main_character)
        alt = _owned(user, f"Role {role} Alt", corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
        users[role] = User.objects.get(pk=user.pk)
        own[role] = {"own_main": main, "own_alt": alt}
    own["anonymous"] = own["normal"]  # anonymous owns nothing: aim at somebody's characters

    member = _user("member_a", TARGET_NAMES["corp_main"], corporation_id=CORP_A, alliance_id=ALLIANCE_X)
    far = _user("member_c", TARGET_NAMES["far_main"], corporation_id=CORP_C, alliance_id=ALLIANCE_Y)
    ally = _user("member_b", TARGET_NAMES["ally_main"], corporation_id=CORP_B, alliance_id=ALLIANCE_X)
    sharer = grant(
        _user("applicant", TARGET_NAMES["shared"], corporation_id=CORP_C, alliance_id=ALLIANCE_Y),
        "basic_access",
        "share_characters",
    )
    revoked = grant(
        _user("former", TARGET_NAMES["revoked"], corporation_id=CORP_C, alliance_id=ALLIANCE_Y),
        "basic_access",
    )
    others = {
        "corp_main": register_character(member, eve_character=member.profile.main_character),
        "corp_alt": _owned(member, TARGET_NAMES["corp_alt"], corporation_id=CORP_D, alliance_id=None),
        "foreign_alt": _owned(
            far, TARGET_NAMES["foreign_alt"], corporation_id=CORP_A, alliance_id=ALLIANCE_X
        ),
        "ally_main": register_character(ally, eve_character=ally.profile.main_character),
        "far_main": register_character(far, eve_character=far.profile.main_character),
        "shared": register_character(sharer, eve_character=sharer.profile.main_character, is_shared=True),
        "revoked": register_character(revoked, eve_character=revoked.profile.main_character, is_shared=True),
        "orphan": register_character(
            None, TARGET_NAMES["orphan"], corporation_id=CORP_A, alliance_id=ALLIANCE_X, is_shared=True
        ),
    }
    targets = {role: {**own[role], **others} for role in ROLES}
    return users, targets


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world is built once per module, in a transaction rolled back at the end; every
    test runs in its own savepoint inside it (through the ``db`` fixture)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db):
    users, targets = _module_world
    # fresh instances: no permission cache or related objects carried between tests
    return {role: User.objects.get(pk=user.pk) for role, user in users.items()}, targets


# --- checking a cell ------------------------------------------------------------------------


def _expected_status(row: Row, outcome: str) -> int:
    return {"ok": row.ok_status, "403": 403, "404": 404, "login": 302}[outcome]


def _snapshot(character: Character) -> tuple[bool, bool] | None:
    fresh = Character.objects.filter(pk=character.pk).first()
    return (fresh.is_shared, fresh.is_disabled) if fresh else None


def _check_cell(
    client: Client, row: Row, role: str, target: str | None, character: Character | None
) -> list[str]:
    """Request one cell inside a savepoint that is rolled back; return its problems."""
    outcome = row.table[role][target or "-"]
    problems = []
    with transaction.atomic():
        before = _snapshot(character) if character else None
        response = getattr(client, row.method)(row.url(character))
        after = _snapshot(character) if character else None
        transaction.set_rollback(True)
    expected = _expected_status(row, outcome)
    if response.status_code != expected:
        problems.append(f"status {response.status_code}, expected {expected} ({outcome})")
    location = response.get("Location", "")
    if outcome == "login" and resolve_url(settings.LOGIN_URL) not in location:
        problems.append(f"expected a redirect to login, got {location!r}")
    if outcome == "ok" and row.ok_location and not location.startswith(row.ok_location()):
        problems.append(f"expected a redirect to {row.ok_location()!r}, got {location!r}")
    if outcome != "ok" and before != after:
        problems.append(f"denied request changed the character: {before} -> {after}")
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    # Names of characters that this role may not open must never appear; pages without a
    # character show only the role's own characters.
    hidden = [
        name
        for key, name in TARGET_NAMES.items()
        if VIEW[role][key] != "ok" or (not row.per_character and outcome == "ok")
    ]
    problems += [f"leaks {name!r}" for name in hidden if name in body]
    return [f"{row.name} | {role} | {target or '-'}: {problem}" for problem in problems]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_permission_matrix(world, client, row: Row, role: str):
    users, targets = world
    if role != "anonymous":
        client.force_login(users[role])
    problems = []
    if row.per_character:
        for target in TARGETS:
            problems += _check_cell(client, row, role, target, targets[role][target])
    else:
        problems += _check_cell(client, row, role, None, None)
    assert not problems, "\n" + "\n".join(problems)


def test_the_matrix_covers_every_url_of_the_app():
    from memberaudit import urls

    assert {pattern.name for pattern in urls.urlpatterns} <= {row.name for row in ROWS}


def test_get_is_refused_for_state_changes(world, client):
    users, targets = world
    client.force_login(users["sharer"])
    own = targets["sharer"]["own_main"]
    for row in ROWS:
        if row.method == "post":
            assert client.get(row.url(own)).status_code == 405, row.name
    assert _snapshot(own) == (False, False)
    assert Character.objects.filter(pk=own.pk).exists()


# --- what the intel pages list ----------------------------------------------------------------

HOSTILE_PILOT, HOSTILE_ALLIANCE, HOSTILE_MEMBER = 2_115_000_001, 99_200_001, 2_115_000_002


def _plant_intel(targets: dict[str, Character]) -> None:
    """Every character deals with a watched pilot and with a member of a watched alliance, and
    owns an asset: the intel pages could list them all, so what they list is what access allows."""
    from memberaudit.models import (
        CharacterAsset,
        CharacterInteraction,
        CounterpartyAffiliation,
        WatchList,
        WatchListEntry,
    )

    watch_list = WatchList.objects.create(name="Leak check")
    WatchListEntry.objects.create(watch_list=watch_list, entity_id=HOSTILE_PILOT, kind="character")
    WatchListEntry.objects.create(watch_list=watch_list, entity_id=HOSTILE_ALLIANCE, kind="alliance")
    CounterpartyAffiliation.objects.create(
        entity_id=HOSTILE_MEMBER,
        corporation_id=98_200_001,
        alliance_id=HOSTILE_ALLIANCE,
        checked_at=timezone.now(),
    )
    for number, character in enumerate({c.pk: c for c in targets.values()}.values(), start=1):
        for counterparty in (HOSTILE_PILOT, HOSTILE_MEMBER):
            CharacterInteraction.objects.create(
                character=character, source="wallet_journal", counterparty_id=counterparty, count=1, isk=10
            )
        CharacterAsset.objects.create(
            character=character,
            item_id=number,
            location_flag="Hangar",
            location_type="station",
            quantity=1,
            is_singleton=False,
            name="Leak check item",
        )


@pytest.mark.parametrize("role", ["intel_officer", "intel_auditor", "superuser"])
def test_intel_results_hold_only_characters_the_role_may_open(world, client, role):
    users, targets = world
    every_target = {
        key: character for role_targets in targets.values() for key, character in role_targets.items()
    }
    _plant_intel({f"{key}{c.pk}": c for key, c in every_target.items()} | targets[role])
    client.force_login(users[role])
    pages = {
        "report": reverse("memberaudit:intel_report_data") + "?length=500",
        "investigate": reverse("memberaudit:intel_investigate_data")
        + f"?entity={HOSTILE_ALLIANCE}&length=500",
        "assets": reverse("memberaudit:intel_assets_data") + "?length=500",
        "where": reverse("memberaudit:intel_where_data") + "?length=500",
        "csv": reverse("memberaudit:intel_report_csv"),
    }
    allowed = {name for key, name in TARGET_NAMES.items() if VIEW[role][key] == "ok"}
    own = {targets[role]["own_main"].name, targets[role]["own_alt"].name}
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        shown = {name for name in TARGET_NAMES.values() if name in body}
        assert shown == allowed, f"{page}: shows {sorted(shown - allowed)}, misses {sorted(allowed - shown)}"
        assert all(name in body for name in own), (page, body[:3000])
