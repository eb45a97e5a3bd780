"""Compliance: has a user registered every character they own, and are those healthy?

One definition serves the compliance reports and the compliance groups:

- a user's characters are their AA character ownerships;
- a character is *registered* when it has a Member Audit ``Character``;
- a registered character is *healthy* when it is not disabled, at least one of its sections
  was updated successfully and none has a token error;
- a user is *compliant* when they own at least one character and every one is registered
  and healthy.

``update_compliance_groups`` (a Celery task, scheduled by the site, e.g. hourly) gives
the designated groups to compliant users, takes them from users that stopped being
compliant, and tells each affected user through an AA notification.
"""

from __future__ import annotations

import logging

from celery import shared_task

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from allianceauth.notifications import notify

from memberaudit import app_settings
from memberaudit.models import Character, SectionStatus

logger = logging.getLogger(__name__)

_OWNERSHIPS = "character_ownerships"
_REGISTERED = f"{_OWNERSHIPS}__character__memberaudit_character"


def unhealthy_characters() -> QuerySet:
    """Primary keys of registered characters that are not healthy (a lazy subquery)."""
    token_broken = SectionStatus.objects.filter(is_token_error=True).values("character_id")
    updated = SectionStatus.objects.filter(last_success_at__isnull=False).values("character_id")
    return Character.objects.filter(Q(is_disabled=True) | Q(pk__in=token_broken) | ~Q(pk__in=updated)).values(
        "pk"
    )


def annotate_compliance(users: QuerySet[User]) -> QuerySet[User]:
    """``users`` with ``characters``, ``unregistered``, ``unhealthy`` counts (one query)."""
    return users.annotate(
        characters=Count(_OWNERSHIPS, distinct=True),
        unregistered=Count(_OWNERSHIPS, filter=Q(**{f"{_REGISTERED}__isnull": True}), distinct=True),
        unhealthy=Count(
            _OWNERSHIPS, filter=Q(**{f"{_REGISTERED}__in": unhealthy_characters()}), distinct=True
        ),
    )


def compliant_users(users: QuerySet[User] | None = None) -> QuerySet[User]:
    """The compliant ones among ``users`` (all users by default)."""
    users = User.objects.all() if users is None else users
    return annotate_compliance(users).filter(characters__gt=0, unregistered=0, unhealthy=0)


def is_compliant(row: dict) -> bool:
    """Whether an ``annotate_compliance`` row (as a dict) is compliant."""
    return row["characters"] > 0 and row["unregistered"] == 0 and row["unhealthy"] == 0


@shared_task(name="memberaudit.compliance.update_compliance_groups")
def update_compliance_groups() -> dict[str, int]:
    """Add the designated groups to compliant users, remove them from the others; notify.

    A Celery task; call it directly to run it in-process.
    """
    groups = list(Group.objects.filter(memberaudit_compliance__isnull=False).order_by("name"))
    if not groups:
        return {"added": 0, "removed": 0}
    compliant = set(compliant_users(User.objects.filter(is_active=True)).values_list("pk", flat=True))
    membership = User.groups.through.objects.filter(group__in=groups)
    holders: dict[int, set[int]] = {group.pk: set() for group in groups}
    for user_id, group_id in membership.values_list("user_id", "group_id"):
        holders[group_id].add(user_id)
    gained: dict[int, list[Group]] = {}
    lost: dict[int, list[Group]] = {}
    with transaction.atomic():
        for group in groups:
            to_add = compliant - holders[group.pk]
            to_remove = holders[group.pk] - compliant
            # through the relation manager, so AA's signals (services, state) see the change
            if to_add:
                group.user_set.add(*to_add)
            if to_remove:
                group.user_set.remove(*to_remove)
            for user_id in to_add:
                gained.setdefault(user_id, []).append(group)
            for user_id in to_remove:
                lost.setdefault(user_id, []).append(group)
    _notify(gained, lost)
    added, removed = sum(map(len, gained.values())), sum(map(len, lost.values()))
    logger.info("Compliance groups: %d added, %d removed", added, removed)
    return {"added": added, "removed": removed}


def _notify(gained: dict[int, list[Group]], lost: dict[int, list[Group]]) -> None:
    app = app_settings.get("MEMBERAUDIT_APP_NAME")
    users = User.objects.in_bulk(set(gained) | set(lost))
    for user_id, groups in gained.items():
        notify(
            users[user_id],
            _("%(app)s: you were added to %(groups)s") % {"app": app, "groups": _names(groups)},
            _("All your characters are registered in %(app)s, so you are now a member of %(groups)s.")
            % {"app": app, "groups": _names(groups)},
            level="success",
        )
    for user_id, groups in lost.items():
        notify(
            users[user_id],
            _("%(app)s: you were removed from %(groups)s") % {"app": app, "groups": _names(groups)},
            _(
                "Some of your characters are not registered in %(app)s or their tokens no longer "
                "work, so you are no longer a member of %(groups)s. Register them again to get "
                "the groups back."
            )
            % {"app": app, "groups": _names(groups)},
            level="warning",
        )


def _names(groups: list[Group]) -> str:
    return ", ".join(group.name for group in groups)
