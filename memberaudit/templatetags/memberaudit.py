"""Template tags of Member Audit."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from memberaudit import access

register = template.Library()

#: (url name, title, icon, who may see it)
_PAGES = (
    ("memberaudit:launcher", _("Characters"), "fas fa-users", access.can_access_app),
    ("memberaudit:finder", _("Character finder"), "fas fa-search", access.can_use_finder),
    ("memberaudit:reports", _("Reports"), "fas fa-chart-bar", access.can_access_reports),
    ("memberaudit:intel_report", _("Intel"), "fas fa-user-secret", access.can_use_intel),
    ("memberaudit:exports", _("Exports"), "fas fa-file-export", access.can_export),
)


@register.inclusion_tag("memberaudit/partials/navigation.html", takes_context=True)
def memberaudit_navigation(context) -> dict:
    """The app's pages this user may open (access.py decides), for the top navigation."""
    request = context["request"]
    current = request.resolver_match.view_name if request.resolver_match else ""
    pages = [
        {"url": reverse(name), "title": title, "icon": icon, "active": current == name}
        for name, title, icon, allowed in _PAGES
        if allowed(request.user)
    ]
    return {"pages": pages}
