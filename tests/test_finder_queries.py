"""The finder and the reports cost the same number of queries for 10 or 1,000 characters."""

from __future__ import annotations

import itertools

import pytest
from helpers import create_member

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allianceauth.authentication.models import CharacterOwnership, UserProfile, get_guest_state
from allianceauth.eveonline.models import EveCharacter

from memberaudit.models import Character, SectionStatus
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet
from memberaudit.sections import registry

CORPORATION_ID, ALLIANCE_ID = 2001, 3001
_ids = itertools.count(95_000_001)

ENDPOINTS = [
    ("finder_data", {"length": 100, "order[0][column]": "0", "columns[0][data]": "character"}),
    (
        "finder_data",
        {"length": 100, "order[0][column]": "4", "order[0][dir]": "desc", "columns[4][data]": "last_checked"},
    ),
    (
        "finder_data",
        {"length": 100, "order[0][column]": "5", "order[0][name]": "last_changed", "order[0][dir]": "desc"},
    ),
    ("finder_data", {"length": 100, "search[value]": "Bulk"}),
    (
        "finder_data",
        {"length": 100, "corporation": CORPORATION_ID, "alliance": ALLIANCE_ID, "health": "healthy"},
    ),
    ("finder_data", {"length": 100, "health": "unhealthy", "compliance": "non_compliant"}),
    ("finder_data", {"length": 100, "health": "unregistered", "mains_only": "1"}),
    ("finder_data", {"length": 100, "compliance": "compliant"}),
    ("report_user_compliance_data", {"length": 100}),
    ("report_user_compliance_data", {"length": 100, "order[0][column]": "3", "order[0][name]": "characters"}),
    ("report_user_compliance_data", {"length": 100, "search[value]": "Bulk"}),
    (
        "report_user_compliance_data",
        {"length": 100, "compliance": "non_compliant", "corporation": CORPORATION_ID},
    ),
    ("report_user_compliance_csv", {}),
    ("report_corporation_compliance_data", {"length": 100}),
    ("report_corporation_compliance_data", {"order[0][column]": "4", "order[0][name]": "share"}),
    ("report_corporation_compliance_data", {"alliance": ALLIANCE_ID}),
    ("report_corporation_compliance_csv", {}),
    ("report_skill_sets_data", {"length": 100}),
    ("report_skill_sets_data", {"length": 100, "mains_only": "1", "search[value]": "Bulk"}),
    ("report_skill_sets_data", {"length": 100, "order[0][column]": "3", "order[0][name]": "is_main"}),
    ("report_skill_sets_data", {"length": 100, "health": "unhealthy", "compliance": "non_compliant"}),
    ("report_skill_sets_data", {"length": 100, "corporation": CORPORATION_ID, "health": "healthy"}),
    ("report_skill_sets_csv", {}),
    ("report_skill_sets_csv", {"mains_only": "1"}),
]


