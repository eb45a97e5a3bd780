"""Industry jobs (history, updated in place), blueprints (replaced), mining ledger (windowed)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import httpx2 as httpx
import pytest
from helpers import create_character, write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit.models import Character
from memberaudit.models.industry import CharacterBlueprint, CharacterIndustryJob, CharacterMiningLedgerEntry
from memberaudit.sections import engine, registry
from memberaudit.sections.base import SyncContext

JOBS = registry.get("industry_jobs")
BLUEPRINTS = registry.get("blueprints")
MINING = registry.get("mining_ledger")


@pytest.fixture
def character(db) -> Character:
    return create_character("builder")


def _ctx(character: Character) -> SyncContext:
    return SyncContext(character=character, status=None, token=None)


def _job(job_id: int, status: str = "active", **extra) -> dict:
    job = {
        "job_id": job_id,
        "activity_id": 1,
        "status": status,
        "installer_id": 90_000_001,
        "facility_id": 60003760,
        "station_id": 60003760,
        "blueprint_id": 1_000_000_000_500 + job_id,
        "blueprint_type_id": 691,
        "blueprint_location_id": 60003760,
        "output_location_id": 60003760,
        "product_type_id": 587,
        "runs": 10,
        "cost": 123456.78,
        "licensed_runs": 10,
        "duration": 3600,
        "start_date": "2026-11-01T10:00:00Z",
        "end_date": "2026-11-01T11:00:00Z",
    }
    job.update(extra)
    return job


def _blueprint(item_id: int, **extra) -> dict:
    blueprint = {
        "item_id": item_id,
        "type_id": 691,
        "location_id": 60003760,
        "location_flag": "Hangar",
        "quantity": -1,
        "runs": -1,
        "material_efficiency": 10,
        "time_efficiency": 20,
    }
    blueprint.update(extra)
    return blueprint


def _mined(day: date, system: int = 30000142, type_id: int = 1230, quantity: int = 1000) -> dict:
    return {"date": day.isoformat(), "solar_system_id": system, "type_id": type_id, "quantity": quantity}


# --- industry jobs ------------------------------------------------------------------------


def test_jobs_are_updated_in_place_and_kept_when_esi_drops_them(character):
    assert JOBS.store(_ctx(character), [_job(1), _job(2)]).created == 2
    delivered = _job(1, "delivered", completed_date="2026-11-01T11:05:00Z", successful_runs=10)
    changes = JOBS.store(_ctx(character), [delivered])
    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 0)
    statuses = dict(CharacterIndustryJob.objects.values_list("job_id", "status"))
    assert statuses == {1: "delivered", 2: "active"}
    job = CharacterIndustryJob.objects.get(job_id=1)
    assert (job.successful_runs, job.get_activity_id_display()) == (10, "manufacturing")


def test_jobs_second_store_writes_nothing(character):
    payload = [_job(1), _job(2, "ready", activity_id=8, probability=0.34)]
    JOBS.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert JOBS.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert write_statements(queries) == []


def test_jobs_related_ids():
    related = JOBS.related_ids([_job(1)])
    assert related == {"types": {691, 587}, "entities": {90_000_001}, "locations": {60003760}}


# --- blueprints ---------------------------------------------------------------------------


def test_blueprints_are_replaced(character):
    BLUEPRINTS.store(_ctx(character), [_blueprint(1), _blueprint(2), _blueprint(3)])
    changes = BLUEPRINTS.store(_ctx(character), [_blueprint(1, material_efficiency=8), _blueprint(3)])
    assert (changes.created, changes.updated, changes.deleted) == (0, 1, 1)
    assert dict(CharacterBlueprint.objects.values_list("item_id", "material_efficiency")) == {1: 8, 3: 10}


def test_blueprints_second_store_writes_nothing(character):
    payload = [_blueprint(1), _blueprint(2, quantity=-2, runs=5)]
    BLUEPRINTS.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert BLUEPRINTS.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert write_statements(queries) == []
    assert CharacterBlueprint.objects.get(item_id=2).is_copy


def test_blueprints_in_containers_do_not_ask_for_a_location():
    payload = [_blueprint(1), _blueprint(2, location_id=1_000_000_123_456, location_flag="Unlocked")]
    assert BLUEPRINTS.related_ids(payload) == {"types": {691}, "locations": {60003760}}


# --- mining ledger -------------------------------------------------------------------------


def test_mining_replaces_the_days_esi_reports_and_keeps_older_days(character):
    today = date(2026, 11, 30)
    old = today - timedelta(days=45)
    MINING.store(
        _ctx(character),
        [_mined(old), _mined(today - timedelta(days=1)), _mined(today - timedelta(days=1), type_id=1228)],
    )
    # a day later: ESI's window no longer has ``old``; yesterday changed, today is new
    changes = MINING.store(
        _ctx(character),
        [_mined(today - timedelta(days=1), quantity=1500), _mined(today, system=30000144)],
    )
    assert (changes.created, changes.updated, changes.deleted) == (1, 1, 1)
    rows = set(
        CharacterMiningLedgerEntry.objects.values_list(
            "date", "eve_solar_system_id", "eve_type_id", "quantity"
        )
    )
    assert rows == {
        (old, 30000142, 1230, 1000),
        (today - timedelta(days=1), 30000142, 1230, 1500),
        (today, 30000144, 1230, 1000),
    }


def test_mining_second_store_writes_nothing(character):
    today = date(2026, 11, 30)
    payload = [_mined(today), _mined(today, type_id=1228), _mined(today - timedelta(days=3))]
    MINING.store(_ctx(character), payload)
    with CaptureQueriesContext(connection) as queries:
        assert MINING.store(_ctx(character), copy.deepcopy(payload)).total == 0
    assert write_statements(queries) == []


def test_mining_of_an_empty_ledger_deletes_nothing(character):
    MINING.store(_ctx(character), [_mined(date(2026, 11, 1))])
    assert MINING.store(_ctx(character), []).total == 0
    assert CharacterMiningLedgerEntry.objects.count() == 1


# --- end to end against the ESI emulator --------------------------------------------------


def served(esi, character: Character, path: str, *, pages: bool = False, **params):
    """What the emulator serves for ``path`` (raw JSON, all pages)."""
    from esi.models import Token

    token = Token.objects.filter(character_id=character.character_id).latest("created").access_token
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{esi.url}characters/{character.character_id}/{path}"
    response = httpx.get(url, headers=headers, params={**params, "page": 1} if pages else params)
    response.raise_for_status()
    data = response.json()
    if pages:
        for page in range(2, int(response.headers.get("X-Pages", 1)) + 1):
            data += httpx.get(url, headers=headers, params={**params, "page": page}).json()
    return data


@pytest.mark.emulator
@pytest.mark.django_db
def test_update_stores_what_esi_served(esi, register_character):
    character = register_character(size="huge")
    for name in ("industry_jobs", "blueprints", "mining_ledger"):
        result = engine.update_section(character, name)
        assert result.outcome in ("changed", "unchanged"), result.message

    jobs = served(esi, character, "industry/jobs", include_completed="true")
    stored_jobs = {j.job_id: j for j in CharacterIndustryJob.objects.filter(character=character)}
    assert jobs and set(stored_jobs) == {j["job_id"] for j in jobs}
    assert any(j["status"] == "delivered" for j in jobs)  # completed jobs were asked for
    for job in jobs:
        row = stored_jobs[job["job_id"]]
        assert (row.status, row.activity_id, row.runs, row.blueprint_type_id) == (
            job["status"],
            job["activity_id"],
            job["runs"],
            job["blueprint_type_id"],
        )

    blueprints = served(esi, character, "blueprints", pages=True)
    stored_blueprints = CharacterBlueprint.objects.filter(character=character)
    assert blueprints and set(stored_blueprints.values_list("item_id", "material_efficiency", "runs")) == {
        (b["item_id"], b["material_efficiency"], b["runs"]) for b in blueprints
    }

    mined = served(esi, character, "mining", pages=True)
    stored_mined = CharacterMiningLedgerEntry.objects.filter(character=character)
    assert mined
    assert set(stored_mined.values_list("date", "eve_solar_system_id", "eve_type_id")) == {
        (date.fromisoformat(m["date"]), m["solar_system_id"], m["type_id"]) for m in mined
    }
    assert sum(m.quantity for m in stored_mined) == sum(m["quantity"] for m in mined)
