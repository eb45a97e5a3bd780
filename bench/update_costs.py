"""What updating characters costs: first update, steady-state refresh, refresh after a tick,
and the scale plan for 50,000 characters derived from those measurements.

The emulator runs as a separate process, so CPU seconds are ours alone. Each section of each
character is run through the real engine (django-esi client over loopback HTTP, SQLite).

    .venv/bin/python bench/update_costs.py [--characters 20] [--seed 1] [--esi-url URL]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, Timer, record, setup_django, table  # noqa: E402

#: what a response costs in a rate-limit group (ESI's rules, mirrored by the emulator)
TOKEN_COST = {"2": 2, "3": 1, "4": 5, "5": 0}
#: assumed latency of the real ESI for the plan (the emulator answers on loopback)
REAL_ESI_LATENCY_S = 0.15


class QueryCounter:
    def __init__(self) -> None:
        self.queries = 0
        self.writes = 0
        self.by_table: dict[str, int] = defaultdict(int)

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            self.writes += 1
        return execute(sql, params, many, context)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tokens_of(stats: dict) -> int:
    return sum(stats["tokens_by_group"].values())


def route_tokens(stats: dict) -> dict[str, int]:
    return {
        route: sum(TOKEN_COST.get(status[0], 0) * n for status, n in statuses.items())
        for route, statuses in stats["by_route"].items()
    }


def run_scenario(name, characters, emulator, *, section_costs):
    from django.db import connection

    from memberaudit.sections import engine, registry

    emulator.call("/_emulator/stats/reset", "POST")
    counter = QueryCounter()
    rows_written = 0
    outcomes: dict[str, int] = defaultdict(int)
    with connection.execute_wrapper(counter), Timer() as timer:
        for character in characters:
            for section in registry.all_sections():
                with Timer() as one:
                    result = engine.update_section(character, section.name)
                section_costs[section.name].append(one.wall)
                rows_written += result.changes.total
                outcomes[result.outcome] += 1
    stats = emulator.call("/_emulator/stats")
    return {
        "scenario": name,
        "characters": len(characters),
        "wall_s": round(timer.wall, 2),
        "cpu_s": round(timer.cpu, 2),
        "db_queries": counter.queries,
        "db_writes": counter.writes,
        "rows_written": rows_written,
        "esi_requests": stats["requests"],
        "esi_304": stats["not_modified"],
        "esi_tokens": tokens_of(stats),
        "error_limited": stats["error_limited"],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "outcomes": dict(outcomes),
        "_route_tokens": route_tokens(stats),
        "_route_requests": {route: sum(v.values()) for route, v in stats["by_route"].items()},
    }


def scale_plan(characters, results, section_costs) -> dict:
    """Workers and ESI tokens for 50,000 characters at the default rings, from the measurements."""
    from memberaudit import tasks
    from memberaudit.esi import client as esi_client
    from memberaudit.sections import registry

    n = len(characters)
    steady, tick = results["steady_state"], results["after_tick"]
    # per-section, per-character time of a refresh (average of unchanged and changed runs)
    seconds_per_day = 0.0
    requests_per_day = 0.0
    tokens_per_day = 0.0
    group_tokens_per_15m: dict[str, float] = defaultdict(float)
    op_group = {}
    for section in registry.all_sections():
        for op in section.operations:
            op_group[op] = (esi_client.operation_info(op).get("x-rate-limit") or {}).get("group")
    for section in registry.all_sections():
        refreshes_per_day = 1440 / tasks.stale_minutes(section.name)
        times = section_costs[section.name][n:]  # skip the first update
        seconds_per_day += (sum(times) / max(len(times), 1)) * refreshes_per_day
        for op in section.operations:
            # a refresh costs the average of the unchanged and the changed run
            tokens = (steady["_route_tokens"].get(op, 0) + tick["_route_tokens"].get(op, 0)) / 2 / n
            tokens_per_day += tokens * refreshes_per_day
            if op_group.get(op):
                group_tokens_per_15m[op_group[op]] += tokens * refreshes_per_day / 96
    for section in registry.all_sections():
        refreshes_per_day = 1440 / tasks.stale_minutes(section.name)
        for op in section.operations:
            calls = (steady["_route_requests"].get(op, 0) + tick["_route_requests"].get(op, 0)) / 2 / n
            requests_per_day += calls * refreshes_per_day
    busy_seconds = 50_000 * (seconds_per_day + requests_per_day * REAL_ESI_LATENCY_S)
    workers = busy_seconds / 86_400
    budgets = {}
    spec_groups = {}
    for op in op_group:
        limit = esi_client.operation_info(op).get("x-rate-limit")
        if limit:
            spec_groups[limit["group"]] = limit["max-tokens"]
    for group, used in sorted(group_tokens_per_15m.items()):
        budgets[group] = {"tokens_per_15m": round(used, 1), "limit_per_15m": spec_groups.get(group)}
    return {
        "scenario": "scale_plan",
        "characters": 50_000,
        "work_s_per_character_day": round(seconds_per_day, 2),
        "esi_requests_per_character_day": round(requests_per_day, 1),
        "assumed_esi_latency_s": REAL_ESI_LATENCY_S,
        "workers_needed_50k": round(workers, 1),
        "workers_recommended_50k": int(workers * 2 + 1),
        "esi_tokens_per_character_day": round(tokens_per_day, 1),
        "group_budget_per_character": budgets,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--esi-url", default=None, help="an emulator already running")
    parser.add_argument("--tick", type=int, default=3600, help="seconds the emulator clock moves")
    args = parser.parse_args()

    setup_django("update_costs")
    from django.conf import settings
    from django.core.cache import cache

    from memberaudit.esi import client as esi_client
    from memberaudit.sections import registry
    from memberaudit.testing.registration import register_character

    with EmulatorProcess(args.characters, args.seed, args.esi_url) as emulator:
        settings.ESI_API_URL = emulator.url
        esi_client.reset()
        cache.clear()
        scopes = sorted(registry.all_scopes())
        characters = []
        sizes: dict[str, int] = defaultdict(int)
        for info in emulator.call("/_emulator/characters")[: args.characters]:
            token = emulator.call(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
            characters.append(register_character(info, token, scopes))
            sizes[info.get("size", "?")] += 1
        print(f"{len(characters)} characters ({dict(sizes)}), {len(registry.names())} sections each")

        section_costs: dict[str, list[float]] = defaultdict(list)
        results = {}
        results["first_update"] = run_scenario(
            "first_update", characters, emulator, section_costs=section_costs
        )
        cache.delete_pattern("esi_*")  # django-esi's response cache runs out; ETags stay
        results["steady_state"] = run_scenario(
            "steady_state", characters, emulator, section_costs=section_costs
        )
        emulator.call(f"/_emulator/tick?seconds={args.tick}", "POST")
        cache.delete_pattern("esi_*")
        results["after_tick"] = run_scenario("after_tick", characters, emulator, section_costs=section_costs)

    rows = list(results.values())
    print()
    print(
        table(
            rows,
            [
                "scenario",
                "characters",
                "wall_s",
                "cpu_s",
                "db_queries",
                "db_writes",
                "rows_written",
                "esi_requests",
                "esi_304",
                "esi_tokens",
                "peak_rss_mb",
            ],
        )
    )
    n = len(characters)
    print()
    print("per character:")
    print(
        table(
            [
                {
                    "scenario": r["scenario"],
                    "esi_requests": round(r["esi_requests"] / n, 1),
                    "esi_tokens": round(r["esi_tokens"] / n, 1),
                    "db_queries": round(r["db_queries"] / n, 1),
                    "db_writes": round(r["db_writes"] / n, 1),
                    "wall_ms": round(1000 * r["wall_s"] / n, 1),
                }
                for r in rows
            ],
            ["scenario", "esi_requests", "esi_tokens", "db_queries", "db_writes", "wall_ms"],
        )
    )
    naive = 2 * results["steady_state"]["esi_requests"]
    print(
        f"\nsteady state: {results['steady_state']['esi_tokens']} tokens vs {naive} for a naive refresh "
        f"(all 200s): {results['steady_state']['esi_tokens'] / max(naive, 1):.0%}; "
        f"DB writes: {results['steady_state']['db_writes']}"
    )

    first = sorted(
        ((name, 1000 * sum(times[:n]) / n) for name, times in section_costs.items()), key=lambda x: -x[1]
    )
    print("\nslowest sections of the first update (ms per character):")
    print("  " + ", ".join(f"{name} {ms:,.0f}" for name, ms in first[:8]))

    plan = scale_plan(characters, results, section_costs)
    print("\nscale plan for 50,000 characters at the default rings:")
    for key, value in plan.items():
        if key != "group_budget_per_character":
            print(f"  {key}: {value}")
    print("  rate-limit groups (tokens one character spends per 15 min vs the group's limit):")
    for group, budget in plan["group_budget_per_character"].items():
        print(f"    {group}: {budget['tokens_per_15m']} of {budget['limit_per_15m']}")

    out = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows] + [plan]
    for row in out:
        print(json.dumps(row))
    record(out, "update_costs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