def populate(count: int, per_user: int = 5) -> None:
    """``count`` characters of members of one corporation, in bulk: 90% registered, each with
    a section status and skill set checks."""
    guest = get_guest_state()
    users = User.objects.bulk_create(
        User(username=f"bulk-{next(_ids)}") for _ in range((count + per_user - 1) // per_user)
    )
    eve_characters = EveCharacter.objects.bulk_create(
        EveCharacter(
            character_id=(cid := next(_ids)),
            character_name=f"Bulk Pilot {cid}",
            corporation_id=CORPORATION_ID,
            corporation_name="Bulk Corp",
            corporation_ticker="BULK",
            alliance_id=ALLIANCE_ID,
            alliance_name="Bulk Alliance",
            alliance_ticker="BALL",
        )
        for _ in range(count)
    )
    owners = [users[i // per_user] for i in range(count)]
    CharacterOwnership.objects.bulk_create(
        CharacterOwnership(user=user, character=ec, owner_hash=f"h{ec.character_id}")
        for user, ec in zip(owners, eve_characters, strict=True)
    )
    UserProfile.objects.bulk_create(
        UserProfile(user=user, state=guest, main_character=eve_characters[i * per_user])
        for i, user in enumerate(users)
    )
    characters = Character.objects.bulk_create(
        Character(eve_character=ec) for i, ec in enumerate(eve_characters) if i % 10
    )
    now = timezone.now()
    # every third character is healthy (every section checked), the others have one section
    SectionStatus.objects.bulk_create(
        SectionStatus(character=c, section=name, last_success_at=now, last_checked_at=now, last_change_at=now)
        for i, c in enumerate(characters)
        for name in (registry.names() if i % 3 == 0 else ["skills"])
    )
    skill_sets = [SkillSet.objects.get_or_create(name=f"Set {i}")[0] for i in range(3)]
    CharacterSkillSetCheck.objects.bulk_create(
        CharacterSkillSetCheck(character=c, skill_set=s, can_fly=bool(c.pk % 2), meets_recommended=False)
        for c in characters
        for s in skill_sets
    )


def _requesters() -> dict[str, User]:
    member = {"corporation_id": CORPORATION_ID, "alliance_id": ALLIANCE_ID}
    root = create_member("root", **member)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    return {
        "superuser": User.objects.get(pk=root.pk),
        "alliance_auditor": create_member(
            "auditor", "basic_access", "finder_access", "characters_access", "view_same_alliance", **member
        ),
        "corp_lead": create_member(
            "lead", "basic_access", "reports_access", "view_same_corporation", **member
        ),
    }


def _query_counts(client, user: User) -> dict[str, int]:
    client.force_login(user)
    counts = {}
    for name, params in ENDPOINTS:
        if name.startswith("finder") and not user.has_perm("memberaudit.finder_access"):
            continue
        if name.startswith("report") and not user.has_perm("memberaudit.reports_access"):
            continue
        user = User.objects.get(pk=user.pk)  # no permission cache carried between requests
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(f"memberaudit:{name}"), params)
            if response.streaming:  # a download queries while it is read
                lines = b"".join(response.streaming_content).decode().splitlines()
                assert len(lines) > 1, name
        assert response.status_code == 200, (name, response.status_code)
        counts[f"{name} {sorted(params)}"] = len(ctx.captured_queries)
    return counts


def _differences(large: dict, small: dict) -> list:
    """(role, endpoint, large, small) where the counts differ."""
    return [
        (role, key, large[role].get(key), count)
        for role, counts in small.items()
        for key, count in counts.items()
        if large[role].get(key) != count
    ]


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_number_of_characters(client):
    requesters = _requesters()
    populate(10)
    small = {role: _query_counts(client, user) for role, user in requesters.items()}
    populate(990)
    assert Character.objects.count() >= 900
    large = {role: _query_counts(client, user) for role, user in requesters.items()}
    assert not (diff := _differences(large, small)), "\n".join(map(str, diff))
    # session, user, main, permissions (user, groups, state), scope, then 2 to 4 of our own
    assert max(max(counts.values()) for counts in small.values()) <= 20


@pytest.mark.django_db
def test_query_counts_are_the_same_for_3_and_20_characters(client):
    # 3: the fewest with a healthy and an unhealthy character, so every filter finds a row
    requesters = _requesters()
    populate(3, per_user=1)
    small = {role: _query_counts(client, user) for role, user in requesters.items()}
    populate(17, per_user=3)
    large = {role: _query_counts(client, user) for role, user in requesters.items()}
    assert not (diff := _differences(large, small)), "\n".join(map(str, diff))


@pytest.mark.django_db
def test_finder_pages_sorts_and_counts_on_the_server(client):
    requesters = _requesters()
    populate(120)
    client.force_login(requesters["alliance_auditor"])
    params = {"draw": 3, "start": 100, "length": 50, "order[0][column]": "0", "order[0][dir]": "desc"}
    params["columns[0][data]"] = "character"
    data = client.get(reverse("memberaudit:finder_data"), params).json()
    assert data["draw"] == 3
    # + the unregistered mains of the three requesters, all members of the alliance
    assert data["recordsTotal"] == data["recordsFiltered"] == 123
    assert len(data["data"]) == 23
    names = [row["character"] for row in data["data"]]
    # compare names of one case only: SQLite sorts binary, MariaDB case-insensitively
    bulk = [name for name in names if name.startswith("Bulk Pilot")]
    assert len(bulk) > 10 and bulk == sorted(bulk, reverse=True)
    searched = client.get(reverse("memberaudit:finder_data"), {"search[value]": "auditor"}).json()
    assert searched["recordsFiltered"] == 1 and searched["recordsTotal"] == 123
