"""The character finder: every character the user may open, plus the unregistered characters
of those members, searchable, sortable and paged on the server (DataTables 2 protocol).

Thin: the queryset is ``queries.finder``; a request costs the same few queries for 50
characters or 50,000. Filters (corporation, alliance, health, compliance, mains only) are read
by ``TableRequest`` with ``queries.FINDER_FILTERS``; "health" is ``memberaudit.health``'s. "Checked" and "changed" are the newest times over the character's
sections as the database knows them (check times reach it in bulk, at most one periodic run
late), so the column sorts exactly as it reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings, queries
from memberaudit.core import formatting
from memberaudit.health import Health, health_by_character

# intel's views and queries import the parser from here; it lives in ``memberaudit.queries``
from memberaudit.queries import TableRequest
from memberaudit.views.tabs import cells

__all__ = ["TableRequest", "finder", "finder_data"]

DEFAULT_PAGE_LENGTH = queries.DEFAULT_PAGE_LENGTH


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _row(
    row: dict[str, Any], health: dict[int, Health], compliant: set[int], now: dt.datetime
) -> dict[str, Any]:
    """A finder row: raw values (ISO times) to sort and test by, ``shown`` as the page writes them
    (the one formatting layer, in the active language)."""
    pk = row["memberaudit_character"]
    summary = health.get(pk, Health()) if pk else None
    owner = row["owner_id"]
    checked = summary.last_checked_at if summary else None
    changed = summary.last_change_at if summary else None
    return {
        "character": row["character_name"],
        "character_id": row["character_id"],
        "portrait_url": cells.image_url("portrait", row["character_id"], 32),
        "main": row["main_name"] or "",
        "corporation": row["corporation_name"] or "",
        "alliance": row["alliance_name"] or "",
        "registered": pk is not None,
        "last_checked": _iso(checked),
        "last_changed": _iso(changed),
        "shown": {
            "last_checked": formatting.shown_moment(checked, now),
            "last_changed": formatting.shown_moment(changed, now),
        },
        "health": summary.code if summary else "not_registered",
        "health_label": summary.label if summary else _("Not registered"),
        "health_reason": summary.reason
        if summary
        else _("This character is not registered in Member Audit."),
        "is_compliant": owner in compliant if owner else None,
        "viewer_url": reverse("memberaudit:character_viewer", args=[pk]) if pk else None,
    }


@require_GET
@access.basic_access_required
def finder(request: HttpRequest) -> HttpResponse:
    """The finder page; its table loads ``finder_data``."""
    if not access.can_use_finder(request.user):
        return access.forbidden_response(request)
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "page_length": DEFAULT_PAGE_LENGTH,
        "finder_labels": {"yes": _("yes"), "no": _("no")},
        **queries.affiliations(queries.finder_characters(request.user)),
    }
    return render(request, "memberaudit/finder.html", context)


@require_GET
@access.basic_access_required
def finder_data(request: HttpRequest) -> HttpResponse:
    """DataTables 2 server-side endpoint of the finder."""
    if not access.can_use_finder(request.user):
        return access.forbidden_response(request)
    table = TableRequest.from_query(
        request.GET, queries.FINDER_SORT, default_order=[("character", False)], filters=queries.FINDER_FILTERS
    )
    page = queries.finder(request.user, table).page(table)
    health = health_by_character(
        [row["memberaudit_character"] for row in page.rows if row["memberaudit_character"]]
    )
    compliant = queries.compliant_among(row["owner_id"] for row in page.rows)
    now = timezone.now()
    return JsonResponse(page.answer([_row(row, health, compliant, now) for row in page.rows]))
