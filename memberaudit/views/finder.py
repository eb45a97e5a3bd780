"""The character finder: every character the user may open, plus the unregistered characters
of those members, searchable, sortable and paged on the server (DataTables 2 protocol).

Registered and unregistered characters are both AA ``EveCharacter`` rows, so one queryset
serves both and the database pages, sorts and counts: a request costs the same few queries
for 50 characters or 50,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from allianceauth.eveonline.models import EveCharacter

from memberaudit import access, app_settings
from memberaudit.models import SectionStatus

from .launcher import HealthSummary, health_by_character

MAX_PAGE_LENGTH = 500
DEFAULT_PAGE_LENGTH = 50
_MAIN = "character_ownership__user__profile__main_character"
#: DataTables column -> the field it sorts by
SORT_FIELDS = {
    "character": "character_name",
    "main": f"{_MAIN}__character_name",
    "corporation": "corporation_name",
    "alliance": "alliance_name",
    "last_update": "last_update",
    "registered": "memberaudit_character",
}
SEARCH_FIELDS = ("character_name", f"{_MAIN}__character_name", "corporation_name", "alliance_name")


@dataclass(frozen=True)
class TableRequest:
    """The parts of a DataTables server-side request the server acts on."""

    draw: int
    start: int
    length: int
    search: str
    order: list[tuple[str, bool]]  # (column, descending)

    @classmethod
    def from_query(cls, query: Any, columns: dict[str, str]) -> TableRequest:
        """Read ``draw``, ``start``, ``length``, ``search[value]`` and ``order[i]`` safely."""

        def number(name: str, default: int) -> int:
            try:
                return int(query.get(name, default))
            except (TypeError, ValueError):
                return default

        length = number("length", DEFAULT_PAGE_LENGTH)
        length = DEFAULT_PAGE_LENGTH if length < 1 else min(length, MAX_PAGE_LENGTH)
        order = []
        for i in range(3):
            index = query.get(f"order[{i}][column]")
            if index is None:
                break
            name = query.get(f"order[{i}][name]") or query.get(f"columns[{index}][data]", "")
            if name in columns:
                order.append((name, query.get(f"order[{i}][dir]") == "desc"))
        return cls(
            draw=number("draw", 0),
            start=max(0, number("start", 0)),
            length=length,
            search=str(query.get("search[value]", ""))[:100].strip(),
            order=order,
        )


def _unregistered_owners(user: User) -> QuerySet:
    """Users whose unregistered characters the finder lists.

    An unregistered character has no ``Character`` row, so the character querysets of
    ``access`` cannot cover it; it follows its owner like a registered character would: one's
    own always, other members' (``access.accessible_users``) only with ``characters_access``.
    """
    if user.has_perm("memberaudit.characters_access"):
        return access.accessible_users(user).values("pk")
    return User.objects.filter(pk=user.pk).values("pk")


def finder_queryset(user: User) -> QuerySet[EveCharacter]:
    """Every character the finder shows to ``user`` (lazy; no query of its own)."""
    return EveCharacter.objects.filter(
        Q(memberaudit_character__in=access.accessible_characters(user).values("pk"))
        | Q(
            memberaudit_character__isnull=True,
            character_ownership__user__in=_unregistered_owners(user),
        )
    )


def _last_update() -> Subquery:
    return Subquery(
        SectionStatus.objects.filter(character_id=OuterRef("memberaudit_character"))
        .order_by(F("last_success_at").desc(nulls_last=True))
        .values("last_success_at")[:1]
    )


def finder_page(user: User, table: TableRequest) -> dict[str, Any]:
    """One page of finder rows in DataTables' answer format."""
    base = finder_queryset(user)
    filtered = base
    if table.search:
        q = Q()
        for field in SEARCH_FIELDS:
            q |= Q(**{f"{field}__icontains": table.search})
        filtered = base.filter(q)
    ordering = []
    for column, descending in table.order:
        field = F(SORT_FIELDS[column])
        ordering.append(field.desc(nulls_last=True) if descending else field.asc(nulls_first=True))
    ordering.append(F("character_id").asc())  # stable pages
    if any(column == "last_update" for column, _ in table.order):
        filtered = filtered.annotate(last_update=_last_update())
    total = base.count()
    filtered_count = filtered.count() if table.search else total
    rows = list(
        filtered.order_by(*ordering).values(
            "character_id",
            "character_name",
            "corporation_name",
            "alliance_name",
            "memberaudit_character",
            main_name=F(f"{_MAIN}__character_name"),
        )[table.start : table.start + table.length]
    )
    health = health_by_character(
        [row["memberaudit_character"] for row in rows if row["memberaudit_character"]]
    )
    return {
        "draw": table.draw,
        "recordsTotal": total,
        "recordsFiltered": filtered_count,
        "data": [_row(row, health) for row in rows],
    }


def _row(row: dict[str, Any], health: dict[int, HealthSummary]) -> dict[str, Any]:
    pk = row["memberaudit_character"]
    summary = health.get(pk, HealthSummary()) if pk else None
    return {
        "character": row["character_name"],
        "character_id": row["character_id"],
        "portrait_url": f"https://images.evetech.net/characters/{row['character_id']}/portrait?size=32",
        "main": row["main_name"] or "",
        "corporation": row["corporation_name"] or "",
        "alliance": row["alliance_name"] or "",
        "registered": pk is not None,
        "last_update": summary.last_success_at.isoformat() if summary and summary.last_success_at else None,
        "health": summary.code if summary else "not_registered",
        "health_label": summary.label if summary else _("Not registered"),
        "viewer_url": reverse("memberaudit:character_viewer", args=[pk]) if pk else None,
    }


@require_GET
@access.basic_access_required
def finder(request: HttpRequest) -> HttpResponse:
    """The finder page; its table loads ``finder_data``."""
    if not access.can_use_finder(request.user):
        return access.forbidden_response(request)
    context = {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME"), "page_length": DEFAULT_PAGE_LENGTH}
    return render(request, "memberaudit/finder.html", context)


@require_GET
@access.basic_access_required
def finder_data(request: HttpRequest) -> HttpResponse:
    """DataTables 2 server-side endpoint of the finder."""
    if not access.can_use_finder(request.user):
        return access.forbidden_response(request)
    table = TableRequest.from_query(request.GET, SORT_FIELDS)
    return JsonResponse(finder_page(request.user, table))
