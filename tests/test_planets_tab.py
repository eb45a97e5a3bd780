"""The planets tab says when each colony's extractors run out, highlighted when they have
stopped or stop within a day: what a recruiter checks of a pilot's planetary industry."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from helpers import create_character, create_member

from django.urls import reverse
from django.utils import timezone

from memberaudit.core import formatting
from memberaudit.models import Character
from memberaudit.models.planets import CharacterPlanet
from memberaudit.views import tabs

pytestmark = pytest.mark.django_db

EXPIRED, SOON, LATER, IDLE, NOT_LOADED = 40_000_001, 40_000_002, 40_000_003, 40_000_004, 40_000_005


@pytest.fixture
def character() -> Character:
    """A character with one colony of each kind the column tells apart."""
    character = create_character("Pia Planeteer")
    now = timezone.now()

    def colony(planet_id: int, extractors: int | None, first=None, last=None) -> None:
        CharacterPlanet.objects.create(
            character=character,
            planet_id=planet_id,
            eve_solar_system_id=30000142,
            planet_type="barren",
            upgrade_level=4,
            num_pins=10,
            last_update=now - timedelta(days=2),
            extractors=extractors,
            extractors_expire_first=first,
            extractors_expire_last=last,
            layout_last_update=None if extractors is None else now - timedelta(days=2),
        )

    colony(EXPIRED, 2, now - timedelta(hours=2), now + timedelta(days=3))
    colony(SOON, 1, now + timedelta(hours=5), now + timedelta(hours=5))
    colony(LATER, 3, now + timedelta(days=2), now + timedelta(days=4))
    colony(IDLE, 0)
    colony(NOT_LOADED, None)
    return character


@pytest.fixture
def auditor(client):
    client.force_login(create_member("Audra Auditor", "basic_access", "characters_access", "view_everything"))
    return client


def _rows(client, character: Character, **params) -> list[dict]:
    query = {"draw": 1, "start": 0, "length": 25, **params}
    response = client.get(reverse("memberaudit:character_table", args=[character.pk, "planets"]), query)
    assert response.status_code == 200
    return response.json()["data"]


def _by_planet(rows: list[dict]) -> dict[int, str]:
    """planet id -> the extractors cell."""
    return {int(re.search(r"\d+", row["planet"]).group()): row["extractors"] for row in rows}


def _text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def test_the_tab_has_an_extractors_column(auditor, character):
    response = auditor.get(reverse("memberaudit:character_tab", args=[character.pk, "planets"]))

    assert response.status_code == 200
    assert "Extractors" in response.content.decode()
    assert "extractors" in [column.key for column in tabs.get_table("planets").columns]


def test_expired_and_expiring_extractors_are_highlighted(auditor, character):
    cells = _by_planet(_rows(auditor, character))

    expired, soon, later = cells[EXPIRED], cells[SOON], cells[LATER]
    assert "text-bg-danger" in expired and "Expired" in _text(expired)
    assert "text-bg-warning" in soon and "Expires within 24 h" in _text(soon)
    assert "text-bg-" not in later
    assert "text-bg-" not in cells[IDLE] + cells[NOT_LOADED]


def test_the_cell_gives_the_first_and_last_expiry_in_eve_time_and_the_count(auditor, character):
    cells = _by_planet(_rows(auditor, character))
    first = CharacterPlanet.objects.get(planet_id=EXPIRED).extractors_expire_first
    last = CharacterPlanet.objects.get(planet_id=EXPIRED).extractors_expire_last

    expired = _text(cells[EXPIRED])
    assert expired.startswith(formatting.eve_time(first))
    assert "2 extractors" in expired
    assert f"last ends {formatting.eve_time(last)}" in expired
    soon = _text(cells[SOON])
    assert "1 extractor" in soon and "last ends" not in soon  # one program: no second time
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", soon)
    assert _text(cells[IDLE]) == "No extractors"
    assert _text(cells[NOT_LOADED]) == "—"


def test_sorting_by_the_extractors_puts_the_first_to_run_out_first(auditor, character):
    column = [column.key for column in tabs.get_table("planets").columns].index("extractors")
    rows = _rows(auditor, character, **{"order[0][column]": column, "order[0][dir]": "asc"})

    order = [planet_id for planet_id in _by_planet(rows) if planet_id in (EXPIRED, SOON, LATER)]
    assert order == [EXPIRED, SOON, LATER]
