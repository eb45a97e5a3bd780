"""Demo-only sign-in (``DEMO_MODE``): pick one of the demo accounts instead of EVE SSO.

EVE SSO cannot be reached from the demo, so this page lists the accounts that ``tests/demo.py``
created (members of the ``Demo users`` group) and signs the visitor in as the one picked.
It belongs to the test project, never to the plugin, and answers 404 unless ``DEMO_MODE`` is on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

#: the group that marks the accounts the demo created
DEMO_GROUP = "Demo users"
#: role accounts first, in this order; the role text is shown on the page
ROLE_USERS = {
    "member": "Member — registers their own characters (basic_access)",
    "recruiter": "Recruiter — sees shared characters (finder, view_shared_characters)",
    "leadership": "Corporation leadership — reports for their corporation (view_same_corporation)",
    "auditor": "Alliance auditor — opens characters of their alliance (view_same_alliance)",
    "admin": "Admin — superuser, sees everything, Django admin at /admin/",
}
PILOTS_SHOWN = 30


def _demo_users():
    return User.objects.filter(groups__name=DEMO_GROUP, is_active=True).select_related(
        "profile__main_character"
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/member-audit/"


@require_http_methods(["GET", "POST"])
def demo_login(request: HttpRequest) -> HttpResponse:
    """GET: the list of demo accounts; POST ``username``: sign in as that account."""
    if not getattr(settings, "DEMO_MODE", False):
        raise Http404
    if request.method == "POST":
        user = _demo_users().filter(username=request.POST.get("username", "")).first()
        if user is None:
            return render(request, "demo_login.html", _context(request, error=True), status=400)
        login(request, user, backend="allianceauth.authentication.backends.StateBackend")
        return redirect(_safe_next(request))
    return render(request, "demo_login.html", _context(request))


def _context(request: HttpRequest, error: bool = False) -> dict:
    users = {user.username: user for user in _demo_users()}
    roles = [(users[name], text) for name, text in ROLE_USERS.items() if name in users]
    pilots = sorted((u for name, u in users.items() if name not in ROLE_USERS), key=lambda u: u.username)
    return {
        "roles": roles,
        "pilots": pilots[:PILOTS_SHOWN],
        "more_pilots": max(0, len(pilots) - PILOTS_SHOWN),
        "next": _safe_next(request),
        "error": error,
    }
