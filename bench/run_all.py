"""``make bench``: run every benchmark scenario in turn (each prints a table and JSON lines)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCENARIOS = [
    ["emulator_throughput.py"],
    ["update_costs.py", "--characters", "20"],
    ["viewer.py"],
    ["finder_reports.py"],
    ["export_memory.py"],
    # the beat, the finder and the reports at 50,000 characters: about 20 minutes on 2 busy cores
    ["scale_beat.py"],
]


def main() -> int:
    failed = []
    for script, *args in SCENARIOS:
        path = BENCH / script
        if not path.exists():
            print(f"--- {script}: not present, skipped", flush=True)
            continue
        print(f"--- {script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(path), *args], cwd=BENCH.parent).returncode != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
