"""When is a registered character *healthy*: the one definition, for every page and report.

A character is healthy when

- it is enabled (a disabled character is not updated at all);
- none of its sections has a token problem (revoked, expired or under-scoped token);
- **every** section of the registry was checked recently enough: within its stale time
  (its ring's ``MEMBERAUDIT_UPDATE_STALE_RING_*`` or its ``MEMBERAUDIT_UPDATE_STALE_OVERRIDES``
  entry, as the periodic run uses it) plus ``MEMBERAUDIT_HEALTH_GRACE_MINUTES``. A section
  whose ESI route is reported down is excused: that is nobody's fault and ends by itself.

A section that failed its last update is still healthy until its last good check is too old:
errors are retried within minutes, and a short ESI outage must not make members
non-compliant. The check time is ``last_checked_at`` / ``last_success_at``
(``models.characters.checked_at_expression``); the grace covers the lag of the cache's
heartbeats behind the database (at most one periodic run, see ``sections.heartbeats``).

Two forms, tested to agree:

- :func:`character_health` / :func:`health_by_character`: a :class:`Health` with
  ``is_healthy`` and a short human ``reason`` per character (launcher, finder, viewer);
- :func:`healthy_q` / :func:`unhealthy_characters`: the same rule as a database expression
  for querysets (finder filters, compliance report, compliance groups): one correlated
  subquery per character that reads its rows through the (character, section) unique index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberaudit import app_settings
from memberaudit.models import Character, SectionStatus
from memberaudit.models.characters import checked_at_expression, newest
from memberaudit.sections import registry

__all__ = [
    "Health",
    "character_health",
    "health_by_character",
    "healthy_annotation",
    "healthy_q",
    "unhealthy_characters",
]

# --- the codes a page shows ---------------------------------------------------------------------

OK = "ok"
DISABLED = "disabled"
TOKEN_ERROR = "token_error"
NEVER_UPDATED = "never_updated"
STALE = "stale"

LABELS = {
    OK: _("OK"),
    DISABLED: _("Disabled"),
    TOKEN_ERROR: _("Token broken"),
    NEVER_UPDATED: _("Never updated"),
    STALE: _("Out of date"),
}


# --- the rule's parameters ----------------------------------------------------------------------


stale_minutes = registry.stale_minutes


def deadlines(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Per section: the oldest check time that still counts as recent enough."""
    now = now or timezone.now()
    grace = int(app_settings.get("MEMBERAUDIT_HEALTH_GRACE_MINUTES"))
    return {name: now - dt.timedelta(minutes=stale_minutes(name) + grace) for name in registry.names()}


