"""Response times and queries per request of the character finder and the reports.

Builds a throwaway SQLite database in /tmp with N characters (bulk_create: 5 characters per
member, 90% registered, 20 corporations in 4 alliances, 5 skill sets with a check per
registered character), then, as three requesters — a superuser, an alliance auditor (finder)
and a corporation lead (reports):

- calls each endpoint with Django's test client: pages of 50 rows (first, deep, sorted,
  searched) and the full CSV downloads, read to the end (they stream);
- calls the shared queries (``memberaudit.queries``) directly for the same pages, without
  HTTP, templates or JSON: what the database costs.

Reports the median time of a few runs and the queries of one request. Prints a small table
and a JSON line, and appends one line per measurement to ``bench/results/latest.jsonl``:
``{"scenario": "finder_reports", "characters": N, "endpoint": ..., "ms": ..., "queries": ...}``.

    .venv/bin/python bench/finder_reports.py [--characters 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.jsonl"
PER_USER = 5
CORPORATIONS = 20
ALLIANCES = 4
SKILL_SETS = 5


def setup_django(db_path: str) -> None:
    """Django with the test project's settings on a fresh SQLite file, migrated."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "testauth.settings.local"
    os.environ["SQLITE_PATH"] = db_path
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(count: int) -> None:
    """``count`` characters in bulk (constant number of statements per batch)."""
    from django.contrib.auth.models import User
    from django.utils import timezone as dj_timezone

    from allianceauth.authentication.models import CharacterOwnership, UserProfile, get_guest_state
    from allianceauth.eveonline.models import EveCharacter

    from memberaudit.models import Character, SectionStatus
    from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet

    guest = get_guest_state()
    users = User.objects.bulk_create(
        [User(username=f"member-{i}") for i in range((count + PER_USER - 1) // PER_USER)], batch_size=2000
    )
    eve_characters = []
    for i in range(count):
        user_index = i // PER_USER
        corporation = user_index % CORPORATIONS
        eve_characters.append(
            EveCharacter(
                character_id=90_000_000 + i,
                character_name=f"Pilot {i:06d}",
                corporation_id=98_000_000 + corporation,
                corporation_name=f"Corporation {corporation}",
                corporation_ticker=f"C{corporation}",
                alliance_id=99_000_000 + corporation % ALLIANCES,
                alliance_name=f"Alliance {corporation % ALLIANCES}",
                alliance_ticker=f"A{corporation % ALLIANCES}",
            )
        )
    eve_characters = EveCharacter.objects.bulk_create(eve_characters, batch_size=2000)
    CharacterOwnership.objects.bulk_create(
        [
            CharacterOwnership(user=users[i // PER_USER], character=ec, owner_hash=f"hash-{ec.character_id}")
            for i, ec in enumerate(eve_characters)
        ],
        batch_size=2000,
    )
    UserProfile.objects.bulk_create(
        [
            UserProfile(user=user, state=guest, main_character=eve_characters[i * PER_USER])
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    characters = Character.objects.bulk_create(
        [Character(eve_character=ec) for i, ec in enumerate(eve_characters) if i % 10 != 7], batch_size=2000
    )
    now = dj_timezone.now()
    SectionStatus.objects.bulk_create(
        [
            SectionStatus(
                character=c,
                section=section,
                last_success_at=now,
                last_checked_at=now,
                last_change_at=now,
                is_token_error=(c.pk % 37 == 0),
            )
            for c in characters
            for section in ("skills", "assets", "wallet_balance")
        ],
        batch_size=2000,
    )
    skill_sets = SkillSet.objects.bulk_create(
        [SkillSet(name=f"Doctrine ship {i}") for i in range(SKILL_SETS)]
    )
    CharacterSkillSetCheck.objects.bulk_create(
        [
            CharacterSkillSetCheck(
                character=c,
                skill_set=s,
                can_fly=(c.pk + s.pk) % 3 > 0,
                meets_recommended=(c.pk + s.pk) % 3 > 1,
            )
            for c in characters
            for s in skill_sets
        ],
        batch_size=2000,
    )


def requesters() -> dict:
    """A superuser, an alliance auditor and a corporation lead, each with a main in corp 0."""
    from django.contrib.auth.models import Permission, User

    from allianceauth.authentication.models import CharacterOwnership
    from allianceauth.eveonline.models import EveCharacter

    def member(username: str, *codenames: str, superuser: bool = False) -> User:
        user = User.objects.create_user(username, is_superuser=superuser)
        main = EveCharacter.objects.create(
            character_id=80_000_000 + user.pk,
            character_name=f"Requester {username}",
            corporation_id=98_000_000,
            corporation_name="Corporation 0",
            corporation_ticker="C0",
            alliance_id=99_000_000,
            alliance_name="Alliance 0",
            alliance_ticker="A0",
        )
        CharacterOwnership.objects.create(user=user, character=main, owner_hash=f"req-{user.pk}")
        user.profile.main_character = main
        user.profile.save()
        perms = Permission.objects.filter(content_type__app_label="memberaudit", codename__in=codenames)
        user.user_permissions.add(*perms)
        return user

    return {
        "superuser": member("root", superuser=True),
        "alliance_auditor": member(
            "auditor", "basic_access", "finder_access", "characters_access", "view_same_alliance"
        ),
        "corp_lead": member("lead", "basic_access", "reports_access", "view_same_corporation"),
    }


PAGE = {"length": 50}
ENDPOINTS = [
    # (label, url name, query)
    ("finder page 1 by name", "finder_data", {**PAGE, "order[0][column]": 0, "order[0][name]": "character"}),
    (
        "finder by last checked",
        "finder_data",
        {**PAGE, "order[0][column]": 4, "order[0][dir]": "desc", "order[0][name]": "last_checked"},
    ),
    ("finder deep page", "finder_data", {**PAGE, "start": 5000}),
    ("finder search", "finder_data", {**PAGE, "search[value]": "Pilot 0042"}),
    ("user compliance page", "report_user_compliance_data", PAGE),
    (
        "user compliance by unhealthy",
        "report_user_compliance_data",
        {**PAGE, "order[0][column]": 6, "order[0][dir]": "desc", "order[0][name]": "unhealthy"},
    ),
    ("user compliance deep page", "report_user_compliance_data", {**PAGE, "start": 1000}),
    ("user compliance csv", "report_user_compliance_csv", {}),
    ("corporation compliance page", "report_corporation_compliance_data", PAGE),
    (
        "corporation compliance by share",
        "report_corporation_compliance_data",
        {**PAGE, "order[0][column]": 4, "order[0][name]": "share"},
    ),
    ("corporation compliance csv", "report_corporation_compliance_csv", {}),
    ("skill sets page", "report_skill_sets_data", PAGE),
    ("skill sets deep page", "report_skill_sets_data", {**PAGE, "start": 5000}),
    ("skill sets mains only", "report_skill_sets_data", {**PAGE, "mains_only": 1}),
    ("skill sets search", "report_skill_sets_data", {**PAGE, "search[value]": "Pilot 004"}),
    ("skill sets csv", "report_skill_sets_csv", {}),
]


def query_cases() -> list[tuple[str, str, object]]:
    """(label, permission, run(user)): the same pages through ``memberaudit.queries`` only."""
    from memberaudit import queries
    from memberaudit.queries import TableRequest

    def table(sort, **query) -> TableRequest:
        return TableRequest.from_query({**PAGE, **query}, sort)

    def skill_sets_page(user, **query) -> list:
        columns = queries.skill_sets()
        request = table(queries.skill_set_sort(columns), **query)
        page = queries.skill_set_report(user, request, columns).page(request)
        return list(queries.with_states(page.rows, columns))

    by_checked = {"order[0][column]": 4, "order[0][dir]": "desc", "order[0][name]": "last_checked"}
    return [
        ("q finder page", "finder", lambda u: queries.finder(u, t := table(queries.FINDER_SORT)).page(t)),
        (
            "q finder by last checked",
            "finder",
            lambda u: queries.finder(u, t := table(queries.FINDER_SORT, **by_checked)).page(t),
        ),
        (
            "q user compliance page",
            "reports",
            lambda u: queries.user_compliance(u, t := table(queries.USER_COMPLIANCE_SORT)).page(t),
        ),
        (
            "q corporation compliance page",
            "reports",
            lambda u: queries.corporation_compliance(u, t := table(queries.CORPORATION_COMPLIANCE_SORT)).page(
                t
            ),
        ),
        ("q skill sets page", "reports", skill_sets_page),
        (
            "q skill sets csv rows",
            "reports",
            lambda u: sum(
                1
                for _ in queries.with_states(
                    queries.skill_set_report(
                        u, TableRequest.from_query({}, queries.SKILL_SET_SORT), queries.skill_sets()
                    ).stream(),
                    queries.skill_sets(),
                )
            ),
        ),
    ]


def _timed(run, runs: int) -> tuple[float, int, object]:
    """Median milliseconds of ``runs`` calls, the queries of one more call, and its result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        result = run()
    return round(statistics.median(times), 1), len(ctx.captured_queries), result


def measure(runs: int) -> list[dict]:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    results = []
    for role, user in requesters().items():
        client = Client()
        client.force_login(user)
        allowed = {
            "finder": User.objects.get(pk=user.pk).has_perm("memberaudit.finder_access"),
            "reports": User.objects.get(pk=user.pk).has_perm("memberaudit.reports_access"),
        }
        for label, name, query in ENDPOINTS:
            if not allowed["finder" if name.startswith("finder") else "reports"]:
                continue
            url = reverse(f"memberaudit:{name}")

            def request(client=client, url=url, query=query, what=(label, role)) -> bytes:
                response = client.get(url, query)
                assert response.status_code == 200, (*what, response.status_code)
                return b"".join(response.streaming_content) if response.streaming else response.content

            ms, count, body = _timed(request, runs)
            results.append({"role": role, "endpoint": label, "ms": ms, "queries": count, "bytes": len(body)})
        fresh = User.objects.get(pk=user.pk)
        for label, permission, run in query_cases():
            if allowed[permission]:
                ms, count, _result = _timed(lambda run=run, user=fresh: run(user), runs)
                results.append({"role": role, "endpoint": label, "ms": ms, "queries": count, "bytes": 0})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    db_file = tempfile.NamedTemporaryFile(
        prefix="memberaudit-bench-", suffix=".sqlite3", dir="/tmp", delete=False
    )
    db_file.close()
    try:
        started = time.perf_counter()
        setup_django(db_file.name)
        populate(args.characters)
        build_seconds = time.perf_counter() - started
        results = measure(args.runs)
    finally:
        os.unlink(db_file.name)

    print(f"{args.characters} characters, built in {build_seconds:.1f}s; median of {args.runs} runs")
    print(f"{'role':18} {'endpoint':32} {'ms':>9} {'queries':>8} {'KiB':>8}")
    for row in results:
        print(
            f"{row['role']:18} {row['endpoint']:32} {row['ms']:9.1f} {row['queries']:8d} {row['bytes'] / 1024:8.1f}"
        )
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    command = "python bench/finder_reports.py " + " ".join(sys.argv[1:])
    lines = [
        {
            "scenario": "finder_reports",
            "characters": args.characters,
            "endpoint": row["endpoint"],
            "role": row["role"],
            "ms": row["ms"],
            "queries": row["queries"],
            "date": date,
            "python": platform.python_version(),
            "command": command.strip(),
        }
        for row in results
    ]
    print(
        json.dumps(
            {
                "scenario": "finder_reports",
                "characters": args.characters,
                "max_ms": max(r["ms"] for r in results),
                "max_queries": max(r["queries"] for r in results),
                "date": date,
            }
        )
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        for line in lines:
            handle.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
