"""The finder's and the reports' filters (corporation, alliance, health, compliance, mains only),
the finder's compliance column and the skill set report's per-doctrine totals."""

from __future__ import annotations

import pytest
from helpers import add_character, create_eve_character, create_member, register_character, register_main

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from memberaudit.models import SectionStatus
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet
from memberaudit.sections import registry

pytestmark = pytest.mark.django_db

ALPHA, BETA, ELSEWHERE = 2101, 2102, 2109
ALPHA_ALLIANCE, BETA_ALLIANCE = 3101, 3102


def _healthy(character):
    now = timezone.now()
    SectionStatus.objects.bulk_create(
        SectionStatus(character=character, section=name, last_checked_at=now) for name in registry.names()
    )
    return character


@pytest.fixture
def world():
    """Ann: all registered and healthy (compliant); Bob: an unregistered alt; Cat: never updated."""
    alpha = {"corporation_id": ALPHA, "corporation_name": "Alpha Corp", "alliance_id": ALPHA_ALLIANCE}
    beta = {
        "corporation_id": BETA,
        "corporation_name": "Beta Corp",
        "alliance_id": BETA_ALLIANCE,
        "alliance_name": "Beta Alliance",
    }
    ann = create_member("Ann Main", "basic_access", **alpha)
    bob = create_member("Bob Main", "basic_access", **beta)
    cat = create_member("Cat Main", "basic_access", **alpha)
    characters = {
        "Ann Main": _healthy(register_main(ann)),
        "Ann Alt": _healthy(register_character(ann, "Ann Alt", **beta)),
        "Bob Main": _healthy(register_main(bob)),
        "Cat Main": register_main(cat),
    }
    add_character(bob, create_eve_character("Bob Hidden Alt", **alpha))
    root = create_member("Root", corporation_id=ELSEWHERE, corporation_name="Elsewhere", alliance_id=None)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    return {"root": User.objects.get(pk=root.pk), "ann": ann, "characters": characters}


def _finder(client, **params) -> dict[str, dict]:
    response = client.get(reverse("memberaudit:finder_data"), {"length": 500, **params})
    assert response.status_code == 200, response.status_code
    return {row["character"]: row for row in response.json()["data"]}


def test_finder_filters_by_corporation_and_alliance(client, world):
    client.force_login(world["root"])
    assert set(_finder(client, corporation=ALPHA)) == {"Ann Main", "Cat Main", "Bob Hidden Alt"}
    assert set(_finder(client, alliance=BETA_ALLIANCE)) == {"Ann Alt", "Bob Main"}
    assert set(_finder(client, corporation=ALPHA, alliance=BETA_ALLIANCE)) == set()


def test_finder_filters_by_health(client, world):
    client.force_login(world["root"])
    assert set(_finder(client, health="healthy")) == {"Ann Main", "Ann Alt", "Bob Main"}
    assert set(_finder(client, health="unhealthy")) == {"Cat Main"}
    assert set(_finder(client, health="unregistered")) == {"Bob Hidden Alt", "Root"}
    assert _finder(client)["Cat Main"]["health_label"] == "Never updated"


def test_finder_shows_and_filters_compliance(client, world):
    client.force_login(world["root"])
    rows = _finder(client)
    assert rows["Ann Alt"]["is_compliant"] is True
    assert rows["Bob Main"]["is_compliant"] is False and rows["Cat Main"]["is_compliant"] is False
    non_compliant = _finder(client, compliance="non_compliant")
    assert set(non_compliant) == {"Bob Main", "Bob Hidden Alt", "Cat Main", "Root"}
    assert set(_finder(client, compliance="compliant")) == {"Ann Main", "Ann Alt"}
    page = client.get(reverse("memberaudit:finder_data"), {"compliance": "non_compliant"}).json()
    assert page["recordsFiltered"] == 4 and page["recordsTotal"] == 6


def test_finder_mains_only(client, world):
    client.force_login(world["root"])
    assert set(_finder(client, mains_only="1")) == {"Ann Main", "Bob Main", "Cat Main", "Root"}


def test_every_registered_row_links_to_a_viewer_that_opens(client, world):
    client.force_login(world["root"])
    for name, row in _finder(client).items():
        if row["registered"]:
            assert client.get(row["viewer_url"]).status_code == 200, name
        else:
            assert row["viewer_url"] is None


def test_the_finder_page_offers_the_corporations_and_alliances_in_scope(client, world):
    client.force_login(world["root"])
    html = client.get(reverse("memberaudit:finder")).content.decode()
    assert f'<option value="{ALPHA}">Alpha Corp</option>' in html
    assert f'<option value="{BETA_ALLIANCE}">Beta Alliance</option>' in html
    assert 'name="health"' in html and 'value="non_compliant"' in html and 'name="mains_only"' in html


