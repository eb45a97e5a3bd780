"""Querysets of the intel pages: report, investigate, asset search and where-is.

Shared by the views, the CSV download and ``bench/intel.py``. Every function starts from
``access.accessible_characters(user)``: a result never holds a character the user could not
open in the viewer. Each page costs a fixed number of queries (counts, one page of rows, one
aggregate), however many characters and rows there are: paging, sorting and filtering happen
in the database; the report's score is computed in Python per member (one row each).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    Expression,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from eveuniverse.models import EveEntity, EveType

from memberaudit import access
from memberaudit.core import formatting
from memberaudit.core import intel as core
from memberaudit.models import (
    Character,
    CharacterAsset,
    CharacterInteraction,
    CounterpartyAffiliation,
    Location,
    WatchListEntry,
)
from memberaudit.models.skillsets import CharacterSkillSetCheck
from memberaudit.queries import TableRequest, parse_id
from memberaudit.sections import registry

_OWNER = "character__eve_character__character_ownership__user"
_MAIN = f"{_OWNER}__profile__main_character"
#: a member: the owner's user id, or minus the character's pk for a character without owner
_MEMBER = Coalesce(F(f"{_OWNER}_id"), -F("character_id"), output_field=BigIntegerField())
#: evidence rows shown per member in the report (the investigate page shows all)
EVIDENCE_PER_MEMBER = 25


# --- filters ----------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    """A positive 64-bit id, or None (the one rule of ``queries.parse_id``)."""
    return parse_id(value)


def _text(query: Mapping[str, Any], name: str) -> str:
    return str(query.get(name, "") or "").strip()[:100]


@dataclasses.dataclass(frozen=True)
class IntelFilters:
    """What the report is narrowed to: a watch list, an entity kind, an evidence source, a date."""

    watch_list: int | None = None
    kind: str = ""
    source: str = ""
    since: datetime | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> IntelFilters:
        """Read ``list``, ``kind``, ``source`` and ``since`` (YYYY-MM-DD); ignore anything invalid."""
        kind = _text(query, "kind")
        source = _text(query, "source")
        since = parse_date(_text(query, "since")) if _text(query, "since") else None
        return cls(
            watch_list=_int(query.get("list")),
            kind=kind if kind in core.ENTITY_KINDS else "",
            source=source if source in evidence_sources() else "",
            since=(
                timezone.make_aware(datetime(since.year, since.month, since.day))
                if since is not None
                else None
            ),
        )


def evidence_sources() -> dict[str, str]:
    """Section name -> title of every section that feeds the index (in the active language)."""
    return {name: str(title) for name, title in _evidence_sources()}


@functools.cache
def _evidence_sources() -> tuple[tuple[str, Any], ...]:
    return tuple((s.name, s.title) for s in registry.all_sections() if s.counterparties)


def watched_entries(filters: IntelFilters) -> QuerySet[WatchListEntry]:
    """The watch list entries the report matches against."""
    entries = WatchListEntry.objects.all()
    if filters.watch_list:
        entries = entries.filter(watch_list_id=filters.watch_list)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    return entries


class IdList(Expression):
    """Integer ids as the right side of ``__in``: ``(%s, %s, ...)`` with the ids as parameters.

    ``field__in=[...]`` prepares every value through the field (a few microseconds each);
    with the thousands of counterparty ids a report page sends three times, that was a
    large part of the page's time. The ids are ints already (from the database).
    """

    def __init__(self, ids: Iterable[int]) -> None:
        super().__init__(output_field=BigIntegerField())
        self.ids = tuple(ids)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[int]]:
        if not self.ids:
            return "(NULL)", []  # matches nothing, like an empty list
        return f"({', '.join(['%s'] * len(self.ids))})", list(self.ids)


def _ids(ids: QuerySet | list[int]) -> QuerySet | IdList:
    return ids if isinstance(ids, QuerySet) else IdList(ids)


def _via_affiliation(entity_ids: QuerySet | list[int]) -> QuerySet:
    """Character counterparties whose corporation, alliance or faction is among ``entity_ids``."""
    ids = _ids(entity_ids)
    return CounterpartyAffiliation.objects.filter(
        Q(corporation_id__in=ids) | Q(alliance_id__in=ids) | Q(faction_id__in=ids)
    ).values("entity_id")


def _interactions(user: User) -> QuerySet[CharacterInteraction]:
    """Index rows of the characters ``user`` may open."""
    accessible = access.accessible_characters(user)
    if not accessible.query.where:  # every character: no filter, so the database can lead with
        return CharacterInteraction.objects.all()  # the counterparty index
    return CharacterInteraction.objects.filter(character__in=accessible.values("pk"))


#: up to this many matching counterparties are sent to the database as a list (index seeks on
#: the counterparty); more fall back to subqueries
MAX_LISTED_COUNTERPARTIES = 10_000


def matching_counterparties(filters: IntelFilters) -> list[int] | None:
    """Every counterparty id that matches the watched entities: the entities themselves and
    whoever belongs to them (two queries). None when there are too many to list."""
    entity_ids = list(watched_entries(filters).values_list("entity_id", flat=True))
    if len(entity_ids) > MAX_LISTED_COUNTERPARTIES:
        return None
    members = list(
        _via_affiliation(entity_ids).values_list("entity_id", flat=True)[: MAX_LISTED_COUNTERPARTIES + 1]
    )
    if len(entity_ids) + len(members) > MAX_LISTED_COUNTERPARTIES:
        return None
    return sorted(set(entity_ids) | set(members))


def hits(
    user: User, filters: IntelFilters, counterparties: list[int] | None = None
) -> QuerySet[CharacterInteraction]:
    """Index rows of the user's accessible characters that match a watched entity (lazy).

    Pass ``matching_counterparties(filters)`` when a request asks more than once.
    """
    return _matching(_interactions(user), filters, counterparties)


def _matching(
    qs: QuerySet[CharacterInteraction], filters: IntelFilters, counterparties: list[int] | None
) -> QuerySet[CharacterInteraction]:
    if counterparties is None:
        counterparties = matching_counterparties(filters)
    if counterparties is not None:
        qs = qs.filter(counterparty_id__in=IdList(counterparties))
    else:
        entity_ids = watched_entries(filters).values("entity_id")
        qs = qs.filter(
            Q(counterparty_id__in=entity_ids) | Q(counterparty_id__in=_via_affiliation(entity_ids))
        )
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.since:  # a contact still listed is current, whatever its date
        qs = qs.filter(Q(last_seen__gte=filters.since) | Q(source="contacts"))
    return qs


def entity_hits(user: User, entity_id: int) -> QuerySet[CharacterInteraction]:
    """Index rows of accessible characters involving one entity, directly or as members of it."""
    members = list(
        _via_affiliation([entity_id]).values_list("entity_id", flat=True)[:MAX_LISTED_COUNTERPARTIES]
    )
    if len(members) < MAX_LISTED_COUNTERPARTIES:
        return _interactions(user).filter(counterparty_id__in=IdList(sorted({entity_id, *members})))
    return _interactions(user).filter(
        Q(counterparty_id=entity_id) | Q(counterparty_id__in=_via_affiliation([entity_id]))
    )


# --- evidence ---------------------------------------------------------------------------------


def _affiliation(field: str) -> Subquery:
    return Subquery(
        CounterpartyAffiliation.objects.filter(entity_id=OuterRef("counterparty_id")).values(field)[:1]
    )


_EVIDENCE_FIELDS = (
    "character_id",
    "source",
    "counterparty_id",
    "kind",
    "first_seen",
    "last_seen",
    "count",
    "isk",
    "standing",
)


def _with_evidence_fields(qs: QuerySet[CharacterInteraction]) -> QuerySet:
    return qs.values(
        *_EVIDENCE_FIELDS,
        character_name=F("character__eve_character__character_name"),
        character_eve_id=F("character__eve_character__character_id"),
        # a subquery, not a join: the index names ids whose EveEntity may not exist yet
        counterparty_name=Subquery(
            EveEntity.objects.filter(id=OuterRef("counterparty_id")).values("name")[:1]
        ),
        affiliation_corporation=_affiliation("corporation_id"),
        affiliation_alliance=_affiliation("alliance_id"),
        affiliation_faction=_affiliation("faction_id"),
    )


def watched_map(entries: QuerySet[WatchListEntry]) -> dict[int, list[dict[str, Any]]]:
    """entity id -> its entries (with list name), for matching evidence rows: one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    for entry in entries.values(
        "entity_id", "kind", "name", "reason", "watch_list_id", list_name=F("watch_list__name")
    ):
        found.setdefault(entry["entity_id"], []).append(entry)
    return found


