"""memberaudit_update_characters: queue updates of chosen characters/sections now."""

from __future__ import annotations

import io

import pytest
from helpers import create_member, register_main
from management_helpers import run_cli

from django.core.management import call_command

from memberaudit import tasks
from memberaudit.models import SectionStatus
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Record the (character, section) updates queued (without running them).

    One update_sections message per character carries its sections: one entry per section.
    """
    calls = []

    def _record(args=None, kwargs=None, priority=None, **options):
        character_pk, sections = args
        for name in sections:
            calls.append({"args": (character_pk, name), "kwargs": kwargs or {}, "priority": priority})

    monkeypatch.setattr(tasks.update_sections, "apply_async", _record)
    return calls


@pytest.fixture
def members():
    active = register_main(create_member("active_pilot"))
    disabled = register_main(create_member("disabled_pilot"))
    disabled.is_disabled = True
    disabled.save()
    return active, disabled


def test_all_sections_of_all_updatable_characters(members, queued):
    active, _disabled = members
    out = io.StringIO()
    call_command("memberaudit_update_characters", stdout=out)
    assert {call["args"] for call in queued} == {(active.pk, name) for name in registry.names()}
    assert {call["priority"] for call in queued} == {tasks.PRIORITY_PERIODIC}
    assert "Characters queued: 1/1 (100%" in out.getvalue()


def test_sections_rings_force_and_priority(members, queued):
    active, _ = members
    call_command(
        "memberaudit_update_characters",
        character=[active.character_id],
        section=["skills"],
        ring=[1],
        force=True,
        priority="3",
        stdout=io.StringIO(),
    )
    ring_1 = {s.name for s in registry.all_sections() if s.ring == 1}
    assert {call["args"][1] for call in queued} == ring_1 | {"skills"}
    assert all(call["kwargs"] == {"force": True} and call["priority"] == 3 for call in queued)


def test_a_disabled_character_named_explicitly_is_skipped_with_a_warning(members, queued):
    _, disabled = members
    err = io.StringIO()
    call_command(
        "memberaudit_update_characters", character=[disabled.character_id], stdout=io.StringIO(), stderr=err
    )
    assert queued == []
    assert "Skipping disabled_pilot" in err.getvalue()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--section", "passwords"], "Unknown section(s): passwords"),
        (["--ring", "4"], "Unknown ring(s): 4. Rings are 1, 2 and 3."),
        (["--character", "31337"], "No registered character with the EVE character id(s): 31337"),
        (["--priority", "12"], "--priority must be a whole number from 0 (highest) to 9 (lowest)."),
        (["--priority", "high"], "--priority must be a whole number"),
    ],
)
def test_bad_arguments_fail_clearly_and_queue_nothing(members, queued, capsys, argv, message):
    assert run_cli("memberaudit_update_characters", *argv) != 0
    assert message in capsys.readouterr().err
    assert queued == []


@pytest.mark.emulator
def test_the_queued_updates_really_update_the_sections(register_character):
    character = register_character(size="small")
    call_command(
        "memberaudit_update_characters",
        character=[character.character_id],
        section=["skills", "skill_queue"],
        stdout=io.StringIO(),
    )
    statuses = {s.section: s for s in SectionStatus.objects.filter(character=character)}
    assert statuses["skills"].is_ok and statuses["skill_queue"].is_ok
    triggered = {t for name in ("skills", "skill_queue") for t in registry.get(name).triggers}
    assert set(statuses) == {"skills", "skill_queue"} | triggered  # e.g. computed skill sets
