"""CI stage: no data lost when a real Celery worker is killed mid-update.

A real threaded Celery worker, a real Redis (broker and cache), MariaDB and the ESI emulator
over HTTP. The only thing that queues work is ``run_regular_updates``, sent through the broker
every 15 s like celery beat would; nothing is forced. Time is compressed (see ``harness``).

1. Register characters; the beat loads them; the database must equal the emulator.
2. Advance the emulator's data six hours; as soon as an update holds a section lock while
   the broker holds unacknowledged messages (both asserted), kill the worker with SIGKILL.
   Right after the kill the data must differ from the emulator (else the kill proved nothing).
3. Start a new worker. Through the beat alone the database must come to equal the emulator
   again (assets, wallet journal, mails, skills, contacts: ids per character), with no section
   in error and no duplicate rows. The broker must never have held more than two copies of
   any (character, section) pair in all its update messages (one ``update_sections`` message
   per character carries its due sections), nor more than ``MESSAGES_PER_CHARACTER`` update
   messages per character.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import harness
from harness import Failed, emulator, reconcile

CHARACTERS = int(os.environ.get("WORKER_CHECK_CHARACTERS", "4"))
#: update messages per character the broker may hold: one waiting and one running per
#: character, one more queued while a long first load runs, and a triggered section's own
MESSAGES_PER_CHARACTER = 4
say = harness.log("worker")


def main() -> int:
    characters = harness.prepare(CHARACTERS)
    pks = [c.pk for c in characters]
    pairs = len(pks) * len(harness.SECTIONS)

    beat = harness.Beat()
    worker = harness.start_worker(say)
    beat.start()
    try:
        took = harness.wait_for(
            harness.matches_emulator(characters), 600, "the first load to equal the emulator"
        )
        say(
            f"first load of {len(pks)} characters x {len(harness.SECTIONS)} sections by the beat alone: {took:.0f} s"
        )

        emulator("/_emulator/tick?seconds=21600", "POST")
        deadline = time.monotonic() + 180
        while True:
            held, unacked = harness.section_locks(), harness.broker_depth()[1]
            if held and unacked:
                break
            if time.monotonic() > deadline:
                raise Failed("FAILED: no update held a lock with unacked messages within 180 s")
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        say(
            f"killed the worker with SIGKILL while it held {len(held)} section lock(s) ({held[0]}) "
            f"and the broker held {unacked} unacknowledged message(s)"
        )
        behind = harness.mismatches(characters)
        if not behind:
            raise Failed("FAILED: the data had caught up before the kill; it proved nothing")
        say(f"right after the kill {len(behind)} section(s) differ from the emulator, e.g. {behind[0]}")

        worker = harness.start_worker(say)
        took = harness.wait_for(
            harness.matches_emulator(characters), 600, "the beat alone to bring every section back"
        )
        say(
            f"recovered through run_regular_updates alone {took:.0f} s after the new worker started: "
            "every section equals the emulator, none in error"
        )
        duplicates = reconcile.duplicate_rows(pks)
        if duplicates:
            raise Failed(f"FAILED: duplicate rows: {duplicates}")
        say("no duplicate rows (assets, journal, mails, skills, contacts)")
        say(
            f"broker peak: {beat.peak} update messages for {len(pks)} characters carrying "
            f"{beat.peak_sections} section copies for {pairs} (character, section) pairs "
            f"({beat.peak_all} messages in all); {beat.sent} beats sent"
        )
        if beat.peak_sections > 2 * pairs:
            raise Failed("FAILED: more than two copies per pair in the broker's update messages")
        if beat.peak > MESSAGES_PER_CHARACTER * len(pks):
            raise Failed(f"FAILED: more than {MESSAGES_PER_CHARACTER} update messages per character")
    finally:
        beat.stop.set()
        harness.stop_worker(worker)
    say("worker check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