def _iso(value: datetime | None) -> str | None:
    """A time for scripts and the CSV: ISO 8601 (what a page shows is in ``shown``)."""
    return value.isoformat() if value else None


class ViewerLinks:
    """Links into the character viewer: a tab, and what the tab's table should show first.

    ``link(character_pk, "assets", parent=..., item=...)`` gives
    ``/<viewer>/<pk>/?item=..&parent=..#ma-tab-assets``. The hash opens the tab (the viewer
    supports it); the query names what its table shows: ``search`` (the table's search
    box), the table's own parameters (``parent``: a container's contents, as the assets tab's
    drill-down asks for them) and ``item`` (the row meant). Built once per request: the URL
    is reversed once, not per row.
    """

    _PLACEHOLDER = 987_654_321_012

    def __init__(self) -> None:
        url = reverse("memberaudit:character_viewer", args=[self._PLACEHOLDER])
        self.head, self.tail = url.split(str(self._PLACEHOLDER))

    def __call__(self, character_pk: int, section: str, **params: Any) -> str:
        query = urlencode(sorted((name, value) for name, value in params.items() if value not in (None, "")))
        return f"{self.head}{character_pk}{self.tail}{'?' + query if query else ''}#ma-tab-{section}"


class EvidenceFormatter:
    """Turns evidence rows into what the pages and the CSV show.

    Built once per request: URLs, titles and translations are looked up once, not per row
    (a report page formats over a thousand rows). An evidence row links to its section's
    tab in the viewer, searched for the counterparty's name: the rows behind the evidence.
    """

    def __init__(self, watched: Mapping[int, list[dict[str, Any]]]) -> None:
        self.watched = watched
        self.now = timezone.now()  # relative times of one answer count from one moment
        self.link = ViewerLinks()
        self.sources = evidence_sources()
        self.via_titles = {
            core.DIRECT: _("directly"),
            core.VIA_CORPORATION: _("through its corporation"),
            core.VIA_ALLIANCE: _("through its alliance"),
            core.VIA_FACTION: _("through its faction"),
        }
        self.unknown = _("Unknown (%(id)s)")

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        affiliation = core.Affiliation(
            row["affiliation_corporation"], row["affiliation_alliance"], row["affiliation_faction"]
        )
        found = core.matches(row["counterparty_id"], affiliation, self.watched)
        source = row["source"]
        return {
            "character": row["character_name"],
            "character_id": row["character_eve_id"],
            "viewer_url": self.link(row["character_id"], source, search=row["counterparty_name"]),
            "source": source,
            "source_title": self.sources.get(source, source),
            "counterparty": row["counterparty_name"] or self.unknown % {"id": row["counterparty_id"]},
            "counterparty_id": row["counterparty_id"],
            "kind": row["kind"],
            "corporation_id": affiliation.corporation_id,
            "alliance_id": affiliation.alliance_id,
            "first_seen": _iso(row["first_seen"]),
            "last_seen": _iso(row["last_seen"]),
            "count": row["count"],
            "isk": str(row["isk"] or Decimal(0)),
            "standing": row["standing"],
            # as the page shows them: the one formatting layer, in the active language
            "shown": {
                "first_seen": formatting.shown_moment(row["first_seen"], self.now),
                "last_seen": formatting.shown_moment(row["last_seen"], self.now),
                "isk": formatting.shown_isk(row["isk"] or Decimal(0)),
            },
            "matches": [
                {
                    "entity": match.entry["name"] or str(match.entry["entity_id"]),
                    "entity_id": match.entry["entity_id"],
                    "kind": match.entry["kind"],
                    "list": match.entry.get("list_name", ""),
                    "reason": match.entry.get("reason", ""),
                    "via": match.via,
                    "via_title": self.via_titles[match.via],
                }
                for match in found
            ],
        }


