"""memberaudit_load_eve: preloads EVE categories with their groups and types from ESI."""

from __future__ import annotations

import io

import pytest
from management_helpers import run_cli

from django.core.management import CommandError, call_command

from eveuniverse.models import EveCategory, EveGroup, EveType

pytestmark = pytest.mark.django_db


@pytest.mark.emulator
def test_loads_a_category_with_all_its_groups_and_types(esi):
    out = io.StringIO()
    call_command("memberaudit_load_eve", category=[20], noinput=True, stdout=out)
    implants = EveCategory.objects.get(id=20)
    assert implants.name == "Implant"
    assert EveGroup.objects.filter(eve_category=implants).exists()
    assert EveType.objects.filter(eve_group__eve_category=implants).count() > 1
    text = out.getvalue()
    assert "Categories: 1/1 (100%" in text
    assert "EVE data loaded." in text


@pytest.mark.emulator
def test_a_category_known_already_gets_its_children_too(esi):
    EveCategory.objects.create(id=18, name="Drone", published=True)  # as left by a resolved type
    call_command("memberaudit_load_eve", category=[18], noinput=True, stdout=io.StringIO())
    assert EveType.objects.filter(eve_group__eve_category_id=18).exists()


def test_answering_no_loads_nothing(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Aborted"):
        call_command("memberaudit_load_eve", stdout=io.StringIO())
    assert not EveCategory.objects.exists()


@pytest.mark.parametrize(
    "argv, message",
    [(["--category", "999"], "Unknown category id(s): 999"), (["--category", "ships"], "invalid int value")],
)
def test_bad_arguments_fail_clearly_and_load_nothing(capsys, argv, message):
    assert run_cli("memberaudit_load_eve", "--noinput", *argv) != 0
    assert message in capsys.readouterr().err
    assert not EveCategory.objects.exists()
