"""Intel at alliance scale: page times and queries, and what the interaction index costs a sync.

Part 1 (pages) builds a throwaway SQLite database with ``--characters`` characters (bulk_create,
no ESI: 5 per member, 20 corporations in 4 alliances), ``--watched`` watched entities on three
lists, ``--interactions`` index rows and ``--assets`` assets per character, locations, ships,
online status and a doctrine of five skill sets, then calls every intel data endpoint with
Django's test client as a superuser and as an alliance intel officer, and reports the median
time of ``--runs`` requests and the queries of one.

Part 2 (index cost) syncs the intel sections of ``--sync-characters`` emulator characters (the
emulator in its own process, so its CPU is not ours) through the real engine, first in full,
then after a six-hour tick, and measures the CPU the index refresh took inside each section's
store against the section's whole update.

Appends ``{"scenario": "intel", ...}`` rows to ``bench/results/latest.jsonl`` (and writes
``bench/results/intel.json``).

    .venv/bin/python bench/intel.py [--characters 10000] [--watched 1000] [--runs 5] [--sync-characters 4]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, Timer, record, setup_django, table  # noqa: E402

PER_USER = 5
CORPORATIONS = 20
ALLIANCES = 4
SOURCES = ("contacts", "wallet_journal", "wallet_transactions", "contracts", "mail", "corporation_history")
INTEL_SECTIONS = SOURCES
#: counterparty ids: a pool of characters, some of them members of watched corporations
COUNTERPARTY_BASE = 2_200_000_000
COUNTERPARTIES = 50_000
WATCHED_CORPORATION_BASE = 98_500_000
WATCHED_ALLIANCE_BASE = 99_500_000


# --- part 1: pages --------------------------------------------------------------------------------


def populate(args: argparse.Namespace) -> dict:
    """Everything in bulk; returns ids the endpoints ask for."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from allianceauth.authentication.models import CharacterOwnership, UserProfile, get_guest_state
    from allianceauth.eveonline.models import EveCharacter
    from eveuniverse.models import EveCategory, EveConstellation, EveGroup, EveRegion, EveSolarSystem, EveType

    from memberaudit.models import (
        Character,
        CharacterAsset,
        CharacterInteraction,
        CharacterLocation,
        CharacterOnlineStatus,
        CharacterShip,
        CounterpartyAffiliation,
        Location,
        WatchList,
        WatchListEntry,
    )
    from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet, SkillSetGroup

    rng = random.Random(7)
    now = timezone.now()
    size = 5000
    count = args.characters
    guest = get_guest_state()
    users = User.objects.bulk_create(
        [User(username=f"member-{i}") for i in range((count + PER_USER - 1) // PER_USER)], batch_size=size
    )
    eve_characters = EveCharacter.objects.bulk_create(
        [
            EveCharacter(
                character_id=90_000_000 + i,
                character_name=f"Pilot {i:06d}",
                corporation_id=98_000_000 + (i // PER_USER) % CORPORATIONS,
                corporation_name=f"Corporation {(i // PER_USER) % CORPORATIONS}",
                corporation_ticker="CORP",
                alliance_id=99_000_000 + (i // PER_USER) % CORPORATIONS % ALLIANCES,
                alliance_name=f"Alliance {(i // PER_USER) % CORPORATIONS % ALLIANCES}",
                alliance_ticker="ALLI",
            )
            for i in range(count)
        ],
        batch_size=size,
    )
    CharacterOwnership.objects.bulk_create(
        [
            CharacterOwnership(user=users[i // PER_USER], character=ec, owner_hash=f"hash-{ec.character_id}")
            for i, ec in enumerate(eve_characters)
        ],
        batch_size=size,
    )
    UserProfile.objects.bulk_create(
        [
            UserProfile(user=u, state=guest, main_character=eve_characters[i * PER_USER])
            for i, u in enumerate(users)
        ],
        batch_size=size,
    )
    characters = Character.objects.bulk_create(
        [Character(eve_character=ec) for ec in eve_characters], batch_size=size
    )

    # static data: 5 regions, 20 systems, 40 stations; 3 categories, 12 groups, 60 types
    regions = EveRegion.objects.bulk_create(
        [EveRegion(id=10_000_001 + r, name=f"Region {r}") for r in range(5)]
    )
    constellations = EveConstellation.objects.bulk_create(
        [
            EveConstellation(id=20_000_001 + r, name=f"Constellation {r}", eve_region=regions[r])
            for r in range(5)
        ]
    )
    systems = EveSolarSystem.objects.bulk_create(
        [
            EveSolarSystem(
                id=30_000_001 + s,
                name=f"System {s}",
                eve_constellation=constellations[s % 5],
                security_status=0.5,
            )
            for s in range(20)
        ]
    )
    locations = Location.objects.bulk_create(
        [
            Location(id=60_000_001 + k, name=f"Station {k}", eve_solar_system=systems[k % 20])
            for k in range(40)
        ]
    )
    categories = EveCategory.objects.bulk_create(
        [EveCategory(id=c + 1, name=f"Category {c}", published=True) for c in range(3)]
    )
    groups = EveGroup.objects.bulk_create(
        [
            EveGroup(id=100 + g, name=f"Group {g}", eve_category=categories[g % 3], published=True)
            for g in range(12)
        ]
    )
    types = EveType.objects.bulk_create(
        [
            EveType(id=1000 + t, name=f"Item type {t}", eve_group=groups[t % 12], published=True)
            for t in range(60)
        ]
    )

    # watch lists: 1,000 entities (70 % characters, 20 % corporations, 10 % alliances)
    lists = WatchList.objects.bulk_create([WatchList(name=name) for name in ("Hostiles", "Spies", "Traders")])
    watched_characters = list(range(COUNTERPARTY_BASE, COUNTERPARTY_BASE + int(args.watched * 0.7) * 50, 50))
    watched_corporations = [WATCHED_CORPORATION_BASE + k for k in range(int(args.watched * 0.2))]
    watched_alliances = [
        WATCHED_ALLIANCE_BASE + k
        for k in range(args.watched - len(watched_characters) - len(watched_corporations))
    ]
    entries = [
        WatchListEntry(watch_list=lists[k % 3], entity_id=entity_id, kind=kind, name=f"{kind} {entity_id}")
        for k, (entity_id, kind) in enumerate(
            [(i, "character") for i in watched_characters]
            + [(i, "corporation") for i in watched_corporations]
            + [(i, "alliance") for i in watched_alliances]
        )
    ]
    WatchListEntry.objects.bulk_create(entries, batch_size=size)
    # every 25th counterparty belongs to a watched corporation (and so maybe a watched alliance)
    CounterpartyAffiliation.objects.bulk_create(
        [
            CounterpartyAffiliation(
                entity_id=COUNTERPARTY_BASE + k,
                corporation_id=rng.choice(watched_corporations) if k % 25 == 0 else 98_900_000 + k % 500,
                alliance_id=rng.choice(watched_alliances) if k % 50 == 0 else None,
                checked_at=now,
            )
            for k in range(0, COUNTERPARTIES, 3)
        ],
        batch_size=size,
    )

    rows, assets, checks = [], [], []
    for character in characters:
        seen = set()
        for _ in range(args.interactions):
            counterparty = COUNTERPARTY_BASE + rng.randrange(COUNTERPARTIES)
            source = rng.choice(SOURCES)
            if (source, counterparty) in seen:
                continue
            seen.add((source, counterparty))
            last = now - timedelta(days=rng.uniform(0, 400))
            rows.append(
                CharacterInteraction(
                    character=character,
                    source=source,
                    counterparty_id=counterparty,
                    kind="character",
                    first_seen=last,
                    last_seen=last,
                    count=rng.randint(1, 20),
                    isk=rng.randint(0, 10**9),
                    standing=rng.choice([-10.0, 5.0]) if source == "contacts" else None,
                )
            )
        for k in range(args.assets):
            assets.append(
                CharacterAsset(
                    character=character,
                    item_id=character.pk * 1000 + k,
                    location=locations[rng.randrange(40)],
                    location_flag="Hangar",
                    location_type="station",
                    eve_type=types[rng.randrange(60)],
                    quantity=rng.randint(1, 1000),
                    is_singleton=False,
                )
            )
        if len(rows) >= size * 4:
            CharacterInteraction.objects.bulk_create(rows, batch_size=size)
            CharacterAsset.objects.bulk_create(assets, batch_size=size)
            rows, assets = [], []
    CharacterInteraction.objects.bulk_create(rows, batch_size=size)
    CharacterAsset.objects.bulk_create(assets, batch_size=size)
    CharacterLocation.objects.bulk_create(
        [CharacterLocation(character=c, eve_solar_system=systems[c.pk % 20]) for c in characters],
        batch_size=size,
    )
    CharacterShip.objects.bulk_create(
        [CharacterShip(character=c, item_id=c.pk, eve_type=types[c.pk % 60]) for c in characters],
        batch_size=size,
    )
    CharacterOnlineStatus.objects.bulk_create(
        [CharacterOnlineStatus(character=c, online=c.pk % 4 == 0) for c in characters], batch_size=size
    )
    doctrine = SkillSetGroup.objects.create(name="Doctrine", is_doctrine=True)
    skill_sets = SkillSet.objects.bulk_create([SkillSet(name=f"Doctrine ship {i}") for i in range(5)])
    for skill_set in skill_sets:
        skill_set.groups.add(doctrine)
    for character in characters:
        for skill_set in skill_sets:
            checks.append(
                CharacterSkillSetCheck(
                    character=character, skill_set=skill_set, can_fly=(character.pk + skill_set.pk) % 3 > 0
                )
            )
    CharacterSkillSetCheck.objects.bulk_create(checks, batch_size=size)
    return {
        "list": lists[0].pk,
        "entity": watched_alliances[0] if watched_alliances else watched_corporations[0],
        "doctrine": doctrine.pk,
        "region": regions[0].pk,
        "rows": CharacterInteraction.objects.count(),
        "assets": CharacterAsset.objects.count(),
    }


def requesters() -> dict:
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
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="memberaudit", codename__in=codenames)
        )
        return user

    return {
        "superuser": member("root", superuser=True),
        "alliance_intel": member(
            "intel", "basic_access", "intel_access", "characters_access", "view_same_alliance"
        ),
    }


def endpoints(ids: dict) -> list[tuple[str, str, dict]]:
    return [
        ("report page 1 by score", "intel_report_data", {"length": 50}),
        (
            "report one list, since",
            "intel_report_data",
            {"length": 50, "list": ids["list"], "since": "2000-01-01"},
        ),
        (
            "report sorted by ISK",
            "intel_report_data",
            {"length": 50, "order[0][column]": 4, "order[0][dir]": "desc", "columns[4][data]": "isk"},
        ),
        ("investigate an alliance", "intel_investigate_data", {"length": 50, "entity": ids["entity"]}),
        ("assets by type name", "intel_assets_data", {"length": 50, "type": "Item type 1"}),
        (
            "assets in a region, by qty",
            "intel_assets_data",
            {
                "length": 50,
                "region": "Region 2",
                "order[0][column]": 4,
                "order[0][dir]": "desc",
                "columns[4][data]": "quantity",
            },
        ),
        (
            "assets per location",
            "intel_assets_data",
            {"length": 50, "by": "locations", "category": "Category 1"},
        ),
        ("assets deep page", "intel_assets_data", {"length": 50, "start": 5000}),
        (
            "where: doctrine in region",
            "intel_where_data",
            {"length": 50, "doctrine": ids["doctrine"], "region": str(ids["region"])},
        ),
        ("where: online, by system", "intel_where_data", {"length": 50, "online": "yes", "by": "systems"}),
        ("report csv (all evidence)", "intel_report_csv", {}),
    ]


def measure_pages(ids: dict, runs: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    results = []
    for role, user in requesters().items():
        client = Client()
        client.force_login(user)
        for label, name, query in endpoints(ids):
            url = reverse(f"memberaudit:{name}")
            times = []
            size = 0
            for _ in range(runs if not name.endswith("csv") else 1):
                start = time.perf_counter()
                response = client.get(url, query)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (label, role, response.status_code)
                size = len(body)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, query)
                if response.streaming:
                    b"".join(response.streaming_content)
            records = response.json().get("recordsFiltered") if not response.streaming else None
            results.append(
                {
                    "role": role,
                    "endpoint": label,
                    "ms": round(statistics.median(times), 1),
                    "queries": len(ctx.captured_queries),
                    "records": records,
                    "kib": round(size / 1024, 1),
                }
            )
    return results


# --- part 2: what the index costs a sync ----------------------------------------------------------


def measure_index_cost(args: argparse.Namespace) -> list[dict]:
    """CPU of the index refresh inside each section's store vs. the whole update of that section."""
    from django.core.cache import cache
    from django.test import override_settings

    from memberaudit.esi import client as esi_client
    from memberaudit.intel import index, receivers
    from memberaudit.sections import engine, registry
    from memberaudit.testing.registration import register_character

    spent: dict[str, float] = defaultdict(float)
    original = index.refresh

    def timed_refresh(section, characters, now=None, **kwargs):
        started = time.process_time()
        try:
            return original(section, characters, now, **kwargs)
        finally:
            spent[section.name] += time.process_time() - started

    index.refresh = timed_refresh
    # the follow-up (affiliations from ESI, notifications) is a task of its own in production;
    # eager Celery would run it inside the sync and blur the comparison
    queue_follow_up = receivers._queue_follow_up
    receivers._queue_follow_up = lambda pairs: None
    results = []
    # mail bodies are fetched one by one and the index's share of mail is tiny: fewer mails keep
    # the run short without changing what is measured
    with (
        EmulatorProcess(args.sync_characters, args.seed, args.esi_url) as emulator,
        override_settings(ESI_API_URL=emulator.url, MEMBERAUDIT_MAX_MAILS=args.max_mails),
    ):
        esi_client.reset()
        scopes = sorted(registry.all_scopes())
        infos = emulator.call("/_emulator/characters")
        characters = []
        for info in infos[: args.sync_characters]:
            tokens = emulator.call(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", method="POST")
            characters.append(register_character(info, tokens, scopes))
        for run in ("first sync", "after 6 h tick"):
            if run != "first sync":
                emulator.call("/_emulator/tick?seconds=21600", method="POST")
                cache.delete_pattern("esi_*")
            section_cpu: dict[str, float] = defaultdict(float)
            spent.clear()
            for character in characters:
                for name in INTEL_SECTIONS:
                    with Timer() as timer:
                        engine.update_section(character, name)
                    section_cpu[name] += timer.cpu
            for name in INTEL_SECTIONS:
                own = section_cpu[name] - spent[name]
                results.append(
                    {
                        "run": run,
                        "section": name,
                        "section_cpu_ms": round(1000 * own, 1),
                        "index_cpu_ms": round(1000 * spent[name], 1),
                        "index_share_pct": round(100 * spent[name] / own, 1) if own else 0.0,
                    }
                )
    index.refresh = original
    receivers._queue_follow_up = queue_follow_up
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=10_000)
    parser.add_argument("--watched", type=int, default=1_000)
    parser.add_argument("--interactions", type=int, default=20, help="index rows per character")
    parser.add_argument("--assets", type=int, default=20, help="assets per character")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sync-characters", type=int, default=4, help="small, medium, large, huge")
    parser.add_argument("--max-mails", type=int, default=100, help="MEMBERAUDIT_MAX_MAILS while syncing")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--esi-url", default=None, help="use a running emulator instead of starting one")
    parser.add_argument("--skip-sync", action="store_true", help="only part 1")
    args = parser.parse_args()

    setup_django("intel")
    with Timer() as build:
        ids = populate(args)
    print(
        f"{args.characters:,} characters, {args.watched:,} watched entities, {ids['rows']:,} index rows, "
        f"{ids['assets']:,} assets; built in {build.wall:.1f}s; median of {args.runs} runs"
    )
    pages = measure_pages(ids, args.runs)
    print(table(pages, ["role", "endpoint", "ms", "queries", "records", "kib"]))
    command = "python bench/intel.py " + " ".join(sys.argv[1:])
    rows = [
        {
            "scenario": "intel",
            "part": "pages",
            "characters": args.characters,
            "watched": args.watched,
            "index_rows": ids["rows"],
            "assets": ids["assets"],
            **row,
            "command": command.strip(),
        }
        for row in pages
    ]
    if not args.skip_sync:
        costs = measure_index_cost(args)
        print(table(costs, ["run", "section", "section_cpu_ms", "index_cpu_ms", "index_share_pct"]))
        rows += [
            {
                "scenario": "intel",
                "part": "index_cost",
                "sync_characters": args.sync_characters,
                **row,
                "command": command.strip(),
            }
            for row in costs
        ]
    record(rows, "intel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
