"""What the worker check and the soak share: a real Celery worker process, a beat loop that
sends ``run_regular_updates`` through the broker, broker and lock probes, and the comparison
of the database with the ESI emulator.

Import it before anything else that touches Django: it sets the time-compression settings
(read by tests/testauth/settings/local.py and inherited by the workers) and sets Django up.
ESI's cache times are scaled down by the emulator (``cache_scale``) and every ring lasts a
minute, so sections fall due again within a minute or two.

Expects MEMBERAUDIT_TEST_DB=mysql, MYSQL_*, REDIS_URL, CELERY_EAGER=0 and ESI_API_URL.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

os.environ.update(
    {
        "MEMBERAUDIT_UPDATE_STALE_RING_1": "1",
        "MEMBERAUDIT_UPDATE_STALE_RING_2": "1",
        "MEMBERAUDIT_UPDATE_STALE_RING_3": "1",
        "MEMBERAUDIT_UPDATE_SPREAD_SECONDS": "10",
        "MEMBERAUDIT_TASKS_TIME_LIMIT": "180",
    }
)
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402

from django.core.management import call_command  # noqa: E402

from memberaudit import tasks  # noqa: E402
from memberaudit.models import Character, SectionStatus  # noqa: E402
from memberaudit.sections import registry  # noqa: E402
from memberaudit.testing import reconcile  # noqa: E402
from memberaudit.testing.registration import register_character  # noqa: E402

ESI = os.environ["ESI_API_URL"].rstrip("/")
REDIS_URL = os.environ["REDIS_URL"]
CACHE_SCALE = 0.01  # assets: one hour of ESI cache becomes 36 s
SECTIONS = registry.names()
UPDATE_SECTION = "memberaudit.tasks.update_section"
UPDATE_SECTIONS = "memberaudit.tasks.update_sections"
broker = redis.Redis.from_url(f"{REDIS_URL}/0")
cache_db = redis.Redis.from_url(f"{REDIS_URL}/1")


class Failed(SystemExit):
    """A check failed: the message says which."""


def log(prefix: str) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"[{prefix}] {message}", flush=True)

    return say


def emulator(path: str, method: str = "GET", body: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(f"{ESI}{path}", method=method, data=data)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def set_faults(**faults) -> None:
    """Replace the emulator's faults; time compression stays on."""
    emulator("/_emulator/faults", "POST", {"cache_scale": CACHE_SCALE, **faults})


def prepare(characters: int) -> list[Character]:
    """Migrate, empty broker and cache, register ``characters`` emulator characters."""
    call_command("migrate", verbosity=0)
    broker.flushdb()
    cache_db.flushdb()
    set_faults()
    scopes = sorted(registry.all_scopes())
    registered = []
    for info in emulator("/_emulator/characters")[:characters]:
        tokens = emulator(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
        registered.append(register_character(info, tokens, scopes))
    return registered


def start_worker(say: Callable[[str], None], threads: int = 4) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "testauth", "worker", "--pool=threads", "-c", str(threads)]
        + ["-l", "error"],
        cwd=ROOT / "tests",
        env=env,
    )
    say(f"started a celery worker, pid {worker.pid}")
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _queue_keys() -> list[bytes]:
    return [key for key in broker.scan_iter(match="celery*") if broker.type(key) == b"list"]


def broker_depth() -> tuple[int, int]:
    """Messages waiting in the queues, and messages taken by workers but not acknowledged."""
    return sum(broker.llen(key) for key in _queue_keys()), broker.hlen("unacked")


def _sections_of(message: dict) -> list[str]:
    """The sections an update message carries: one for ``update_section``, several for ``update_sections``."""
    task = message["headers"]["task"]
    if task not in (UPDATE_SECTION, UPDATE_SECTIONS):
        return []
    args = json.loads(base64.b64decode(message["body"]))[0]
    return [args[1]] if task == UPDATE_SECTION else list(args[1])


def update_messages() -> tuple[int, int]:
    """Update messages in the broker (waiting in a queue, or taken and unacknowledged), and the
    (character, section) copies they carry: one message per character carries its due sections."""
    raw = [json.loads(m) for key in _queue_keys() for m in broker.lrange(key, 0, -1)]
    raw += [json.loads(value)[0] for value in broker.hvals("unacked")]
    carried = [_sections_of(message) for message in raw]
    return sum(1 for sections in carried if sections), sum(map(len, carried))


def section_locks() -> list[str]:
    keys = [key.decode() for key in cache_db.scan_iter(match="*memberaudit:lock:*")]
    return [key for key in keys if not key.endswith("regular-updates")]


class Beat(threading.Thread):
    """Sends run_regular_updates through the broker every ``seconds``, like celery beat with an
    ``expires`` option, and records the broker's peak while it runs."""

    def __init__(self, seconds: float = 15) -> None:
        super().__init__(daemon=True)
        self.seconds = seconds
        self.stop = threading.Event()
        self.peak = 0  # update messages (update_sections per character, update_section per section)
        self.peak_sections = 0  # (character, section) copies those messages carry
        self.peak_all = 0  # every message
        self.sent = 0

    def run(self) -> None:
        next_beat = 0.0
        while not self.stop.is_set():
            try:
                if time.monotonic() >= next_beat:
                    tasks.run_regular_updates.apply_async(expires=self.seconds * 2)
                    self.sent += 1
                    next_beat = time.monotonic() + self.seconds
                waiting, unacked = broker_depth()
                self.peak_all = max(self.peak_all, waiting + unacked)
                messages, sections = update_messages()
                self.peak = max(self.peak, messages)
                self.peak_sections = max(self.peak_sections, sections)
            except redis.RedisError as exc:  # a probe must not end the loop
                print(f"[beat] {exc}", flush=True)
            self.stop.wait(0.5)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 10) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    raise Failed(f"FAILED: timed out after {timeout:.0f} s waiting for {what}")


def mismatches(characters: list[Character], first_only: bool = False) -> list[str]:
    """How the database differs from the emulator; ``first_only`` stops at the first character that does."""
    problems = []
    for character in characters:
        answers = reconcile.esi_answers(ESI, character.eve_character.character_id)
        problems += reconcile.differences(character, answers)
        if problems and first_only:
            break
    return problems


def sections_in_error(pks: list[int]) -> list[tuple]:
    return list(
        SectionStatus.objects.filter(character_id__in=pks)
        .exclude(error_message="")
        .values_list("character_id", "section", "error_message")
    )


def matches_emulator(characters: list[Character]) -> Callable[[], bool]:
    """Every section stored and without error, and the checked sections equal the emulator."""
    pks = [c.pk for c in characters]

    def condition() -> bool:
        done = SectionStatus.objects.filter(
            character_id__in=pks, last_success_at__isnull=False, error_message=""
        )
        if done.count() < len(pks) * len(SECTIONS):
            return False
        return not mismatches(characters, first_only=True)

    return condition
