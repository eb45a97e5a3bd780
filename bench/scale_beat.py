"""The periodic beat, the finder and the reports at alliance scale (50,000 characters), no ESI.

Builds a throwaway SQLite database with ``--characters`` Member Audit characters, without any
AA signal or ESI call (``bulk_create``; the 1.7 million status rows and the skill set checks
through ``executemany``): 5 characters per user, every tenth ``EveCharacter`` of a user
unregistered, 1 % of characters disabled and 1 % orphaned, one token per owned character, a
``SectionStatus`` for every section of every updated character and 5 skill sets with a check
per character. The cache holds what a steady state would hold: a heartbeat per (character,
section) whose age is spread evenly over the section's staleness plus one beat interval
(15 minutes), so a beat finds the share of work a 15-minute schedule finds. The mix (per
character, seeded):

- 94.5 % healthy: heartbeats as above; per pair 2 % failed (ESI 5xx, 5-60 minutes ago, with
  a failure count in the cache for half of them) and 0.3 % "route down";
- 3 % with a revoked token: every scoped section is a token problem since 1-48 h; one in
  five of them was added again since (a newer token), so its sections are due;
- 1 % new (never updated: no status row, no heartbeat, every section due);
- 0.5 % whose heartbeats the cache lost (the status rows decide).

The data is the state at the moment the build starts, and the beats decide what is due at that
moment (``due_sections(now=...)``), so the minutes the build takes do not make more sections
due. Everything else runs for real: the cache is a private ``redis-server`` (like production;
``--cache fakeredis`` for the embedded one), and Celery sends (``CELERY_EAGER=0``) to Kombu's
``memory://`` transport, whose ``_put`` is wrapped to count messages and the bytes Redis would
store for them (``json.dumps`` of the transport message, as ``kombu.transport.redis`` pushes
it); the messages are then dropped so that they do not count into our memory.

Measured: ``run_regular_updates`` (wall, CPU, peak RSS of the process during the beat and its
growth, SQL queries, cache round trips, messages and bytes by task, time per chunk), a second
beat right away at the same moment (it must queue no update message: every due pair has its
queue marker; ``prune_history`` and ``update_compliance_groups`` are sent by every beat), with
``--real-clock-beat`` a third one on the real clock (it must queue exactly what fell due since),
and the finder and every report endpoint as a superuser (median time of ``--runs``, queries of
one request, response size, rows returned, whether the JSON is paged).

Prints a summary and appends one row ``{"scenario": "scale_50k", ...}`` to
``bench/results/latest.jsonl`` (and ``bench/results/scale_beat.json``).

    .venv/bin/python bench/scale_beat.py [--characters 50000] [--runs 3] [--cache redis|fakeredis]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, ROOT, Timer, commit, machine  # noqa: E402

PER_USER = 5
CORPORATIONS = 50
ALLIANCES = 5
SKILL_SETS = 5
#: the beat's schedule in the test project (and the recommendation in docs/operations.md)
BEAT_MINUTES = 15
#: characters built per transaction / per cache write
BATCH = 2000


# --- process and cache ------------------------------------------------------------------------


def _proc_status(field: str) -> float:
    """A ``/proc/self/status`` figure in MiB (VmRSS, VmHWM)."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) / 1024


def reset_peak_rss() -> None:
    """Reset VmHWM (Linux ``clear_refs`` 5) so the next peak is the beat's alone."""
    Path("/proc/self/clear_refs").write_text("5")


class RedisServer:
    """A private ``redis-server`` on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> RedisServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def setup_django(db_path: Path) -> None:
    """The test project's settings on ``db_path``, sending tasks to ``memory://``, migrated."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "testauth.settings.local"
    os.environ["CELERY_EAGER"] = "0"
    import django
    from django.conf import settings

    settings.BROKER_URL = "memory://"  # also with REDIS_URL: the cache is Redis, the broker counted
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from testauth.celery import app

    transport = app.connection_for_write().transport.driver_type
    assert transport == "memory", f"tasks would go to {transport}, not memory://"
    assert not app.conf.task_always_eager


