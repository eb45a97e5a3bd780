"""Moving around in the character viewer: the character switcher, tab groups, entity links and
images (served by the ESI emulator standing in for EVE's image server)."""

from __future__ import annotations

import re
import urllib.request
from urllib.error import HTTPError

import pytest
from helpers import create_member, register_character, register_main

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from memberaudit import access, app_settings
from memberaudit.views import tabs

pytestmark = pytest.mark.django_db


def _viewer(character) -> str:
    return reverse("memberaudit:character_viewer", args=[character.pk])


def _switcher(html: str) -> set[str]:
    """Names of the characters the switcher of a viewer page offers."""
    if 'id="ma-character-switcher"' not in html:
        return set()
    menu = html.split('id="ma-character-switcher"', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r"<span>([^<]+)</span>", menu))


@pytest.fixture
def family():
    """A member with a main and three alts (two of them shared), and a stranger."""
    owner = create_member("Fay Family", "basic_access", "share_characters", corporation_id=4001)
    main = register_main(owner)
    shared_1 = register_character(owner, "Fay Shared One", is_shared=True)
    shared_2 = register_character(owner, "Fay Shared Two", is_shared=True)
    private = register_character(owner, "Fay Private")
    stranger = register_main(
        create_member("Sam Stranger", "basic_access", "share_characters"), is_shared=True
    )
    return {
        "main": main,
        "shared_1": shared_1,
        "shared_2": shared_2,
        "private": private,
        "stranger": stranger,
    }


def test_the_switcher_lists_exactly_the_owners_characters_the_viewer_may_open(client, family):
    recruiter = create_member("Rita Recruiter", "basic_access", "view_shared_characters")
    client.force_login(recruiter)
    html = client.get(_viewer(family["shared_1"])).content.decode()
    assert _switcher(html) == {"Fay Shared Two"}  # not the private alt, the main, or a stranger


