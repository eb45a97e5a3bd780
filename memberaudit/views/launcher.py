"""The launcher: a member's own characters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from memberaudit import app_settings


@login_required
@permission_required("memberaudit.basic_access", raise_exception=True)
def launcher(request: HttpRequest) -> HttpResponse:
    """Show the user's registered characters."""
    return render(
        request,
        "memberaudit/launcher.html",
        {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME")},
    )
