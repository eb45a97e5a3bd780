"""The soak (``make soak``): 20 characters, ESI misbehaving, workers killed, and nothing lost.

A real threaded Celery worker, a real Redis, MariaDB and the ESI emulator over HTTP; only the
beat queues work (``run_regular_updates`` every 15 s), time compressed as in ``harness``.

1. First load with faults on from the start: 10 % server errors, 40-100 ms latency, 2 %
   malformed bodies. The emulator's data moves on six hours every two minutes.
2. Meanwhile: a one-minute ESI downtime window, and two SIGKILLs of the worker (each followed
   by a new worker).
3. Faults end (and the data stops moving). Through the beat alone, every section must equal
   the emulator and none may be in error within 10 minutes; no duplicate rows.

Throughout: the broker's update messages (one ``update_sections`` per character with its due
sections, ``update_section`` for a triggered one) never carry more than two copies of a
(character, section) pair, nor number more than a few per character, and ESI never answers
420 (its error limit is never hit).
Prints the figures at the end.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import harness
from harness import Failed, emulator, reconcile

CHARACTERS = int(os.environ.get("SOAK_CHARACTERS", "20"))
FAULT_MINUTES = float(os.environ.get("SOAK_FAULT_MINUTES", "8"))
RECOVERY_LIMIT = 600
#: update messages per character the broker may hold (see worker_check.py)
MESSAGES_PER_CHARACTER = 4
FAULTS = {"error_rate": 0.10, "latency_ms": 40, "latency_jitter_ms": 60, "malformed_rate": 0.02}
say = harness.log("soak")


def emulator_stats() -> dict:
    return emulator("/_emulator/stats")


def main() -> int:
    started = time.monotonic()
    characters = harness.prepare(CHARACTERS)
    pks = [c.pk for c in characters]
    pairs = len(pks) * len(harness.SECTIONS)
    emulator("/_emulator/stats/reset", "POST")
    harness.set_faults(**FAULTS)
    say(f"{CHARACTERS} characters, {pairs} (character, section) pairs; faults: {FAULTS}")

    beat = harness.Beat()
    worker = harness.start_worker(say, threads=6)
    beat.start()
    kills = ticks = 0
    try:
        fault_end = time.monotonic() + FAULT_MINUTES * 60
        events = {
            FAULT_MINUTES * 60 * 0.30: "kill",
            FAULT_MINUTES * 60 * 0.50: "downtime",
            FAULT_MINUTES * 60 * 0.75: "kill",
        }
        next_tick = time.monotonic() + 120
        while time.monotonic() < fault_end:
            elapsed = FAULT_MINUTES * 60 - (fault_end - time.monotonic())
            for at in sorted(events):
                if elapsed >= at:
                    event = events.pop(at)
                    if event == "kill":
                        held, unacked = harness.section_locks(), harness.broker_depth()[1]
                        worker.send_signal(signal.SIGKILL)
                        worker.wait()
                        kills += 1
                        say(
                            f"SIGKILL {kills}: {len(held)} section lock(s) held, {unacked} unacked message(s)"
                        )
                        worker = harness.start_worker(say, threads=6)
                    else:
                        harness.set_faults(**FAULTS, downtime_seconds=60)
                        say("ESI downtime for 60 s")
            if time.monotonic() >= next_tick:
                emulator("/_emulator/tick?seconds=21600", "POST")
                ticks += 1
                next_tick = time.monotonic() + 120
            time.sleep(1)

        harness.set_faults()
        say(f"faults off after {FAULT_MINUTES:.0f} minutes ({ticks} ticks of six hours, {kills} SIGKILLs)")
        in_error = len(harness.sections_in_error(pks))
        behind = harness.mismatches(characters)
        say(f"when the faults ended: {in_error} section(s) in error, {len(behind)} differ from the emulator")
        took = harness.wait_for(
            harness.matches_emulator(characters), RECOVERY_LIMIT, "every section to recover through the beat"
        )
        say(f"recovered through run_regular_updates alone in {took:.0f} s (limit {RECOVERY_LIMIT} s)")
        duplicates = reconcile.duplicate_rows(pks)
        if duplicates:
            raise Failed(f"FAILED: duplicate rows: {duplicates}")
        stats = emulator_stats()
        answers_420 = int(stats["error_limited"])
        say(f"ESI requests: {stats['requests']}, injected faults: {stats['faults']}")
        say(
            f"broker peak: {beat.peak} update messages for {len(pks)} characters "
            f"({beat.peak / len(pks):.2f} per character) carrying {beat.peak_sections} section copies "
            f"for {pairs} pairs ({beat.peak_sections / pairs:.2f} per pair; {beat.peak_all} messages in all); "
            f"420 answers: {answers_420}; beats sent: {beat.sent}; whole soak {time.monotonic() - started:.0f} s"
        )
        if beat.peak_sections > 2 * pairs:
            raise Failed("FAILED: more than two copies per pair in the broker's update messages")
        if beat.peak > MESSAGES_PER_CHARACTER * len(pks):
            raise Failed(f"FAILED: more than {MESSAGES_PER_CHARACTER} update messages per character")
        if answers_420:
            raise Failed("FAILED: ESI's error limit was hit")
    finally:
        beat.stop.set()
        harness.stop_worker(worker)
    say("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
