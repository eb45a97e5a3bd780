"""Hostile text from EVE comes out inert: in the viewer's pages, tabs, dialogs and JSON tables.

Payloads sit in everything a player can write or name: mail subjects and bodies, the bio,
character and corporation names, contract titles, journal reasons, contact and mail labels,
notification and calendar texts, asset names and error messages. DataTables inserts table
cells as HTML, so the JSON endpoints must escape too.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from helpers import create_member, register_character

from django.urls import reverse
from django.utils import timezone

from eveuniverse.models import EveEntity

from memberaudit.models import (
    CharacterAsset,
    CharacterCorporationHistory,
    CharacterDetails,
    CharacterWalletJournalEntry,
    SectionStatus,
)
from memberaudit.models.calendar import CharacterCalendarEvent
from memberaudit.models.contacts import CharacterContact, CharacterContactLabel
from memberaudit.models.contracts import CharacterContract
from memberaudit.models.mail import CharacterMail, CharacterMailLabel, CharacterMailRecipient
from memberaudit.models.notifications import CharacterNotification
from memberaudit.sections import registry
from memberaudit.views import tabs

pytestmark = pytest.mark.django_db

PAYLOAD = (
    '<script>alert("xss")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)" style="position:fixed;top:0">click</a>'
    '<font color="red;background:url(javascript:alert(3))">f</font>'
)
#: the same attack for columns as short as ESI's (names, ref types): MariaDB enforces lengths
SHORT_PAYLOAD = '<script>alert("x")</script><img src=x onerror="alert(1)">'
#: what must never reach a browser unescaped
RAW_MARKERS = ("<script>alert", "<img src=x", 'href="javascript:')
#: the payload's event handler as an attribute of a real tag (AA's own pages use onchange)
EVENT_HANDLER = re.compile(r"<[a-z][^<>]*\son(?:error|load|click|mouseover)\s*=", re.IGNORECASE)
#: a style inside a real tag that does more than colour text
BAD_STYLE = re.compile(r"<[a-z][^<>]*\sstyle=\"[^\"]*(?:url\(|position|expression|background)", re.IGNORECASE)


def assert_inert(html: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker.lower() not in html.lower(), f"{where}: {marker!r} unescaped"
    # attribute values hold escaped text only: blank them before looking for attributes
    tags_only = re.sub(r'"[^"]*"', '""', html)
    for pattern, text in ((EVENT_HANDLER, tags_only), (BAD_STYLE, html)):
        match = pattern.search(text)
        assert match is None, f"{where}: {match[0]!r}"


@pytest.fixture
def hostile(client):
    auditor = create_member("Audra Auditor", "basic_access", "characters_access", "view_everything")
    client.force_login(auditor)
    owner = create_member("Owner", "basic_access")
    character = register_character(owner, f"Evil {PAYLOAD}", corporation_name=f"Corp {PAYLOAD}")
    entity = EveEntity.objects.create(id=98_000_001, name=f"Ent {SHORT_PAYLOAD}", category="corporation")
    now = timezone.now()
    CharacterDetails.objects.create(
        character=character,
        name=f"Name {SHORT_PAYLOAD}",
        corporation=entity,
        birthday=now,
        bloodline_id=1,
        race_id=1,
        gender="female",
        description=f"Bio {PAYLOAD}",
        title=f"Title {PAYLOAD}",
    )
    CharacterCorporationHistory.objects.create(
        character=character, record_id=1, corporation=entity, start_date=now
    )
    CharacterMailLabel.objects.create(character=character, label_id=1, name=f"Label {PAYLOAD}")
    mail = CharacterMail.objects.create(
        character=character,
        mail_id=1,
        sender=entity,
        subject=f"Subject {PAYLOAD}",
        timestamp=now,
        label_ids=[1],
        body=f"Body {PAYLOAD}",
    )
    CharacterMailRecipient.objects.create(mail=mail, recipient=entity, recipient_type="corporation")
    contract = CharacterContract.objects.create(
        character=character,
        contract_id=1,
        contract_type="item_exchange",
        status="outstanding",
        availability="personal",
        title=f"Contract {PAYLOAD}",
        issuer=entity,
        date_issued=now,
        date_expired=now,
    )
    CharacterWalletJournalEntry.objects.create(
        character=character,
        entry_id=1,
        date=now,
        ref_type=f"type {SHORT_PAYLOAD}",
        description=f"Description {PAYLOAD}",
        reason=f"Reason {PAYLOAD}",
        amount=Decimal("-1"),
        balance=Decimal("1"),
        first_party=entity,
    )
    CharacterContactLabel.objects.create(character=character, label_id=7, name=f"Contact label {PAYLOAD}")
    CharacterContact.objects.create(
        character=character, contact=entity, contact_type="corporation", standing=5, label_ids=[7]
    )
    notification = CharacterNotification.objects.create(
        character=character,
        notification_id=1,
        type="StructureUnderAttack",
        sender=entity,
        sender_type="corporation",
        timestamp=now,
        text=f"text: {PAYLOAD}",
    )
    event = CharacterCalendarEvent.objects.create(
        character=character, event_id=1, title=f"Event {PAYLOAD}", event_date=now, text=f"Text {PAYLOAD}"
    )
    CharacterAsset.objects.create(
        character=character,
        item_id=1,
        location_flag="Hangar",
        location_type="station",
        quantity=1,
        is_singleton=True,
        name=f"Asset {PAYLOAD}",
    )
    SectionStatus.objects.create(character=character, section="assets", error_message=f"Error {PAYLOAD}")
    return character, {
        "mail": mail,
        "contract": contract,
        "notification": notification,
        "calendar_event": event,
    }


def test_viewer_page_is_inert(client, hostile):
    character, _ = hostile
    response = client.get(reverse("memberaudit:character_viewer", args=[character.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert_inert(html, "viewer")
    assert "Evil &lt;script&gt;" in html and "Corp &lt;script&gt;" in html


def test_every_tab_is_inert(client, hostile):
    character, _ = hostile
    for name in registry.names():
        response = client.get(reverse("memberaudit:character_tab", args=[character.pk, name]))
        assert response.status_code == 200, name
        assert_inert(response.content.decode(), f"tab {name}")


def test_bio_keeps_its_text_but_loses_the_payload(client, hostile):
    character, _ = hostile
    html = client.get(reverse("memberaudit:character_tab", args=[character.pk, "details"])).content.decode()
    bio = html.split('id="ma-bio"', 1)[1].split("</div>", 1)[0]
    assert "Bio" in bio and "click" in bio and "alert(" not in bio


def test_every_table_is_inert(client, hostile):
    character, _ = hostile
    seen = set()
    for table in tabs.all_tables():
        url = reverse("memberaudit:character_table", args=[character.pk, table.name])
        for params in ({}, {"search[value]": "script"}):
            answer = client.get(url, params).json()
            cells = [cell for row in answer["data"] for cell in row.values()]
            assert_inert(json.dumps(cells, ensure_ascii=False).replace('\\"', '"'), f"table {table.name}")
            for cell in cells:
                assert_inert(cell, f"table {table.name}")
                if "&lt;script&gt;" in cell:
                    seen.add(table.name)
    # the payload was there, shown as text
    assert {"mail", "contracts", "wallet_journal", "contacts", "notifications", "calendar", "assets"} <= seen


def test_contact_labels_and_journal_reasons_are_escaped(client, hostile):
    character, _ = hostile
    url = reverse("memberaudit:character_table", args=[character.pk, "contacts"])
    row = client.get(url).json()["data"][0]
    assert row["labels"].startswith("Contact label &lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;")
    url = reverse("memberaudit:character_table", args=[character.pk, "wallet_journal"])
    row = client.get(url).json()["data"][0]
    assert row["reason"].startswith("Reason &lt;script&gt;")


def test_every_detail_dialog_is_inert(client, hostile):
    character, objects = hostile
    for kind, obj in objects.items():
        response = client.get(reverse("memberaudit:character_detail", args=[character.pk, kind, obj.pk]))
        assert response.status_code == 200, kind
        assert_inert(response.content.decode(), f"detail {kind}")


def test_mail_body_is_sanitized_not_escaped(client, hostile):
    character, objects = hostile
    url = reverse("memberaudit:character_detail", args=[character.pk, "mail", objects["mail"].pk])
    html = client.get(url).content.decode()
    body = html.split('class="ma-eve-markup', 1)[1].split("</div>", 1)[0]
    assert "<a target=" in body or "<a rel=" in body  # the link kept, without its href
    assert "&lt;script&gt;" not in body and "alert(" not in body  # the script dropped with its content
    assert "<span>f</span>" in body  # the font kept, its bad colour dropped


def test_error_messages_are_escaped(client, hostile):
    character, _ = hostile
    html = client.get(reverse("memberaudit:character_tab", args=[character.pk, "assets"])).content.decode()
    assert "Error &lt;script&gt;" in html
