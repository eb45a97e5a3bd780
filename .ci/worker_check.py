"""CI stage: real Celery worker + Redis broker + MariaDB + the ESI emulator over HTTP.

1. Register characters, queue their updates through the broker, wait until every section
   is stored without error.
2. Queue forced updates, kill the worker with SIGKILL mid-run, check the stored data is
   intact, start a new worker and check the next run recovers every section.

Expects MEMBERAUDIT_TEST_DB=mysql, MYSQL_*, REDIS_URL, CELERY_EAGER=0 and ESI_API_URL set.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from memberaudit import tasks  # noqa: E402
from memberaudit.models import Character, CharacterAsset, SectionStatus  # noqa: E402
from memberaudit.sections import registry  # noqa: E402
from memberaudit.testing.registration import register_character  # noqa: E402

ESI = os.environ["ESI_API_URL"].rstrip("/")
CHARACTERS = 4
SECTIONS = registry.names()


def emulator(path: str, method: str = "GET") -> object:
    request = urllib.request.Request(f"{ESI}{path}", method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "testauth", "worker", "--pool=threads", "-c", "4", "-l", "warning"],
        cwd=ROOT / "tests",
        env=env,
    )
    print(f"[worker] started celery worker pid {worker.pid}", flush=True)
    return worker


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(1)
    raise SystemExit(f"[worker] FAILED: timed out after {timeout:.0f} s waiting for {what}")


def main() -> int:
    call_command("migrate", verbosity=0)
    scopes = sorted(registry.all_scopes())
    characters = []
    for info in emulator("/_emulator/characters")[:CHARACTERS]:
        tokens = emulator(f"/_emulator/token/{info['id']}?scopes={','.join(scopes)}", "POST")
        characters.append(register_character(info, tokens, scopes))
    pks = [c.pk for c in characters]
    expected = len(pks) * len(SECTIONS)

    worker = start_worker()
    try:
        started = time.time()
        for pk in pks:
            tasks.update_character.delay(pk, force=True)
        statuses = SectionStatus.objects.filter(character_id__in=pks)
        wait_for(lambda: statuses.filter(last_success_at__isnull=False).count() >= expected, 300, "first update")
        errors = list(statuses.exclude(error_message="").values_list("section", "error_message"))
        if errors:
            raise SystemExit(f"[worker] FAILED: sections with errors after the first update: {errors}")
        print(f"[worker] first update of {len(pks)} characters x {len(SECTIONS)} sections "
              f"through the broker: {time.time() - started:.1f} s", flush=True)

        assets_before = CharacterAsset.objects.filter(character_id__in=pks).count()
        emulator("/_emulator/tick?seconds=21600", "POST")
        killed_at = timezone.now()
        for pk in pks:
            tasks.update_character.delay(pk, force=True)
        time.sleep(1.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        print("[worker] killed the worker with SIGKILL in the middle of a forced update", flush=True)
        if CharacterAsset.objects.filter(character_id__in=pks).count() < assets_before * 0.9:
            raise SystemExit("[worker] FAILED: assets were lost when the worker died")
        if statuses.filter(last_success_at__isnull=True).exists():
            raise SystemExit("[worker] FAILED: a section lost its last success")

        worker = start_worker()
        time.sleep(61)  # locks of the killed worker expire (engine.LOCK_SECONDS)
        for pk in pks:
            tasks.update_character.delay(pk, force=True)
        wait_for(
            lambda: statuses.filter(last_success_at__gt=killed_at, error_message="").count() >= expected,
            300,
            "the run after the kill to recover every section",
        )
        print(f"[worker] all {expected} sections recovered after the kill", flush=True)
        print(f"[worker] characters: {Character.objects.count()}, assets: "
              f"{CharacterAsset.objects.filter(character_id__in=pks).count()}", flush=True)
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    print("[worker] worker check passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