def evidence_row(row: dict[str, Any], watched: Mapping[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """One evidence row as the pages and the CSV show it (see ``EvidenceFormatter`` for many)."""
    return EvidenceFormatter(watched)(row)


# --- the report -------------------------------------------------------------------------------

REPORT_SORT = {"member": "member", "characters": "characters", "interactions": "interactions",
               "isk": "isk", "last_seen": "last_seen", "score": "score"}  # fmt: skip


def _search(qs: QuerySet[CharacterInteraction], search: str) -> QuerySet[CharacterInteraction]:
    """Rows of characters whose name, or whose main's name, contains ``search``."""
    if not search:
        return qs
    return qs.filter(
        Q(character__eve_character__character_name__icontains=search)
        | Q(**{f"{_MAIN}__character_name__icontains": search})
    )


#: what scoring needs of each member (cheap: no names, no distinct counts)
_SCORE_FIELDS = {
    "interactions": Sum("count"),
    "isk": Sum("isk"),
    "last_seen": Max("last_seen", filter=~Q(source="contacts")),
    "contacts": Count("pk", filter=Q(source="contacts")),
    "best_standing": Max("standing"),
}
#: what a member's row shows besides its score
_DETAIL_FIELDS = {
    "main_name": Max(f"{_MAIN}__character_name"),
    "main_corporation": Max(f"{_MAIN}__corporation_name"),
    "lone_name": Max("character__eve_character__character_name"),
    "characters": Count("character", distinct=True),
    "counterparties": Count("counterparty", distinct=True),
    "first_seen": Min("first_seen"),
}
#: the detail fields each sort column needs for every member (the others: only for one page)
_SORT_NEEDS = {"member": ("main_name", "lone_name"), "characters": ("characters",)}


def _scored(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A member's row (from ``_SCORE_FIELDS`` and any ``_DETAIL_FIELDS``) with its score."""
    parts = core.score(
        count=row["interactions"] or 0,
        last_seen=row["last_seen"],
        isk=row["isk"],
        now=now,
        current_contact=bool(row["contacts"]),
        best_standing=row["best_standing"],
    )
    member = {
        "member_key": row["member_key"],
        "is_orphan": row["member_key"] < 0,
        "interactions": row["interactions"] or 0,
        "isk": str(row["isk"] or Decimal(0)),
        "last_seen": _iso(row["last_seen"]),
        "shown": {
            "last_seen": formatting.shown_moment(row["last_seen"], now),
            "isk": formatting.shown_isk(row["isk"] or Decimal(0)),
        },
        "contacts": row["contacts"],
        "best_standing": row["best_standing"],
        "score": parts.total,
        "score_parts": {
            "volume": parts.volume,
            "recency": parts.recency,
            "isk": parts.isk,
            "standing": parts.standing,
        },
    }
    _add_details(member, row)
    return member


def _add_details(member: dict[str, Any], row: dict[str, Any]) -> None:
    """Copy the detail fields ``row`` has onto ``member`` (names as the page shows them)."""
    if "main_name" in row or "lone_name" in row:
        is_member = not member["is_orphan"]
        member["member"] = (row.get("main_name") if is_member else row.get("lone_name")) or ""
    if "main_corporation" in row:
        member["corporation"] = (row["main_corporation"] if not member["is_orphan"] else "") or ""
    for name in ("characters", "counterparties"):
        if name in row:
            member[name] = row[name]
    if "first_seen" in row:
        member["first_seen"] = _iso(row["first_seen"])
        member["shown"]["first_seen"] = formatting.shown_moment(row["first_seen"], timezone.now())


def member_summaries(
    user: User,
    filters: IntelFilters,
    search: str = "",
    now: datetime | None = None,
    counterparties: list[int] | None = None,
) -> list[dict]:
    """One row per member (main with alts; a character without owner stands alone), scored,
    with every detail. One aggregate query; sorted by score, highest first.

    The report's pages use ``_rank_members`` and ``_member_details`` instead: details only
    for the members of one page.
    """
    now = now or timezone.now()
    rows = (
        _search(hits(user, filters, counterparties), search)
        .order_by()
        .values(member_key=_MEMBER)
        .annotate(**_SCORE_FIELDS, **_DETAIL_FIELDS)
    )
    members = [_scored(row, now) for row in rows]
    members.sort(key=lambda m: (-m["score"], m["member"].casefold(), m["member_key"]))
    return members


def _rank_members(
    qs: QuerySet[CharacterInteraction], now: datetime, table: TableRequest
) -> list[dict[str, Any]]:
    """Every member of ``qs`` scored and in the page's order: one aggregate query.

    Reads only what scoring and the requested sort need: names and distinct counts cost more
    than the score of thousands of members, and a page shows 50 (``_member_details``).
    """
    needs = {field for column, _desc in table.order for field in _SORT_NEEDS.get(REPORT_SORT[column], ())}
    rows = (
        qs.order_by()
        .values(member_key=_MEMBER)
        .annotate(**_SCORE_FIELDS, **{name: _DETAIL_FIELDS[name] for name in sorted(needs)})
    )
    members = [_scored(row, now) for row in rows]
    # by score, ties by member key (stable: a member keeps its place from page to page)
    members.sort(key=lambda m: (-m["score"], m["member_key"]))
    if table.order:
        members = _sort_members(members, table)
    return members


def _member_details(
    filters: IntelFilters,
    characters: list[int],
    search: str = "",
    counterparties: list[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """Names, corporation, distinct counts and first date of the members owning ``characters``
    (one page of the report): one aggregate query over their rows only."""
    if not characters:
        return {}
    qs = _search(
        _matching(CharacterInteraction.objects.filter(character_id__in=characters), filters, counterparties),
        search,
    )
    return {
        row["member_key"]: row for row in qs.order_by().values(member_key=_MEMBER).annotate(**_DETAIL_FIELDS)
    }


def _sort_members(members: list[dict], table: TableRequest) -> list[dict]:
    for column, descending in reversed(table.order):
        key = REPORT_SORT[column]

        def value(member: dict, key: str = key) -> Any:
            item = member[key]
            if key == "isk":
                return Decimal(item)
            if key == "member":
                return item.casefold()
            return item if item is not None else ""

        members = sorted(members, key=value, reverse=descending)
    return members


def _characters_of_members(user: User, member_keys: list[int]) -> list[int]:
    """Pks of the accessible characters of these members (owners' user ids, or minus a lone
    character's pk): one query."""
    if not member_keys:
        return []
    owners = [key for key in member_keys if key > 0]
    lone = [-key for key in member_keys if key < 0]
    return list(
        access.accessible_characters(user)
        .filter(Q(eve_character__character_ownership__user_id__in=owners) | Q(pk__in=lone))
        .values_list("pk", flat=True)
    )


def evidence_of_members(
    user: User,
    filters: IntelFilters,
    member_keys: list[int],
    per_member: int = EVIDENCE_PER_MEMBER,
    counterparties: list[int] | None = None,
    characters: list[int] | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """The newest evidence rows of each member in ``member_keys``: one query (window function).

    ``characters``: the members' characters when the caller has them (else one query more).
    """
    if not member_keys:
        return {}
    # the page's characters first: the evidence query then leads with the character
    if characters is None:
        characters = _characters_of_members(user, member_keys)
    qs = _matching(CharacterInteraction.objects.filter(character_id__in=characters), filters, counterparties)
    ranked = (
        _with_evidence_fields(qs)
        .annotate(
            member_key=_MEMBER,
            rank=Window(
                RowNumber(),
                partition_by=[_MEMBER],
                order_by=[F("last_seen").desc(nulls_last=True), F("count").desc(), F("pk").asc()],
            ),
        )
        .filter(rank__lte=per_member)
        .order_by("member_key", "rank")
    )
    formatter = EvidenceFormatter(watched_map(watched_entries(filters)))
    result: dict[int, list[dict[str, Any]]] = {}
    for row in ranked:
        result.setdefault(row["member_key"], []).append(formatter(row))
    return result


def report_page(
    user: User, filters: IntelFilters, table: TableRequest, now: datetime | None = None
) -> dict[str, Any]:
    """One page of the intel report in DataTables' answer format, with each member's evidence.

    Every member is scored (the default order is by score), but names, distinct counts and
    evidence are read for the page's members only: the queries and most of the work do not
    grow with the number of members.
    """
    now = now or timezone.now()
    counterparties = matching_counterparties(filters)
    matching = hits(user, filters, counterparties)
    members = _rank_members(_search(matching, table.search), now, table)
    if table.search:
        total = matching.order_by().values(member_key=_MEMBER).distinct().count()
    else:
        total = len(members)
    page = members[table.start : table.start + table.length]
    keys = [m["member_key"] for m in page]
    characters = _characters_of_members(user, keys)
    details = _member_details(filters, characters, table.search, counterparties)
    evidence = evidence_of_members(user, filters, keys, counterparties=counterparties, characters=characters)
    for member in page:
        _add_details(member, details.get(member["member_key"], {}))
        for name, empty in (("member", ""), ("corporation", ""), ("characters", 0), ("counterparties", 0)):
            member.setdefault(name, empty)
        member.setdefault("first_seen", None)
        member["shown"].setdefault("first_seen", None)
        member["evidence"] = evidence.get(member["member_key"], [])
    return {"draw": table.draw, "recordsTotal": total, "recordsFiltered": len(members), "data": page}


CSV_HEADER = (
    "member",
    "score",
    "character",
    "source",
    "counterparty",
    "counterparty_id",
    "kind",
    "matched",
    "matched_id",
    "list",
    "via",
    "first_seen",
    "last_seen",
    "count",
    "isk",
    "standing",
)


def report_csv_rows(user: User, filters: IntelFilters, now: datetime | None = None) -> Iterator[list[Any]]:
    """Every evidence row of the report (member, score, evidence, matched entity), streamed."""
    counterparties = matching_counterparties(filters)
    members = {
        m["member_key"]: m for m in member_summaries(user, filters, now=now, counterparties=counterparties)
    }
    formatter = EvidenceFormatter(watched_map(watched_entries(filters)))
    qs = (
        _with_evidence_fields(hits(user, filters, counterparties))
        .annotate(member_key=_MEMBER)
        .order_by("member_key", F("last_seen").desc(nulls_last=True), "pk")
    )
    for row in qs.iterator(chunk_size=2000):
        member = members.get(row["member_key"], {})
        evidence = formatter(row)
        for match in evidence["matches"] or [None]:
            yield [
                member.get("member", ""),
                member.get("score", ""),
                evidence["character"],
                evidence["source"],
                evidence["counterparty"],
                evidence["counterparty_id"],
                evidence["kind"],
                match["entity"] if match else "",
                match["entity_id"] if match else "",
                match["list"] if match else "",
                match["via"] if match else "",
                evidence["first_seen"] or "",
                evidence["last_seen"] or "",
                evidence["count"],
                Decimal(evidence["isk"]),
                evidence["standing"] if evidence["standing"] is not None else "",
            ]


# --- investigate ------------------------------------------------------------------------------

INVESTIGATE_SORT = {
    "character": "character__eve_character__character_name",
    "counterparty": "counterparty_name",
    "source": "source",
    "last_seen": "last_seen",
    "first_seen": "first_seen",
    "count": "count",
    "isk": "isk",
}


def investigate_page(user: User, entity: Mapping[str, Any], table: TableRequest) -> dict[str, Any]:
    """Every accessible character that dealt with ``entity`` (id, kind, name), paged."""
    base = entity_hits(user, int(entity["id"]))
    filtered = base
    if table.search:
        filtered = base.filter(
            Q(character__eve_character__character_name__icontains=table.search)
            | Q(counterparty_id__in=EveEntity.objects.filter(name__icontains=table.search).values("id"))
        )
    ordering = [
        F(INVESTIGATE_SORT[column]).desc(nulls_last=True)
        if desc
        else F(INVESTIGATE_SORT[column]).asc(nulls_first=True)
        for column, desc in table.order
    ] or [F("last_seen").desc(nulls_last=True)]
    total = base.count()
    filtered_count = filtered.count() if table.search else total
    page = list(
        _with_evidence_fields(filtered).order_by(*ordering, "pk")[table.start : table.start + table.length]
    )
    formatter = EvidenceFormatter(
        {int(entity["id"]): [{**entity, "entity_id": int(entity["id"]), "list_name": "", "reason": ""}]}
    )
    summary = base.aggregate(
        characters=Count("character", distinct=True), interactions=Sum("count"), isk=Sum("isk")
    )
    return {
        "draw": table.draw,
        "recordsTotal": total,
        "recordsFiltered": filtered_count,
        "data": [formatter(row) for row in page],
        "summary": {
            "characters": summary["characters"],
            "interactions": summary["interactions"] or 0,
            "isk": str(summary["isk"] or Decimal(0)),
        },
    }


# --- asset search -----------------------------------------------------------------------------

_REGION = "location__eve_solar_system__eve_constellation__eve_region"
ASSET_GROUPINGS = ("items", "characters", "locations")
ASSET_SORT = {
    "items": {
        "character": "character__eve_character__character_name",
        "type": "eve_type__name",
        "group": "eve_type__eve_group__name",
        "name": "name",
        "quantity": "quantity",
        "location": "location__name",
        "system": "location__eve_solar_system__name",
        "region": f"{_REGION}__name",
    },
    "characters": {"character": "character_name", "quantity": "quantity", "stacks": "stacks"},
    "locations": {
        "location": "location_name",
        "system": "system_name",
        "region": "region_name",
        "quantity": "quantity",
        "stacks": "stacks",
        "characters": "characters",
    },
}


def _name_or_id(qs: QuerySet, field: str, value: str) -> QuerySet:
    """Rows whose ``field`` is the id (digits) or whose name contains ``value``.

    An id is compared through an alias of the column: a plain ``field_id=`` filter would make
    the later joins for display (names) inner joins and drop rows whose referenced object is
    not loaded yet.
    """
    if value.isdigit():
        alias = f"_{field.replace('__', '_')}_ref"
        return qs.alias(**{alias: F(f"{field}_id")}).filter(**{alias: int(value)})
    return qs.filter(**{f"{field}__name__icontains": value})


#: type or location filters matching at most this many ids are sent as a list of ids (the
#: assets' indexes on type and location then do the work); more are joined
MAX_LISTED_IDS = 5_000


def _of_accessible_characters(qs: QuerySet, user: User) -> QuerySet:
    """``qs`` (rows with a ``character``) limited to the characters ``user`` may open."""
    accessible = access.accessible_characters(user)
    if not accessible.query.where:  # every character: no filter at all
        return qs
    return qs.filter(character__in=accessible.values("pk"))


def _narrow_to_ids(qs: QuerySet, field: str, lookup_qs: QuerySet, filters: list[tuple[str, str]]) -> QuerySet:
    """Filter ``qs`` by the ids of ``lookup_qs`` rows matching ``filters`` (name part or id each).

    An id of the object itself is used as it is (its row may not be loaded yet).
    """
    # compared through an alias of the column: a plain ``field_id`` filter would make the later
    # joins for display inner joins and drop rows whose referenced object is not loaded yet
    qs = qs.alias(**{f"_{field}_ref": F(f"{field}_id")})
    if len(filters) == 1 and filters[0][0] == "" and filters[0][1].isdigit():
        return qs.filter(**{f"_{field}_ref": int(filters[0][1])})
    for path, value in filters:
        if value.isdigit():
            lookup_qs = lookup_qs.filter(**{f"{path}id" if path else "id": int(value)})
        else:
            lookup_qs = lookup_qs.filter(**{f"{path}name__icontains": value})
    ids = list(lookup_qs.values_list("id", flat=True)[: MAX_LISTED_IDS + 1])
    if len(ids) <= MAX_LISTED_IDS:
        return qs.filter(**{f"_{field}_ref__in": ids})
    return qs.filter(**{f"{field}__in": lookup_qs.values("id")})


def asset_search(user: User, query: Mapping[str, Any]) -> QuerySet[CharacterAsset]:
    """Assets of accessible characters narrowed by ``type``, ``group``, ``category``, ``name``,
    ``location``, ``system`` and ``region`` (each a name part or an id).

    Type and location filters are resolved to ids first (one small query each), so the
    database finds the assets through its indexes instead of joining every asset.
    """
    qs = _of_accessible_characters(CharacterAsset.objects.all(), user)
    type_filters = [
        (path, value)
        for param, path in (("type", ""), ("group", "eve_group__"), ("category", "eve_group__eve_category__"))
        if (value := _text(query, param))
    ]
    if type_filters:
        qs = _narrow_to_ids(qs, "eve_type", EveType.objects.all(), type_filters)
    location_filters = [
        (path, value)
        for param, path in (
            ("location", ""),
            ("system", "eve_solar_system__"),
            ("region", "eve_solar_system__eve_constellation__eve_region__"),
        )
        if (value := _text(query, param))
    ]
    if location_filters:
        qs = _narrow_to_ids(qs, "location", Location.objects.all(), location_filters)
    if name := _text(query, "name"):
        qs = qs.filter(name__icontains=name)
    return qs


#: grouped asset views with up to this many groups are read in one query (counts and totals
#: from the rows); more are counted and paged in the database
MAX_GROUPS = 5_000
#: sort columns of the grouped asset views that need a name (joined only then)
_GROUP_NAMES = {
    "character_name": F("character__eve_character__character_name"),
    "location_name": F("location__name"),
    "system_name": F("location__eve_solar_system__name"),
    "region_name": F(f"{_REGION}__name"),
}


def _grouped_assets(
    qs: QuerySet[CharacterAsset], grouping: str, sort_names: set[str] = frozenset()
) -> QuerySet:
    """Totals per character or per location, grouped by id; names only when sorted by them."""
    names = {name: expression for name, expression in _GROUP_NAMES.items() if name in sort_names}
    if grouping == "characters":
        return qs.values("character_id", **names).annotate(quantity=Sum("quantity"), stacks=Count("pk"))
    return qs.values("location_id", **names).annotate(
        quantity=Sum("quantity"), stacks=Count("pk"), characters=Count("character", distinct=True)
    )


def _group_names(grouping: str, rows: list[dict[str, Any]]) -> None:
    """Add the names of a page of grouped rows (one query)."""
    if grouping == "characters":
        names = dict(
            Character.objects.filter(pk__in=[row["character_id"] for row in rows]).values_list(
                "pk", "eve_character__character_name"
            )
        )
        for row in rows:
            row["character_name"] = names.get(row["character_id"], "")
        return
    locations = {
        row["id"]: row
        for row in Location.objects.filter(
            pk__in=[row["location_id"] for row in rows if row["location_id"]]
        ).values(
            "id",
            location_name=F("name"),
            system_name=F("eve_solar_system__name"),
            region_name=F("eve_solar_system__eve_constellation__eve_region__name"),
        )
    }
    for row in rows:
        known = locations.get(row["location_id"], {})
        for key in ("location_name", "system_name", "region_name"):
            row[key] = known.get(key) or ""


def _add_containers(rows: list[dict[str, Any]], link: ViewerLinks) -> None:
    """Add to a page of single items their container (name, or type) and the link to the exact
    item in the viewer's assets tab: one query for the page's containers, none without any."""
    wanted = {(row["character_id"], row["parent_item_id"]) for row in rows if row["parent_item_id"]}
    containers: dict[tuple[int, int], str] = {}
    if wanted:
        for character_pk, item_id, name, type_name in CharacterAsset.objects.filter(
            character_id__in=sorted({pair[0] for pair in wanted}),
            item_id__in=sorted({pair[1] for pair in wanted}),
        ).values_list("character_id", "item_id", "name", "eve_type__name"):
            containers[(character_pk, item_id)] = name or type_name or ""
    for row in rows:
        parent = row["parent_item_id"]
        row["container_name"] = (
            (containers.get((row["character_id"], parent)) or _("Unknown (%(id)s)") % {"id": parent})
            if parent
            else ""
        )
        # in a container: its contents (the drill-down); at the top: the tab's search for it
        row["asset_url"] = link(
            row["character_id"],
            "assets",
            parent=parent,
            item=row["item_id"],
            search=None if parent else (row["name"] or row["type_name"]),
        )


def asset_page(user: User, query: Mapping[str, Any], table: TableRequest, grouping: str = "items") -> dict:
    """One page of the asset search (single items, or totals per character / per location)."""
    grouping = grouping if grouping in ASSET_GROUPINGS else "items"
    base = asset_search(user, query)
    filtered = base
    if table.search:
        filtered = base.filter(
            Q(character__eve_character__character_name__icontains=table.search)
            | Q(eve_type__name__icontains=table.search)
            | Q(name__icontains=table.search)
        )
    sort = ASSET_SORT[grouping]
    ordering = [
        F(sort[c]).desc(nulls_last=True) if d else F(sort[c]).asc(nulls_first=True) for c, d in table.order
    ]
    if grouping == "items":
        totals = filtered.aggregate(
            quantity=Sum("quantity"), stacks=Count("pk"), characters=Count("character", distinct=True)
        )
        total = base.count()
        filtered_count = filtered.count() if table.search else total
        rows = filtered.order_by(*ordering, "pk").values(
            "item_id",
            "parent_item_id",
            "character_id",
            "name",
            "quantity",
            "location_id",
            "location_flag",
            character_name=F("character__eve_character__character_name"),
            type_id=F("eve_type_id"),
            type_name=F("eve_type__name"),
            group_name=F("eve_type__eve_group__name"),
            location_name=F("location__name"),
            system_name=F("location__eve_solar_system__name"),
            region_name=F(f"{_REGION}__name"),
        )[table.start : table.start + table.length]
    else:
        grouped = _grouped_assets(filtered, grouping, {sort[column] for column, _desc in table.order})
        tiebreak = "character_id" if grouping == "characters" else "location_id"
        groups = [dict(row) for row in grouped.order_by(*ordering, tiebreak)[: MAX_GROUPS + 1]]
        if len(groups) <= MAX_GROUPS:  # every group at once: counts and totals without more queries
            filtered_count = len(groups)
            rows = groups[table.start : table.start + table.length]
            totals = {
                "quantity": sum(group["quantity"] or 0 for group in groups),
                "stacks": sum(group["stacks"] for group in groups),
                "characters": len(groups) if grouping == "characters" else None,
            }
        else:
            filtered_count = grouped.count()
            rows = [
                dict(row)
                for row in grouped.order_by(*ordering, tiebreak)[table.start : table.start + table.length]
            ]
            totals = filtered.aggregate(
                quantity=Sum("quantity"), stacks=Count("pk"), characters=Count("character", distinct=True)
            )
        total = _grouped_assets(base, grouping).count() if table.search else filtered_count
        if rows:
            _group_names(grouping, rows)
    link = ViewerLinks()
    rows = [dict(row) for row in rows]
    if grouping == "items":
        _add_containers(rows, link)
    data = []
    for row in rows:
        if "character_id" in row:
            row["viewer_url"] = link(row["character_id"], "assets")
        if "location_id" in row and not row.get("location_name") and row["location_id"]:
            row["location_name"] = _("Unknown location #%(id)s") % {"id": row["location_id"]}
        data.append(row)
    return {
        "draw": table.draw,
        "recordsTotal": total,
        "recordsFiltered": filtered_count,
        "data": data,
        "totals": {
            "quantity": totals["quantity"] or 0,
            "stacks": totals["stacks"],
            "characters": totals["characters"],
        },
    }


# --- where is everyone ------------------------------------------------------------------------

_CHAR_REGION = "location__eve_solar_system__eve_constellation__eve_region"
_CHAR_MAIN = "eve_character__character_ownership__user__profile__main_character"
WHERE_GROUPINGS = ("characters", "systems", "regions", "ships")
WHERE_SORT = {
    "characters": {
        "character": "eve_character__character_name",
        "main": f"{_CHAR_MAIN}__character_name",
        "system": "location__eve_solar_system__name",
        "region": f"{_CHAR_REGION}__name",
        "ship": "ship__eve_type__name",
        "online": "online_status__online",
        "last_login": "online_status__last_login",
    },
    "systems": {"name": "name", "region": "region", "characters": "characters", "online": "online"},
    "regions": {"name": "name", "characters": "characters", "online": "online"},
    "ships": {"name": "name", "characters": "characters", "online": "online"},
}


def where_is(user: User, query: Mapping[str, Any]) -> QuerySet[Character]:
    """Accessible characters narrowed by ``system``, ``region``, ``ship`` (type or group),
    ``online`` (yes / no), ``skill_set`` (can fly) and ``doctrine`` (can fly a set of the group)."""
    qs = access.accessible_characters(user)
    for param, field in (
        ("system", "location__eve_solar_system"),
        ("region", _CHAR_REGION),
    ):
        if value := _text(query, param):
            qs = _name_or_id(qs, field, value)
    if ship := _text(query, "ship"):
        if ship.isdigit():
            qs = _name_or_id(qs, "ship__eve_type", ship)
        else:
            qs = qs.filter(
                Q(ship__eve_type__name__icontains=ship) | Q(ship__eve_type__eve_group__name__icontains=ship)
            )
    online = _text(query, "online").lower()
    if online in ("yes", "true", "1"):
        qs = qs.filter(online_status__online=True)
    elif online in ("no", "false", "0"):
        qs = qs.filter(Q(online_status__online=False) | Q(online_status__isnull=True))
    checks = CharacterSkillSetCheck.objects.filter(character_id=OuterRef("pk"), can_fly=True)
    if skill_set := _int(query.get("skill_set")):
        qs = qs.filter(Exists(checks.filter(skill_set_id=skill_set)))
    if doctrine := _int(query.get("doctrine")):
        qs = qs.filter(Exists(checks.filter(skill_set__groups=doctrine)))
    return qs


def _grouped_characters(qs: QuerySet[Character], grouping: str) -> QuerySet:
    counts = {
        "characters": Count("pk"),
        "online": Count("pk", filter=Q(online_status__online=True)),
    }
    if grouping == "systems":
        return qs.values(
            key=F("location__eve_solar_system_id"),
            name=F("location__eve_solar_system__name"),
            region=F(f"{_CHAR_REGION}__name"),
        ).annotate(**counts)
    if grouping == "regions":
        return qs.values(key=F(f"{_CHAR_REGION}_id"), name=F(f"{_CHAR_REGION}__name")).annotate(**counts)
    return qs.values(key=F("ship__eve_type_id"), name=F("ship__eve_type__name")).annotate(**counts)


def where_page(
    user: User, query: Mapping[str, Any], table: TableRequest, grouping: str = "characters"
) -> dict:
    """One page of where-is: characters with location, ship and online status, or counts per
    system, region or ship type. With ``doctrine`` each character lists the sets it can fly."""
    grouping = grouping if grouping in WHERE_GROUPINGS else "characters"
    base = where_is(user, query)
    filtered = base
    if table.search:
        filtered = base.filter(
            Q(eve_character__character_name__icontains=table.search)
            | Q(**{f"{_CHAR_MAIN}__character_name__icontains": table.search})
        )
    sort = WHERE_SORT[grouping]
    ordering = [
        F(sort[c]).desc(nulls_last=True) if d else F(sort[c]).asc(nulls_first=True) for c, d in table.order
    ]
    if grouping == "characters":
        total = base.count()
        filtered_count = filtered.count() if table.search else total
        rows = list(
            filtered.order_by(*ordering, "pk").values(
                "pk",
                character=F("eve_character__character_name"),
                character_id=F("eve_character__character_id"),
                main=F(f"{_CHAR_MAIN}__character_name"),
                corporation=F("eve_character__corporation_name"),
                system_id=F("location__eve_solar_system_id"),
                system=F("location__eve_solar_system__name"),
                security=F("location__eve_solar_system__security_status"),
                region=F(f"{_CHAR_REGION}__name"),
                docked_at=F("location__location__name"),
                ship_type_id=F("ship__eve_type_id"),
                ship_type=F("ship__eve_type__name"),
                ship_name=F("ship__name"),
                online=F("online_status__online"),
                last_login=F("online_status__last_login"),
            )[table.start : table.start + table.length]
        )
        flyable = _flyable_sets([row["pk"] for row in rows], _int(query.get("doctrine")))
        link = ViewerLinks()
        now = timezone.now()
        data = []
        for row in rows:
            row["viewer_url"] = link(row["pk"], "location")
            row["shown"] = {"last_login": formatting.shown_moment(row["last_login"], now)}
            row["last_login"] = _iso(row["last_login"])
            row["can_fly"] = flyable.get(row["pk"], [])
            data.append(row)
    else:
        grouped = _grouped_characters(filtered, grouping)
        filtered_count = grouped.count()
        total = _grouped_characters(base, grouping).count() if table.search else filtered_count
        data = list(grouped.order_by(*ordering, "key")[table.start : table.start + table.length])
    return {"draw": table.draw, "recordsTotal": total, "recordsFiltered": filtered_count, "data": data}


def _flyable_sets(character_pks: list[int], doctrine: int | None) -> dict[int, list[str]]:
    """Skill sets of the doctrine each character can fly (one query, none without a doctrine)."""
    if not doctrine or not character_pks:
        return {}
    found: dict[int, list[str]] = {}
    for character_pk, name in (
        CharacterSkillSetCheck.objects.filter(
            character_id__in=character_pks, can_fly=True, skill_set__groups=doctrine
        )
        .order_by("skill_set__name")
        .values_list("character_id", "skill_set__name")
    ):
        found.setdefault(character_pk, []).append(name)
    return found
