"""Compliance groups follow compliance: given to compliant users, taken from the others,
and every change is told to the user."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import add_character, create_eve_character, create_member, register_character, register_main

from django.contrib.auth.models import Group
from django.utils import timezone

from allianceauth.notifications.models import Notification

from memberaudit import compliance
from memberaudit.models import SectionStatus
from memberaudit.models.compliance import ComplianceGroupDesignation
from memberaudit.sections import registry


def _healthy(character):
    """Every section checked just now (``memberaudit.health``'s definition of healthy)."""
    now = timezone.now()
    SectionStatus.objects.bulk_create(
        SectionStatus(character=character, section=name, last_checked_at=now) for name in registry.names()
    )
    return character


@pytest.fixture
def group(db):
    group = Group.objects.create(name="Compliant members")
    ComplianceGroupDesignation.objects.create(group=group)
    return group


def test_compliance_needs_every_character_registered_and_healthy(db):
    good = create_member("good", "basic_access")
    _healthy(register_main(good))
    _healthy(register_character(good, "Good Alt"))
    unregistered = create_member("unregistered", "basic_access")
    _healthy(register_main(unregistered))
    add_character(unregistered, create_eve_character("Hidden Alt"))
    broken = create_member("broken", "basic_access")
    SectionStatus.objects.filter(character=_healthy(register_main(broken)), section="skills").update(
        is_token_error=True
    )
    never = create_member("never", "basic_access")
    register_main(never)
    # the old rule counted one updated section as healthy; most were never updated
    partial = create_member("partial", "basic_access")
    SectionStatus.objects.create(
        character=register_main(partial), section="skills", last_success_at=timezone.now()
    )
    late = create_member("late", "basic_access")
    SectionStatus.objects.filter(character=_healthy(register_main(late)), section="assets").update(
        last_checked_at=timezone.now() - dt.timedelta(days=2)
    )
    disabled = create_member("disabled", "basic_access")
    character = _healthy(register_main(disabled))
    character.is_disabled = True
    character.save()
    create_member("nothing_registered", "basic_access")

    assert {user.username for user in compliance.compliant_users()} == {"good"}


def test_groups_are_added_and_removed_with_a_notification(group):
    good = create_member("good", "basic_access")
    _healthy(register_main(good))
    lapsed = create_member("lapsed", "basic_access")
    _healthy(register_main(lapsed))
    add_character(lapsed, create_eve_character("New Alt"))
    lapsed.groups.add(group)
    bystander = create_member("bystander", "basic_access")
    bystander.groups.add(Group.objects.create(name="Other"))

    result = compliance.update_compliance_groups()

    assert result == {"added": 1, "removed": 1}
    assert set(group.user_set.values_list("username", flat=True)) == {"good"}
    assert Notification.objects.filter(user=good, level="success", title__contains="added").count() == 1
    assert Notification.objects.filter(user=lapsed, level="warning", title__contains="removed").count() == 1
    assert not Notification.objects.filter(user=bystander).exists()
    assert bystander.groups.filter(name="Other").exists(), "other groups are left alone"


def test_a_second_run_changes_nothing_and_notifies_nobody(group):
    good = create_member("good", "basic_access")
    _healthy(register_main(good))
    compliance.update_compliance_groups()
    count = Notification.objects.count()

    assert compliance.update_compliance_groups() == {"added": 0, "removed": 0}
    assert Notification.objects.count() == count


def test_without_designated_groups_nothing_happens(db):
    good = create_member("good", "basic_access")
    _healthy(register_main(good))
    assert compliance.update_compliance_groups() == {"added": 0, "removed": 0}
    assert not good.groups.exists()


def test_it_is_a_celery_task_with_a_stable_name(group):
    from celery import current_app

    assert "memberaudit.compliance.update_compliance_groups" in current_app.tasks
    good = create_member("good", "basic_access")
    _healthy(register_main(good))
    assert compliance.update_compliance_groups.delay().get() == {"added": 1, "removed": 0}
