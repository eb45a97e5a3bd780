"""Location, ship, skills and skill queue are not asked while their character stays logged out.

A logged-out character cannot move or change ships, and ESI updates skills and queue only while
it is logged in (the emulator does the same, ``test_esi_emulator_tick``). The online status runs
first in a task; while it shows the character offline with ESI's login count unchanged since
these sections were last asked, they are proved unchanged without a request, and their check is
recorded at the time of the online check that proved it. A login, an online character, a
failure, a forced update or the end of the proof's ceiling makes them ask ESI again.
"""

from __future__ import annotations

import datetime as dt

import pytest

from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from memberaudit import tasks
from memberaudit.core.staleness import unchanged_while_offline
from memberaudit.models import Character, CharacterLocation, CharacterOnlineStatus, SectionStatus
from memberaudit.sections import heartbeats, in_game, registry
from memberaudit.testing import registration
from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.world import _location, _skills_body

ROUTES = {
    "location": "GetCharactersCharacterIdLocation",
    "ship": "GetCharactersCharacterIdShip",
    "skills": "GetCharactersCharacterIdSkills",
    "skill_queue": "GetCharactersCharacterIdSkillqueue",
}
IN_GAME = set(ROUTES)  # the sections that change only while their character is logged in
PRESENCE = ["online_status", *ROUTES]


@pytest.fixture
def own_esi(private_esi):
    """A private emulator: the tests log characters in and out."""
    return private_esi(characters=2, seed=31)


def _set_online(esi: EsiEmulator, character_id: int, online: bool, logins: int) -> None:
    data = esi.core.world.character(character_id)
    now = esi.now()
    data.set(
        "online",
        {
            "online": online,
            "last_login": now - dt.timedelta(hours=2),
            "last_logout": now - dt.timedelta(hours=1) if not online else now - dt.timedelta(hours=3),
            "logins": logins,
        },
        now,
    )


def _move(esi: EsiEmulator, character_id: int) -> int:
    """Put the character somewhere else (as a session in game would); returns its new system."""
    from memberaudit.testing.esi_emulator import universe as U

    data = esi.core.world.character(character_id)
    here = data.get("location").data["solar_system_id"]
    target = next(x for x in U.LOCATIONS_ALL if U.location_system(x) != here)
    data.set("location", _location(target, True), esi.now())
    return U.location_system(target)


def _update(character: Character, **kwargs) -> None:
    """One task over the presence sections, after ESI's cache timers ran out."""
    cache.delete_pattern("esi_*")
    tasks.update_character(character.pk, sections=PRESENCE, **kwargs)


def _asked(esi: EsiEmulator) -> set[str]:
    routes = esi.stats()["by_route"]
    return {name for name, route in ROUTES.items() if any(route in key for key in routes)}


@pytest.fixture
def offline_character(own_esi):
    info = next(i for i in own_esi.characters() if i["size"] == "small")
    _set_online(own_esi, info["id"], online=False, logins=40)
    scopes = sorted(registry.all_scopes())
    character = registration.register_character(info, own_esi.mint_token(info["id"], scopes), scopes)
    _update(character)  # first update: everything asked, what the online status said is kept
    assert _asked(own_esi) == IN_GAME
    return Character.objects.get(pk=character.pk)


@pytest.mark.emulator
def test_an_offline_character_is_not_asked_for_what_changes_in_game_and_the_check_is_the_online_one(
    own_esi, offline_character
):
    own_esi.reset_stats()
    _update(offline_character)
    assert _asked(own_esi) == set(), own_esi.stats()["by_route"]
    assert own_esi.stats()["requests"] == 1  # the online status alone
    beats = heartbeats.last_checks([offline_character.pk], PRESENCE)
    online_checked = beats[(offline_character.pk, "online_status")][0]
    assert {name: beats[(offline_character.pk, name)][0] for name in ROUTES} == dict.fromkeys(
        ROUTES, online_checked
    )
    statuses = SectionStatus.objects.filter(character=offline_character, section__in=ROUTES)
    assert [s.error_message for s in statuses] == [""] * len(ROUTES)

    own_esi.reset_stats()  # "update now" before the online status may change: nothing asked
    tasks.update_character(offline_character.pk, sections=PRESENCE)
    assert own_esi.stats()["requests"] == 0


@pytest.mark.emulator
def test_a_login_since_the_last_question_makes_them_ask_and_see_the_move(own_esi, offline_character):
    character_id = offline_character.eve_character.character_id
    system = _move(own_esi, character_id)  # logged in, flew, logged out again
    _set_online(own_esi, character_id, online=False, logins=41)
    own_esi.reset_stats()
    _update(offline_character)
    assert _asked(own_esi) == IN_GAME
    assert CharacterLocation.objects.get(character=offline_character).eve_solar_system_id == system


