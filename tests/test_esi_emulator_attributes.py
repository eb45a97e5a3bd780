"""The emulator's attributes are EVE's: effective values, the remap plus the implants' bonuses.

Real ESI serves effective attributes, with the bonuses of plugged-in implants already included
(esi-issues #1487). A remap puts 17 in every attribute plus 14 points, at most 10 in one. The
skill queue trains at the speed of the same effective attributes: primary + secondary / 2 SP
per minute.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = pytest.mark.emulator

START = "2026-06-01T12:00:00Z"
NAMES = ("charisma", "intelligence", "memory", "perception", "willpower")
ATTRIBUTE_IDS = dict(zip((164, 165, 166, 167, 168), NAMES, strict=True))
IMPLANT_BONUS_IDS = dict(zip((175, 176, 177, 178, 179), NAMES, strict=True))


@pytest.fixture(scope="module")
def emulator():
    with EsiEmulator(characters=12, seed=7, start=START) as esi:
        yield esi


def _dogma(http: RawClient, type_id: int) -> dict[int, float]:
    body = http.get(f"/universe/types/{type_id}").json()
    return {a["attribute_id"]: a["value"] for a in body.get("dogma_attributes", [])}


def _served(emulator: EsiEmulator, character_id: int, route: str):
    http = RawClient(emulator.url)
    response = http.get(f"/characters/{character_id}/{route}", emulator.mint_token(character_id))
    assert response.status == 200
    return response.json()


def _date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_served_attributes_are_the_remap_plus_the_active_implants(emulator):
    http = RawClient(emulator.url)
    implanted = 0
    for info in emulator.characters():
        character_id = info["character_id"]
        served = _served(emulator, character_id, "attributes")
        implants = _served(emulator, character_id, "implants")
        bonuses = dict.fromkeys(NAMES, 0)
        for type_id in implants:
            for attribute_id, value in _dogma(http, type_id).items():
                if attribute_id in IMPLANT_BONUS_IDS:
                    bonuses[IMPLANT_BONUS_IDS[attribute_id]] += int(value)
        base = {name: served[name] - bonuses[name] for name in NAMES}
        assert all(17 <= value <= 27 for value in base.values()), (character_id, base)
        assert sum(base.values()) == 5 * 17 + 14, (character_id, base)
        # the generator's own remap, before implants
        assert base == emulator.core.world.character(character_id).attrs
        implanted += any(bonuses.values())
    assert implanted, "some characters have implants with attribute bonuses"


def test_the_skill_queue_trains_at_the_speed_of_the_served_attributes(emulator):
    http = RawClient(emulator.url)
    checked = 0
    for info in emulator.characters():
        character_id = info["character_id"]
        attributes = _served(emulator, character_id, "attributes")
        queue = sorted(_served(emulator, character_id, "skillqueue"), key=lambda q: q["queue_position"])
        if not queue or "finish_date" not in queue[0]:
            continue  # an empty or paused queue has no dates
        assert _date(queue[0]["start_date"]) <= emulator.now() < _date(queue[0]["finish_date"])
        skills = {s["skill_id"]: s for s in _served(emulator, character_id, "skills")["skills"]}
        assert skills[queue[0]["skill_id"]]["skillpoints_in_skill"] == queue[0]["training_start_sp"]
        for item in queue:
            dogma = _dogma(http, item["skill_id"])
            primary = attributes[ATTRIBUTE_IDS[int(dogma[180])]]
            secondary = attributes[ATTRIBUTE_IDS[int(dogma[181])]]
            minutes = (item["level_end_sp"] - item["training_start_sp"]) / (primary + secondary / 2)
            took = (_date(item["finish_date"]) - _date(item["start_date"])).total_seconds()
            # dates are served in whole seconds
            assert took == pytest.approx(minutes * 60, abs=1.0), (character_id, item)
            checked += 1
    assert checked
