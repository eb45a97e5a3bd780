"""One task per character: its due sections share one load of the character, its status rows,
its tokens and its locks, and still keep their errors to themselves.

Through the real engine and Celery task path (eager) against the ESI emulator over HTTP.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from esi.models import Token

from memberaudit import tasks
from memberaudit.esi import budget, gateway
from memberaudit.esi.tokens import CharacterTokens, KnownScopesToken
from memberaudit.models import SectionStatus
from memberaudit.sections import engine, locks, registry

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]


def _timers_run_out() -> None:
    """As everywhere in the suite: django-esi's cached answers (and the windows) are dropped."""
    cache.delete_pattern("esi_*")


def _tables(queries) -> Counter:
    """How many queries read or wrote each table (by the first table they name)."""
    found = Counter()
    for query in queries:
        # SQLite quotes names with double quotes, MariaDB with backticks
        match = re.search(r'(?:FROM|INTO|UPDATE)\s+["`]?(\w+)["`]?', query["sql"])
        found[match.group(1) if match else "?"] += 1
    return found


@pytest.fixture
def updated_character(register_character):
    character = register_character(size="small")
    tasks.update_character(character.pk)
    return character


def test_django_esi_scope_check_is_answered_without_a_query(esi, updated_character):
    """django-esi reads the token's scopes from the database before every request; the
    adapter hands it a token whose scopes are known (issue 14: one query per ESI call saved)."""
    token = Token.objects.get(character_id=updated_character.character_id)
    character_id = updated_character.character_id

    def scope_queries(token_for_esi) -> int:
        _timers_run_out()
        with CaptureQueriesContext(connection) as ctx:
            gateway.fetch("GetCharactersCharacterIdSkills", token=token_for_esi, character_id=character_id)
        return sum("esi_scope" in query["sql"] for query in ctx.captured_queries)

    assert scope_queries(token) == 1, "django-esi's own check: one query per call"
    known = CharacterTokens.load(updated_character).for_esi(token)
    assert isinstance(known, KnownScopesToken)
    assert scope_queries(known) == 0


def test_a_token_without_the_scope_still_fails_django_esi_check(esi, updated_character):
    token = Token.objects.get(character_id=updated_character.character_id)
    _timers_run_out()
    with pytest.raises(gateway.TokenError, match="Missing Scopes"):
        gateway.fetch(
            "GetCharactersCharacterIdSkills",
            token=KnownScopesToken(token, {"esi-wallet.read_character_wallet.v1"}),
            character_id=updated_character.character_id,
        )


def test_tokens_are_picked_like_find_token_does(esi, updated_character):
    """The newest token with all the scopes a section needs, as the single lookup picks it."""
    older = Token.objects.get(character_id=updated_character.character_id)
    newer = Token.objects.get(pk=older.pk)
    newer.pk = None
    newer.save()
    newer.scopes.set(older.scopes.filter(name="esi-skills.read_skills.v1"))
    Token.objects.filter(pk=older.pk).update(created=timezone.now() - timedelta(days=1))
    tokens = CharacterTokens.load(updated_character)
    for section in registry.all_sections():
        if section.scopes:
            expected = engine.find_token(updated_character, section.scopes)
            assert tokens.for_scopes(section.scopes).pk == expected.pk, section.name
    assert tokens.for_scopes(("esi-skills.read_skills.v1",)).pk == newer.pk


def test_a_character_task_reads_its_character_statuses_and_tokens_once(esi, updated_character):
    _timers_run_out()
    esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        tasks.update_character(updated_character.pk)
    assert esi.stats()["requests"] > len(registry.names()) / 2, "the sections did ask ESI"
    tables = _tables(ctx.captured_queries)
    assert tables["memberaudit_character"] == 1
    assert tables["memberaudit_sectionstatus"] == 1
    assert tables["esi_token"] == 1
    assert tables["esi_scope"] == 1, "the tokens' scopes, prefetched once; none per ESI call"


def test_an_error_of_one_section_stays_in_that_section(esi, updated_character):
    _timers_run_out()
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdSkills": 1.0})
    result = tasks.update_sections.delay(
        updated_character.pk, ["attributes", "skills", "wallet_balance"]
    ).get()
    outcomes = {row["section"]: row["outcome"] for row in result["sections"]}
    assert outcomes == {"attributes": "unchanged", "skills": "error", "wallet_balance": "unchanged"}
    statuses = {s.section: s for s in SectionStatus.objects.filter(character=updated_character)}
    assert statuses["skills"].error_message
    assert statuses["attributes"].error_message == "" and statuses["wallet_balance"].error_message == ""
    assert all(
        locks.acquire(engine.lock_key_for(updated_character.pk, name), 1) is not None
        for name in ("attributes", "skills", "wallet_balance")
    ), "every section lock was released"


