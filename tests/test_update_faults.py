"""Bad input gets a clear answer and loses nothing: faults injected by the ESI emulator."""

from __future__ import annotations

import pytest

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allianceauth.notifications.models import Notification

from memberaudit.esi import budget
from memberaudit.esi.budget import EsiPaused
from memberaudit.models import CharacterAsset, CharacterSkill, CharacterWalletJournalEntry, SectionStatus
from memberaudit.sections import engine, registry

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]

BASIC = ["skills", "wallet_journal", "wallet_balance", "location", "implants"]


def _expire_responses():
    cache.delete_pattern("esi_*")


def _status(character, section):
    return SectionStatus.objects.get(character=character, section=section)


@pytest.mark.parametrize(
    ("faults", "expected_text"),
    [
        (
            {"route_error_rates": {"GetCharactersCharacterIdWalletJournal": 1.0}, "error_statuses": [500]},
            "500",
        ),
        (
            {"route_error_rates": {"GetCharactersCharacterIdWalletJournal": 1.0}, "error_statuses": [503]},
            "503",
        ),
        ({"malformed_rate": 1.0}, "does not match"),
    ],
)
def test_server_error_or_malformed_payload_keeps_the_previous_data_and_says_why(
    esi, register_character, faults, expected_text
):
    character = register_character(size="medium")
    assert engine.update_section(character, "wallet_journal").outcome == "changed"
    before = set(
        CharacterWalletJournalEntry.objects.filter(character=character).values_list("entry_id", flat=True)
    )
    assert before

    esi.set_faults(**faults)
    _expire_responses()
    result = engine.update_section(character, "wallet_journal", force=True)

    assert result.outcome == "error"
    status = _status(character, "wallet_journal")
    assert expected_text in status.error_message
    assert status.last_success_at is not None
    after = set(
        CharacterWalletJournalEntry.objects.filter(character=character).values_list("entry_id", flat=True)
    )
    assert after == before

    esi.set_faults()
    _expire_responses()
    assert engine.update_section(character, "wallet_journal", force=True).outcome in {"changed", "unchanged"}
    assert _status(character, "wallet_journal").error_message == ""


def test_one_bad_section_does_not_stop_the_others(esi, register_character):
    character = register_character(size="small")
    esi.set_faults(route_error_rates={"GetCharactersCharacterIdSkills": 1.0}, error_statuses=[500])
    results = {name: engine.update_section(character, name) for name in BASIC}
    assert results["skills"].outcome == "error"
    assert {results[n].outcome for n in BASIC if n != "skills"} == {"changed"}


def test_route_reported_down_is_skipped_and_marked(esi, register_character):
    character = register_character(size="small")
    esi.set_faults(down_routes=["GetCharactersCharacterIdSkills"])
    esi.reset_stats()
    result = engine.update_section(character, "skills")
    assert result.outcome == "route_down"
    assert _status(character, "skills").is_route_down
    assert "GetCharactersCharacterIdSkills" not in esi.stats()["by_route"]
    assert engine.update_section(character, "implants").outcome == "changed"


def test_unreadable_meta_status_does_not_block_updates(esi, register_character):
    character = register_character(size="small")
    esi.set_faults(route_error_rates={"GetMetaStatus": 1.0}, error_statuses=[500])
    assert engine.update_section(character, "skills").outcome == "changed"


def test_error_budget_near_threshold_stops_all_esi_calls_until_the_reset(esi, register_character, settings):
    settings.MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD = 25
    character = register_character(size="small")
    esi.set_faults(error_limit=30, error_rate=1.0, error_statuses=[500])
    outcomes = []
    with pytest.raises(EsiPaused):
        for _ in range(20):
            for name in BASIC:
                _expire_responses()
                outcomes.append(engine.update_section(character, name, force=True).outcome)
    errors_sent = sum(int(n) for s, n in esi.stats()["by_status"].items() if s.startswith("5"))
    assert errors_sent <= 6, "we stopped once fewer than 25 errors were left"

    esi.set_faults()
    esi.reset_stats()
    with pytest.raises(EsiPaused):
        engine.update_section(character, "skills")
    assert esi.stats()["by_status"] == {}, "no ESI call while paused"

    # ESI's error window resets (the emulator's reset and ours): the run completes
    esi.reset_limits()
    budget.clear()
    assert {engine.update_section(character, n).outcome for n in BASIC} <= {"changed", "unchanged"}
    assert esi.stats()["error_limited"] == 0


