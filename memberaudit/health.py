"""When is a registered character *healthy*: the one definition, for every page and report.

A character is healthy when

- it is enabled (a disabled character is not updated at all);
- none of its sections has a token problem (revoked, expired or under-scoped token);
- **every** section of the registry was checked recently enough: within its check interval
  (its ring's ``MEMBERAUDIT_UPDATE_STALE_RING_*`` or its ``MEMBERAUDIT_UPDATE_STALE_OVERRIDES``
  entry, stretched by the learned back-off when the section had not changed for long:
  ``registry.check_interval_minutes``, the rule the periodic run follows) plus
  ``MEMBERAUDIT_HEALTH_GRACE_MINUTES``. A section whose ESI route is reported down is excused:
  that is nobody's fault and ends by itself.

A section that failed its last update is still healthy until its last good check is too old:
errors are retried within minutes, and a short ESI outage must not make members
non-compliant. The check time is ``last_checked_at`` / ``last_success_at``
(``models.characters.checked_at_expression``); the grace covers the lag of the cache's
heartbeats behind the database (at most one periodic run, see ``sections.heartbeats``).

Two forms, tested to agree:

- :func:`character_health` / :func:`health_by_character` (and :func:`health_of_loaded` over
  statuses a page already has): a :class:`Health` with
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
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberaudit import app_settings
from memberaudit.core import staleness
from memberaudit.models import Character, SectionStatus
from memberaudit.models.characters import checked_at_expression, newest
from memberaudit.sections import registry

__all__ = [
    "Health",
    "character_health",
    "health_by_character",
    "health_of_loaded",
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


def _grace_minutes() -> int:
    return int(app_settings.get("MEMBERAUDIT_HEALTH_GRACE_MINUTES"))


def deadlines(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Per section: the oldest check time that counts as recent enough without any back-off."""
    now = now or timezone.now()
    grace = _grace_minutes()
    return {name: now - dt.timedelta(minutes=stale_minutes(name) + grace) for name in registry.names()}


@dataclass(frozen=True)
class _Rules:
    """The settings the rule reads, read once per evaluation (not once per section and character)."""

    stale_minutes: dict[str, int]
    backoff_max: int
    backoff_cap: float | None
    grace_minutes: int

    @classmethod
    def current(cls) -> _Rules:
        factor, cap = registry.backoff_settings()
        return cls({name: stale_minutes(name) for name in registry.names()}, factor, cap, _grace_minutes())


def is_checked_recently(
    section: str,
    checked_at: dt.datetime | None,
    last_change_at: dt.datetime | None,
    now: dt.datetime,
    rules: _Rules | None = None,
) -> bool:
    """Whether a check at ``checked_at`` is recent enough for a section unchanged since ``last_change_at``.

    The allowed age is the section's check interval (its stale time, stretched by the learned
    back-off: ``registry.check_interval_minutes``, as the periodic run schedules it) plus the
    grace: a section the run leaves alone on purpose is never reported as out of date.
    """
    if checked_at is None:
        return False
    rules = rules or _Rules.current()
    unchanged = staleness.unchanged_minutes(
        checked_at.timestamp(), last_change_at.timestamp() if last_change_at else None
    )
    interval = staleness.check_interval_minutes(
        unchanged, rules.stale_minutes[section], rules.backoff_max, rules.backoff_cap
    )
    return checked_at >= now - dt.timedelta(minutes=interval + rules.grace_minutes)


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


def _evaluate(
    is_disabled: bool, statuses: Iterable[SectionStatus], now: dt.datetime, rules: _Rules
) -> Health:
    """The rule in Python, over a character's statuses (their ``checked_at`` includes the cache's)."""
    names = rules.stale_minutes
    by_name = {status.section: status for status in statuses if status.section in names}
    token_errors = tuple(sorted(name for name, status in by_name.items() if status.is_token_error))
    stale = tuple(
        name
        for name in names
        if not (
            (status := by_name.get(name))
            and (
                status.is_route_down
                or is_checked_recently(name, status.checked_at, status.last_change_at, now, rules)
            )
        )
    )
    checked = newest(*(status.checked_at for status in by_name.values()))
    common = {
        "sections": len(names),
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
        ) % {"count": len(stale), "total": len(names)}
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
    rules = _Rules.current()
    return {pk: _evaluate(disabled[pk], statuses[pk], now, rules) for pk in disabled}


def health_of_loaded(
    character: Character, statuses: Iterable[SectionStatus], *, now: dt.datetime | None = None
) -> Health:
    """The health of one character from statuses the caller already loaded with their cache
    check times attached (``heartbeats.attach_check_times``): no query, no cache round trip.

    The viewer loads every status for its table anyway; this spares it reading them twice.
    """
    return _evaluate(character.is_disabled, statuses, now or timezone.now(), _Rules.current())


def character_health(character: Character, *, now: dt.datetime | None = None) -> Health:
    """The health of one character: one query and one cache round trip.

    Stable entry point for the pages (the viewer imports it): ``character_health(c).is_healthy``
    and ``.reason``.
    """
    return health_by_character([character], now=now)[character.pk]


# --- in the database ----------------------------------------------------------------------------


def _recent_q(levels: list[tuple[float, float]], now: dt.datetime, grace: int) -> Q:
    """:func:`is_checked_recently` for sections with these back-off steps, as a database filter.

    Checked within the first step's interval; or within a longer step's, when the section had
    been unchanged (``last_change_at`` before the check) for at least that step's quiet time.
    A status without a change time gets no back-off, as in Python (NULL compares false).
    """
    recent = Q(pk__in=[])  # no step: nothing is recent
    for quiet_minutes, interval in levels:
        checked = checked_at_expression()
        step = Q(GreaterThanOrEqual(checked, now - dt.timedelta(minutes=interval + grace)))
        if quiet_minutes > 0:
            step &= Q(LessThanOrEqual(F("last_change_at"), checked - dt.timedelta(minutes=quiet_minutes)))
        recent |= step
    return recent


def fresh_status_q(now: dt.datetime | None = None) -> Q:
    """Section statuses (``SectionStatus`` rows) that count towards a healthy character."""
    now = now or timezone.now()
    grace = _grace_minutes()
    by_levels: dict[tuple[tuple[float, float], ...], list[str]] = {}
    for name in registry.names():
        by_levels.setdefault(tuple(registry.backoff_levels(name)), []).append(name)
    recent = Q(pk__in=[])  # no section: nothing is recent
    for levels, names in by_levels.items():
        recent |= Q(section__in=names) & _recent_q(list(levels), now, grace)
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
