"""What the resolver costs for one character: ESI requests and database writes on the first
run, on a second run right after it, and after the emulator's clock moved.

Every section of the character is updated through the real engine, then the ids all sections
refer to are resolved (types, entities, locations), as ``resolve_related_ids`` would.

    .venv/bin/python bench/resolver_names.py [--size large] [--seed 8] [--tick 21600]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, Timer, record, setup_django, table  # noqa: E402


class Writes:
    """Counts queries and INSERT/UPDATE/DELETE statements by table."""

    def __init__(self) -> None:
        self.queries = 0
        self.writes: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            match = sql.split('"')
            self.writes[f"{verb} {match[1] if len(match) > 1 else '?'}"] += 1
        return execute(sql, params, many, context)


def run(
    name: str, character: Any, emulator: EmulatorProcess, *, forget_names: bool = False
) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection

    from eveuniverse.models import EveEntity

    from memberaudit.sections import engine, registry, resolver

    related: dict[str, set[int]] = {"types": set(), "entities": set(), "locations": set()}
    for section in registry.names():
        for key, values in engine.update_section(character, section, force=True).related.items():
            related[key] |= values
    if forget_names:  # the intel index names counterparties while sections store: start from none
        EveEntity.objects.all().delete()
    cache.delete_pattern("esi_*")  # django-esi's response cache: every run asks ESI like a new process
    emulator.call("/_emulator/stats/reset", "POST")
    counter = Writes()
    with Timer() as timer, connection.execute_wrapper(counter):
        resolver.resolve(**related, character_pk=character.pk)
    stats = emulator.call("/_emulator/stats")
    by_route = stats["by_route"]
    names = by_route.get("PostUniverseNames", {})
    return {
        "run": name,
        "entities": len(related["entities"]),
        "types": len(related["types"]),
        "locations": len(related["locations"]),
        "esi_requests": stats["requests"],
        "names_200": names.get("200", 0),
        "names_404": names.get("404", 0),
        "type_requests": sum(by_route.get("GetUniverseTypesTypeId", {}).values()),
        "queries": counter.queries,
        "writes": sum(counter.writes.values()),
        "entity_writes": sum(n for k, n in counter.writes.items() if "eveentity" in k),
        "unnamed": EveEntity.objects.filter(id__in=related["entities"], name="").count(),
        "wall_s": timer.wall,
        "_writes": dict(counter.writes),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large", "huge"])
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--tick", type=int, default=6 * 3600, help="seconds the emulator clock moves")
    parser.add_argument("--esi-url", default=None, help="an emulator already running")
    args = parser.parse_args()

    setup_django("resolver_names")
    from django.conf import settings
    from django.core.cache import cache

    from memberaudit.esi import client as esi_client
    from memberaudit.sections import registry
    from memberaudit.testing.registration import register_character

    with EmulatorProcess(6, args.seed, args.esi_url) as emulator:
        settings.ESI_API_URL = emulator.url
        esi_client.reset()
        cache.clear()
        scopes = sorted(registry.all_scopes())
        info = next(i for i in emulator.call("/_emulator/characters") if i.get("size") == args.size)
        token = emulator.call(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
        character = register_character(info, token, scopes)
        rows = [run("first", character, emulator, forget_names=True), run("again", character, emulator)]
        emulator.call(f"/_emulator/tick?seconds={args.tick}", "POST")
        rows.append(run(f"after {args.tick} s tick", character, emulator))

    columns = [
        "run",
        "entities",
        "types",
        "locations",
        "esi_requests",
        "names_200",
        "names_404",
        "type_requests",
        "queries",
        "writes",
        "entity_writes",
        "unnamed",
        "wall_s",
    ]
    print(table(rows, columns))
    for row in rows:
        print(row["run"], row.pop("_writes"))
    record([{"scenario": "resolver_names", "size": args.size, **row} for row in rows], "resolver_names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