def test_revoked_token_marks_sections_and_notifies_the_owner_once(esi, register_character):
    character = register_character(size="small")
    engine.update_section(character, "skills")
    esi.revoke(character.character_id)
    for _ in range(3):
        for name in BASIC:
            _expire_responses()
            result = engine.update_section(character, name)
            assert result.outcome == "token_error", (name, result.outcome, result.message)
    esi.reset_stats()
    engine.update_section(character, "skills")
    assert esi.stats()["by_status"] == {}, "a broken token is not sent to ESI again"
    assert all(_status(character, n).is_token_error for n in BASIC)
    assert Notification.objects.filter(user=character.user).count() == 1
    assert CharacterSkill.objects.filter(character=character).exists(), "the data stays"


def test_missing_scope_is_a_token_error_for_that_section_only(esi, register_character):
    character = register_character(size="small", scopes=["esi-skills.read_skills.v1"])
    assert engine.update_section(character, "skills").outcome == "changed"
    result = engine.update_section(character, "wallet_balance")
    assert result.outcome == "token_error"
    assert "esi-wallet.read_character_wallet.v1" in _status(character, "wallet_balance").error_message


def test_asset_update_interrupted_between_passes_completes_consistently_next_time(
    esi, register_character, settings, monkeypatch
):
    settings.MEMBERAUDIT_TASKS_MAX_ASSETS_PER_PASS = 50
    character = register_character(size="medium")
    from memberaudit.sections import assets as assets_module

    real = assets_module.replace_rows
    calls = {"n": 0}

    def killed_after_two_passes(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(assets_module, "replace_rows", killed_after_two_passes)
    assert engine.update_section(character, "assets").outcome == "error"
    partial = {
        a["item_id"]: a["parent_item_id"] for a in CharacterAsset.objects.filter(character=character).values()
    }
    assert len(partial) == 100
    assert all(parent is None or parent in partial for parent in partial.values()), "parents are stored first"
    assert "worker killed" in _status(character, "assets").error_message

    monkeypatch.setattr(assets_module, "replace_rows", real)
    _expire_responses()
    result = engine.update_section(character, "assets")
    assert result.outcome == "changed"
    stored = CharacterAsset.objects.filter(character=character)
    assert stored.count() > 100
    assert result.changes.created == stored.count() - 100, "rows of the finished passes are not written again"
    items = set(stored.values_list("item_id", flat=True))
    assert all(p is None or p in items for p in stored.values_list("parent_item_id", flat=True))


def test_ten_percent_server_errors_never_earn_a_420(esi, register_character):
    characters = [register_character(size=size) for size in ("small", "medium", "large")]
    esi.set_faults(error_rate=0.1)
    names = registry.names()
    for character in characters:
        for name in names:
            engine.update_section(character, name)
    stats = esi.stats()
    assert stats["error_limited"] == 0
    assert any(s.startswith("5") for s in stats["by_status"]), "faults were injected"

    esi.set_faults()
    _expire_responses()
    for character in characters:
        for name in names:
            engine.update_section(character, name)
        errors = SectionStatus.objects.filter(character=character).exclude(error_message="")
        assert not errors.exists(), list(errors.values_list("section", "error_message"))


def test_force_update_stores_even_when_nothing_changed(esi, register_character):
    character = register_character(size="small")
    engine.update_section(character, "skills")
    SectionStatus.objects.filter(character=character, section="skills").update(content_hash="stale")
    before = _status(character, "skills")
    _expire_responses()
    with CaptureQueriesContext(connection) as ctx:
        result = engine.update_section(character, "skills", force=True)
    assert result.outcome == "unchanged"
    after = _status(character, "skills")
    assert after.content_hash != "stale", "the status row was written"
    assert after.last_success_at > before.last_success_at
    assert any(q["sql"].lstrip().upper().startswith("UPDATE") for q in ctx.captured_queries)


def test_a_payload_the_section_cannot_read_is_an_error_of_the_section_not_of_the_task(
    esi, register_character, monkeypatch
):
    """A section whose ``related_ids`` fails on a payload: recorded, the data kept, the task ends well."""
    from memberaudit import tasks

    character = register_character(size="small")
    assert engine.update_section(character, "skills").outcome == "changed"
    stored = CharacterSkill.objects.filter(character=character).count()

    def unreadable(self, payload):
        return {"types": {skill["no_such_field"] for skill in payload["skills"]}}

    monkeypatch.setattr(type(registry.get("skills")), "related_ids", unreadable)
    _expire_responses()
    result = tasks.update_section.delay(character.pk, "skills", force=True).get()
    assert result["outcome"] == "error"
    status = _status(character, "skills")
    assert status.error_message.startswith("reading the answer failed, previous data kept: KeyError")
    assert CharacterSkill.objects.filter(character=character).count() == stored