UPDATE_SECTION = "memberaudit.tasks.update_section"
UPDATE_SECTIONS = "memberaudit.tasks.update_sections"
UPDATE_TASKS = (UPDATE_SECTIONS, UPDATE_SECTION)


class Meter:
    """Counts broker messages (by task, with the bytes Redis would store), SQL queries and
    cache round trips while active."""

    def __init__(self) -> None:
        from base64 import b64decode

        from kombu.transport import memory
        from kombu.utils.json import dumps, loads
        from redis.connection import AbstractConnection

        self.messages: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        #: (character, section) pairs the update messages carry, by task
        self.sections: Counter[str] = Counter()
        self.countdowns: list[float] = []
        self.queries = 0
        self.round_trips = 0
        self.active = False
        meter = self

        def put(channel: Any, queue: str, message: dict, **kwargs: Any) -> None:
            if meter.active:
                task = message.get("headers", {}).get("task", "?")
                meter.messages[task] += 1
                meter.bytes[task] += len(dumps(message))
                if task in UPDATE_TASKS:
                    # one update_sections message per character carries its due sections
                    args = loads(b64decode(message["body"]))[0]
                    meter.sections[task] += len(args[1]) if task == UPDATE_SECTIONS else 1
                    if eta := message.get("headers", {}).get("eta"):
                        meter.countdowns.append(eta)
            # dropped: a broker holds them in production, not the beat's process

        send = AbstractConnection.send_packed_command

        def counted_send(connection: Any, command: Any, check_health: bool = True) -> Any:
            if meter.active:
                meter.round_trips += 1
            return send(connection, command, check_health)

        memory.Channel._put = put
        AbstractConnection.send_packed_command = counted_send

    def _query(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def measure(self):
        from contextlib import contextmanager

        from django.db import connection

        @contextmanager
        def active():
            self.messages.clear()
            self.bytes.clear()
            self.sections.clear()
            self.countdowns.clear()
            self.queries = self.round_trips = 0
            self.active = True
            try:
                with connection.execute_wrapper(self._query):
                    yield self
            finally:
                self.active = False

        return active()


def redis_used_mb() -> float | None:
    """Memory the cache's Redis uses (None for fakeredis)."""
    from django_redis import get_redis_connection

    info = get_redis_connection("default").info("memory")
    used = info.get("used_memory") or 0
    return round(used / 2**20, 1) if used else None


# --- data ----------------------------------------------------------------------------------

STATUS_COLUMNS = [
    "character_id",
    "section",
    "last_attempt_at",
    "last_success_at",
    "last_change_at",
    "error_message",
    "is_token_error",
    "is_route_down",
    "content_hash",
]


def stamp(timestamp: float) -> str:
    """A UTC timestamp as Django stores a DateTimeField in SQLite."""
    return str(datetime.fromtimestamp(timestamp, tz=dt_timezone.utc).replace(tzinfo=None))


def insert(
    model: Any, columns: list[str], rows: list[list[Any]], extra: dict[str, Any] | None = None
) -> None:
    """``executemany`` INSERT of plain rows: the millions of status rows skip the model layer,
    whose per-object preparation was 90 % of bulk_create's time (no signals either way)."""
    from django.db import connection

    extra = extra or {}
    names = [*columns, *extra]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    tail = list(extra.values())
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*row, *tail] for row in rows])