def test_an_auditor_can_switch_to_every_character_of_the_member_and_sees_the_main(client, family):
    auditor = create_member("Audra Auditor", "basic_access", "characters_access", "view_everything")
    client.force_login(auditor)
    html = client.get(_viewer(family["private"])).content.decode()
    assert _switcher(html) == {"Fay Family", "Fay Shared One", "Fay Shared Two"}
    menu = html.split('id="ma-character-switcher"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{_viewer(family["main"])}"' in menu
    first = menu.split("<li>", 2)[1]
    assert "Fay Family" in first and ">Main<" in first  # the main comes first, marked


def test_the_switcher_follows_access_py(family):
    recruiter = create_member("Rita Recruiter", "basic_access", "view_shared_characters")
    siblings = set(access.sibling_characters(recruiter, family["shared_2"]))
    assert siblings == {family["shared_1"]}
    assert not access.sibling_characters(recruiter, family["stranger"]).exists()


def test_the_owner_switches_between_all_own_characters(client, family):
    client.force_login(family["main"].user)
    html = client.get(_viewer(family["main"])).content.decode()
    assert _switcher(html) == {"Fay Shared One", "Fay Shared Two", "Fay Private"}


def test_the_switcher_costs_no_query_per_character(client):
    auditor = create_member("Audra Auditor", "basic_access", "characters_access", "view_everything")
    client.force_login(auditor)
    small = create_member("Few Alts", "basic_access")
    big = create_member("Many Alts", "basic_access")
    few = register_main(small)
    many = register_main(big)
    register_character(small, "Few Alt 1")
    for i in range(8):
        register_character(big, f"Many Alt {i}")
    client.get(_viewer(few))  # AA's first-request setup
    counts = []
    for character in (few, many):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(_viewer(character)).content.decode()
        counts.append(len(queries))
    assert len(_switcher(html)) == 8
    assert counts[0] == counts[1]


def test_tabs_are_grouped_to_fit_one_row(client, family):
    client.force_login(family["main"].user)
    html = client.get(_viewer(family["main"])).content.decode()
    nav = html.split('id="ma-viewer-tabs"', 1)[1].split('<div class="tab-content', 1)[0]
    top_level = re.findall(r'<li class="nav-item[^"]*" role="presentation">', nav)
    assert len(top_level) <= 9  # overview + the groups (was one per domain: 19)
    assert len(tabs.tab_groups()) == len(top_level) - 1
    # every tab is reachable on a phone too: the menu lists each of them
    phone = html.split('id="ma-tab-select"', 1)[1].split("</select>", 1)[0]
    for group in tabs.tab_groups():
        for section in group.sections:
            assert f'value="ma-tab-{section.name}"' in phone


def test_header_links_to_public_pages_and_images(client, family):
    client.force_login(family["main"].user)
    html = client.get(_viewer(family["shared_1"])).content.decode()
    header = html.split('id="ma-viewer-header"', 1)[1].split('id="ma-eve-time-note"', 1)[0]
    eve = family["shared_1"].eve_character
    assert f"https://zkillboard.com/character/{eve.character_id}/" in header
    assert f"https://evewho.com/character/{eve.character_id}" in header
    assert f"https://evewho.com/corporation/{eve.corporation_id}" in header
    assert "https://evemaps.dotlan.net/corp/" in header
    base = app_settings.eve_image_url()
    assert f"{base}/characters/{eve.character_id}/portrait?size=128" in header
    assert f"{base}/corporations/{eve.corporation_id}/logo?size=64" in header
    assert "EVE time (UTC)" in html


def test_the_viewer_shows_the_one_health_badge(client, family):
    client.force_login(family["main"].user)
    html = client.get(_viewer(family["main"])).content.decode()
    badge = html.split('id="ma-viewer-health"', 1)[1].split("</span>", 1)[0]
    assert "Never updated" in badge and "No section has been updated yet." in html


def test_images_come_from_the_setting(settings, client, family):
    settings.MEMBERAUDIT_EVE_IMAGE_URL = "http://images.example/"
    client.force_login(family["main"].user)
    html = client.get(_viewer(family["main"])).content.decode()
    assert "http://images.example/characters/" in html
    assert "images.evetech.net" not in html.split('id="ma-viewer-header"', 1)[1].split("ma-eve-time-note")[0]


@pytest.mark.parametrize(
    "path",
    [
        "characters/90000001/portrait?size=64",
        "corporations/98000001/logo?size=64",
        "alliances/99000001/logo?size=64",
        "types/587/icon?size=32",
        "types/587/render?size=64",
    ],
)
def test_the_emulator_stands_in_for_the_image_server(esi_emulator, path):
    with urllib.request.urlopen(f"{esi_emulator.url.rstrip('/')}/images/{path}") as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert response.read().startswith(b"<svg")


@pytest.mark.parametrize("path", ["planets/1/portrait", "types/abc/icon", "characters/1/logo"])
def test_the_emulator_answers_unknown_images_with_404(esi_emulator, path):
    with pytest.raises(HTTPError) as error:
        urllib.request.urlopen(f"{esi_emulator.url.rstrip('/')}/images/{path}")  # noqa: S310
    assert error.value.code == 404


# --- the tab lists are built once per language and set of markers, then filled per character ---


def _tab_urls(html: str) -> set[str]:
    return set(re.findall(r'data-ma-tab-url="([^"]+)"', html))


def test_each_character_gets_its_own_tab_urls_and_markers(client, family):
    """The tab lists are cached across pages: nothing of one character may show on another's."""
    from memberaudit.models import SectionStatus

    SectionStatus.objects.create(character=family["shared_1"], section="assets", is_token_error=True)
    SectionStatus.objects.create(character=family["shared_1"], section="mail", error_message="ESI said no")
    client.force_login(family["main"].user)
    pages = {
        key: client.get(_viewer(family[key])).content.decode() for key in ("shared_1", "shared_2", "main")
    }
    for key, html in pages.items():
        urls = _tab_urls(html)
        assert len(urls) == sum(len(group.sections) for group in tabs.tab_groups())
        assert all(f"/{family[key].pk}/" in url for url in urls), key
        assert "\x00" not in html and "\x01" not in html
    # the markers belong to the character whose sections failed, in its tab row and group
    row = pages["shared_1"].split('id="ma-viewer-tabs"', 1)[1].split("</ul>\n", 1)[0]
    assert 'aria-controls="ma-tab-assets" aria-selected="false">' in row
    assert "fa-key" in row.split('aria-controls="ma-tab-assets"', 1)[1].split("</button>", 1)[0]
    assert (
        "fa-triangle-exclamation" in row.split('aria-controls="ma-tab-mail"', 1)[1].split("</button>", 1)[0]
    )
    for key in ("shared_2", "main"):
        assert "fa-key" not in pages[key] and "fa-triangle-exclamation" not in pages[key], key


def test_the_tab_lists_follow_each_requests_language(client, family):
    from memberaudit.models import SectionStatus

    SectionStatus.objects.create(character=family["main"], section="skill_queue")
    client.force_login(family["main"].user)
    english = client.get(_viewer(family["main"]), headers={"accept-language": "en"}).content.decode()
    german = client.get(
        _viewer(family["main"]), headers={"accept-language": "de-DE,de;q=0.9"}
    ).content.decode()
    again = client.get(_viewer(family["main"]), headers={"accept-language": "en"}).content.decode()
    assert '<option value="ma-tab-skill_queue">Skill queue</option>' in english
    assert '<option value="ma-tab-skill_queue">Skill-Warteschlange</option>' in german
    assert '<option value="ma-tab-skill_queue">Skill queue</option>' in again
    # the update-status table too (its titles and badges are cached per language)
    assert '<tr><td>Skill queue</td><td><span class="badge text-bg-secondary">Never updated</span>' in again
    assert (
        '<tr><td>Skill-Warteschlange</td><td><span class="badge text-bg-secondary">Nie aktualisiert</span>'
        in german
    )
