"""Memory and speed of the CSV export on 100,000 wallet journal rows.

Builds a throwaway SQLite database (``SQLITE_PATH``, default /tmp/memberaudit_bench_export.sqlite3)
in a child process, then exports the wallet journal with ``memberaudit_data_export`` in this
process, twice: once plain (wall time, rows/s, ``ru_maxrss`` growth) and once under tracemalloc
(peak of Python allocations). For contrast it also measures loading every row at once.
Prints a table and a JSON line, and appends ``{"scenario": "export_memory", ...}`` to
``bench/results/latest.jsonl``.

    .venv/bin/python bench/export_memory.py [--rows 100000] [--zip] [--keep-db]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.jsonl"
DEFAULT_DB = "/tmp/memberaudit_bench_export.sqlite3"


def setup_django(db_path: str) -> None:
    """Django on the throwaway SQLite database (the path must be set before setup)."""
    os.environ["SQLITE_PATH"] = db_path
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")
    for path in (str(ROOT), str(ROOT / "tests")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def populate(db_path: str, rows: int) -> None:
    """Migrate a fresh database and create ``rows`` journal entries of one character."""
    setup_django(db_path)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from decimal import Decimal

    from helpers import create_member, register_main

    from memberaudit.models import CharacterWalletJournalEntry

    character = register_main(create_member("bench_exporter"))
    now = datetime.now(timezone.utc)
    batch = 5000
    for start in range(0, rows, batch):
        CharacterWalletJournalEntry.objects.bulk_create(
            CharacterWalletJournalEntry(
                character=character,
                entry_id=i,
                date=now - timedelta(minutes=i),
                ref_type="player_donation",
                description=f"Donation {i} from a friend",
                amount=Decimal("-1234.56") if i % 2 else Decimal("98765.43"),
                balance=Decimal("1000000.00"),
                reason='=HYPERLINK("http://evil.example")' if i % 100 == 0 else "thanks",
                context_id=i,
                context_id_type="character_id",
            )
            for i in range(start, min(start + batch, rows))
        )


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def export_once(destination: Path, as_zip: bool) -> float:
    """Run the command once; returns wall seconds."""
    import io

    from django.core.management import call_command

    started = time.perf_counter()
    call_command(
        "memberaudit_data_export",
        topic=["wallet_journal"],
        destination=str(destination),
        zip=as_zip,
        stdout=io.StringIO(),
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--zip", action="store_true", help="export as a zip archive")
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument("--populate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db_path = os.environ.get("SQLITE_PATH", DEFAULT_DB)

    if args.populate_only:
        populate(db_path, args.rows)
        return

    if os.path.exists(db_path):
        os.remove(db_path)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--populate-only", "--rows", str(args.rows)],
        check=True,
        env={**os.environ, "SQLITE_PATH": db_path},
    )
    populate_seconds = time.perf_counter() - started

    setup_django(db_path)
    from memberaudit import exports
    from memberaudit.models import CharacterWalletJournalEntry

    count = CharacterWalletJournalEntry.objects.count()
    assert count == args.rows, (count, args.rows)
    destination = Path(tempfile.mkdtemp(prefix="memberaudit-bench-"))
    try:
        rss_before = _maxrss_mib()
        wall = export_once(destination, args.zip)
        rss_growth = _maxrss_mib() - rss_before
        output_bytes = sum(p.stat().st_size for p in destination.iterdir())

        for path in destination.iterdir():
            path.unlink()
        tracemalloc.start()
        export_once(destination, args.zip)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # contrast: what holding every row at once would cost
        topic = exports.get_topic("wallet_journal")
        tracemalloc.start()
        everything = list(topic.queryset().values_list(*[lookup for _h, lookup in topic.columns]))
        _current, naive_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del everything
    finally:
        shutil.rmtree(destination, ignore_errors=True)
        if not args.keep_db and os.path.exists(db_path):
            os.remove(db_path)

    result = {
        "scenario": "export_memory",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": args.rows,
        "zip": args.zip,
        "chunk_size": exports.CHUNK_SIZE,
        "wall_seconds": round(wall, 2),
        "rows_per_second": round(args.rows / wall),
        "tracemalloc_peak_mib": round(peak / 2**20, 2),
        "maxrss_growth_mib": round(rss_growth, 1),
        "all_rows_at_once_peak_mib": round(naive_peak / 2**20, 2),
        "output_mib": round(output_bytes / 2**20, 2),
        "populate_seconds": round(populate_seconds, 1),
        "database": "sqlite",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "command": "python bench/export_memory.py " + " ".join(sys.argv[1:]),
    }
    print(f"CSV export of {args.rows:,} wallet journal rows (SQLite, chunks of {exports.CHUNK_SIZE})")
    print(f"{'metric':<34}{'value':>12}")
    for label, key, unit in [
        ("wall time", "wall_seconds", "s"),
        ("rows per second", "rows_per_second", ""),
        ("peak Python memory (tracemalloc)", "tracemalloc_peak_mib", "MiB"),
        ("max RSS growth (getrusage)", "maxrss_growth_mib", "MiB"),
        ("all rows at once (for contrast)", "all_rows_at_once_peak_mib", "MiB"),
        ("output size", "output_mib", "MiB"),
    ]:
        print(f"{label:<34}{result[key]:>12} {unit}")
    print(json.dumps(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
