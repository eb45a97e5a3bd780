"""memberaudit_reset_characters: deletes section data and statuses, keeps characters, reloads."""

from __future__ import annotations

import io

import pytest
from export_rows import create_rows
from helpers import create_member, register_main
from management_helpers import run_cli

from django.core.management import CommandError, call_command

from memberaudit.models import (
    Character,
    CharacterSkill,
    CharacterWalletJournalEntry,
    SectionStatus,
)
from memberaudit.models.contracts import CharacterContract, CharacterContractItem
from memberaudit.sections import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def characters():
    first = register_main(create_member("resettable_one"))
    second = register_main(create_member("resettable_two"))
    for character in (first, second):
        create_rows(character, journal=4)
        for section in ("skills", "wallet_journal", "contracts"):
            SectionStatus.objects.create(character=character, section=section, content_hash="x")
            engine.record_check(character.pk, section, None)
    return first, second


def _totals() -> tuple[int, ...]:
    return (
        Character.objects.count(),
        CharacterSkill.objects.count(),
        CharacterWalletJournalEntry.objects.count(),
        CharacterContract.objects.count(),
        CharacterContractItem.objects.count(),
        SectionStatus.objects.count(),
    )


def test_dry_run_shows_counts_and_deletes_nothing(characters):
    before = _totals()
    out = io.StringIO()
    call_command("memberaudit_reset_characters", dry_run=True, stdout=out)
    assert _totals() == before
    text = out.getvalue()
    assert "wallet_journal / memberaudit.CharacterWalletJournalEntry: 8" in text
    assert "memberaudit.SectionStatus: 6" in text
    assert "Dry run: nothing was deleted." in text


def test_reset_deletes_data_and_statuses_but_keeps_the_characters(characters):
    out = io.StringIO()
    call_command("memberaudit_reset_characters", noinput=True, no_update=True, stdout=out)
    assert _totals() == (2, 0, 0, 0, 0, 0)
    assert engine.last_checks([c.pk for c in characters], ["skills"]) == {}  # due again at once
    assert "Characters reset: 2/2 (100%" in out.getvalue()


def test_reset_of_one_section_of_one_character(characters):
    first, second = characters
    call_command(
        "memberaudit_reset_characters",
        character=[first.character_id],
        section=["wallet_journal"],
        noinput=True,
        no_update=True,
        stdout=io.StringIO(),
    )
    assert not CharacterWalletJournalEntry.objects.filter(character=first).exists()
    assert CharacterWalletJournalEntry.objects.filter(character=second).count() == 4
    assert CharacterSkill.objects.filter(character=first).exists()
    assert set(SectionStatus.objects.filter(character=first).values_list("section", flat=True)) == {
        "skills",
        "contracts",
    }


def test_answering_no_deletes_nothing(characters, monkeypatch):
    before = _totals()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Aborted: nothing was deleted"):
        call_command("memberaudit_reset_characters", stdout=io.StringIO())
    assert _totals() == before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--section", "passwords"], "Unknown section(s): passwords. Known sections:"),
        (["--character", "4242"], "No registered character with the EVE character id(s): 4242"),
        (["--character", "x"], "invalid int value: 'x'"),
    ],
)
def test_bad_arguments_fail_clearly_and_delete_nothing(characters, capsys, argv, message):
    before = _totals()
    assert run_cli("memberaudit_reset_characters", "--noinput", *argv) != 0
    assert message in capsys.readouterr().err
    assert _totals() == before


@pytest.mark.emulator
def test_reset_characters_reload_their_data_despite_cached_etags(register_character):
    character = register_character(size="small")
    for name in ("skills", "wallet_journal"):
        assert engine.update_section(character, name).outcome == "changed"
    skills = CharacterSkill.objects.filter(character=character).count()
    assert skills > 0
    out = io.StringIO()
    call_command(
        "memberaudit_reset_characters",
        character=[character.character_id],
        section=["skills", "wallet_journal"],
        noinput=True,
        stdout=out,
    )
    # the queued forced update (eager here) ignored the ETags and stored everything again
    assert CharacterSkill.objects.filter(character=character).count() == skills
    assert SectionStatus.objects.get(character=character, section="skills").last_success_at
    assert "Queued 2 forced section updates." in out.getvalue()


# --- the reset and running updates: section locks, as the engine takes them ------------------


def test_a_character_with_a_running_update_is_left_as_it_was(characters):
    from memberaudit.sections import locks

    first, second = characters
    running = locks.acquire(engine.lock_key_for(first.pk, "wallet_journal"), 60)  # an update at work
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "memberaudit_reset_characters", noinput=True, no_update=True, wait=0.2, stdout=out, stderr=err
    )
    assert (
        CharacterWalletJournalEntry.objects.filter(character=first).count() == 4
    )  # untouched, every section
    assert CharacterSkill.objects.filter(character=first).exists()
    assert SectionStatus.objects.filter(character=first).count() == 3
    assert not CharacterWalletJournalEntry.objects.filter(character=second).exists()  # the other one is reset
    assert "1 character(s) left as they were" in err.getvalue() and str(first.character_id) in err.getvalue()
    assert locks.release(running)  # the update's lock is still its own
    # once the update is done, the reset goes through
    call_command("memberaudit_reset_characters", noinput=True, no_update=True, wait=0, stdout=io.StringIO())
    assert _totals() == (2, 0, 0, 0, 0, 0)


def test_nothing_reset_is_an_error(characters):
    from memberaudit.sections import locks

    held = [locks.acquire(engine.lock_key_for(c.pk, "skills"), 60) for c in characters]
    with pytest.raises(CommandError, match="Nothing was reset"):
        call_command(
            "memberaudit_reset_characters",
            noinput=True,
            no_update=True,
            wait=0,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert CharacterSkill.objects.count() > 0
    for lock in held:
        locks.release(lock)


def test_the_reset_holds_the_section_locks_while_it_deletes(characters, monkeypatch):
    """An update that starts during the reset finds its sections locked (and skips them)."""
    from memberaudit.sections import locks, registry

    first, _second = characters
    skills = registry.get("skills")
    seen = []
    original = type(skills).reset

    def reset_and_try_the_lock(self, character):
        seen.append(locks.acquire(engine.lock_key_for(character.pk, "wallet_journal"), 60))
        return original(self, character)

    monkeypatch.setattr(type(skills), "reset", reset_and_try_the_lock)
    call_command(
        "memberaudit_reset_characters",
        character=[first.character_id],
        noinput=True,
        no_update=True,
        stdout=io.StringIO(),
    )
    assert seen == [None]  # held by the reset
    lock = locks.acquire(engine.lock_key_for(first.pk, "wallet_journal"), 60)
    assert lock is not None  # and released after it
    locks.release(lock)