def test_a_pause_of_one_rate_limit_group_holds_only_its_sections(esi, updated_character):
    _timers_run_out()
    group = engine_group("GetCharactersCharacterIdWallet")
    budget._pause(
        budget._GROUP_PAUSE_KEY.format(group=group, owner=updated_character.character_id), 60, "test"
    )
    batch = engine.update_sections(updated_character, ["wallet_balance", "skills", "wallet_journal"])
    assert batch.paused is not None
    assert batch.pending == ["wallet_balance", "wallet_journal"]
    assert [(r.section, r.outcome) for r in batch.results] == [("skills", "unchanged")]
    assert locks.acquire(engine.lock_key_for(updated_character.pk, "wallet_journal"), 1) is not None


def test_a_pause_for_everyone_leaves_every_section_after_it_waiting(esi, updated_character):
    _timers_run_out()
    budget.observe({"X-ESI-Error-Limit-Remain": "3", "X-ESI-Error-Limit-Reset": "60"})
    batch = engine.update_sections(updated_character, ["skill_sets", "skills", "wallet_balance"])
    assert batch.pending == ["skills", "wallet_balance"]
    assert [(r.section, r.outcome) for r in batch.results] == [("skill_sets", "unchanged")]


def test_sections_inside_their_window_take_no_lock_and_no_query(esi, updated_character):
    held = locks.acquire(engine.lock_key_for(updated_character.pk, "standings"), 60)
    with CaptureQueriesContext(connection) as ctx:
        batch = engine.update_sections(updated_character, ["standings", "skills"])
    assert [r.outcome for r in batch.results] == ["unchanged", "unchanged"]
    assert all("after" in r.message for r in batch.results)
    assert ctx.captured_queries == []
    assert held.owned()


def test_a_section_whose_lock_is_held_elsewhere_is_skipped_and_the_others_run(esi, updated_character):
    _timers_run_out()
    held = locks.acquire(engine.lock_key_for(updated_character.pk, "skills"), 60)
    batch = engine.update_sections(updated_character, ["attributes", "skills"])
    outcomes = {r.section: (r.outcome, r.message) for r in batch.results}
    assert outcomes["skills"] == ("skipped", "an update is already running")
    assert outcomes["attributes"][0] == "unchanged"
    assert held.owned(), "left to its owner"


def test_a_revoked_token_costs_one_sso_call_for_the_whole_task(esi, updated_character):
    scoped = [s.name for s in registry.all_sections() if s.scopes]
    esi.revoke(updated_character.character_id)
    Token.objects.filter(character_id=updated_character.character_id).update(
        created=timezone.now() - timedelta(minutes=21)
    )
    _timers_run_out()
    esi.reset_stats()
    result = tasks.update_sections.delay(updated_character.pk, scoped).get()
    assert {row["outcome"] for row in result["sections"]} == {"token_error"}
    refreshes = sum(
        row["count"] for row in esi.stats()["sso"].get("requests", []) if row["endpoint"] == "token"
    )
    assert refreshes == 1
    assert SectionStatus.objects.filter(character=updated_character, is_token_error=True).count() == len(
        scoped
    )


def engine_group(operation_id: str) -> str:
    from memberaudit.esi import client

    return client.operation_info(operation_id)["x-rate-limit"]["group"]


def test_an_unexpected_failure_in_one_section_does_not_stop_the_others(esi, updated_character, monkeypatch):
    """Even a failure outside the section's own error handling (here the cache refusing the
    heartbeat of skills, as a Redis hiccup would) ends only that section; its lock is freed."""
    real_record_check = engine.record_check

    def record_check(character_pk, section, *args, **kwargs):
        if section == "skills":
            raise ConnectionError("the cache went away")
        return real_record_check(character_pk, section, *args, **kwargs)

    monkeypatch.setattr(engine, "record_check", record_check)
    _timers_run_out()
    batch = engine.update_sections(updated_character, ["attributes", "skills", "wallet_balance"])
    outcomes = {r.section: r.outcome for r in batch.results}
    assert outcomes == {"attributes": "unchanged", "skills": "error", "wallet_balance": "unchanged"}
    assert locks.acquire(engine.lock_key_for(updated_character.pk, "skills"), 1) is not None