# --- per character ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """The health of one character, and why.

    Stable interface (the launcher, the finder and the viewer read it): ``is_healthy``,
    ``code`` (one of ``LABELS``), ``label``, ``reason`` (one short sentence), ``errors``
    (sections whose last update failed), ``last_checked_at`` / ``last_change_at`` (newest over
    the sections; None: never).
    """

    code: str = NEVER_UPDATED
    reason: str = ""
    sections: int = 0
    #: sections not checked recently enough (including never checked ones)
    stale_sections: tuple[str, ...] = ()
    token_error_sections: tuple[str, ...] = ()
    errors: int = 0
    last_checked_at: dt.datetime | None = None
    last_change_at: dt.datetime | None = None

    @property
    def is_healthy(self) -> bool:
        return self.code == OK

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    def __str__(self) -> str:
        return self.reason


def _evaluate(is_disabled: bool, statuses: Iterable[SectionStatus], now: dt.datetime) -> Health:
    """The rule in Python, over a character's statuses (their ``checked_at`` includes the cache's)."""
    limits = deadlines(now)
    by_name = {status.section: status for status in statuses if status.section in limits}
    token_errors = tuple(sorted(name for name, status in by_name.items() if status.is_token_error))
    stale = tuple(
        name
        for name, limit in limits.items()
        if not (
            (status := by_name.get(name))
            and (status.is_route_down or (status.checked_at is not None and status.checked_at >= limit))
        )
    )
    checked = newest(*(status.checked_at for status in by_name.values()))
    common = {
        "sections": len(limits),
        "stale_sections": stale,
        "token_error_sections": token_errors,
        "errors": sum(1 for status in by_name.values() if status.error_message),
        "last_checked_at": checked,
        "last_change_at": newest(*(status.last_change_at for status in by_name.values())),
    }
    if is_disabled:
        return Health(code=DISABLED, reason=str(_("Disabled: this character is not updated.")), **common)
    if token_errors:
        reason = ngettext(
            "The token no longer works for %(count)d section: register the character again.",
            "The token no longer works for %(count)d sections: register the character again.",
            len(token_errors),
        ) % {"count": len(token_errors)}
        return Health(code=TOKEN_ERROR, reason=reason, **common)
    if checked is None:
        return Health(code=NEVER_UPDATED, reason=str(_("No section has been updated yet.")), **common)
    if stale:
        reason = ngettext(
            "%(count)d of %(total)d sections was not updated recently enough.",
            "%(count)d of %(total)d sections were not updated recently enough.",
            len(stale),
        ) % {"count": len(stale), "total": len(limits)}
        return Health(code=STALE, reason=reason, **common)
    if common["errors"]:
        reason = ngettext(
            "Up to date; %(count)d section failed its last update and is retried.",
            "Up to date; %(count)d sections failed their last update and are retried.",
            common["errors"],
        ) % {"count": common["errors"]}
    else:
        reason = str(_("Every section is up to date."))
    return Health(code=OK, reason=reason, **common)


_STATUS_FIELDS = (
    "character_id",
    "section",
    "last_success_at",
    "last_checked_at",
    "last_change_at",
    "error_message",
    "is_token_error",
    "is_route_down",
)


def health_by_character(
    characters: Iterable[Character | int], *, now: dt.datetime | None = None, use_cache: bool = True
) -> dict[int, Health]:
    """Health of each character (objects or primary keys): two queries however many there are
    (one when objects are given), plus one cache round trip per 2,000 sections for the
    heartbeats newer than the database (``use_cache``)."""
    from memberaudit.sections import heartbeats  # the cache layer; only needed here

    now = now or timezone.now()
    disabled: dict[int, bool] = {}
    pks: list[int] = []
    for character in characters:
        if isinstance(character, Character):
            disabled[character.pk] = character.is_disabled
        else:
            pks.append(int(character))
    if pks:
        disabled.update(Character.objects.filter(pk__in=pks).values_list("pk", "is_disabled"))
    if not disabled:
        return {}
    statuses: dict[int, list[SectionStatus]] = {pk: [] for pk in disabled}
    rows = list(SectionStatus.objects.filter(character_id__in=list(disabled)).only(*_STATUS_FIELDS))
    if use_cache:
        heartbeats.attach_check_times(rows)
    for status in rows:
        statuses[status.character_id].append(status)
    return {pk: _evaluate(disabled[pk], statuses[pk], now) for pk in disabled}


def character_health(character: Character, *, now: dt.datetime | None = None) -> Health:
    """The health of one character: one query and one cache round trip.

    Stable entry point for the pages (the viewer imports it): ``character_health(c).is_healthy``
    and ``.reason``.
    """
    return health_by_character([character], now=now)[character.pk]


# --- in the database ----------------------------------------------------------------------------


def fresh_status_q(now: dt.datetime | None = None) -> Q:
    """Section statuses (``SectionStatus`` rows) that count towards a healthy character."""
    by_deadline: dict[dt.datetime, list[str]] = {}
    for name, limit in deadlines(now).items():
        by_deadline.setdefault(limit, []).append(name)
    recent = Q(pk__in=[])  # no section: nothing is recent
    for limit, names in by_deadline.items():
        recent |= Q(Q(section__in=names), GreaterThanOrEqual(checked_at_expression(), limit))
    return Q(is_token_error=False) & Q(section__in=registry.names()) & (Q(is_route_down=True) | recent)


def _fresh_sections(character_ref: str, now: dt.datetime | None) -> Coalesce:
    """Number of fresh sections of the outer row's character (0 when none)."""
    count = (
        SectionStatus.objects.filter(character_id=OuterRef(character_ref))
        .filter(fresh_status_q(now))
        .order_by()
        .values("character_id")
        .annotate(fresh=Count("pk"))
        .values("fresh")[:1]
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def healthy_q(prefix: str = "", now: dt.datetime | None = None) -> Q:
    """Healthy characters, as a filter of a queryset that reaches ``Character`` via ``prefix``.

    ``prefix`` is "" on ``Character`` itself, ``"memberaudit_character__"`` on AA's
    ``EveCharacter``. Rows without a registered character never match.
    """
    return Q(**{f"{prefix}is_disabled": False}) & Q(
        Exact(_fresh_sections(f"{prefix}pk", now), len(registry.names()))
    )


def healthy_annotation(prefix: str = "", now: dt.datetime | None = None) -> ExpressionWrapper:
    """:func:`healthy_q` as a boolean column (to sort or show)."""
    return ExpressionWrapper(healthy_q(prefix, now), output_field=BooleanField())


def unhealthy_characters(now: dt.datetime | None = None) -> QuerySet:
    """Primary keys of registered characters that are not healthy (a lazy subquery)."""
    return Character.objects.exclude(healthy_q(now=now)).values("pk")
