"""Shared plumbing of the benchmarks: Django on a throwaway SQLite DB, the emulator as a
separate process (so its CPU is not counted as ours), and the results files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(db_name: str = "bench") -> Path:
    """Django with the test project's settings on a fresh SQLite file; returns its path."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    db_path = Path(tempfile.mkdtemp(prefix="memberaudit-bench-")) / f"{db_name}.sqlite3"
    os.environ["SQLITE_PATH"] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return db_path


class EmulatorProcess:
    """``python -m memberaudit.testing.esi_emulator`` in its own process."""

    def __init__(self, characters: int, seed: int, url: str | None = None, start: str | None = None) -> None:
        self.characters = characters
        self.seed = seed
        self.url = url
        self.start = start
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> EmulatorProcess:
        if self.url:
            return self
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "memberaudit.testing.esi_emulator",
                "--port",
                "0",
                "--characters",
                str(self.characters),
                "--seed",
                str(self.seed),
                *(["--start", self.start] if self.start else []),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = line.strip().rsplit(" ", 1)[-1].rstrip("/") + "/"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def call(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(
            self.url.rstrip("/") + path, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(rows: list[dict[str, Any]], name: str) -> None:
    """Append rows to latest.jsonl and write a dated record for diffs between runs."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        **machine(),
    }
    with (RESULTS / "latest.jsonl").open("a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({**row, **stamp}) + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps({"meta": stamp, "rows": rows}, indent=2) + "\n")


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A small fixed-width table."""
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    lines = ["  ".join(c.rjust(widths[c]) for c in columns)]
    lines += ["  ".join(_fmt(r.get(c)).rjust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


class Timer:
    def __enter__(self) -> Timer:
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
