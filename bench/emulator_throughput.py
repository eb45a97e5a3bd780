"""Throughput of the ESI emulator on loopback: requests/s for 200s and for 304s.

Starts the emulator as a separate process (the CLI), hammers it with a few threads on
keep-alive connections for a bounded time per phase, prints a small table and a JSON line,
and appends ``{"scenario": "emulator_throughput", ...}`` to ``bench/results/latest.jsonl``.

    .venv/bin/python bench/emulator_throughput.py [--seconds 8] [--threads 4] [--characters 50]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from memberaudit.testing.esi_emulator.rawclient import RawClient  # noqa: E402

ROUTES = [
    "/characters/{id}/skills",
    "/characters/{id}/skillqueue",
    "/characters/{id}/location",
    "/characters/{id}/wallet",
    "/characters/{id}/wallet/journal",
    "/characters/{id}/assets",
    "/characters/{id}/contacts",
    "/characters/{id}/mail",
    "/characters/{id}/implants",
    "/characters/{id}/clones",
]


def token_lifetime(seconds_per_phase: float) -> float:
    """Access token lifetime for the run: at least EVE SSO's 20 minutes, and all of the run.

    The tokens are issued once, before the warm-up, and reused by both phases. With the
    emulator's default (20 minutes, like EVE SSO) a run with long phases would end in 403
    "token is expired" and measure error answers; refreshing mid-phase would add SSO requests
    to what is measured. The benchmark measures ESI serving, so the tokens outlive the run.
    """
    return max(1200.0, 2 * seconds_per_phase + 600.0)


def start_emulator(characters: int, seed: int, lifetime: float) -> tuple[subprocess.Popen, str]:
    """Run the CLI on a free port; return the process and its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "memberaudit.testing.esi_emulator",
            "--port",
            "0",
            "--characters",
            str(characters),
            "--seed",
            str(seed),
            "--token-lifetime",
            str(lifetime),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("ESI emulator listening on "):
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1] + "/"


def hammer(
    url: str, work: list[tuple[str, str]], seconds: float, threads: int, etags: dict[str, str] | None
) -> dict:
    """Send requests from ``threads`` threads for ``seconds``; count statuses and latency."""
    deadline = time.monotonic() + seconds
    counts: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        client = RawClient(url, user_agent="EmulatorBench/1.0")
        local: dict[int, int] = {}
        local_latencies: list[float] = []
        n = offset
        while time.monotonic() < deadline:
            path, token = work[n % len(work)]
            n += 1
            headers = {"If-None-Match": etags[path]} if etags else None
            started = time.perf_counter()
            response = client.get(path, token, headers=headers)
            local_latencies.append(time.perf_counter() - started)
            local[response.status] = local.get(response.status, 0) + 1
        client.close()
        with lock:
            for status, count in local.items():
                counts[status] = counts.get(status, 0) + count
            latencies.extend(local_latencies)

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(k * 7,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    total = sum(counts.values())
    return {
        "requests": total,
        "seconds": round(elapsed, 2),
        "rps": round(total / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(counts.items())},
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2) if latencies else None,
    }


def main() -> int:
    """Run both phases and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each phase")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--characters", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # the machine may be shared: report how busy it was
    process, url = start_emulator(args.characters, args.seed, token_lifetime(args.seconds))
    try:
        control = RawClient(url)
        # generous limits: we measure the server, not the rate limiter
        control.post(
            "/_emulator/faults",
            body={
                "rate_limits": {
                    "char-detail": 10**9,
                    "char-location": 10**9,
                    "char-wallet": 10**9,
                    "char-asset": 10**9,
                    "char-social": 10**9,
                }
            },
        )
        characters = control.get("/_emulator/characters").json()[:10]
        work: list[tuple[str, str]] = []
        etags: dict[str, str] = {}
        for info in characters:
            token = control.post(f"/_emulator/token/{info['character_id']}").json()["access_token"]
            for route in ROUTES:
                path = route.format(id=info["character_id"])
                response = control.get(path, token)  # warm up: generate data, memoize bodies
                if response.status == 200:
                    work.append((path, token))
                    etags[path] = response.headers["etag"]
        control.post("/_emulator/stats/reset")
        ok = hammer(url, work, args.seconds, args.threads, None)
        not_modified = hammer(url, work, args.seconds, args.threads, etags)
        stats = control.get("/_emulator/stats").json()
        control.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    print(
        f"ESI emulator throughput ({args.threads} threads, {args.seconds:.0f} s per phase, {len(work)} routes)"
    )
    print(f"{'phase':<8} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    for name, phase in (("200", ok), ("304", not_modified)):
        print(
            f"{name:<8} {phase['requests']:>9} {phase['rps']:>9} {phase['p50_ms']:>8} {phase['p95_ms']:>8}  {phase['statuses']}"
        )
    record = {
        "scenario": "emulator_throughput",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "threads": args.threads,
        "seconds_per_phase": args.seconds,
        "routes": len(work),
        "rps_200": ok["rps"],
        "rps_304": not_modified["rps"],
        "p95_ms_200": ok["p95_ms"],
        "p95_ms_304": not_modified["p95_ms"],
        "server_304_share": stats["not_modified_share"],
        "cpus": os.cpu_count(),
        "load_avg_1m_before": round(load_before, 2),
        "python": platform.python_version(),
        "command": " ".join(["python bench/emulator_throughput.py", *sys.argv[1:]]),
    }
    print(json.dumps(record))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    with (results / "latest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
