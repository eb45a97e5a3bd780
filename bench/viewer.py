"""Viewer costs for a big character: every tab page, table endpoint and chart: server wall and CPU time, queries.

A "huge" emulator character (20,000+ assets, ~2,500 journal entries, 250 mails) is filled
through the real engine, then every viewer URL is requested through Django's test client.

    .venv/bin/python bench/viewer.py [--seed 1] [--repeat 15]

URLs are requested in rounds, every URL once per round (a slow spell of the machine falls on
all of them alike), after one round that is not counted (a running server has compiled its
templates and built Alliance Auth's menu); ``cpu_ms`` is the median, ``cpu_ms_min`` the least.
The timed requests record no queries; ``queries`` comes from one more request that does.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, record, setup_django, table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--characters", type=int, default=8, help="emulator characters (the huge one is used)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=15,
        help="timed rounds over every URL after one warm-up round (median and least are printed)",
    )
    parser.add_argument("--esi-url", default=None)
    parser.add_argument(
        "--profile",
        metavar="ENDPOINT",
        default=None,
        help="also profile one endpoint (e.g. viewer) and print its top entries",
    )
    args = parser.parse_args()

    setup_django("viewer")
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from memberaudit.esi import client as esi_client
    from memberaudit.models import CharacterAsset, CharacterWalletJournalEntry
    from memberaudit.models.mail import CharacterMail
    from memberaudit.sections import engine, registry
    from memberaudit.testing.registration import register_character
    from memberaudit.views import tabs

    settings.ALLOWED_HOSTS = ["*"]
    with EmulatorProcess(args.characters, args.seed, args.esi_url) as emulator:
        settings.ESI_API_URL = emulator.url
        esi_client.reset()
        cache.clear()
        infos = emulator.call("/_emulator/characters")
        info = next((i for i in infos if i.get("size") == "huge"), None)
        if info is None:
            raise SystemExit("no huge character in this emulator world: raise --characters")
        scopes = sorted(registry.all_scopes())
        tokens = emulator.call(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
        character = register_character(info, tokens, scopes)
        started = time.perf_counter()
        for name in registry.names():
            engine.update_section(character, name)
        print(
            f"filled {character} in {time.perf_counter() - started:.1f} s: "
            f"{CharacterAsset.objects.filter(character=character).count():,} assets, "
            f"{CharacterWalletJournalEntry.objects.filter(character=character).count():,} journal entries, "
            f"{CharacterMail.objects.filter(character=character).count():,} mails"
        )

    owner = character.user
    owner.user_permissions.add(
        *Permission.objects.filter(codename="basic_access", content_type__app_label="memberaudit")
    )
    client = Client()
    client.force_login(owner)
    pk = character.pk
    urls = [("viewer", reverse("memberaudit:character_viewer", args=[pk]))]
    for section in registry.names():
        urls.append((f"tab {section}", reverse("memberaudit:character_tab", args=[pk, section])))
    datatables = "draw=1&start=0&length=50&search[value]=&order[0][column]=0&order[0][dir]=desc"
    for tbl in tabs.all_tables():
        urls.append(
            (
                f"table {tbl.name}",
                reverse("memberaudit:character_table", args=[pk, tbl.name]) + "?" + datatables,
            )
        )
    urls.append(
        (
            "table assets (search)",
            reverse("memberaudit:character_table", args=[pk, "assets"])
            + "?draw=1&start=0&length=50&search[value]=container&order[0][column]=0&order[0][dir]=asc",
        )
    )
    for name in tabs.chart_names():
        urls.append((f"chart {name}", reverse("memberaudit:character_chart", args=[pk, name])))

    # Rounds: every URL once per round, so that a slow spell of the machine falls on all of
    # them alike instead of on whichever URL was being measured. One round first, not counted:
    # a server process compiles a template, loads a translation catalogue and builds AA's menu
    # once, not per request.
    gc.collect()  # the fill's garbage is not a server's
    timings: dict[str, list[float]] = {label: [] for label, _url in urls}
    cpu: dict[str, list[float]] = {label: [] for label, _url in urls}
    for round_number in range(args.repeat + 1):
        for label, url in urls:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall_ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            if round_number:
                # the test client serves in this process: its CPU is the server's (and the
                # client's few microseconds); SQLite's work is in it, a database server's would not be
                timings[label].append(wall_ms)
                cpu[label].append(cpu_ms)
    rows = []
    for label, url in urls:
        # queries are counted in a request of their own: recording them (Django's debug
        # cursor) costs CPU that a production server does not spend
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        rows.append(
            {
                "scenario": "viewer",
                "endpoint": label,
                "ms": round(statistics.median(timings[label]), 1),
                "cpu_ms": round(statistics.median(cpu[label]), 1),
                # the least disturbed request: steadier than the median on a busy machine
                "cpu_ms_min": round(min(cpu[label]), 1),
                "queries": len(ctx.captured_queries),
                "kb": round(len(response.content) / 1024, 1),
            }
        )
    if args.profile:
        import cProfile
        import pstats

        url = dict(urls)[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            client.get(url)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    print(table(rows, ["endpoint", "ms", "cpu_ms", "cpu_ms_min", "queries", "kb"]))
    slowest = max(rows, key=lambda r: r["cpu_ms"])
    print(
        f"\n{len(rows)} endpoints; most CPU: {slowest['endpoint']} {slowest['cpu_ms']} ms; "
        f"most queries: {max(r['queries'] for r in rows)}"
    )
    for row in rows:
        print(json.dumps(row))
    record(rows, "viewer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
