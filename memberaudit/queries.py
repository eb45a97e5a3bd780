"""The finder's and the reports' queries, and the one parser of DataTables requests.

The views, the CSV downloads and ``bench/finder_reports.py`` share what is here. A view reads
the request with :meth:`TableRequest.from_query`, asks for a :class:`Listing` (everything in
the requester's scope, searched and sorted in the database) and either sends one page of it
(:meth:`Listing.page`, DataTables' JSON) or streams all of it (:meth:`Listing.stream`, CSV).

Cost, however many rows there are: a page is two or three queries (total, filtered count when
searching or filtering, the page's rows); the skill sets report adds one for the page's skill
set states and one for the per-skill-set totals, the finder three for the page's health and
owners' compliance; a download is one query per 2,000 rows (``CHUNK_SIZE``).

Filters (corporation, alliance, health, compliance, mains only) are declared per table
(``FINDER_FILTERS``, ...) and read by the same parser; they only ever narrow the requester's
scope, which ``access`` decides. "Healthy" is ``memberaudit.health``'s definition, "compliant"
``memberaudit.compliance``'s.

DataTables 2 server-side protocol: https://datatables.net/manual/server-side (``draw``,
``start``, ``length``, ``search[value]``, ``order[i][column|name|dir]``, ``columns[i][data]``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import BadRequest
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from allianceauth.eveonline.models import EveCharacter

from memberaudit import access, compliance, health
from memberaudit.models import SectionStatus
from memberaudit.models.characters import checked_at_expression
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet

# --- DataTables requests ------------------------------------------------------------------------

#: the longest page a client may ask for; DataTables' "All" (-1) gets this many rows too
MAX_PAGE_LENGTH = 500
DEFAULT_PAGE_LENGTH = 50
#: search terms are cut to this length and to this many words (each word is a LIKE per field)
MAX_SEARCH_LENGTH = 100
MAX_SEARCH_WORDS = 8
#: at most this many sort columns are read
MAX_ORDER_COLUMNS = 5
#: a larger ``start`` is read as this: an empty page, and a number every database accepts
MAX_START = 1_000_000_000
#: ``draw`` is echoed to the client; outside 0..MAX_DRAW it is read as 0
MAX_DRAW = 2**31 - 1
#: ESI ids and our keys are 64-bit
MAX_ID = 2**63 - 1
#: rows per query when a download streams a listing
CHUNK_SIZE = 2000


def parse_int(value: Any, default: int) -> int:
    """``value`` as an int, or ``default`` when it is missing or not an integer."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def parse_id(value: Any) -> int | None:
    """A positive 64-bit id, or None for anything else (missing, malformed, out of range)."""
    number = parse_int(value, 0)
    return number if 0 < number <= MAX_ID else None


#: kinds of a table's own filters (``TableRequest.from_query(filters=...)``): a positive 64-bit
#: id, or a yes/no flag; a collection of strings is a choice among them
ID = "id"
FLAG = "flag"
_YES, _NO = ("1", "true", "on", "yes"), ("0", "false", "off", "no")
FilterSpec = Mapping[str, "str | Collection[str]"]


