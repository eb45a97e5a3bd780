"""The emulator's colony layouts (``GET /characters/{id}/planets/{planet_id}/``): valid for the
spec through the unmodified django-esi client, consistent with the planet list and the
universe, deterministic per seed, and moved by ticks with ETags like every other route."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from allianceauth.eveonline.models import EveCharacter
from esi.models import Scope, Token
from esi.openapi_clients import ESIClientProvider

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = pytest.mark.emulator

START = "2026-06-01T12:00:00Z"
LIST_OPERATION = "GetCharactersCharacterIdPlanets"
LAYOUT_OPERATION = "GetCharactersCharacterIdPlanetsPlanetId"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _colonies(esi: EsiEmulator, http: RawClient) -> dict[tuple[int, int], tuple[dict, dict]]:
    """(character id, planet id) -> (the planet as listed, its layout), for every character."""
    found = {}
    for info in esi.characters():
        character_id = info["character_id"]
        token = esi.mint_token(character_id)
        for planet in http.get(f"/characters/{character_id}/planets", token).json():
            layout = http.get(f"/characters/{character_id}/planets/{planet['planet_id']}", token)
            assert layout.status == 200
            found[(character_id, planet["planet_id"])] = (planet, layout.json())
    return found


@pytest.fixture(scope="module")
def world():
    """A private emulator at a fixed start (module scope: no other test ticks it)."""
    with EsiEmulator(characters=8, seed=11, start=START) as esi:
        http = RawClient(esi.url)
        yield esi, http, _colonies(esi, http)


@pytest.mark.django_db
def test_every_colony_parses_with_the_django_esi_client(world, tmp_path):
    esi, _http, colonies = world
    provider = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        spec_file=str(esi.spec_file(tmp_path)),
        operations=[LIST_OPERATION, LAYOUT_OPERATION],
    )
    parsed = 0
    for character_id in {character_id for character_id, _planet_id in colonies}:
        EveCharacter.objects.create(
            character_id=character_id,
            character_name=f"Pilot {character_id}",
            corporation_id=98000001,
            corporation_name="Corp",
            corporation_ticker="CORP",
        )
        token = Token.objects.create(
            character_id=character_id,
            character_name=f"Pilot {character_id}",
            access_token=esi.mint_token(character_id),
            refresh_token="emulated",
            token_type="character",
            character_owner_hash=f"hash-{character_id}",
        )
        scope = Scope.objects.get_or_create(
            name="esi-planets.manage_planets.v1", defaults={"help_text": "-"}
        )[0]
        token.scopes.add(scope)
        for (owner, planet_id), (_planet, layout) in colonies.items():
            if owner != character_id:
                continue
            # a fresh operation per call: django-esi's operation object keeps the last token
            operation = provider.client.Planetary_Interaction.GetCharactersCharacterIdPlanetsPlanetId
            result = operation(character_id=character_id, planet_id=planet_id, token=token).result()
            assert len(result.pins) == len(layout["pins"])
            assert [pin.pin_id for pin in result.pins] == [pin["pin_id"] for pin in layout["pins"]]
            parsed += 1
    assert parsed == len(colonies) >= 5


def test_layouts_agree_with_the_planet_list_and_with_themselves(world):
    _esi, _http, colonies = world
    pin_ids = []
    for planet, layout in colonies.values():
        pins = {pin["pin_id"]: pin for pin in layout["pins"]}
        pin_ids.extend(pins)
        assert len(pins) == planet["num_pins"]
        assert sum(pin.get("type_id") == 2254 for pin in layout["pins"]) == 1  # one command center
        for link in layout["links"]:
            assert {link["source_pin_id"], link["destination_pin_id"]} <= set(pins)
        for route in layout["routes"]:
            assert {route["source_pin_id"], route["destination_pin_id"], *route.get("waypoints", [])} <= set(
                pins
            )
        seen = _when(planet["last_update"])
        for pin in layout["pins"]:
            assert _when(pin["install_time"]) <= seen
            details = pin.get("extractor_details")
            if details is None:
                continue
            expiry, cycle_start = _when(pin["expiry_time"]), _when(pin["last_cycle_start"])
            cycle = timedelta(seconds=details["cycle_time"])
            # the game calculated the colony when the pilot last looked: the current cycle had
            # started by then, and a program is a whole number of cycles of at most two weeks
            assert cycle_start <= seen and cycle_start + cycle <= expiry
            assert (expiry - cycle_start) % cycle == timedelta(0)
            assert expiry - _when(pin["install_time"]) > timedelta(0)
            assert 1 <= len(details["heads"]) <= 10
    assert len(pin_ids) == len(set(pin_ids)), "pin ids are item ids: unique in the world"


def test_extractors_run_out_in_the_past_within_a_day_and_later(world):
    esi, _http, colonies = world
    start = _when(START)
    expiries = [
        _when(pin["expiry_time"])
        for _planet, layout in colonies.values()
        for pin in layout["pins"]
        if "extractor_details" in pin
    ]
    assert any(moment <= start for moment in expiries)
    assert any(start < moment < start + timedelta(hours=24) for moment in expiries)
    assert any(moment >= start + timedelta(hours=24) for moment in expiries)
    assert any(
        not any("extractor_details" in pin for pin in layout["pins"]) for _p, layout in colonies.values()
    )


def test_types_and_schematics_of_the_layouts_are_known_to_the_universe(world):
    _esi, http, colonies = world
    types, schematics = set(), set()
    for _planet, layout in colonies.values():
        for pin in layout["pins"]:
            types.add(pin["type_id"])
            types.update(content["type_id"] for content in pin.get("contents", []))
            if "extractor_details" in pin:
                types.add(pin["extractor_details"]["product_type_id"])
            if "schematic_id" in pin:
                schematics.add(pin["schematic_id"])
        types.update(route["content_type_id"] for route in layout["routes"])
    for type_id in types:
        assert http.get(f"/universe/types/{type_id}").status == 200, type_id
    for schematic_id in schematics:
        assert http.get(f"/universe/schematics/{schematic_id}").status == 200, schematic_id


def test_the_same_seed_serves_the_same_layouts(world):
    _esi, _http, colonies = world
    with EsiEmulator(characters=8, seed=11, start=START) as again:
        assert _colonies(again, RawClient(again.url)) == colonies
    with EsiEmulator(characters=8, seed=12, start=START) as other:
        assert _colonies(other, RawClient(other.url)) != colonies


def test_a_colony_of_someone_else_or_nobody_is_not_found(world):
    esi, http, colonies = world
    (owner, planet_id), _ = next(iter(colonies.items()))
    token = esi.mint_token(owner)
    assert http.get(f"/characters/{owner}/planets/40009999", token).status == 404
    others = [c["character_id"] for c in esi.characters() if (c["character_id"], planet_id) not in colonies]
    stranger = others[0]
    assert http.get(f"/characters/{stranger}/planets/{planet_id}", esi.mint_token(stranger)).status == 404


def test_a_tick_moves_only_the_viewed_colony_with_new_etags():
    with EsiEmulator(characters=8, seed=11, start=START) as esi:
        http = RawClient(esi.url)
        listed = {
            c["character_id"]: http.get(
                f"/characters/{c['character_id']}/planets", esi.mint_token(c["character_id"])
            )
            for c in esi.characters()
        }
        character_id, planets = next((cid, r.json()) for cid, r in listed.items() if len(r.json()) >= 2)
        token = esi.mint_token(character_id)
        paths = {p["planet_id"]: f"/characters/{character_id}/planets/{p['planet_id']}" for p in planets}
        first = {planet_id: http.get(path, token) for planet_id, path in paths.items()}
        for planet_id, path in paths.items():  # ETags answer 304 like on every other route
            assert (
                http.get(path, token, headers={"If-None-Match": first[planet_id].headers["etag"]}).status
                == 304
            )

        now = esi.tick(24 * 3600)

        after = {p["planet_id"]: p for p in http.get(f"/characters/{character_id}/planets", token).json()}
        viewed = {p["planet_id"] for p in planets if after[p["planet_id"]]["last_update"] != p["last_update"]}
        assert len(viewed) == 1
        for planet_id, path in paths.items():
            answer = http.get(path, token, headers={"If-None-Match": first[planet_id].headers["etag"]})
            assert answer.status == (200 if planet_id in viewed else 304), planet_id
        (planet_id,) = viewed
        visit = _when(after[planet_id]["last_update"])
        assert _when(first[planet_id].json()["pins"][0]["install_time"]) < visit <= now
        for pin in http.get(paths[planet_id], token).json()["pins"]:
            if "extractor_details" in pin:
                # a program that had ended was restarted at the visit; the others kept running
                assert _when(pin["expiry_time"]) > visit
                assert _when(pin["last_cycle_start"]) <= visit
