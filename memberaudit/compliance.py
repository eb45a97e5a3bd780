"""Compliance: has a user registered every character they own, and are those healthy?

One definition serves the compliance reports and the compliance groups:

- a user's characters are their AA character ownerships;
- a character is *registered* when it has a Member Audit ``Character``;
- a registered character is *healthy* as ``memberaudit.health`` defines it (the one definition
  the launcher and the finder use too): enabled, no token problem, and every section checked
  within its stale time plus a grace;
- a user is *compliant* when they own at least one character and every one is registered
  and healthy.

``update_compliance_groups`` (a Celery task, scheduled by the site, e.g. hourly) gives
the designated groups to compliant users, takes them from users that stopped being
compliant, and tells each affected user through an AA notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from celery import shared_task

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from allianceauth.eveonline.models import EveCharacter
from allianceauth.notifications import notify

from memberaudit import app_settings, health
from memberaudit.health import Health
from memberaudit.models import Character
from memberaudit.sections import registry

logger = logging.getLogger(__name__)

_OWNERSHIPS = "character_ownerships"
_REGISTERED = f"{_OWNERSHIPS}__character__memberaudit_character"


def unhealthy_characters() -> QuerySet:
    """Primary keys of registered characters that are not healthy (a lazy subquery; see ``health``)."""
    return health.unhealthy_characters()


def annotate_compliance(users: QuerySet[User]) -> QuerySet[User]:
    """``users`` with ``characters``, ``unregistered``, ``unhealthy`` counts (one query)."""
    return users.annotate(
        characters=Count(_OWNERSHIPS, distinct=True),
        unregistered=Count(_OWNERSHIPS, filter=Q(**{f"{_REGISTERED}__isnull": True}), distinct=True),
        # judged per joined character (a correlated subquery), not by "IN every unhealthy
        # character": for the users of one page that evaluates their characters only
        unhealthy=Count(
            _OWNERSHIPS,
            filter=Q(**{f"{_REGISTERED}__isnull": False}) & ~health.healthy_q(f"{_REGISTERED}__"),
            distinct=True,
        ),
    )


def compliant_users(users: QuerySet[User] | None = None) -> QuerySet[User]:
    """The compliant ones among ``users`` (all users by default)."""
    users = User.objects.all() if users is None else users
    return annotate_compliance(users).filter(characters__gt=0, unregistered=0, unhealthy=0)


def is_compliant(row: dict) -> bool:
    """Whether an ``annotate_compliance`` row (as a dict) is compliant."""
    return row["characters"] > 0 and row["unregistered"] == 0 and row["unhealthy"] == 0


@dataclass(frozen=True)
class Problem:
    """A registered character that keeps its owner from being compliant, and why."""

    character: Character
    health: Health
    #: scopes of the sections whose token no longer works (what registering again must grant)
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserStatus:
    """Where one user stands, and what they must do to become compliant (the launcher's banner)."""

    #: characters the user owns in Alliance Auth that are not registered here
    unregistered: list[EveCharacter]
    problems: list[Problem]
    owns_characters: bool
    #: names of the groups compliant members get
    groups: list[str] = field(default_factory=list)

    @property
    def is_compliant(self) -> bool:
        return self.owns_characters and not self.unregistered and not self.problems


def user_status(user: User, registered: Iterable[tuple[Character, Health]]) -> UserStatus:
    """Compliance of ``user`` from the health of their registered characters (as the launcher
    computed it with ``health.health_by_character``): two queries.

    The same rule as :func:`compliant_users`: every owned character registered and healthy.
    """
    registered = list(registered)
    unregistered = list(
        EveCharacter.objects.filter(
            character_ownership__user=user, memberaudit_character__isnull=True
        ).order_by("character_name")
    )
    problems = []
    for character, verdict in registered:
        if not verdict.is_healthy:
            scopes = sorted(
                {scope for name in verdict.token_error_sections for scope in _section_scopes(name)}
            )
            problems.append(Problem(character=character, health=verdict, scopes=tuple(scopes)))
    groups = list(
        Group.objects.filter(memberaudit_compliance__isnull=False)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return UserStatus(
        unregistered=unregistered,
        problems=problems,
        owns_characters=bool(registered or unregistered),
        groups=groups,
    )


def _section_scopes(name: str) -> tuple[str, ...]:
    try:
        return tuple(registry.get(name).scopes)
    except KeyError:  # a section that no longer exists
        return ()


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