@dataclass(frozen=True)
class TableRequest:
    """What a DataTables client asked for, validated: the only parser of that protocol here.

    ``order`` holds ``(column name, descending)`` pairs, only of sortable columns;
    ``filters`` the table's own filters that were set (``name -> value``; see ``get``).
    """

    draw: int = 0
    start: int = 0
    length: int = DEFAULT_PAGE_LENGTH
    search: str = ""
    order: tuple[tuple[str, bool], ...] = ()
    filters: tuple[tuple[str, Any], ...] = ()

    @property
    def stop(self) -> int:
        return self.start + self.length

    def get(self, name: str, default: Any = None) -> Any:
        """The value of filter ``name``, or ``default`` when it was not set."""
        return dict(self.filters).get(name, default)

    @staticmethod
    def parse_filters(query: Mapping[str, Any], spec: FilterSpec) -> dict[str, Any]:
        """The filters of ``spec`` that ``query`` sets (empty values are unset).

        Unlike DataTables' own parameters, which fall back safely, a malformed filter is the
        client's mistake and answers 400 (``BadRequest``): a filter read as "everything"
        would show more than was asked for.
        """
        values: dict[str, Any] = {}
        for name, kind in spec.items():
            raw = query.get(name)
            if raw is None or str(raw).strip() == "":
                continue
            raw = str(raw).strip()
            if kind == ID:
                value = parse_id(raw)
                if value is None:
                    raise BadRequest(f"{name}: not an id")
                values[name] = value
            elif kind == FLAG:
                if raw.lower() not in _YES + _NO:
                    raise BadRequest(f"{name}: not a yes/no value")
                if raw.lower() in _YES:
                    values[name] = True
            elif raw in kind:
                values[name] = raw
            else:
                raise BadRequest(f"{name}: not one of {', '.join(sorted(kind))}")
        return values

    @classmethod
    def from_query(
        cls,
        query: Mapping[str, Any],
        sortable: Collection[str],
        *,
        columns: Sequence[str] = (),
        default_length: int = DEFAULT_PAGE_LENGTH,
        default_order: Iterable[tuple[str, bool]] = (),
        filters: FilterSpec | None = None,
    ) -> TableRequest:
        """Read the request's parameters; anything malformed or out of range falls back safely.

        A sort column is named by ``order[i][name]``, else by ``columns[<index>][data]``, else
        by ``columns[<index>]`` of the server's own column list; names not in ``sortable`` are
        ignored. ``default_order`` applies only when the client sent no order at all. The search
        term is ``search[value]``, or ``search`` in a plain link (a download, a bookmark).
        ``filters`` declares the table's own filters (see :meth:`parse_filters`).
        """
        length = parse_int(query.get("length"), default_length)
        if length < 1 or length > MAX_PAGE_LENGTH:
            length = MAX_PAGE_LENGTH
        draw = parse_int(query.get("draw"), 0)
        order: list[tuple[str, bool]] = []
        for i in range(MAX_ORDER_COLUMNS):
            raw = query.get(f"order[{i}][column]")
            if raw is None:
                break
            index = parse_int(raw, -1)
            name = query.get(f"order[{i}][name]") or (
                query.get(f"columns[{index}][data]") if index >= 0 else None
            )
            if not name and 0 <= index < len(columns):
                name = columns[index]
            if name in sortable and name not in {column for column, _ in order}:
                order.append((str(name), query.get(f"order[{i}][dir]") == "desc"))
        if not order and "order[0][column]" not in query:
            order = list(default_order)
        return cls(
            draw=draw if 0 <= draw <= MAX_DRAW else 0,
            start=min(max(parse_int(query.get("start"), 0), 0), MAX_START),
            length=length,
            search=str(query.get("search[value]") or query.get("search") or "")
            .strip()[:MAX_SEARCH_LENGTH]
            .strip(),
            order=tuple(order),
            filters=tuple(cls.parse_filters(query, filters or {}).items()),
        )


def search_q(lookups: Iterable[str], term: str) -> Q:
    """Rows where every word of ``term`` is in one of the ``lookups`` (``icontains``)."""
    lookups = list(lookups)
    q = Q()
    for word in term.split()[:MAX_SEARCH_WORDS]:
        any_field = Q()
        for lookup in lookups:
            any_field |= Q(**{f"{lookup}__icontains": word})
        q &= any_field
    return q


SortField = str | Expression


def ordering(table: TableRequest, sort: Mapping[str, SortField], tiebreak: str) -> list:
    """ORDER BY for the request (empty values first ascending, last descending), then ``tiebreak``."""
    result: list = []
    for column, descending in table.order:
        field = sort[column]
        expression = F(field) if isinstance(field, str) else field
        result.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True))
    result.append(F(tiebreak).asc())  # stable pages
    return result


