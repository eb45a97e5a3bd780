"""Fault injection of the ESI emulator: errors, latency, hangs, malformed JSON, 403s, downtime."""

from __future__ import annotations

import json
import time

import pytest

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def emulator():
    with EsiEmulator(characters=3, seed=12) as esi:
        yield esi


@pytest.fixture
def esi(emulator):
    emulator.set_faults()
    emulator.reset_limits()
    emulator.reset_stats()
    yield emulator
    emulator.set_faults()
    emulator.reset_limits()


@pytest.fixture
def http(esi):
    client = RawClient(esi.url)
    yield client
    client.close()


@pytest.fixture
def skills_path(esi):
    character_id = esi.characters()[0]["character_id"]
    return f"/characters/{character_id}/skills", esi.mint_token(character_id)


def test_error_rate_answers_with_the_configured_5xx(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(error_rate=1.0)
    statuses = {http.get(path, token).status for _ in range(40)}
    assert statuses <= {500, 502, 503, 504} and len(statuses) > 1
    response = http.get(path, token)
    assert "error" in response.json()
    assert sum(v for k, v in esi.stats()["faults"].items() if k.startswith("error_")) == 41


def test_route_error_rates_hit_only_that_route(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdSkills": 1.0}, error_statuses=[502])
    assert http.get(path, token).status == 502
    assert http.get(path.replace("skills", "attributes"), token).status == 200


def test_latency_delays_responses(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(latency_ms=150, latency_jitter_ms=50)
    started = time.monotonic()
    assert http.get(path, token).status == 200
    assert time.monotonic() - started >= 0.15


def test_slow_tail_adds_latency_to_a_share_of_responses(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(slow_rate=1.0, slow_ms=200)
    started = time.monotonic()
    http.get(path, token)
    assert time.monotonic() - started >= 0.2


def test_hanging_responses_are_bounded_and_end_with_504(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(hang_rate=1.0, hang_seconds=0.5)
    started = time.monotonic()
    response = http.get(path, token)
    assert response.status == 504
    assert 0.5 <= time.monotonic() - started < 5
    assert esi.set_faults(hang_rate=1.0, hang_seconds=10_000)["hang_seconds"] == 120.0


def test_malformed_json_is_truncated(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(malformed_rate=1.0)
    response = http.get(path, token)
    assert response.status == 200
    with pytest.raises(ValueError):
        json.loads(response.body)


def test_some_structures_answer_403(esi, http):
    character_id = esi.characters()[0]["character_id"]
    token = esi.mint_token(character_id)
    esi.set_faults(forbidden_structures=[1035466617946])
    assert http.get("/universe/structures/1035466617946", token).status == 403
    assert http.get("/universe/structures/1022734985679", token).status == 200
    esi.set_faults(structure_403_rate=1.0)
    assert http.get("/universe/structures/1022734985679", token).status == 403


def test_downtime_answers_503_and_meta_status_is_red(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(downtime=True)
    assert http.get(path, token).status == 503
    assert http.get("/status").status == 503
    status = http.get("/meta/status")
    assert status.status == 200
    assert {r["status"] for r in status.json()["routes"]} == {"Down"}
    assert http.request("DELETE", "/_emulator/faults").status == 200
    assert http.get(path, token).status == 200
    assert {r["status"] for r in http.get("/meta/status").json()["routes"]} == {"OK"}


def test_a_downtime_window_ends(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(downtime_seconds=600)
    assert http.get(path, token).status == 503
    esi.tick(601)
    assert http.get(path, token).status == 200


def test_down_and_degraded_routes_show_in_meta_status(esi, http, skills_path):
    path, token = skills_path
    esi.set_faults(
        down_routes=["GetCharactersCharacterIdSkills"], degraded_routes=["GetCharactersCharacterIdAssets"]
    )
    assert http.get(path, token).status == 503
    routes = {(r["method"], r["path"]): r["status"] for r in http.get("/meta/status").json()["routes"]}
    assert routes[("GET", "/characters/{character_id}/skills")] == "Down"
    assert routes[("GET", "/characters/{character_id}/assets")] == "Degraded"
    assert routes[("GET", "/characters/{character_id}/wallet")] == "OK"


def test_faults_are_set_over_http_and_unknown_options_are_rejected(esi, http, skills_path):
    path, token = skills_path
    response = http.post("/_emulator/faults", body={"error_rate": 1.0, "error_statuses": [503]})
    assert response.status == 200 and response.json()["error_rate"] == 1.0
    assert http.get(path, token).status == 503
    assert http.get("/_emulator/faults").json()["error_statuses"] == [503]
    assert http.post("/_emulator/faults", body={"nonsense": 1}).status == 400
    assert http.request("DELETE", "/_emulator/faults").json()["error_rate"] == 0.0
    assert http.get(path, token).status == 200


def test_the_django_esi_client_sees_injected_errors(esi, tmp_path, db):
    from esi.exceptions import HTTPServerError
    from esi.openapi_clients import ESIClientProvider

    provider = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        spec_file=str(esi.spec_file(tmp_path)),
        operations=["GetUniverseTypesTypeId"],
    )
    esi.set_faults(error_rate=1.0, error_statuses=[500])
    with pytest.raises(HTTPServerError) as caught:
        provider.client.Universe.GetUniverseTypesTypeId(type_id=587).result()
    assert caught.value.status_code == 500


def test_command_line_fault_flags_become_fault_settings():
    from memberaudit.testing.esi_emulator.__main__ import build_parser, faults_from_args

    args = build_parser().parse_args(
        [
            "--error-rate", "0.1",
            "--route-error-rate", "GetCharactersCharacterIdAssets=0.5",
            "--error-statuses", "502,504",
            "--latency-ms", "20",
            "--hang-rate", "0.01",
            "--hang-seconds", "3",
            "--malformed-rate", "0.02",
            "--forbidden-structure", "1035466617946",
            "--downtime-seconds", "60",
            "--down-route", "GetCharactersCharacterIdMail",
        ]
    )  # fmt: skip
    faults = faults_from_args(args)
    assert faults == {
        "error_rate": 0.1,
        "route_error_rates": {"GetCharactersCharacterIdAssets": 0.5},
        "error_statuses": [502, 504],
        "latency_ms": 20.0,
        "hang_rate": 0.01,
        "hang_seconds": 3.0,
        "malformed_rate": 0.02,
        "forbidden_structures": [1035466617946],
        "downtime_seconds": 60.0,
        "down_routes": ["GetCharactersCharacterIdMail"],
    }
    with EsiEmulator(characters=1, seed=1) as esi:
        assert esi.set_faults(**faults)["error_statuses"] == [502, 504]


def test_meta_status_has_an_etag_that_changes_with_route_status(esi, http):
    ok = http.get("/meta/status")
    assert http.get("/meta/status", headers={"If-None-Match": ok.headers["etag"]}).status == 304
    esi.set_faults(down_routes=["GetCharactersCharacterIdSkills"])
    assert http.get("/meta/status", headers={"If-None-Match": ok.headers["etag"]}).status == 200