@pytest.mark.emulator
def test_an_online_character_is_asked(own_esi, offline_character):
    _set_online(own_esi, offline_character.eve_character.character_id, online=True, logins=41)
    own_esi.reset_stats()
    _update(offline_character)
    assert _asked(own_esi) == IN_GAME
    own_esi.reset_stats()
    _update(offline_character)  # still online
    assert _asked(own_esi) == IN_GAME


@pytest.mark.emulator
def test_a_forced_update_asks_and_the_proof_ends_with_its_ceiling(own_esi, offline_character):
    own_esi.reset_stats()
    _update(offline_character, force=True)
    assert _asked(own_esi) == IN_GAME

    cache.delete(in_game.fetched_key(offline_character.pk, "location"))  # the ceiling ran out
    own_esi.reset_stats()
    _update(offline_character)
    assert _asked(own_esi) == {"location"}


def _online_row_reads(queries: CaptureQueriesContext) -> int:
    table = CharacterOnlineStatus._meta.db_table
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and table in q["sql"])


@pytest.mark.emulator
def test_location_and_ship_read_the_online_status_once_per_task(own_esi, offline_character):
    with CaptureQueriesContext(connection) as queries:
        _update(offline_character)
    assert _online_row_reads(queries) == 1


@pytest.mark.emulator
@override_settings(MEMBERAUDIT_UPDATE_BACKOFF_MAX=1)
def test_without_the_back_off_every_check_asks(own_esi, offline_character):
    assert in_game.proof_ceiling_seconds("location") == 0
    own_esi.reset_stats()
    with CaptureQueriesContext(connection) as queries:
        _update(offline_character)
    assert _asked(own_esi) == IN_GAME
    assert _online_row_reads(queries) == 0  # nothing to prove: the online status is not read


def test_the_online_status_runs_before_the_sections_that_read_it():
    order = tasks.run_order(["ship", "skill_queue", "location", "online_status"])
    assert order.index("online_status") < order.index("location")
    assert order.index("online_status") < order.index("ship")


@pytest.mark.parametrize(
    "fetched, online, logins, online_checked, last_checked, proved",
    [
        ({"at": 100.0, "online": False, "logins": 5}, False, 5, 200.0, 150.0, True),
        ({"at": 100.0, "online": False, "logins": 5}, False, 5, 200.0, None, True),
        ({"at": 100.0, "online": False, "logins": 5}, False, 6, 200.0, 150.0, False),  # a login since
        ({"at": 100.0, "online": True, "logins": 5}, False, 5, 200.0, 150.0, False),  # online when asked
        ({"at": 100.0, "online": False, "logins": 5}, True, 5, 200.0, 150.0, False),  # online now
        ({"at": 100.0, "online": False, "logins": 5}, False, 5, 90.0, 80.0, False),  # older than the question
        ({"at": 100.0, "online": False, "logins": 5}, False, 5, 200.0, 200.0, False),  # nothing new
        ({"at": 100.0, "online": False, "logins": None}, False, None, 200.0, 150.0, False),  # unknown
        (None, False, 5, 200.0, 150.0, False),  # never asked (or the ceiling ran out)
    ],
)
def test_unchanged_while_offline(fetched, online, logins, online_checked, last_checked, proved):
    assert unchanged_while_offline(fetched, online, logins, online_checked, last_checked) is proved


@pytest.mark.emulator
def test_an_answer_that_was_never_stored_proves_nothing(own_esi, offline_character, monkeypatch):
    """A worker killed between ESI's answer and the store (simulated by a store that never
    returns) must not leave a proof behind: the next run asks ESI again and stores the answer."""
    from memberaudit.models import CharacterSkill
    from memberaudit.sections.skills import SkillsSection

    character_id = offline_character.eve_character.character_id
    data = own_esi.core.world.character(character_id)
    skill = next(iter(data.skills.values()))
    skill["trained_skill_level"] = skill["active_skill_level"] = 5  # as a login would have shown
    data.set("skills", _skills_body(data), own_esi.now())
    _set_online(own_esi, character_id, online=False, logins=41)  # logged in, trained, logged out

    class Killed(BaseException):
        pass

    def killed(self, ctx, payload):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(SkillsSection, "store_passes", killed)
        with pytest.raises(Killed):
            _update(offline_character)
    own_esi.reset_stats()
    _update(offline_character)
    assert "skills" in _asked(own_esi)
    stored = CharacterSkill.objects.get(character=offline_character, eve_type_id=skill["skill_id"])
    assert stored.trained_skill_level == 5
