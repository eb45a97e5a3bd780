"""Intel pages: the report, investigate an entity, asset search and where-is.

Thin: every page needs ``intel_access`` (``access.can_use_intel``); the querysets live in
``memberaudit.intel_queries`` and only ever cover ``access.accessible_characters``. Tables
are paged, sorted and filtered on the server with the finder's DataTables request parser.
Watch lists have their own module (``views.watchlists``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings, intel_queries
from memberaudit.core.intel import ENTITY_KINDS, parse_entity_query
from memberaudit.intel import watchlists
from memberaudit.models import WatchList
from memberaudit.models.skillsets import SkillSet, SkillSetGroup
from memberaudit.queries import TableRequest
from memberaudit.views.downloads import csv_stream


def intel_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``basic_access`` (login) and ``intel_access``, else a 403 page."""

    @access.basic_access_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_use_intel(request.user):
            return access.forbidden_response(request)
        return func(request, *args, **kwargs)

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


def page_context(active: str, **extra: Any) -> dict[str, Any]:
    """What every intel page's template needs (title, which sub-page is active)."""
    return {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME"), "intel_active": active, **extra}


def _kind_choices() -> list[tuple[str, str]]:
    titles = {
        "character": _("Characters"),
        "corporation": _("Corporations"),
        "alliance": _("Alliances"),
        "faction": _("Factions"),
    }
    return [(kind, titles[kind]) for kind in ENTITY_KINDS]


# --- report -----------------------------------------------------------------------------------


@require_GET
@intel_view
def intel_report(request: HttpRequest) -> HttpResponse:
    """Members whose characters dealt with watched entities, scored, with evidence."""
    context = page_context(
        "report",
        watch_lists=WatchList.objects.order_by("name").values("pk", "name"),
        kinds=_kind_choices(),
        sources=sorted(intel_queries.evidence_sources().items(), key=lambda item: item[1]),
        filters=intel_queries.IntelFilters.from_query(request.GET),
    )
    return render(request, "memberaudit/intel_report.html", context)


@require_GET
@intel_view
def intel_report_data(request: HttpRequest) -> HttpResponse:
    """DataTables endpoint of the report: one row per member, each with its newest evidence."""
    filters = intel_queries.IntelFilters.from_query(request.GET)
    table = TableRequest.from_query(request.GET, intel_queries.REPORT_SORT)
    return JsonResponse(intel_queries.report_page(request.user, filters, table))


@require_GET
@intel_view
def intel_report_csv(request: HttpRequest) -> HttpResponse:
    """Every evidence row of the report as CSV (the page's filters apply)."""
    filters = intel_queries.IntelFilters.from_query(request.GET)
    header = [
        _("Member"),
        _("Score"),
        _("Character"),
        _("Source"),
        _("Counterparty"),
        _("Counterparty ID"),
        _("Kind"),
        _("Watched entity"),
        _("Watched entity ID"),
        _("Watch list"),
        _("Match"),
        _("First seen"),
        _("Last seen"),
        _("Count"),
        _("ISK"),
        _("Standing"),
    ]
    return csv_stream("intel-report", header, intel_queries.report_csv_rows(request.user, filters))


# --- investigate ------------------------------------------------------------------------------


@require_GET
@intel_view
def intel_investigate(request: HttpRequest) -> HttpResponse:
    """Find an entity by name or id; show every accessible character that dealt with it."""
    text = str(request.GET.get("q", ""))[:100].strip()
    candidates: list[watchlists.Entity] = []
    error = ""
    if parse_entity_query(text) is not None:
        try:
            candidates = watchlists.find(text)
        except watchlists.LookupFailed:
            error = _("ESI could not be asked right now. Please try again in a few minutes.")
        if not candidates and not error:
            error = _("No character, corporation, alliance or faction is called %(name)s.") % {"name": text}
    entity = candidates[0] if len(candidates) == 1 else None
    context = page_context(
        "investigate",
        query=text,
        candidates=candidates if len(candidates) > 1 else [],
        entity=entity,
        error=error,
        watch_lists=WatchList.objects.filter(entries__entity_id=entity.id).distinct() if entity else [],
    )
    return render(request, "memberaudit/intel_investigate.html", context)


@require_GET
@intel_view
def intel_investigate_data(request: HttpRequest) -> HttpResponse:
    """DataTables endpoint of an investigation (``entity`` is an EVE id)."""
    query = parse_entity_query(str(request.GET.get("entity", "")))
    table = TableRequest.from_query(request.GET, intel_queries.INVESTIGATE_SORT)
    if not isinstance(query, int):
        empty = {"characters": 0, "interactions": 0, "isk": "0"}
        return JsonResponse(
            {"draw": table.draw, "recordsTotal": 0, "recordsFiltered": 0, "data": [], "summary": empty}
        )
    found = watchlists.find_stored(query)
    entity = {"id": query, "kind": found.kind if found else "", "name": found.name if found else str(query)}
    return JsonResponse(intel_queries.investigate_page(request.user, entity, table))


# --- asset search -----------------------------------------------------------------------------

ASSET_FILTERS = ("type", "group", "category", "name", "location", "system", "region")


@require_GET
@intel_view
def intel_assets(request: HttpRequest) -> HttpResponse:
    """Search the assets of every accessible character."""
    context = page_context(
        "assets", filters=ASSET_FILTERS, values={k: request.GET.get(k, "") for k in ASSET_FILTERS}
    )
    return render(request, "memberaudit/intel_assets.html", context)


@require_GET
@intel_view
def intel_assets_data(request: HttpRequest) -> HttpResponse:
    """DataTables endpoint of the asset search (``group``: items, characters or locations)."""
    grouping = str(request.GET.get("by", "items"))
    if grouping not in intel_queries.ASSET_GROUPINGS:
        grouping = "items"
    table = TableRequest.from_query(request.GET, intel_queries.ASSET_SORT[grouping])
    return JsonResponse(intel_queries.asset_page(request.user, request.GET, table, grouping))


# --- where is everyone ------------------------------------------------------------------------

WHERE_FILTERS = ("system", "region", "ship", "online", "skill_set", "doctrine")


@require_GET
@intel_view
def intel_where(request: HttpRequest) -> HttpResponse:
    """Where the accessible characters are, what they fly, and who can fly a doctrine."""
    context = page_context(
        "where",
        values={k: request.GET.get(k, "") for k in WHERE_FILTERS},
        doctrines=SkillSetGroup.objects.filter(is_active=True).order_by("name").values("pk", "name"),
        skill_sets=SkillSet.objects.order_by("name").values("pk", "name"),
    )
    return render(request, "memberaudit/intel_where.html", context)


@require_GET
@intel_view
def intel_where_data(request: HttpRequest) -> HttpResponse:
    """DataTables endpoint of where-is (``by``: characters, systems, regions or ships)."""
    grouping = str(request.GET.get("by", "characters"))
    if grouping not in intel_queries.WHERE_GROUPINGS:
        grouping = "characters"
    table = TableRequest.from_query(request.GET, intel_queries.WHERE_SORT[grouping])
    return JsonResponse(intel_queries.where_page(request.user, request.GET, table, grouping))
