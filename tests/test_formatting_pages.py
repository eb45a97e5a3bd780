"""The one formatting layer on the pages: numbers and ESI labels in the reader's language, EVE
time in the tables that scripts fill from JSON (finder, intel), and EVE images from the server
that ``MEMBERAUDIT_EVE_IMAGE_URL`` names.

Pages are rendered through the real views (Django's test client, SQLite); German is asked for
the way a browser asks (``Accept-Language``), as in ``test_locale.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from helpers import create_member, register_main

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from memberaudit.core import formatting
from memberaudit.models import (
    CharacterInteraction,
    CharacterWalletBalance,
    CharacterWalletJournalEntry,
    SectionStatus,
    WatchList,
    WatchListEntry,
)
from memberaudit.sections import registry
from memberaudit.views import tabs

pytestmark = pytest.mark.django_db

GERMAN = {"accept-language": "de-DE,de;q=0.9"}
#: a moment with seconds and a non-UTC source, to see that pages write it in EVE time
CHECKED = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)


@pytest.fixture
def pilot(client):
    """A logged-in member whose main is registered, with a wallet and a bounty in its journal."""
    user = create_member(
        "Greta Gunnery", "basic_access", "finder_access", "intel_access", "characters_access"
    )
    character = register_main(user)
    CharacterWalletBalance.objects.create(character=character, total=Decimal("1234567890.12"))
    CharacterWalletJournalEntry.objects.create(
        character=character,
        entry_id=1,
        date=CHECKED,
        ref_type="bounty_prizes",
        amount=Decimal("1234567.89"),
        balance=Decimal("1234567890.12"),
    )
    client.force_login(user)
    return user, character


def _journal(client, character, **headers) -> dict:
    url = reverse("memberaudit:character_table", args=[character.pk, "wallet_journal"])
    response = client.get(url, {"draw": 1, "start": 0, "length": 10}, headers=headers)
    assert response.status_code == 200
    return response.json()["data"][0]


def _text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell)


# --- German pages -----------------------------------------------------------------------------


def test_a_german_journal_shows_german_numbers_and_a_translated_entry_type(client, pilot):
    _user, character = pilot
    row = _journal(client, character, **GERMAN)
    assert _text(row["amount"]) == "1.234.567,89"
    assert _text(row["balance"]) == "1.234.567.890,12"
    assert row["ref_type"] == "Kopfgeldprämien"  # "bounty_prizes"
    # EVE time, the same in every language
    assert _text(row["date"]) == "2026-03-04 05:06"


def test_an_english_journal_keeps_english_numbers_and_labels(client, pilot):
    _user, character = pilot
    row = _journal(client, character)
    assert _text(row["amount"]) == "1,234,567.89"
    assert _text(row["balance"]) == "1,234,567,890.12"
    assert row["ref_type"] == "Bounty prizes"


def test_the_german_viewer_shows_the_wallet_in_german(client, pilot):
    _user, character = pilot
    response = client.get(reverse("memberaudit:character_viewer", args=[character.pk]), headers=GERMAN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1,23 Mrd. ISK" in html  # abbreviated, German words
    assert "1.234.567.890,12 ISK" in html  # all digits
    assert "1.23b ISK" not in html
    # scripts get the same number format (chart axes): formatting.js reads it
    assert 'id="ma-number-format"' in html and '"decimal": ","' in html
    assert "memberaudit/formatting.js" in html


def test_german_notification_types_roles_and_gender_are_translated():
    from django.utils import translation

    from memberaudit.core import esi_labels

    with translation.override("de"):
        assert esi_labels.notification_type("StructureUnderAttack") == "Struktur wird angegriffen"
        assert esi_labels.corporation_role("Hangar_Take_3") == "Hangar 3: nehmen"
        assert esi_labels.gender("female") == "Weiblich"
        assert esi_labels.planet_type("barren") == "Karg"


def test_ambiguous_words_are_translated_by_their_meaning():
    from django.utils import translation

    with translation.override("de"):
        assert translation.pgettext("mail recipients", "To") == "An"
        assert translation.pgettext("contract destination", "To") == "Nach"
        assert translation.pgettext("import format", "Format") == "Format"
        assert translation.pgettext("record", "created at") == "erstellt am"


def test_the_mail_and_contract_columns_carry_their_context():
    mail = tabs.get_table("mail")
    contracts = tabs.get_table("contracts")
    from django.utils import translation

    with translation.override("de"):
        assert str(mail.columns[mail.column_index("recipients")].title) == "An"
        assert str(contracts.columns[contracts.column_index("start_location")].title) == "Von"


# --- EVE time in the JSON tables ----------------------------------------------------------------


def test_finder_rows_carry_eve_time_written_by_the_formatting_layer(client, pilot):
    _user, character = pilot
    SectionStatus.objects.bulk_create(
        SectionStatus(character=character, section=name, last_checked_at=CHECKED, last_success_at=CHECKED)
        for name in registry.names()
    )
    response = client.get(reverse("memberaudit:finder_data"), {"draw": 1, "length": 10})
    row = next(r for r in response.json()["data"] if r["character_id"] == character.character_id)
    assert row["last_checked"] == CHECKED.isoformat()  # the raw value stays, for sorting and tests
    assert row["shown"]["last_checked"] == {
        "text": "2026-03-04 05:06",
        "title": formatting.relative(CHECKED, timezone.now()),
    }
    assert row["shown"]["last_checked"]["title"].endswith("ago")


def test_finder_page_says_times_are_eve_time_and_formats_nothing_itself(client, pilot):
    html = client.get(reverse("memberaudit:finder")).content.decode()
    assert "All times are EVE time (UTC)." in html
    assert "toLocaleString" not in html


def test_intel_rows_carry_eve_time_and_isk_written_by_the_formatting_layer(client, pilot):
    user, character = pilot
    spy = 2_115_000_001
    watch_list = WatchList.objects.create(name="Hostiles")
    WatchListEntry.objects.create(watch_list=watch_list, entity_id=spy, kind="character", name="Known Spy")
    CharacterInteraction.objects.create(
        character=character,
        source="wallet_journal",
        counterparty_id=spy,
        kind="character",
        first_seen=CHECKED - dt.timedelta(days=1),
        last_seen=CHECKED,
        count=2,
        isk=Decimal("5001000000"),
    )
    user.user_permissions.add(*_permissions("view_everything"))
    response = client.get(reverse("memberaudit:intel_report_data"), {"length": 10}, headers=GERMAN)
    assert response.status_code == 200
    member = response.json()["data"][0]
    assert member["shown"]["last_seen"]["text"] == "2026-03-04 05:06"
    assert member["shown"]["isk"] == {"text": "5 Mrd. ISK", "title": "5.001.000.000,00 ISK"}
    evidence = member["evidence"][0]
    assert evidence["shown"]["first_seen"]["text"] == "2026-03-03 05:06"
    assert evidence["last_seen"] == CHECKED.isoformat()


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="memberaudit", codename__in=codenames)


# --- images ------------------------------------------------------------------------------------


@override_settings(MEMBERAUDIT_EVE_IMAGE_URL="https://mirror.example.net/eve/")
def test_the_launcher_and_the_finder_load_images_from_the_configured_server(client, pilot):
    _user, character = pilot
    # our part of the page (Alliance Auth's own menu shows the main's portrait from EVE's server)
    launcher = (
        client.get(reverse("memberaudit:launcher")).content.decode().split('<div class="memberaudit">')[1]
    )
    assert f"https://mirror.example.net/eve/characters/{character.character_id}/portrait?size=64" in launcher
    assert "images.evetech.net" not in launcher
    rows = client.get(reverse("memberaudit:finder_data"), {"draw": 1, "length": 10}).json()["data"]
    portraits = {row["portrait_url"] for row in rows}
    assert f"https://mirror.example.net/eve/characters/{character.character_id}/portrait?size=32" in portraits
    assert not any("images.evetech.net" in url for url in portraits)