@dataclass
class Page:
    """One page of a listing, and the counts DataTables shows."""

    draw: int
    total: int
    filtered: int
    rows: list[dict[str, Any]]

    def answer(self, data: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        """DataTables' answer with ``data`` (default: the rows as they are)."""
        return {
            "draw": self.draw,
            "recordsTotal": self.total,
            "recordsFiltered": self.filtered,
            "data": self.rows if data is None else data,
            **extra,
        }


@dataclass(frozen=True)
class Listing:
    """The rows of one table for one requester: lazy querysets, nothing is queried yet.

    ``scope`` counts everything the requester may see, ``filtered`` what the search leaves,
    ``rows`` is ``filtered`` sorted and shaped as dicts (``values``).
    """

    scope: QuerySet
    filtered: QuerySet
    rows: QuerySet
    searched: bool

    def page(self, table: TableRequest) -> Page:
        """One page: two queries, three when searching."""
        total = self.scope.count()
        filtered = self.filtered.count() if self.searched else total
        rows = list(self.rows[table.start : table.stop]) if table.start < filtered else []
        return Page(draw=table.draw, total=total, filtered=filtered, rows=rows)

    def stream(self, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
        """Every row, ``chunk_size`` per query (for downloads)."""
        return self.rows.iterator(chunk_size=chunk_size)


def _listing(scope: QuerySet, lookups: Iterable[str], table: TableRequest) -> tuple[QuerySet, bool]:
    if table.search:
        return scope.filter(search_q(lookups, table.search)), True
    return scope, False


def batches(rows: Iterable[dict[str, Any]], size: int = CHUNK_SIZE) -> Iterator[list[dict[str, Any]]]:
    """``rows`` in lists of ``size``."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# --- finder -------------------------------------------------------------------------------------

_MAIN = "character_ownership__user__profile__main_character"


def _newest_of_statuses(expression: Expression | str) -> Subquery:
    """Per EveCharacter: the latest value of ``expression`` over its sections (NULL: none)."""
    if isinstance(expression, str):
        expression = F(expression)
    return Subquery(
        SectionStatus.objects.filter(character_id=OuterRef("memberaudit_character"))
        .values("character_id")
        .annotate(newest=Max(expression))
        .values("newest")
    )


#: finder column -> what it sorts by
FINDER_SORT: dict[str, SortField] = {
    "character": "character_name",
    "main": f"{_MAIN}__character_name",
    "corporation": "corporation_name",
    "alliance": "alliance_name",
    "last_checked": _newest_of_statuses(checked_at_expression()),
    "last_changed": _newest_of_statuses("last_change_at"),
    "registered": "memberaudit_character",
}
FINDER_SEARCH = ("character_name", f"{_MAIN}__character_name", "corporation_name", "alliance_name")


def _unregistered_owners(user: User) -> QuerySet:
    """Users whose unregistered characters the finder lists.

    An unregistered character has no ``Character`` row, so the character querysets of
    ``access`` cannot cover it; it follows its owner like a registered character would: one's
    own always, other members' (``access.accessible_users``) only with ``characters_access``.
    """
    if user.has_perm("memberaudit.characters_access"):
        return access.accessible_users(user).values("pk")
    return User.objects.filter(pk=user.pk).values("pk")


def finder_characters(user: User) -> QuerySet[EveCharacter]:
    """Every character the finder shows to ``user``: the registered ones they may open and the
    unregistered ones of those members (lazy; no query of its own)."""
    return EveCharacter.objects.filter(
        Q(memberaudit_character__in=access.accessible_characters(user).values("pk"))
        | Q(
            memberaudit_character__isnull=True,
            character_ownership__user__in=_unregistered_owners(user),
        )
    )


#: health filter values: registered and healthy, registered and not, not registered
HEALTHY, UNHEALTHY, UNREGISTERED = "healthy", "unhealthy", "unregistered"
#: compliance filter values
COMPLIANT, NON_COMPLIANT = "compliant", "non_compliant"

FINDER_FILTERS: dict[str, Any] = {
    "corporation": ID,
    "alliance": ID,
    "health": frozenset({HEALTHY, UNHEALTHY, UNREGISTERED}),
    "compliance": frozenset({COMPLIANT, NON_COMPLIANT}),
    "mains_only": FLAG,
}


def _compliant_owners() -> QuerySet:
    """Primary keys of compliant users (a lazy subquery)."""
    return compliance.compliant_users().values("pk")


def _affiliation_filters(table: TableRequest, path: str) -> Q:
    """``corporation`` / ``alliance`` filters on the EveCharacter at ``path`` (with "__")."""
    q = Q()
    if (corporation := table.get("corporation")) is not None:
        q &= Q(**{f"{path}corporation_id": corporation})
    if (alliance := table.get("alliance")) is not None:
        q &= Q(**{f"{path}alliance_id": alliance})
    return q


def _finder_filters(table: TableRequest) -> Q:
    q = _affiliation_filters(table, "")
    state = table.get("health")
    if state == HEALTHY:
        q &= Q(memberaudit_character__isnull=False) & health.healthy_q("memberaudit_character__")
    elif state == UNHEALTHY:
        q &= Q(memberaudit_character__in=health.unhealthy_characters())
    elif state == UNREGISTERED:
        q &= Q(memberaudit_character__isnull=True)
    owner = "character_ownership__user"
    if table.get("compliance") == COMPLIANT:
        q &= Q(**{f"{owner}__in": _compliant_owners()})
    elif table.get("compliance") == NON_COMPLIANT:
        q &= ~Q(**{f"{owner}__in": _compliant_owners()})
    if table.get("mains_only"):
        q &= Q(**{f"{_MAIN}_id": F("pk")})
    return q


def _filtered(
    scope: QuerySet, lookups: Iterable[str], table: TableRequest, filters: Q
) -> tuple[QuerySet, bool]:
    """``scope`` searched and filtered; True when that may leave fewer rows than ``scope``."""
    filtered, searched = _listing(scope, lookups, table)
    if filters:
        return filtered.filter(filters), True
    return filtered, searched


def finder(user: User, table: TableRequest) -> Listing:
    """The finder's rows: ``character_id``, names, ``memberaudit_character`` (None: unregistered),
    ``owner_id`` (None: nobody's)."""
    scope = finder_characters(user)
    filtered, searched = _filtered(scope, FINDER_SEARCH, table, _finder_filters(table))
    rows = filtered.order_by(*ordering(table, FINDER_SORT, "character_id")).values(
        "character_id",
        "character_name",
        "corporation_name",
        "alliance_name",
        "memberaudit_character",
        main_name=F(f"{_MAIN}__character_name"),
        owner_id=F("character_ownership__user_id"),
    )
    return Listing(scope=scope, filtered=filtered, rows=rows, searched=searched)


def compliant_among(user_ids: Iterable[int]) -> set[int]:
    """Which of these users are compliant (one query; for the rows of one page)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(compliance.compliant_users(User.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def affiliations(characters: QuerySet[EveCharacter]) -> dict[str, list[dict[str, Any]]]:
    """The corporations and alliances of ``characters`` (for a page's dropdowns): two queries."""
    corporations = (
        characters.order_by("corporation_name", "corporation_id")
        .values_list("corporation_id", "corporation_name")
        .distinct()
    )
    alliances = (
        characters.filter(alliance_id__isnull=False)
        .exclude(alliance_id=0)
        .order_by("alliance_name", "alliance_id")
        .values_list("alliance_id", "alliance_name")
        .distinct()
    )
    return {
        "corporations": [{"id": pk, "name": name} for pk, name in corporations],
        "alliances": [{"id": pk, "name": name} for pk, name in alliances],
    }


# --- user compliance ----------------------------------------------------------------------------

_USER_MAIN = "profile__main_character"

USER_COMPLIANCE_SORT: dict[str, SortField] = {
    "main": f"{_USER_MAIN}__character_name",
    "corporation": f"{_USER_MAIN}__corporation_name",
    "alliance": f"{_USER_MAIN}__alliance_name",
    "characters": "characters",
    "registered": "registered",
    "unregistered": "unregistered",
    "unhealthy": "unhealthy",
    "is_compliant": "is_compliant",
}
USER_COMPLIANCE_SEARCH = (
    f"{_USER_MAIN}__character_name",
    f"{_USER_MAIN}__corporation_name",
    f"{_USER_MAIN}__alliance_name",
)


def members_in_scope(user: User) -> QuerySet[User]:
    """The members (users with a main) of the requester's report scope."""
    return User.objects.filter(
        pk__in=access.accessible_users(user).values("pk"), **{f"{_USER_MAIN}__isnull": False}
    )


def members_affiliations(user: User) -> QuerySet[EveCharacter]:
    """The mains of the requester's report scope (for the reports' dropdowns)."""
    return EveCharacter.objects.filter(userprofile__user__in=members_in_scope(user).values("pk"))


def _is_compliant() -> Case:
    # compliance.compliant_users in SQL, so the report can sort by it (tested to agree)
    return Case(
        When(characters__gt=0, unregistered=0, unhealthy=0, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


USER_COMPLIANCE_FILTERS: dict[str, Any] = {
    "corporation": ID,
    "alliance": ID,
    "compliance": frozenset({COMPLIANT, NON_COMPLIANT}),
}


def _user_filters(table: TableRequest) -> Q:
    q = _affiliation_filters(table, f"{_USER_MAIN}__")
    if table.get("compliance") == COMPLIANT:
        q &= Q(pk__in=_compliant_owners())
    elif table.get("compliance") == NON_COMPLIANT:
        q &= ~Q(pk__in=_compliant_owners())
    return q


def user_compliance(user: User, table: TableRequest) -> Listing:
    """One row per member: characters, registered, unregistered, unhealthy, is_compliant.

    Filters (``USER_COMPLIANCE_FILTERS``): the main's corporation / alliance, compliance.
    """
    scope = members_in_scope(user)
    filtered, searched = _filtered(scope, USER_COMPLIANCE_SEARCH, table, _user_filters(table))
    rows = (
        compliance.annotate_compliance(filtered)
        .annotate(registered=F("characters") - F("unregistered"), is_compliant=_is_compliant())
        .order_by(*ordering(table, USER_COMPLIANCE_SORT, "pk"))
        .values(
            "characters",
            "registered",
            "unregistered",
            "unhealthy",
            "is_compliant",
            main=F(f"{_USER_MAIN}__character_name"),
            main_id=F(f"{_USER_MAIN}__character_id"),
            corporation_id=F(f"{_USER_MAIN}__corporation_id"),
            corporation=F(f"{_USER_MAIN}__corporation_name"),
            alliance=F(f"{_USER_MAIN}__alliance_name"),
        )
    )
    return Listing(scope=scope, filtered=filtered, rows=rows, searched=searched)


# --- corporation compliance ---------------------------------------------------------------------

CORPORATION_COMPLIANCE_SORT: dict[str, SortField] = {
    "corporation": "corporation",
    "alliance": "alliance",
    "members": "members",
    "compliant": "compliant",
    "share": "share",
}
CORPORATION_COMPLIANCE_SEARCH = (f"{_USER_MAIN}__corporation_name", f"{_USER_MAIN}__alliance_name")


CORPORATION_COMPLIANCE_FILTERS: dict[str, Any] = {"corporation": ID, "alliance": ID}


def corporation_compliance(user: User, table: TableRequest) -> Listing:
    """Per corporation of members' mains: members, compliant members and their share (%)."""
    members = members_in_scope(user)
    filtered, searched = _filtered(
        members, CORPORATION_COMPLIANCE_SEARCH, table, _affiliation_filters(table, f"{_USER_MAIN}__")
    )
    corporation_id = F(f"{_USER_MAIN}__corporation_id")
    compliant = compliance.compliant_users(members).values("pk")
    rows = (
        filtered.values(corporation_id=corporation_id)
        .annotate(
            corporation=Max(f"{_USER_MAIN}__corporation_name"),
            alliance=Max(f"{_USER_MAIN}__alliance_name"),
            members=Count("pk", distinct=True),
            compliant=Count("pk", filter=Q(pk__in=compliant), distinct=True),
        )
        .annotate(share=ExpressionWrapper(F("compliant") * 100.0 / F("members"), output_field=FloatField()))
        .order_by(*ordering(table, CORPORATION_COMPLIANCE_SORT, "corporation_id"))
    )
    return Listing(
        scope=members.values(corporation_id=corporation_id).distinct(),
        filtered=filtered.values(corporation_id=corporation_id).distinct(),
        rows=rows,
        searched=searched,
    )


# --- skill sets ---------------------------------------------------------------------------------

#: a character's state for a skill set in the skill sets report ("" when not checked yet)
RECOMMENDED, REQUIRED, MISSING = "recommended", "required", "missing"

_OWNER_MAIN = "eve_character__character_ownership__user__profile__main_character"
SKILL_SET_SORT: dict[str, SortField] = {
    "character": "eve_character__character_name",
    "main": f"{_OWNER_MAIN}__character_name",
    "corporation": "eve_character__corporation_name",
    "is_main": "is_main",
}
SKILL_SET_SEARCH = (
    "eve_character__character_name",
    f"{_OWNER_MAIN}__character_name",
    "eve_character__corporation_name",
)
#: prefix of the column of one skill set: "skill_sets.<id>" (DataTables reads it as a nested key)
SKILL_SET_COLUMN = "skill_sets."


def skill_sets(group_id: int | None = None) -> list[dict[str, Any]]:
    """The skill sets the report has a column for (all, or those of one group): ``id``, ``name``."""
    queryset = SkillSet.objects.order_by("name", "pk")
    if group_id is not None:
        queryset = queryset.filter(groups=group_id)
    return [{"id": pk, "name": name} for pk, name in queryset.values_list("pk", "name")]


def skill_set_groups_menu() -> dict[str, Any]:
    """Every skill set (``id``, ``name``) and the ids of each group's sets, for the page's columns.

    One query; the page picks the columns that :func:`skill_sets` will fill for a group.
    """
    sets: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    for pk, name, group in SkillSet.objects.order_by("name", "pk").values_list("pk", "name", "groups"):
        sets[pk] = name
        if group is not None:
            groups.setdefault(str(group), []).append(pk)
    return {"skill_sets": [{"id": pk, "name": name} for pk, name in sets.items()], "groups": groups}


def _state_rank(skill_set_id: int) -> Subquery:
    """Sort key of one skill set column: recommended 3, required 2, missing 1, unchecked NULL."""
    return Subquery(
        CharacterSkillSetCheck.objects.filter(character_id=OuterRef("pk"), skill_set_id=skill_set_id)
        .annotate(
            rank=Case(
                When(meets_recommended=True, then=Value(3)),
                When(can_fly=True, then=Value(2)),
                default=Value(1),
            )
        )
        .values("rank")[:1]
    )


def skill_set_sort(columns: Iterable[dict[str, Any]]) -> dict[str, SortField]:
    """The sortable columns of the skill sets report with these skill set columns."""
    return {**SKILL_SET_SORT, **{f"{SKILL_SET_COLUMN}{s['id']}": _state_rank(s["id"]) for s in columns}}


SKILL_SET_FILTERS: dict[str, Any] = {
    "group": ID,
    "corporation": ID,
    "alliance": ID,
    "health": frozenset({HEALTHY, UNHEALTHY}),
    "compliance": frozenset({COMPLIANT, NON_COMPLIANT}),
    "mains_only": FLAG,
}


def _skill_set_filters(table: TableRequest) -> Q:
    q = _affiliation_filters(table, "eve_character__")
    if table.get("health") == HEALTHY:
        q &= health.healthy_q()
    elif table.get("health") == UNHEALTHY:
        q &= Q(pk__in=health.unhealthy_characters())
    owner = "eve_character__character_ownership__user"
    if table.get("compliance") == COMPLIANT:
        q &= Q(**{f"{owner}__in": _compliant_owners()})
    elif table.get("compliance") == NON_COMPLIANT:
        q &= ~Q(**{f"{owner}__in": _compliant_owners()})
    return q


def skill_set_report(
    user: User, table: TableRequest, columns: list[dict[str, Any]], *, mains_only: bool | None = None
) -> Listing:
    """Characters of the requester's scope, one row each (states come from :func:`with_states`).

    Filters (``SKILL_SET_FILTERS``, read by the table request): ``mains_only`` (or the
    argument), corporation, alliance, health, compliance; ``group`` picks the columns.
    """
    scope = access.characters_in_scope(user)
    if mains_only or (mains_only is None and table.get("mains_only")):
        scope = scope.filter(eve_character_id=F(f"{_OWNER_MAIN}__pk"))
    filtered, searched = _filtered(scope, SKILL_SET_SEARCH, table, _skill_set_filters(table))
    rows = (
        filtered.annotate(
            is_main=ExpressionWrapper(
                Q(eve_character_id=F(f"{_OWNER_MAIN}__pk")), output_field=BooleanField()
            )
        )
        .order_by(*ordering(table, skill_set_sort(columns), "pk"))
        .values(
            "pk",
            "is_main",
            character=F("eve_character__character_name"),
            character_id=F("eve_character__character_id"),
            corporation=F("eve_character__corporation_name"),
            main=F(f"{_OWNER_MAIN}__character_name"),
        )
    )
    return Listing(scope=scope, filtered=filtered, rows=rows, searched=searched)


def with_states(
    rows: Iterable[dict[str, Any]], columns: list[dict[str, Any]], size: int = CHUNK_SIZE
) -> Iterator[dict[str, Any]]:
    """``rows`` of :func:`skill_set_report`, each with ``skill_sets``: ``{"<id>": state}``.

    One query per ``size`` rows (a page is one batch).
    """
    ids = [s["id"] for s in columns]
    for batch in batches(rows, size):
        states: dict[int, dict[int, str]] = {}
        if ids:
            checks = CharacterSkillSetCheck.objects.filter(
                character_id__in=[row["pk"] for row in batch], skill_set_id__in=ids
            ).values_list("character_id", "skill_set_id", "can_fly", "meets_recommended")
            for character_pk, skill_set_pk, can_fly, recommended in checks:
                state = RECOMMENDED if recommended else REQUIRED if can_fly else MISSING
                states.setdefault(character_pk, {})[skill_set_pk] = state
        for row in batch:
            found = states.get(row["pk"], {})
            yield {**row, "skill_sets": {str(pk): found.get(pk, "") for pk in ids}}


def skill_set_totals(listing: Listing, columns: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per skill set column (``"<id>"``): how many characters of the whole filtered listing
    (not only the page) can fly it (``required``: at least the required levels) and how many
    meet the recommended levels. One query."""
    ids = [s["id"] for s in columns]
    totals = {str(pk): {REQUIRED: 0, RECOMMENDED: 0} for pk in ids}
    if not ids:
        return totals
    rows = (
        CharacterSkillSetCheck.objects.filter(
            character_id__in=listing.filtered.order_by().values("pk"), skill_set_id__in=ids
        )
        .values("skill_set_id")
        .annotate(
            required=Count("pk", filter=Q(can_fly=True)),
            recommended=Count("pk", filter=Q(meets_recommended=True)),
        )
        .order_by()
    )
    for row in rows:
        totals[str(row["skill_set_id"])] = {REQUIRED: row["required"], RECOMMENDED: row["recommended"]}
    return totals
