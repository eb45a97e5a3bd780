"""Shares end after MEMBERAUDIT_SHARING_TIMEOUT days: the character is unshared and its owner told."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import create_member, register_character, register_main

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from allianceauth.notifications.models import Notification

from memberaudit import sharing
from memberaudit.models import Character

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _shared(user, name: str, days_ago: float) -> Character:
    character = register_character(user, name)
    sharing.share(character, now=NOW - dt.timedelta(days=days_ago))
    return character


@override_settings(MEMBERAUDIT_SHARING_TIMEOUT=30)
def test_expired_shares_end_and_the_owner_is_told_once():
    owner = create_member("Applicant Ann", "basic_access", "share_characters")
    old = _shared(owner, "Old Share", 31)
    older = _shared(owner, "Older Share", 45)
    recent = _shared(owner, "Recent Share", 29)

    assert sharing.expire_shares(now=NOW) == 2

    assert set(Character.objects.filter(is_shared=True).values_list("pk", flat=True)) == {recent.pk}
    old.refresh_from_db()
    assert old.shared_at is None and not old.is_shared
    assert older.pk not in Character.objects.filter(is_shared=True).values_list("pk", flat=True)
    notices = Notification.objects.filter(user=owner)
    assert notices.count() == 1
    notice = notices.get()
    assert "Old Share" in notice.message and "Older Share" in notice.message
    assert "Recent Share" not in notice.message and "30 days" in notice.message
    assert sharing.expire_shares(now=NOW) == 0, "a second run finds nothing"
    assert Notification.objects.filter(user=owner).count() == 1


def test_without_a_timeout_shares_never_end():
    owner = create_member("Forever Fred", "basic_access", "share_characters")
    character = _shared(owner, "Long Share", 3650)
    assert sharing.expire_shares(now=NOW) == 0
    character.refresh_from_db()
    assert character.is_shared
    assert sharing.share_ends_at(character) is None
    assert not Notification.objects.exists()


@override_settings(MEMBERAUDIT_SHARING_TIMEOUT=7)
def test_a_share_without_a_start_starts_counting_now():
    # shared in the admin, or before the timeout existed: never ended by surprise
    owner = create_member("Admin Shared", "basic_access", "share_characters")
    character = register_character(owner, "Admin Share", is_shared=True)
    assert sharing.expire_shares(now=NOW) == 0
    character.refresh_from_db()
    assert character.is_shared and character.shared_at == NOW
    assert sharing.expire_shares(now=NOW + dt.timedelta(days=7, seconds=1)) == 1


@override_settings(MEMBERAUDIT_SHARING_TIMEOUT=7)
def test_orphaned_characters_are_unshared_without_a_notification():
    orphan = register_character(None, "Nobody's")
    sharing.share(orphan, now=NOW - dt.timedelta(days=8))
    assert sharing.expire_shares(now=NOW) == 1
    assert not Notification.objects.exists()


@override_settings(MEMBERAUDIT_SHARING_TIMEOUT=10)
def test_sharing_again_from_the_launcher_starts_the_timeout_again(client):
    owner = create_member("Reshare Rita", "basic_access", "share_characters")
    character = register_main(owner)
    sharing.share(character, now=NOW - dt.timedelta(days=9))
    client.force_login(owner)
    client.post(reverse("memberaudit:share_character", args=[character.pk]))
    character.refresh_from_db()
    assert timezone.now() - character.shared_at < dt.timedelta(minutes=1)
    assert sharing.share_ends_at(character) == character.shared_at + dt.timedelta(days=10)
    assert sharing.expire_shares(now=NOW + dt.timedelta(days=2)) == 0
    client.post(reverse("memberaudit:unshare_character", args=[character.pk]))
    character.refresh_from_db()
    assert not character.is_shared and character.shared_at is None


@override_settings(MEMBERAUDIT_SHARING_TIMEOUT=30)
def test_a_recruiter_loses_sight_of_an_expired_share(client):
    owner = create_member("Applicant Al", "basic_access", "share_characters")
    character = _shared(owner, "Vetted Alt", 31)
    recruiter = create_member("Recruiter Rob", "basic_access", "view_shared_characters")
    client.force_login(recruiter)
    viewer = reverse("memberaudit:character_viewer", args=[character.pk])
    assert client.get(viewer).status_code == 200
    sharing.expire_shares(now=NOW)
    assert client.get(viewer).status_code == 404
