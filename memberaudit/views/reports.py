"""Reports: user compliance, corporation compliance and skill sets, each with a CSV download.

Reports need ``reports_access`` and cover the users / characters of the requester's scope
(``access.accessible_users`` / ``access.characters_in_scope``): corporation leadership sees
its members here without being able to open their characters.

Thin: the querysets are in ``memberaudit.queries``; every parameter, filters included, is read
by ``queries.TableRequest`` (a malformed filter is a 400, never a 500). Every table is paged, sorted and searched
on the server (DataTables 2 protocol); its CSV download streams the same queryset, all pages,
with the same search and sort.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings, queries
from memberaudit.models.skillsets import SkillSetGroup
from memberaudit.queries import TableRequest

from .downloads import csv_stream, yes_no


def _reports_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``basic_access`` (login) and ``reports_access``, else a 403 page."""

    @require_GET
    @access.basic_access_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_access_reports(request.user):
            return access.forbidden_response(request)
        return func(request, *args, **kwargs)

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


@_reports_view
def reports(request: HttpRequest) -> HttpResponse:
    """The reports page; its tables load the data endpoints."""
    context = {
        **queries.affiliations(queries.members_affiliations(request.user)),
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "page_length": queries.DEFAULT_PAGE_LENGTH,
        "skill_set_groups": SkillSetGroup.objects.filter(is_active=True).order_by("name"),
        "skill_set_menu": queries.skill_set_groups_menu(),
    }
    return render(request, "memberaudit/reports.html", context)


# --- user compliance ----------------------------------------------------------------------------


def _user_table(request: HttpRequest) -> TableRequest:
    return TableRequest.from_query(
        request.GET,
        queries.USER_COMPLIANCE_SORT,
        default_order=[("main", False)],
        filters=queries.USER_COMPLIANCE_FILTERS,
    )


def _user_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "alliance": row["alliance"] or "", "is_compliant": bool(row["is_compliant"])}


@_reports_view
def user_compliance_data(request: HttpRequest) -> HttpResponse:
    """User compliance, one page (DataTables JSON)."""
    table = _user_table(request)
    page = queries.user_compliance(request.user, table).page(table)
    return JsonResponse(page.answer([_user_row(row) for row in page.rows]))


@_reports_view
def user_compliance_csv(request: HttpRequest) -> HttpResponse:
    """User compliance as CSV: every row, searched and sorted like the table."""
    header = [
        _("Main"),
        _("Corporation"),
        _("Alliance"),
        _("Characters"),
        _("Registered"),
        _("Unregistered"),
        _("Unhealthy"),
        _("Compliant"),
    ]
    rows = (
        [
            r["main"],
            r["corporation"],
            r["alliance"] or "",
            r["characters"],
            r["registered"],
            r["unregistered"],
            r["unhealthy"],
            yes_no(r["is_compliant"]),
        ]
        for r in queries.user_compliance(request.user, _user_table(request)).stream()
    )
    return csv_stream("user-compliance", header, rows)


# --- corporation compliance ---------------------------------------------------------------------


def _corporation_table(request: HttpRequest) -> TableRequest:
    return TableRequest.from_query(
        request.GET,
        queries.CORPORATION_COMPLIANCE_SORT,
        default_order=[("corporation", False)],
        filters=queries.CORPORATION_COMPLIANCE_FILTERS,
    )


def _corporation_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "corporation": row["corporation"] or "",
        "alliance": row["alliance"] or "",
        "share": round(row["share"], 1),
    }


@_reports_view
def corporation_compliance_data(request: HttpRequest) -> HttpResponse:
    """Corporation compliance, one page (DataTables JSON)."""
    table = _corporation_table(request)
    page = queries.corporation_compliance(request.user, table).page(table)
    return JsonResponse(page.answer([_corporation_row(row) for row in page.rows]))


@_reports_view
def corporation_compliance_csv(request: HttpRequest) -> HttpResponse:
    """Corporation compliance as CSV: every row, searched and sorted like the table."""
    header = [_("Corporation"), _("Alliance"), _("Members"), _("Compliant"), _("Compliant %")]
    rows = (
        [r["corporation"], r["alliance"], r["members"], r["compliant"], r["share"]]
        for r in map(
            _corporation_row,
            queries.corporation_compliance(request.user, _corporation_table(request)).stream(),
        )
    )
    return csv_stream("corporation-compliance", header, rows)


# --- skill sets ---------------------------------------------------------------------------------


def _skill_set_request(request: HttpRequest) -> tuple[TableRequest, list[dict[str, Any]]]:
    """The table request (with its filters) and the skill set columns (of ``group``, else all).

    A malformed filter (``group=abc``, an id beyond 64 bits) is a 400 (``TableRequest``).
    """
    group = TableRequest.parse_filters(request.GET, {"group": queries.ID}).get("group")
    columns = queries.skill_sets(group)
    table = TableRequest.from_query(
        request.GET,
        queries.skill_set_sort(columns),
        default_order=[("character", False)],
        filters=queries.SKILL_SET_FILTERS,
    )
    return table, columns


def _skill_set_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "character": row["character"],
        "character_id": row["character_id"],
        "corporation": row["corporation"] or "",
        "main": row["main"] or "",
        "is_main": bool(row["is_main"]),
        "skill_sets": row["skill_sets"],
    }


@_reports_view
def skill_sets_data(request: HttpRequest) -> HttpResponse:
    """Skill sets report, one page of characters (DataTables JSON) with the skill set columns."""
    table, columns = _skill_set_request(request)
    listing = queries.skill_set_report(request.user, table, columns)
    page = listing.page(table)
    data = [_skill_set_row(row) for row in queries.with_states(page.rows, columns)]
    totals = queries.skill_set_totals(listing, columns)
    return JsonResponse(page.answer(data, skill_sets=columns, totals=totals))


@_reports_view
def skill_sets_csv(request: HttpRequest) -> HttpResponse:
    """Skill sets report as CSV: one column per skill set, every character."""
    table, columns = _skill_set_request(request)
    listing = queries.skill_set_report(request.user, table, columns)
    labels = {
        queries.RECOMMENDED: _("recommended"),
        queries.REQUIRED: _("required"),
        queries.MISSING: _("missing"),
        "": "",
    }
    header = [_("Character"), _("Main"), _("Corporation"), _("Is main")] + [s["name"] for s in columns]
    rows = (
        [r["character"], r["main"] or "", r["corporation"] or "", yes_no(r["is_main"])]
        + [labels[r["skill_sets"][str(s["id"])]] for s in columns]
        for r in queries.with_states(listing.stream(), columns)
    )
    return csv_stream("skill-sets", header, rows)
