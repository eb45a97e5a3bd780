"""ESI's cache timers are respected end to end: no request before a section's window ran out.

Through the Celery task path (eager), against the emulator over real HTTP. "The timer ran
out" is simulated as everywhere in the suite: django-esi's cached answers are dropped
(``esi_*``), which drops the sections' windows with them; ETags stay.
"""

from __future__ import annotations

import pytest

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit import tasks
from memberaudit.esi import client as esi_client
from memberaudit.models import CharacterOnlineStatus
from memberaudit.sections import engine, in_game, registry

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

#: queries of one steady-state update of every section of a character (nothing changed,
#: every section answered 304), through the task path: 240 at first, 174 with one task per
#: section, 12 measured with one task per character (character, statuses and tokens read once,
#: django-esi's scope check answered from memory), 13 since location and ship read the online
#: status (once per task); the issue asks for at most 80
STEADY_STATE_QUERIES_PER_CHARACTER = 20


#: a cache timer shorter than this may run out while a test runs (location and ship: 5 s)
SHORT_CACHE_SECONDS = 120


def _timers_run_out() -> None:
    cache.delete_pattern("esi_*")


def _cache_age(operation_id: str) -> int:
    return int(esi_client.operation_info(operation_id).get("x-cache-age") or 3600)


def _long_cached_sections() -> list[str]:
    """Sections every operation of which ESI caches for longer than a test runs."""
    return [
        section.name
        for section in registry.all_sections()
        if section.operations and min(map(_cache_age, section.operations)) > SHORT_CACHE_SECONDS
    ]


@pytest.fixture
def updated_character(register_character):
    character = register_character(size="small")
    tasks.update_character(character.pk)
    return character


def test_update_now_inside_the_cache_window_makes_no_request(esi, updated_character):
    esi.reset_stats()
    tasks.update_character(updated_character.pk, sections=_long_cached_sections())
    assert esi.stats()["requests"] == 0


def test_update_now_asks_only_for_what_esi_caches_for_seconds(esi, updated_character):
    esi.reset_stats()
    tasks.update_character(updated_character.pk)
    asked = set(esi.stats()["by_route"])
    assert all(_cache_age(operation) <= SHORT_CACHE_SECONDS for operation in asked), asked


def test_a_304_keeps_the_window_so_a_second_update_now_asks_nothing(esi, updated_character):
    _timers_run_out()
    esi.reset_stats()
    tasks.update_character(updated_character.pk)
    stats = esi.stats()
    assert stats["requests"] > 0
    assert stats["not_modified"] > 0  # nothing changed since the first update

    esi.reset_stats()
    tasks.update_character(updated_character.pk, sections=_long_cached_sections())
    assert esi.stats()["requests"] == 0


def test_a_section_inside_its_window_says_when_new_data_can_come(esi, updated_character):
    result = engine.update_section(updated_character, "standings")
    assert result.outcome == "unchanged"
    assert result.esi_calls == 0
    assert "after" in result.message


def test_a_forced_update_asks_esi_inside_the_window(esi, updated_character):
    esi.reset_stats()
    result = engine.update_section(updated_character, "standings", force=True)
    assert result.esi_calls == 1
    assert esi.stats()["requests"] == 1


def test_the_section_is_asked_again_once_its_timer_ran_out(esi, updated_character):
    _timers_run_out()
    esi.reset_stats()
    result = engine.update_section(updated_character, "standings")
    assert result.esi_calls == 1
    assert esi.stats()["not_modified"] == 1


def test_a_failed_section_gets_no_window(esi, updated_character):
    _timers_run_out()
    esi.set_faults(error_rate=1.0)
    try:
        result = engine.update_section(updated_character, "standings")
    finally:
        esi.set_faults()
    assert result.outcome == "error"
    assert engine.cached_until(updated_character.pk, "standings") is None


def test_steady_state_queries_per_character_are_bounded(esi, updated_character):
    _timers_run_out()
    esi.reset_stats()
    with CaptureQueriesContext(connection) as queries:
        tasks.update_character(updated_character.pk)
    stats = esi.stats()
    # every section with ESI calls asked, but those proved unchanged while the character is
    # logged out (sections.in_game)
    asking = {section.name for section in registry.all_sections() if section.operations}
    if not CharacterOnlineStatus.objects.get(character=updated_character).online:
        asking -= {s.name for s in registry.all_sections() if isinstance(s, in_game.ChangesOnlyInGame)}
    assert stats["requests"] >= len(asking), (len(asking), stats["by_route"])
    assert set(stats["by_status"]) == {"304"}, stats["by_status"]
    assert len(queries) <= STEADY_STATE_QUERIES_PER_CHARACTER, len(queries)
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


def test_requests_share_one_tls_context(esi, updated_character, monkeypatch):
    """django-esi opens a new HTTP client per request; building its TLS context (reading the CA
    bundle) cost ~70 ms of CPU each time. The client module hands them one shared context."""
    import httpcore2

    built = []
    original = httpcore2.default_ssl_context

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(httpcore2, "default_ssl_context", counting)
    _timers_run_out()
    esi.reset_stats()
    for name in ("wallet_balance", "skills", "location"):
        engine.update_section(updated_character, name)
    assert esi.stats()["requests"] >= 3
    assert built == []  # the shared context was built before, never again per request


def test_every_section_has_a_window_after_an_update(esi, updated_character):
    missing = [
        name for name in _long_cached_sections() if engine.cached_until(updated_character.pk, name) is None
    ]
    assert missing == []
