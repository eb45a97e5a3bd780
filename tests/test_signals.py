"""The former owner is told once when a registered character is taken away from them."""

from __future__ import annotations

import pytest
from helpers import add_character, create_eve_character, create_member, register_character

from django.contrib.auth.models import User

from allianceauth.authentication.models import CharacterOwnership
from allianceauth.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return create_member("former_owner", "basic_access")


@pytest.fixture
def alt(owner):
    return register_character(owner, "Sold Alt")


def _notes(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user))


def test_deleting_the_ownership_notifies_the_former_owner(owner, alt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        CharacterOwnership.objects.get(character=alt.eve_character).delete()
    (note,) = _notes(owner)
    assert "Sold Alt is no longer yours" in note.title
    assert "no longer updates it" in note.message
    assert note.level == "warning"


def test_the_notification_is_sent_only_once_within_the_throttle_timeout(
    owner, alt, django_capture_on_commit_callbacks
):
    for _ in range(2):  # the character comes back and is lost again
        with django_capture_on_commit_callbacks(execute=True):
            CharacterOwnership.objects.filter(character=alt.eve_character).delete()
        add_character(owner, alt.eve_character)
    assert len(_notes(owner)) == 1


def test_the_throttle_timeout_comes_from_the_setting(
    owner, alt, settings, django_capture_on_commit_callbacks
):
    settings.APP_UTILS_NOTIFY_THROTTLED_TIMEOUT = 1
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        CharacterOwnership.objects.filter(character=alt.eve_character).delete()
    (key,) = cache.keys("APP_UTILS_THROTTLED_*")  # app_utils' throttle of this notification
    assert 0 < cache.ttl(key) <= 1


def test_moving_the_character_to_another_user_notifies_only_the_former_owner(
    owner, alt, django_capture_on_commit_callbacks
):
    buyer = create_member("buyer", "basic_access")
    with django_capture_on_commit_callbacks(execute=True):
        ownership = CharacterOwnership.objects.get(character=alt.eve_character)
        ownership.user = buyer
        ownership.save()
    assert len(_notes(owner)) == 1
    assert _notes(buyer) == []


def test_saving_an_ownership_without_a_change_of_user_notifies_nobody(
    owner, alt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ownership = CharacterOwnership.objects.get(character=alt.eve_character)
        ownership.owner_hash = "new-hash"
        ownership.save()
    assert _notes(owner) == []


def test_characters_not_registered_with_member_audit_are_ignored(owner, django_capture_on_commit_callbacks):
    stranger = create_eve_character("Never Registered")
    add_character(owner, stranger)
    with django_capture_on_commit_callbacks(execute=True):
        CharacterOwnership.objects.get(character=stranger).delete()
    assert _notes(owner) == []


def test_deleting_the_user_sends_nothing_and_fails_nothing(owner, alt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert not Notification.objects.exists()


def test_nothing_is_sent_when_the_transaction_rolls_back(owner, alt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        CharacterOwnership.objects.get(character=alt.eve_character).delete()
    assert len(callbacks) == 1  # waits for the commit, which never comes here
    assert _notes(owner) == []
