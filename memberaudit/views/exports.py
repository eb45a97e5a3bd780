"""Data exports page: pick a topic, a zipped CSV is made in the background, then download it.

Only for users with ``exports_access`` (``access.can_export``); exports cover all characters,
regardless of scope. The files live in Django's ``default_storage`` under
``memberaudit/exports/`` and are served through ``export_download`` (never as public media),
so the permission check always applies.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from memberaudit import access, app_settings, exports, tasks

STATE_LABELS = {
    "none": _("Not generated yet"),
    "queued": _("Queued"),
    "running": _("Generating"),
    "ready": _("Ready"),
    "failed": _("Failed"),
}


def exports_access_required(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``basic_access`` and ``exports_access``; a 403 page otherwise."""

    @access.basic_access_required
    @wraps(view_func)
    def _wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.can_export(request.user):
            return access.forbidden_response(request)
        return view_func(request, *args, **kwargs)

    return _wrapped


def _topic_or_none(name: str) -> exports.Topic | None:
    return exports.TOPICS.get(name)


def _not_found(request: HttpRequest) -> HttpResponse:
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "title": _("Not found"),
        "message": _("There is no such export."),
    }
    return render(request, access.ERROR_TEMPLATE, context, status=404)


def _statuses() -> list[dict[str, Any]]:
    rows = []
    for topic in exports.TOPICS.values():
        status = exports.job_status(topic)
        rows.append({**status, "title": topic.title, "state_label": STATE_LABELS[status["state"]]})
    return rows


@require_GET
@exports_access_required
def exports_page(request: HttpRequest) -> HttpResponse:
    """Every topic with the state of its export and a download link when ready."""
    context = {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME"), "rows": _statuses()}
    return render(request, "memberaudit/exports.html", context)


@require_POST
@exports_access_required
def export_generate(request: HttpRequest, topic: str) -> HttpResponse:
    """Queue a new export of ``topic`` (once: a running export is not started again)."""
    found = _topic_or_none(topic)
    if found is None:
        return _not_found(request)
    if exports.start_job(found):
        # queued once the request's transaction is through, as every task of a view should be
        transaction.on_commit(
            lambda: tasks.generate_export.apply_async(args=(found.name,), priority=tasks.PRIORITY_USER)
        )
        messages.success(request, _("The export of %(topic)s is being generated.") % {"topic": found.title})
    else:
        messages.info(
            request, _("The export of %(topic)s is already being generated.") % {"topic": found.title}
        )
    return redirect("memberaudit:exports")


@require_GET
@exports_access_required
def export_download(request: HttpRequest, topic: str) -> HttpResponse:
    """The zipped CSV of ``topic``, streamed from storage; back to the page when there is none."""
    found = _topic_or_none(topic)
    if found is None:
        return _not_found(request)
    path = exports.storage_path(found)
    if not default_storage.exists(path):
        messages.warning(request, _("There is no export of %(topic)s yet.") % {"topic": found.title})
        return redirect("memberaudit:exports")
    return FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=path.rsplit("/", 1)[-1],
        content_type="application/zip",
    )


@never_cache
@require_GET
@exports_access_required
def export_status(request: HttpRequest) -> JsonResponse:
    """State and progress of every export, for the page to poll."""
    rows = [
        {
            "topic": row["topic"],
            "state": row["state"],
            "state_label": str(row["state_label"]),
            "percent": row["percent"],
            "rows": row["rows"],
            "total": row["total"],
        }
        for row in _statuses()
    ]
    return JsonResponse({"exports": rows})
