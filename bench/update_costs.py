"""What updating characters costs: first update, steady-state refresh, refresh after a tick,
"update now" inside ESI's cache windows, and the scale plan for 50,000 characters.

Each character is updated as production does it: ``tasks.update_character`` queues one
``tasks.update_sections`` Celery task (eager here) with every section, which runs the engine (django-esi
client over loopback HTTP, SQLite) and queues ``resolve_related_ids`` for what the synced rows
refer to. The emulator runs as a separate process, so CPU seconds are ours alone. CPU is also
measured per task (Celery's ``task_prerun``/``task_postrun`` signals, exclusive of the tasks it
ran inline), so the resolver is reported apart from the sections that asked for it.

A fifth sweep, ``after_a_day``, moves the emulator's clock to a day after the tick: which
sections changed in it and in ``after_tick`` gives each section's change rate, from which the
scale plan simulates how often the periodic run checks it (its ring, stretched by the learned
back-off of ``core.staleness`` while it does not change) and what that costs in ESI tokens,
with the back-off as configured and turned off, and how late a change shows on average.

    .venv/bin/python bench/update_costs.py --seed 1 --characters 10 --start 2026-12-02T00:00:00Z \
        --only 2112000000,2112000001,2112000002,2112000007,2112000009 [--profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EmulatorProcess, Timer, record, setup_django, table  # noqa: E402

#: what a response costs in a rate-limit group (ESI's rules, mirrored by the emulator)
TOKEN_COST = {"2": 2, "3": 1, "4": 5, "5": 0}
#: assumed latency of the real ESI for the plan (the emulator answers on loopback)
REAL_ESI_LATENCY_S = 0.15
#: the emulator's clock moves this far in all (the tick, then the rest of a day) to measure change rates
DAY_SECONDS = 24 * 3600
#: a section that changed in every sweep is taken to change this often (every check finds a change)
MAX_RATE_PER_HOUR = 60.0
#: the polling simulation: days measured, after days to let the back-off learn
SIMULATED_DAYS = 60
SIMULATED_WARMUP_DAYS = 14
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
        if self.stack:
            self.stack[-1][2] += spent
        # update_sections (one task per character) reports each section's CPU; what the task
        # spent around them (loading, locks, markers) is shared out evenly among them
        rows = retval.get("sections", [retval]) if isinstance(retval, dict) else []
        rows = [row for row in rows if "outcome" in row]
        if key == "update_sections" and rows:
            shared = (spent - children - sum(row.get("cpu_s", 0.0) for row in rows)) / len(rows)
            for row in rows:
                self.cpu[row["section"]] += row.get("cpu_s", 0.0) + shared
                self.last[row["section"]] = row.get("cpu_s", 0.0) + shared
        else:
            self.cpu[key] += spent - children
            self.last[key] = spent - children
        for row in rows:
            self.outcomes[row["outcome"]] += 1
            if row["outcome"] == "error":
                print(f"  error in {row.get('section')}: {row.get('message')}")


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


def changed_sections(characters, since) -> dict[str, int]:
    """Per section: how many of ``characters`` stored a change since ``since`` (``last_change_at``)."""
    from memberaudit.models import SectionStatus

    rows = SectionStatus.objects.filter(character__in=characters, last_change_at__gte=since)
    return dict(Counter(rows.values_list("section", flat=True)))


def change_rate_per_hour(observations: list[tuple[float, int, int]]) -> float:
    """Maximum-likelihood rate of a Poisson process from "changed at least once within h hours".

    ``observations``: ``(hours, changed, of)`` per sweep. Nothing ever changed: 0; everything
    changed every time: ``MAX_RATE_PER_HOUR`` (every check sees a change).
    """
    changed = sum(c for _, c, _ in observations)
    if changed == 0:
        return 0.0
    if all(c == n for _, c, n in observations):
        return MAX_RATE_PER_HOUR

    def slope(rate: float) -> float:  # d/d(rate) of the log-likelihood; falls with the rate
        total = 0.0
        for hours, c, n in observations:
            total += c * hours / math.expm1(rate * hours) - (n - c) * hours
        return total

    low, high = 1e-9, MAX_RATE_PER_HOUR
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if slope(middle) > 0 else (low, middle)
    return (low + high) / 2


def simulate_polling(
    rate_per_hour: float, ring_minutes: float, max_factor: int, cap_minutes: float | None, *, seed: int
) -> dict[str, float]:
    """Checks of one section with Poisson changes, as the periodic run schedules them.

    The interval after each check is ``core.staleness.check_interval_minutes`` (the product's
    own rule): the ring, stretched by the back-off while nothing changed. A check that finds a
    change sets the change time to itself, as the engine does. Returns per day, after
    ``SIMULATED_WARMUP_DAYS`` (the back-off needs time to learn): checks, checks that found a
    change, changes, and the mean minutes from a change in game to the check that shows it.
    """
    from memberaudit.core.staleness import check_interval_minutes

    rng = random.Random(seed)
    rate = rate_per_hour / 60
    start, end = SIMULATED_WARMUP_DAYS * 1440, (SIMULATED_WARMUP_DAYS + SIMULATED_DAYS) * 1440
    now = last_change = 0.0
    next_change = rng.expovariate(rate) if rate > 0 else math.inf
    checks = found = changes = 0
    delay = 0.0
    while now < end:
        checked = now + check_interval_minutes(now - last_change, ring_minutes, max_factor, cap_minutes)
        seen = False
        while next_change <= checked:
            seen = True
            if start <= next_change < end:
                changes += 1
                delay += checked - next_change
            next_change += rng.expovariate(rate)
        now = checked
        if start <= now < end:
            checks += 1
            found += seen
        if seen:
            last_change = now
    return {
        "checks": checks / SIMULATED_DAYS,
        "found": found / SIMULATED_DAYS,
        "changes": changes / SIMULATED_DAYS,
        "delay_min": delay / changes if changes else 0.0,
    }


def scale_plan(characters, results, section_costs, observations) -> dict:
    """Workers and ESI tokens for 50,000 characters at the default rings, from the measurements.

    How often each section is checked comes from :func:`simulate_polling` with the change rate
    measured for it in the emulator's world (``observations``: which sections changed in the
    sweeps after the clock moved), under the back-off as configured and with it turned off.
    A check costs what the steady state measured for the section (all 304); one that finds a
    change costs what the sweep after the tick measured on top, per changed section.
    """
    from memberaudit.esi import client as esi_client
    from memberaudit.sections import registry

    n = len(characters)
    steady = results["steady_state"]
    factor, cap = registry.backoff_settings()
    op_group = {}
    for section in registry.all_sections():
        for op in section.operations:
            op_group[op] = (esi_client.operation_info(op).get("x-rate-limit") or {}).get("group")

    def per_section(values: dict[str, float], section) -> float:
        return sum(values.get(op, 0) for op in section.operations)

    policies = {"backoff": (factor, cap), "rings_only": (1, None)}
    totals = {name: defaultdict(float) for name in policies}
    group_tokens_per_15m: dict[str, float] = defaultdict(float)
    rates = {}
    section_tokens: dict[str, float] = {}
    for index, section in enumerate(registry.all_sections()):
        ring = registry.stale_minutes(section.name)
        rate = change_rate_per_hour(
            [(hours, changed.get(section.name, 0), n) for hours, changed, _ in observations]
        )
        rates[section.name] = rate
        # an unchanged check (304) and what a check that finds a change costs on top, measured
        unchanged = {
            "tokens": per_section(steady["_route_tokens"], section) / n,
            "requests": per_section(steady["_route_requests"], section) / n,
        }
        extra = {"tokens": 0.0, "requests": 0.0}
        for _hours, changed, result in observations:  # the first sweep that saw changes
            if k := changed.get(section.name, 0):
                if section.reads:
                    # a section that is not asked while its character stays offline (location,
                    # ship): the sweep after the clock moved asks it for more characters than
                    # the steady state did (they logged in), which is not the price of a change:
                    # a change costs what its answer costs over a 304 of the same request
                    requests = per_section(result["_route_requests"], section)
                    per_304 = unchanged["tokens"] / unchanged["requests"] if unchanged["requests"] else 1.0
                    spent = per_section(result["_route_tokens"], section)
                    extra["tokens"] = max(0.0, (spent - requests * per_304) / k)
                    # and a check that finds a change was asked (the character was online):
                    # it pays the full 304 price, not the steady state's average with skips
                    extra["tokens"] += max(0.0, per_304 - unchanged["tokens"])
                else:
                    for key in extra:
                        spent = per_section(result[f"_route_{key}"], section)
                        extra[key] = max(0.0, (spent - n * unchanged[key]) / k)
                break
        # a section that walks everything every ``full_check_minutes`` pays that walk's extra
        full_check_minutes = getattr(section, "full_check_minutes", None)
        full_checks_per_day = 1440 / full_check_minutes if full_check_minutes else 0.0
        full_extra = {
            key: max(0.0, per_section(results["full_check"][f"_route_{key}"], section) / n - unchanged[key])
            for key in ("tokens", "requests")
        }
        # CPU of one check: the average of the unchanged and the changed (after tick) run
        times = section_costs[section.name][1:3]
        cpu = sum(times) / max(len(times), 1)
        for name, (max_factor, cap_minutes) in policies.items():
            day = simulate_polling(rate, ring, max_factor, cap_minutes, seed=index)
            tokens = (
                day["checks"] * unchanged["tokens"]
                + day["found"] * extra["tokens"]
                + full_checks_per_day * full_extra["tokens"]
            )
            bucket = totals[name]
            bucket["tokens"] += tokens
            if name == "backoff":
                section_tokens[section.name] = tokens
            bucket["requests"] += (
                day["checks"] * unchanged["requests"]
                + day["found"] * extra["requests"]
                + full_checks_per_day * full_extra["requests"]
            )
            bucket["seconds"] += cpu * day["checks"]
            bucket["changes"] += day["changes"]
            bucket["delay"] += day["changes"] * day["delay_min"]
            bucket["checks"] += day["checks"]
            if name == "backoff":
                for op in section.operations:
                    share = steady["_route_tokens"].get(op, 0) / max(
                        per_section(steady["_route_tokens"], section), 1
                    )
                    if op_group.get(op):
                        group_tokens_per_15m[op_group[op]] += tokens * share / 96
    plan = totals["backoff"]
    busy_seconds = 50_000 * (plan["seconds"] + plan["requests"] * REAL_ESI_LATENCY_S)
    workers = busy_seconds / 86_400
    budgets = {}
    spec_groups = {}
    for op in op_group:
        limit = esi_client.operation_info(op).get("x-rate-limit")
        if limit:
            spec_groups[limit["group"]] = limit["max-tokens"]
    for group, used in sorted(group_tokens_per_15m.items()):
        budgets[group] = {"tokens_per_15m": round(used, 1), "limit_per_15m": spec_groups.get(group)}

    def delay(bucket) -> float:
        return round(bucket["delay"] / bucket["changes"], 1) if bucket["changes"] else 0.0

    return {
        "scenario": "scale_plan",
        "characters": 50_000,
        "work_s_per_character_day": round(plan["seconds"], 2),
        "esi_requests_per_character_day": round(plan["requests"], 1),
        "assumed_esi_latency_s": REAL_ESI_LATENCY_S,
        "workers_needed_50k": round(workers, 1),
        "workers_recommended_50k": int(workers * 2 + 1),
        "esi_tokens_per_character_day": round(plan["tokens"], 1),
        "esi_tokens_per_character_day_rings_only": round(totals["rings_only"]["tokens"], 1),
        "checks_per_character_day": round(plan["checks"], 1),
        "checks_per_character_day_rings_only": round(totals["rings_only"]["checks"], 1),
        "changes_per_character_day": round(plan["changes"], 1),
        # freshness: mean minutes from a change in game to the check that shows it
        "change_delay_min": delay(plan),
        "change_delay_min_rings_only": delay(totals["rings_only"]),
        "backoff": {"max_factor": factor, "max_minutes": cap},
        "change_rates_per_hour": {name: round(rate, 3) for name, rate in sorted(rates.items()) if rate},
        # where the tokens go: per section and day, with the back-off (quiet sections summed)
        "tokens_per_day_by_section": {
            **{
                name: round(t, 1)
                for name, t in sorted(section_tokens.items(), key=lambda kv: -kv[1])
                if rates[name]
            },
            "quiet sections": round(sum(t for name, t in section_tokens.items() if not rates[name]), 1),
        },
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
    from django.utils import timezone

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

        changes: dict[str, dict[str, int]] = {}

        def run(name: str) -> None:
            since = timezone.now()
            results[name] = run_scenario(
                name, characters, emulator, section_costs=section_costs, profile_dir=args.profile
            )
            changes[name] = changed_sections(characters, since)

        run("first_update")
        cache.delete_pattern("esi_*")  # ESI's cache timers ran out (django-esi's answers); ETags stay
        run("steady_state")
        # sections that walk everything only now and then (mail: every FULL_CHECK_MINUTES) pay
        # for that walk on top of their checks: measure one such walk with nothing changed
        cache.delete_pattern("esi_*")
        cache.delete_pattern("memberaudit:mail_full_check:*")
        run("full_check")
        emulator.call(f"/_emulator/tick?seconds={args.tick}", "POST")
        cache.delete_pattern("esi_*")
        run("after_tick")
        run("update_now_in_cache_window")  # a user presses "update now" right away: nothing has expired
        # how often each section really changes: the rest of a day, for the slow ones
        emulator.call(f"/_emulator/tick?seconds={DAY_SECONDS - args.tick}", "POST")
        cache.delete_pattern("esi_*")
        run("after_a_day")

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
    print(
        "\nCPU ms per character and task (first update / steady state / after tick / update now / after a day):"
    )
    for key in sorted(section_costs, key=lambda k: -section_costs[k][0]):
        print(f"  {key:28} " + " / ".join(f"{1000 * v:7.1f}" for v in section_costs[key]))

    observations = [
        (args.tick / 3600, changes["after_tick"], results["after_tick"]),
        ((DAY_SECONDS - args.tick) / 3600, changes["after_a_day"], results["after_a_day"]),
    ]
    plan = scale_plan(characters, results, section_costs, observations)
    print("\nscale plan for 50,000 characters at the default rings:")
    for key, value in plan.items():
        if key not in ("group_budget_per_character", "change_rates_per_hour", "tokens_per_day_by_section"):
            print(f"  {key}: {value}")
    print("  measured changes per hour (sections that changed in the sweeps after the clock moved):")
    for name, rate in plan["change_rates_per_hour"].items():
        print(f"    {name}: {rate}")
    print("  ESI tokens per character and day by section (with the back-off):")
    for name, tokens in plan["tokens_per_day_by_section"].items():
        print(f"    {name}: {tokens}")
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