def test_filters_never_widen_what_a_user_may_see(client, world):
    client.force_login(create_member("Nosy Ned", "basic_access", "finder_access", corporation_id=ALPHA))
    assert set(_finder(client, corporation=ALPHA)) == {"Nosy Ned"}
    assert set(_finder(client, compliance="non_compliant", health="unregistered")) == {"Nosy Ned"}


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("finder_data", {"corporation": "abc"}),
        ("finder_data", {"alliance": "99999999999999999999"}),
        ("finder_data", {"health": "sick"}),
        ("finder_data", {"compliance": "maybe"}),
        ("finder_data", {"mains_only": "perhaps"}),
        ("report_user_compliance_data", {"corporation": "-1"}),
        ("report_user_compliance_csv", {"compliance": "1"}),
        ("report_corporation_compliance_data", {"alliance": "1e3"}),
        ("report_skill_sets_data", {"group": "99999999999999999999"}),
        ("report_skill_sets_csv", {"health": "x"}),
    ],
)
def test_a_malformed_filter_is_a_bad_request(client, world, name, params):
    client.force_login(world["root"])
    assert client.get(reverse(f"memberaudit:{name}"), params).status_code == 400


def test_user_compliance_report_filters(client, world):
    client.force_login(world["root"])
    url = reverse("memberaudit:report_user_compliance_data")
    mains = lambda **params: {row["main"] for row in client.get(url, params).json()["data"]}  # noqa: E731
    assert mains(compliance="non_compliant") == {"Bob Main", "Cat Main", "Root"}
    assert mains(compliance="compliant") == {"Ann Main"}
    assert mains(corporation=ALPHA) == {"Ann Main", "Cat Main"}
    assert mains(corporation=ALPHA, compliance="non_compliant") == {"Cat Main"}


def test_corporation_compliance_report_filters_by_alliance(client, world):
    client.force_login(world["root"])
    rows = client.get(
        reverse("memberaudit:report_corporation_compliance_data"), {"alliance": BETA_ALLIANCE}
    ).json()["data"]
    assert [(row["corporation"], row["members"], row["compliant"]) for row in rows] == [("Beta Corp", 1, 0)]


def test_skill_set_report_totals_per_doctrine_over_all_pages(client, world):
    tackle = SkillSet.objects.create(name="Tackle")
    logi = SkillSet.objects.create(name="Logistics")
    characters = world["characters"]
    checks = [
        (characters["Ann Main"], tackle, True, True),
        (characters["Ann Alt"], tackle, True, False),
        (characters["Bob Main"], tackle, False, False),
        (characters["Ann Main"], logi, False, False),
    ]
    CharacterSkillSetCheck.objects.bulk_create(
        CharacterSkillSetCheck(character=c, skill_set=s, can_fly=fly, meets_recommended=rec)
        for c, s, fly, rec in checks
    )
    client.force_login(world["root"])
    url = reverse("memberaudit:report_skill_sets_data")
    answer = client.get(url, {"length": 1}).json()
    assert len(answer["data"]) == 1, "totals cover every page, not only this one"
    assert answer["totals"] == {
        str(logi.pk): {"required": 0, "recommended": 0},
        str(tackle.pk): {"required": 2, "recommended": 1},
    }
    beta = client.get(url, {"alliance": BETA_ALLIANCE}).json()
    assert {row["character"] for row in beta["data"]} == {"Ann Alt", "Bob Main"}
    assert beta["totals"][str(tackle.pk)] == {"required": 1, "recommended": 0}
    healthy_mains = client.get(url, {"health": "healthy", "mains_only": "1"}).json()
    assert {row["character"] for row in healthy_mains["data"]} == {"Ann Main", "Bob Main"}
    unhealthy = client.get(url, {"health": "unhealthy", "compliance": "non_compliant"}).json()
    assert {row["character"] for row in unhealthy["data"]} == {"Cat Main"}


def test_the_reports_page_offers_the_filters(client, world):
    from helpers import grant

    client.force_login(grant(world["ann"], "reports_access", "view_everything"))
    html = client.get(reverse("memberaudit:reports")).content.decode()
    for form in ("ma-report-users-form", "ma-report-corporations-form", "ma-report-skill-sets-form"):
        assert f'id="{form}"' in html
    assert f'<option value="{BETA}">Beta Corp</option>' in html
    assert "Non-compliant only" in html
