"""memberaudit_stats: totals, periodic tasks, the last run per ring and the throughput estimate."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from helpers import create_member, register_character, register_main
from management_helpers import run_cli

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit import tasks
from memberaudit.models import runs
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db


def _stats(**options) -> dict:
    out = io.StringIO()
    call_command("memberaudit_stats", stdout=out, **options)
    return json.loads(out.getvalue())


def test_app_totals():
    owner = create_member("stats_owner")
    register_main(owner)
    register_character(owner, "Stats Alt")
    disabled = register_character(owner, "Stats Disabled Alt")
    disabled.is_disabled = True
    disabled.save()
    register_character(None, "Stats Orphan")
    create_member("stats_no_characters")
    app = _stats()["app"]
    assert app["active_users"] == 1
    assert app["characters"] == 4
    assert app["orphaned_characters"] == 1
    assert app["disabled_characters"] == 1
    assert app["updatable_characters"] == 2


def test_periodic_tasks_from_the_database_and_the_settings():
    every_15 = IntervalSchedule.objects.create(every=15, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name="Member Audit updates", task="memberaudit.tasks.run_regular_updates", interval=every_15
    )
    PeriodicTask.objects.create(name="Someone else", task="other.tasks.run", interval=every_15)
    found = _stats()["periodic_tasks"]
    assert [(t["name"], t["interval_seconds"], t["enabled"]) for t in found["database"]] == [
        ("Member Audit updates", 900.0, True)
    ]
    # the test settings schedule run_regular_updates every 15 minutes in CELERYBEAT_SCHEDULE
    assert [(t["name"], t["interval_seconds"]) for t in found["settings"]] == [
        ("memberaudit_run_regular_updates", 900.0)
    ]


def test_no_runs_yet_means_no_verdict_without_workers():
    register_main(create_member("stats_idle"))
    data = _stats(workers=None)
    assert all(ring["last_run"] is None for ring in data["rings"].values())
    assert data["throughput"]["fits"] is None
    assert data["throughput"]["ring_cadence_ok"] == {"1": True, "2": True, "3": True}


def test_a_schedule_slower_than_ring_1_is_reported(settings):
    register_main(create_member("stats_slow_beat"))
    settings.CELERYBEAT_SCHEDULE = {
        "memberaudit_run_regular_updates": {"task": "memberaudit.tasks.run_regular_updates", "schedule": 3600}
    }
    throughput = _stats(workers=None)["throughput"]
    # hourly runs are slower than ring 1's 55 minutes
    assert throughput["ring_cadence_ok"] == {"1": False, "2": True, "3": True}
    assert "ring(s) 1 become stale" in throughput["warnings"][0]


def test_a_ring_that_overran_its_cycle_does_not_fit():
    now = time.time()
    runs.start_run([(1, 1), (2, 1)], {1: 55}, now=now - 2 * 3600)
    data = _stats()
    last = data["rings"]["1"]["last_run"]
    assert last["queued"] == 2 and last["done"] == 0
    assert last["completed_in_cycle"] is False
    assert data["throughput"]["fits"] is False


def test_throughput_estimate_from_measured_seconds_per_section(settings):
    register_main(create_member("stats_busy"))
    settings.MEMBERAUDIT_UPDATE_STALE_OVERRIDES = {}
    run_id = runs.start_run([(1, 2)], {2: 235})
    runs.record_section_done(run_id, 2, "unchanged", 2.0)
    data = _stats(workers=4)
    throughput = data["throughput"]
    needed = sum(60 / tasks.stale_minutes(s.name) for s in registry.all_sections())
    assert throughput["total_sections_per_hour_needed"] == pytest.approx(needed, abs=0.2)
    assert throughput["seconds_per_section_measured"] == 2.0
    assert throughput["workers_needed"] == pytest.approx(needed * 2 / 3600, abs=0.01)
    assert throughput["fits"] is True
    assert data["rings"]["2"]["last_run"]["completed_in_cycle"] is True


@pytest.mark.parametrize(
    "argv, message",
    [(["--workers", "0"], "--workers must be at least 1."), (["--workers", "many"], "invalid int")],
)
def test_bad_arguments_fail_clearly(capsys, argv, message):
    assert run_cli("memberaudit_stats", *argv) != 0
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_a_real_run_is_recorded_per_ring_and_logged_at_the_next_run(settings, caplog):
    # characters without tokens: sections end quickly (token error; public ones fail to
    # connect), no ESI needed
    register_main(create_member("stats_run_one"))
    register_main(create_member("stats_run_two"))
    settings.MEMBERAUDIT_LOG_UPDATE_STATS = True
    queued = tasks.run_regular_updates()  # eager: every queued section runs right here
    rings = _stats()["rings"]
    for ring in ("1", "2", "3"):
        last = rings[ring]["last_run"]
        assert last["queued"] == 2 * len(rings[ring]["sections"]), ring
        assert last["done"] == last["queued"]
        assert sum(last["outcomes"].values()) == last["queued"]
        assert last["finished_at"] is not None
        assert last["completed_in_cycle"] is True
        assert last["characters"] == 2
        assert last["characters_per_hour"] > 0
    assert sum(rings[r]["last_run"]["queued"] for r in rings) == queued

    with caplog.at_level(logging.INFO, logger="memberaudit.tasks"):
        tasks.run_regular_updates()
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Update stats of ring")]
    assert len(logged) == 3
    assert '"completed_in_cycle": true' in logged[0]


@pytest.mark.emulator
def test_counting_a_run_adds_no_database_write_to_an_unchanged_section(register_character):
    character = register_character(size="small")
    tasks.update_section(character.pk, "skills")  # first load
    run_id = runs.start_run([(character.pk, 2)], {2: 235})
    with CaptureQueriesContext(connection) as ctx:
        result = tasks.update_section(character.pk, "skills", run_id=run_id)
    assert result["outcome"] == "unchanged"
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert runs.last_run(2).outcomes["unchanged"] == 1


def test_a_run_with_nothing_due_records_nothing():
    assert tasks.run_regular_updates() == 0
    assert all(ring["last_run"] is None for ring in _stats()["rings"].values())