def populate(count: int, seed: int, at: float) -> dict[str, int]:
    """``count`` characters with owners, tokens, section statuses, heartbeats and skill sets,
    in the state of a steady-state beat at the moment ``at``."""
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import transaction

    from allianceauth.authentication.models import CharacterOwnership, UserProfile, get_guest_state
    from allianceauth.eveonline.models import EveCharacter
    from esi.models import Token

    from memberaudit import tasks
    from memberaudit.models import Character, SectionStatus
    from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet
    from memberaudit.sections import engine, registry

    rng = random.Random(seed)
    sections = registry.all_sections()
    stale = {s.name: tasks.stale_minutes(s.name) for s in sections}
    now = datetime.fromtimestamp(at, tz=dt_timezone.utc)
    now_ts = at
    guest = get_guest_state()
    skill_sets = SkillSet.objects.bulk_create(
        [SkillSet(name=f"Doctrine ship {i}") for i in range(SKILL_SETS)]
    )
    kinds: Counter[str] = Counter()
    stored_tokens_before_failure: list[int] = []
    # check times in the database (SectionStatus.last_checked_at, flushed from the cache by the
    # beat through a Redis set of characters), where this version of the code has them
    has_checked_column = any(f.name == "last_checked_at" for f in SectionStatus._meta.get_fields())
    try:
        from memberaudit.sections.heartbeats import _dirty_set as dirty_set
    except ImportError:
        dirty_set = None
    dirty: set[int] = set()

    made = index = 0
    while made < count:
        with transaction.atomic():
            # one batch of users, 5 EveCharacters each; every tenth EveCharacter unregistered
            users_wanted = min(BATCH // PER_USER, (count - made) // 4 + 1)
            users = User.objects.bulk_create(
                [User(username=f"member-{index // PER_USER + u}") for u in range(users_wanted)]
            )
            eve_characters, registered = [], []
            for u in range(len(users)):
                for k in range(PER_USER):
                    i = index + u * PER_USER + k
                    corporation = (i // PER_USER) % CORPORATIONS
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
            eve_characters = EveCharacter.objects.bulk_create(eve_characters)
            index += len(eve_characters)
            ownerships, characters = [], []
            for n, ec in enumerate(eve_characters):
                user = users[n // PER_USER]
                is_main = n % PER_USER == 0
                unregistered = (ec.character_id % 10 == 7) and not is_main
                orphan = not is_main and not unregistered and rng.random() < 0.01
                if not orphan:
                    ownerships.append(
                        CharacterOwnership(user=user, character=ec, owner_hash=f"h{ec.character_id}")
                    )
                if not unregistered and made + len(characters) < count:
                    characters.append(Character(eve_character=ec, is_disabled=rng.random() < 0.01))
                    registered.append((ec, None if orphan else user))
            CharacterOwnership.objects.bulk_create(ownerships)
            UserProfile.objects.bulk_create(
                [
                    UserProfile(user=user, state=guest, main_character=eve_characters[u * PER_USER])
                    for u, user in enumerate(users)
                ]
            )
            characters = Character.objects.bulk_create(characters)
            made += len(characters)
            Token.objects.bulk_create(
                [
                    Token(
                        user=user,
                        character_id=ec.character_id,
                        character_name=ec.character_name,
                        character_owner_hash=f"h{ec.character_id}",
                        access_token="bench",
                        refresh_token="bench",
                        token_type=Token.TOKEN_TYPE_CHARACTER,
                    )
                    for ec, user in registered
                    if user is not None
                ]
            )
            statuses, heartbeats, failures = [], {}, {}
            for character in characters:
                roll = rng.random()
                kind = (
                    "new"
                    if roll < 0.01
                    else "cache_lost"
                    if roll < 0.015
                    else "token_broken"
                    if roll < 0.045
                    else "healthy"
                )
                kinds[kind] += 1
                if kind == "new":
                    continue
                token_failed_at = stamp(now_ts - rng.uniform(1, 48) * 3600)
                if kind == "token_broken" and rng.random() >= 0.2:
                    stored_tokens_before_failure.append(character.eve_character.character_id)
                for section in sections:
                    age = rng.uniform(0, stale[section.name] + BEAT_MINUTES) * 60
                    checked = now_ts - age
                    # character, section, attempt, success, change, error, token, route, hash
                    status = [
                        character.pk,
                        section.name,
                        stamp(checked),
                        stamp(checked - rng.uniform(0, 3 * 86400)),
                        stamp(checked - rng.uniform(0, 3 * 86400)),
                        "",
                        False,
                        False,
                        f"{rng.getrandbits(128):032x}",
                    ]
                    pair_roll = rng.random()
                    if kind == "token_broken" and section.scopes:
                        status[5:7] = ["Token is invalid or expired", True]
                        status[2] = token_failed_at
                    elif pair_roll < 0.02:
                        status[5] = "HTTP 502: Bad Gateway"
                        status[2] = stamp(now_ts - rng.uniform(5, 60) * 60)
                        if rng.random() < 0.5:
                            failures[tasks._failures_key(character.pk, section.name)] = rng.randint(1, 4)
                    elif pair_roll < 0.023:
                        status[5], status[7] = "route down", True
                        status[2] = stamp(now_ts - rng.uniform(5, 60) * 60)
                    if kind != "cache_lost":
                        not_before = checked + 300 if rng.random() < 0.5 else None
                        heartbeats[engine._heartbeat_key(character.pk, section.name)] = (checked, not_before)
                    if has_checked_column:
                        # steady state: what the last beat flushed is in the database, newer
                        # checks are in the cache and their character in the set to flush
                        if age < BEAT_MINUTES * 60 and kind != "cache_lost":
                            dirty.add(character.pk)
                            status.append(stamp(checked - stale[section.name] * 60))
                        else:
                            status.append(stamp(checked))
                    statuses.append(status)
            columns = [*STATUS_COLUMNS, "last_checked_at"] if has_checked_column else STATUS_COLUMNS
            insert(SectionStatus, columns, statuses, extra={"state": "{}"})
            insert(
                CharacterSkillSetCheck,
                ["character_id", "skill_set_id", "can_fly", "meets_recommended"],
                [
                    [c.pk, s.pk, (c.pk + s.pk) % 3 > 0, (c.pk + s.pk) % 3 > 1]
                    for c in characters
                    for s in skill_sets
                ],
                extra={"failed_required_skills": "[]", "failed_recommended_skills": "[]"},
            )
        cache.set_many(heartbeats, timeout=engine.HEARTBEAT_TTL)
        if dirty and dirty_set is not None:
            client, key = dirty_set()
            client.sadd(key, *dirty)
            dirty.clear()
        if failures:
            cache.set_many(failures, timeout=engine.HEARTBEAT_TTL)
        print(f"  {made:,} characters", end="\r", flush=True, file=sys.stderr)
    # revoked and not added again: the only token predates the failure
    for start in range(0, len(stored_tokens_before_failure), 500):
        Token.objects.filter(character_id__in=stored_tokens_before_failure[start : start + 500]).update(
            created=now - timedelta(days=30)
        )
    print(file=sys.stderr)
    return {
        "eve_characters": EveCharacter.objects.count(),
        "users": User.objects.count(),
        "updatable": Character.objects.updatable().count(),
        "section_statuses": SectionStatus.objects.count(),
        **{f"kind_{k}": v for k, v in sorted(kinds.items())},
    }


# --- the beat ----------------------------------------------------------------------------------


class ChunkClock:
    """Wraps ``tasks.due_sections``: times each chunk (from one call to the next), records the
    moment each chunk was decided at and the due pairs, or replays the moments of a former run.

    Replaying lets a second beat see exactly the clock the first one saw, so any section it
    queues would be a second copy of a queued one, not a section that fell due meanwhile.
    """

    def __init__(self, replay: list[float] | None = None, at: float | None = None) -> None:
        from memberaudit import tasks

        self.tasks = tasks
        self.original = tasks.due_sections
        self.marks: list[tuple[float, int, int, float]] = []  # (start, characters, due, due seconds)
        self.moments: list[float] = []
        self.due: set[tuple[int, str]] = set()

        def timed(characters, now=None):
            start = time.perf_counter()
            moment = replay[len(self.marks)] if replay else at or time.time()
            due = self.original(characters, moment)
            self.marks.append((start, len(characters), len(due), time.perf_counter() - start))
            self.moments.append(moment)
            self.due.update((character.pk, name) for character, name in due)
            return due

        tasks.due_sections = timed

    def chunks(self, end: float) -> list[dict[str, float]]:
        rows = []
        for n, (start, size, due, decide) in enumerate(self.marks):
            stop = self.marks[n + 1][0] if n + 1 < len(self.marks) else end
            rows.append({"characters": size, "due": due, "decide_s": decide, "total_s": stop - start})
        return rows

    def close(self) -> None:
        self.tasks.due_sections = self.original


class FlushClock:
    """Times ``flush_checks`` (check times from the cache to the database) where the beat runs it."""

    def __init__(self) -> None:
        from memberaudit import tasks
        from memberaudit.sections import engine

        self.seconds = 0.0
        self.rows = 0
        self.calls = 0
        self.patched: list[tuple[Any, Any]] = []
        modules = [tasks, engine]
        try:
            from memberaudit.sections import heartbeats

            modules.append(heartbeats)
        except ImportError:
            pass
        for module in modules:
            original = getattr(module, "flush_checks", None)
            if original is None:
                continue

            def timed(*args, original=original, **kwargs):
                start = time.perf_counter()
                try:
                    rows = original(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start
                    self.calls += 1
                self.rows += rows or 0
                return rows

            module.flush_checks = timed
            self.patched.append((module, original))

    def close(self) -> None:
        for module, original in self.patched:
            module.flush_checks = original


def run_beat(
    meter: Meter, *, at: float | None = None, replay: list[float] | None = None
) -> tuple[dict[str, Any], ChunkClock]:
    """One ``run_regular_updates``, measured; what is due is decided at the moment ``at``, at the
    moments of ``replay`` (one per chunk), or on the real clock."""
    from memberaudit import tasks

    clock = ChunkClock(replay, at)
    flush = FlushClock()
    rss_before = _proc_status("VmRSS")
    reset_peak_rss()
    try:
        with meter.measure(), Timer() as timer:
            queued = tasks.run_regular_updates()
        end = time.perf_counter()
    finally:
        clock.close()
        flush.close()
    chunks = clock.chunks(end)
    sent = sum(meter.sections[task] for task in UPDATE_TASKS)
    assert sent == queued, f"queued {queued} but {sent} sections reached the broker"
    update_messages = sum(meter.messages[task] for task in UPDATE_TASKS)
    update_bytes = sum(meter.bytes[task] for task in UPDATE_TASKS)
    result = {
        "wall_s": round(timer.wall, 2),
        "cpu_s": round(timer.cpu, 2),
        "peak_rss_mb": round(_proc_status("VmHWM"), 1),
        "rss_growth_mb": round(_proc_status("VmHWM") - rss_before, 1),
        "due": len(clock.due),
        "queued": queued,
        "messages": sum(meter.messages.values()),
        "message_bytes": sum(meter.bytes.values()),
        "messages_by_task": dict(meter.messages),
        "update_messages": update_messages,
        "sections_per_update_message": round(sent / update_messages, 2) if update_messages else None,
        "bytes_per_update_message": round(update_bytes / update_messages) if update_messages else None,
        "bytes_per_queued_section": round(update_bytes / sent) if sent else None,
        "queries": meter.queries,
        "cache_round_trips": meter.round_trips,
        "chunks": len(chunks),
    }
    if flush.calls:
        result.update(flush_s=round(flush.seconds, 2), flush_rows=flush.rows)
    if chunks:
        tenth = max(1, len(chunks) // 10)
        first, last = chunks[:tenth], chunks[-tenth:]

        def per_character(rows, key):
            return round(sum(c[key] for c in rows) / sum(c["characters"] for c in rows) * 1e6, 1)

        result.update(
            chunk_ms_median=round(statistics.median(c["total_s"] for c in chunks) * 1000, 1),
            chunk_ms_max=round(max(c["total_s"] for c in chunks) * 1000, 1),
            decide_ms_median=round(statistics.median(c["decide_s"] for c in chunks) * 1000, 1),
            us_per_character_first_tenth=per_character(first, "total_s"),
            us_per_character_last_tenth=per_character(last, "total_s"),
            decide_us_per_character_first_tenth=per_character(first, "decide_s"),
            decide_us_per_character_last_tenth=per_character(last, "decide_s"),
            due_per_character_first_tenth=round(
                sum(c["due"] for c in first) / sum(c["characters"] for c in first), 2
            ),
            due_per_character_last_tenth=round(
                sum(c["due"] for c in last) / sum(c["characters"] for c in last), 2
            ),
        )
        sending = sum(c["total_s"] - c["decide_s"] for c in chunks)
        result["us_per_due_pair_claim_and_send"] = (
            round(sending / len(clock.due) * 1e6, 1) if clock.due else None
        )
    return result, clock


def spread(meter_countdowns: list[str]) -> dict[str, float] | None:
    """How the queued sections' ETAs spread: from the first to the last (the spread window plus
    the beat's own duration) and the share of the busiest minute."""
    if not meter_countdowns:
        return None
    stamps = sorted(datetime.fromisoformat(eta).timestamp() for eta in meter_countdowns)
    minute: Counter[int] = Counter(int((s - stamps[0]) // 60) for s in stamps)
    return {
        "eta_span_s": round(stamps[-1] - stamps[0]),
        "busiest_minute_share": round(max(minute.values()) / len(stamps), 3),
    }


# --- pages -----------------------------------------------------------------------------------


def requester():
    """A superuser with a main: sees every character and every report row."""
    from django.contrib.auth.models import User

    from allianceauth.authentication.models import CharacterOwnership
    from allianceauth.eveonline.models import EveCharacter

    user = User.objects.create_user("bench-root", is_superuser=True)
    main = EveCharacter.objects.create(
        character_id=80_000_001,
        character_name="Bench Root",
        corporation_id=98_000_000,
        corporation_name="Corporation 0",
        corporation_ticker="C0",
        alliance_id=99_000_000,
        alliance_name="Alliance 0",
        alliance_ticker="A0",
    )
    CharacterOwnership.objects.create(user=user, character=main, owner_hash="bench-root")
    user.profile.main_character = main
    user.profile.save()
    return user


def endpoints(characters: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The finder (page and data) and every report URL there is: (label, url name, query)."""
    from memberaudit import urls

    page = {"draw": 1, "start": 0, "length": 50}
    found = [
        ("finder page", "finder", {}),
        ("finder by name", "finder_data", {**page, "order[0][column]": 0, "columns[0][data]": "character"}),
        (
            "finder by last update",
            "finder_data",
            {**page, "order[0][column]": 4, "order[0][dir]": "desc", "columns[4][data]": "last_update"},
        ),
        ("finder deep page", "finder_data", {**page, "start": characters // 2}),
        ("finder search", "finder_data", {**page, "search[value]": "Pilot 0042"}),
        ("reports page", "reports", {}),
    ]
    for pattern in urls.urlpatterns:
        name = getattr(pattern, "name", "") or ""
        if name.startswith("report_"):
            # a paged endpoint reads draw/start/length (DataTables); an unpaged one ignores them
            query = page if name.endswith("_data") else {}
            found.append((name.removeprefix("report_"), name, query))
    return found


def measure_pages(user, characters: int, runs: int) -> dict[str, dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)

    def fetch(url: str, query: dict) -> tuple[int, bytes, str]:
        response = client.get(url, query)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body, response.get("Content-Type", "")

    pages = {}
    for label, name, query in endpoints(characters):
        url = reverse(f"memberaudit:{name}")
        # every statement the request runs, counted by an execute wrapper
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            status, body, content_type = fetch(url, query)
            times = [time.perf_counter() - start]
        assert status == 200, (label, status)
        for _ in range(runs - 1):
            start = time.perf_counter()
            fetch(url, query)
            times.append(time.perf_counter() - start)
        row: dict[str, Any] = {
            "ms": round(statistics.median(times) * 1000, 1),
            "queries": len(queries),
            "kib": round(len(body) / 1024, 1),
        }
        if "json" in content_type:
            data = json.loads(body)
            rows = data.get("data")
            row["rows"] = len(rows) if isinstance(rows, list) else None
            row["paged"] = "recordsTotal" in data
        elif "csv" in content_type:
            row["rows"] = body.count(b"\n") - 1
        pages[label] = row
        print(
            f"  {label:26} {row['ms']:9.1f} ms {row['queries']:4d} queries {row['kib']:9.1f} KiB",
            file=sys.stderr,
        )
    return pages


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="requests per endpoint (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cache",
        choices=["redis", "fakeredis"],
        default="redis" if shutil.which("redis-server") else "fakeredis",
        help="a private redis-server (default when installed) or the in-process fakeredis",
    )
    parser.add_argument("--no-pages", action="store_true", help="measure the beat only")
    parser.add_argument(
        "--real-clock-beat",
        action="store_true",
        help="a third beat on the real clock: it must queue exactly what fell due since the first",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="memberaudit-bench-"))
    redis = RedisServer() if args.cache == "redis" else None
    try:
        if redis:
            redis.__enter__()
            os.environ["REDIS_URL"] = redis.url
        setup_django(workdir / "scale.sqlite3")
        meter = Meter()
        # the data is the steady state at this moment; the beats below decide what is due at it,
        # so the minutes the build takes do not make more sections due
        built_at = time.time()
        with Timer() as build:
            counts = populate(args.characters, args.seed, built_at)
        cache_mb_data = redis_used_mb()
        print(f"built {counts} in {build.wall:.0f} s", file=sys.stderr)

        beat, first = run_beat(meter, at=built_at)
        beat["eta_spread"] = spread(meter.countdowns)
        cache_mb_beat = redis_used_mb()
        print(f"beat: {json.dumps(beat)}", file=sys.stderr)
        # right away, at the moments the first beat saw: every due pair has its marker
        second, _ = run_beat(meter, replay=first.moments)
        print(f"second beat: {json.dumps(second)}", file=sys.stderr)
        third = None
        if args.real_clock_beat:
            # and on the real clock: only what fell due since the build may be queued
            third, later = run_beat(meter)
            third["newly_due"] = len(later.due - first.due)
            assert third["queued"] == third["newly_due"], (third["queued"], third["newly_due"])
            print(f"third beat: {json.dumps(third)}", file=sys.stderr)

        pages = {} if args.no_pages else measure_pages(requester(), args.characters, args.runs)
    finally:
        if redis:
            redis.__exit__()
        shutil.rmtree(workdir, ignore_errors=True)

    second_updates = sum(second["messages_by_task"].get(task, 0) for task in UPDATE_TASKS)
    row = {
        "scenario": "scale_50k",
        "characters": args.characters,
        "cache": args.cache,
        **counts,
        "build_s": round(build.wall, 1),
        "wall_s": beat["wall_s"],
        "cpu_s": beat["cpu_s"],
        "peak_rss_mb": beat["peak_rss_mb"],
        "rss_growth_mb": beat["rss_growth_mb"],
        "messages": beat["messages"],
        "message_bytes": beat["message_bytes"],
        "update_messages": beat["update_messages"],
        "second_beat_messages": second_updates,
        "second_beat_other_messages": second["messages"] - second_updates,
        "second_beat_wall_s": second["wall_s"],
        "beat": beat,
        "second_beat": second,
        "third_beat_real_clock": third,
        "cache_mb_after_build": cache_mb_data,
        "cache_mb_after_beat": cache_mb_beat,
        "pages": pages,
        "command": "python bench/scale_beat.py " + " ".join(sys.argv[1:]),
    }
    stamp = {"date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), "commit": commit(), **machine()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "latest.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**row, **stamp}) + "\n")
    (RESULTS / "scale_beat.json").write_text(json.dumps({"meta": stamp, "rows": [row]}, indent=2) + "\n")

    per_char = 1e6 / args.characters
    print(
        f"{args.characters:,} characters ({args.cache}): beat {beat['wall_s']} s wall, {beat['cpu_s']} s CPU, "
        f"peak RSS {beat['peak_rss_mb']} MiB (+{beat['rss_growth_mb']}), {beat['messages']:,} messages, "
        f"{beat['message_bytes'] / 2**20:.1f} MiB; {beat['wall_s'] * per_char:.0f} us wall per character; "
        f"second beat {row['second_beat_messages']} update messages in {second['wall_s']} s"
    )
    print(
        json.dumps(
            {
                k: v
                for k, v in row.items()
                if k not in ("beat", "second_beat", "third_beat_real_clock", "pages")
            }
        )
    )
    return 0 if row["second_beat_messages"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
