"""What updating characters costs: first update, steady-state refresh, refresh after a tick,
"update now" inside ESI's cache windows, and the scale plan for 50,000 characters.

Each character is updated as production does it: ``tasks.update_character`` queues every
section as a Celery task (eager here), each ``tasks.update_section`` runs the engine (django-esi
client over loopback HTTP, SQLite) and queues ``resolve_related_ids`` for what the synced rows
refer to. The emulator runs as a separate process, so CPU seconds are ours alone. CPU is also
measured per task (Celery's ``task_prerun``/``task_postrun`` signals, exclusive of the tasks it
ran inline), so the resolver is reported apart from the sections that asked for it.

    .venv/bin/python bench/update_costs.py --seed 1 --characters 10 --start 2026-12-02T00:00:00Z \
        --only 2112000000,2112000001,2112000002,2112000007,2112000009 [--profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, Timer, record, setup_django, table  # noqa: E402

#: what a response costs in a rate-limit group (ESI's rules, mirrored by the emulator)
TOKEN_COST = {"2": 2, "3": 1, "4": 5, "5": 0}
#: assumed latency of the real ESI for the plan (the emulator answers on loopback)
REAL_ESI_LATENCY_S = 0.15
#: the characters of issue 14 (small, medium, large, small, small and sparse) in the seed-1 world
DEFAULT_ONLY = "2112000000,2112000001,2112000002,2112000007,2112000009"


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


class TaskClock:
    """CPU seconds per Celery task (section or resolver), exclusive of tasks run inline by it."""

    def __init__(self) -> None:
        self.stack: list[list] = []  # [key, cpu at start, cpu of children]
        self.cpu: dict[str, float] = defaultdict(float)
        self.outcomes: dict[str, int] = defaultdict(int)
        self.last: dict[str, float] = {}

    def _key(self, task, args, kwargs) -> str:
        if task.name.endswith(".update_section"):
            return (args or (None, kwargs.get("section")))[1] or kwargs.get("section")
        if task.name.endswith(".resolve_related_ids"):
            return "resolver"
        return task.name.rsplit(".", 1)[-1]

    def prerun(self, sender=None, task=None, args=None, kwargs=None, **_):
        self.stack.append([self._key(task, args or (), kwargs or {}), time.process_time(), 0.0])

    def postrun(self, sender=None, task=None, retval=None, **_):
        key, started, children = self.stack.pop()
        spent = time.process_time() - started
        self.cpu[key] += spent - children
        self.last[key] = spent - children
        if self.stack:
            self.stack[-1][2] += spent
        if isinstance(retval, dict) and "outcome" in retval:
            self.outcomes[retval["outcome"]] += 1
            if retval["outcome"] == "error":
                print(f"  error in {retval.get('section')}: {retval.get('message')}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tokens_of(stats: dict) -> int:
    return sum(stats["tokens_by_group"].values())


def route_tokens(stats: dict) -> dict[str, int]:
    return {
        route: sum(TOKEN_COST.get(status[0], 0) * n for status, n in statuses.items())
        for route, statuses in stats["by_route"].items()
    }


def run_scenario(name, characters, emulator, *, section_costs, profile_dir=None):
    from celery import signals

    from django.db import connection

    from memberaudit import tasks

    emulator.call("/_emulator/stats/reset", "POST")
    counter = QueryCounter()
    clock = TaskClock()
    signals.task_prerun.connect(clock.prerun, weak=False)
    signals.task_postrun.connect(clock.postrun, weak=False)
    profiler = cProfile.Profile() if profile_dir else None
    try:
        with connection.execute_wrapper(counter), Timer() as timer:
            if profiler:
                profiler.enable()
            for character in characters:
                tasks.update_character(character.pk)
            if profiler:
                profiler.disable()
    finally:
        signals.task_prerun.disconnect(clock.prerun)
        signals.task_postrun.disconnect(clock.postrun)
    if profiler:
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(profile_dir) / f"{name}.prof"))
    for key, cpu in clock.cpu.items():
        section_costs[key].append(cpu / len(characters))
    stats = emulator.call("/_emulator/stats")
    n = len(characters)
    return {
        "scenario": name,
        "characters": n,
        "wall_s": round(timer.wall, 2),
        "cpu_s": round(timer.cpu, 2),
        "db_queries": counter.queries,
        "db_writes": counter.writes,
        "esi_requests": stats["requests"],
        "esi_304": stats["not_modified"],
        "esi_tokens": tokens_of(stats),
        "error_limited": stats["error_limited"],
        "cpu_s_per_character": round(timer.cpu / n, 3),
        "db_queries_per_character": round(counter.queries / n, 1),
        "resolver_cpu_s_per_character": round(clock.cpu.get("resolver", 0.0) / n, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "outcomes": dict(clock.outcomes),
        "_route_tokens": route_tokens(stats),
        "_route_requests": {route: sum(v.values()) for route, v in stats["by_route"].items()},
        "_cpu_by_task": dict(clock.cpu),
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
        # per-character CPU of the steady-state and after-tick refreshes (not the first update)
        times = section_costs[section.name][1:3]
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
    parser.add_argument("--characters", type=int, default=10, help="characters of the emulated world")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2026-12-02T00:00:00Z", help="the emulator's clock start")
    parser.add_argument("--only", default=DEFAULT_ONLY, help="comma-separated character ids ('' = all)")
    parser.add_argument("--esi-url", default=None, help="an emulator already running")
    parser.add_argument("--tick", type=int, default=3600, help="seconds the emulator clock moves")
    parser.add_argument("--profile", default=None, help="write a cProfile file per scenario here")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results")
    args = parser.parse_args()

    setup_django("update_costs")
    from django.conf import settings
    from django.core.cache import cache

    from memberaudit.esi import client as esi_client
    from memberaudit.sections import registry
    from memberaudit.testing.registration import register_character

    assert settings.CELERY_ALWAYS_EAGER, "the bench runs the Celery tasks eagerly (CELERY_EAGER=1)"
    only = {int(x) for x in args.only.split(",") if x.strip()}
    with EmulatorProcess(args.characters, args.seed, args.esi_url, start=args.start) as emulator:
        settings.ESI_API_URL = emulator.url
        esi_client.reset()
        cache.clear()
        scopes = sorted(registry.all_scopes())
        characters = []
        sizes: dict[str, int] = defaultdict(int)
        for info in emulator.call("/_emulator/characters"):
            if only and info["id"] not in only:
                continue
            token = emulator.call(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
            characters.append(register_character(info, token, scopes))
            sizes[info.get("size", "?")] += 1
        print(f"{len(characters)} characters ({dict(sizes)}), {len(registry.names())} sections each")

        section_costs: dict[str, list[float]] = defaultdict(list)
        results = {}

        def run(name: str) -> None:
            results[name] = run_scenario(
                name, characters, emulator, section_costs=section_costs, profile_dir=args.profile
            )

        run("first_update")
        cache.delete_pattern("esi_*")  # ESI's cache timers ran out (django-esi's answers); ETags stay
        run("steady_state")
        emulator.call(f"/_emulator/tick?seconds={args.tick}", "POST")
        cache.delete_pattern("esi_*")
        run("after_tick")
        run("update_now_in_cache_window")  # a user presses "update now" right away: nothing has expired

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
                    "cpu_s": r["cpu_s_per_character"],
                    "resolver_cpu_s": r["resolver_cpu_s_per_character"],
                    "esi_requests": round(r["esi_requests"] / n, 1),
                    "esi_tokens": round(r["esi_tokens"] / n, 1),
                    "db_queries": r["db_queries_per_character"],
                    "db_writes": round(r["db_writes"] / n, 1),
                    "wall_ms": round(1000 * r["wall_s"] / n, 1),
                }
                for r in rows
            ],
            [
                "scenario",
                "cpu_s",
                "resolver_cpu_s",
                "esi_requests",
                "esi_tokens",
                "db_queries",
                "db_writes",
                "wall_ms",
            ],
        )
    )
    print("\nCPU ms per character and task (first update / steady state / after tick / update now):")
    for key in sorted(section_costs, key=lambda k: -section_costs[k][0]):
        print(f"  {key:28} " + " / ".join(f"{1000 * v:7.1f}" for v in section_costs[key]))

    plan = scale_plan(characters, results, section_costs)
    print("\nscale plan for 50,000 characters at the default rings:")
    for key, value in plan.items():
        if key != "group_budget_per_character":
            print(f"  {key}: {value}")
    print("  rate-limit groups (tokens one character spends per 15 min vs the group's limit):")
    for group, budget in plan["group_budget_per_character"].items():
        print(f"    {group}: {budget['tokens_per_15m']} of {budget['limit_per_15m']}")

    command = "python bench/update_costs.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False)
    )
    out = [
        {**{k: v for k, v in r.items() if not k.startswith("_")}, "seed": args.seed, "command": command}
        for r in rows
    ] + [plan]
    for row in out:
        print(json.dumps(row))
    if not args.no_record:
        record(out, "update_costs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
