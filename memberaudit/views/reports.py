"""Reports: user compliance, corporation compliance and skill sets, each with a CSV download.

Reports need ``reports_access`` and cover the users / characters of the requester's scope
(``access.accessible_users`` / ``access.characters_in_scope``): corporation leadership sees
its members here without being able to open their characters. Every report is one or two
aggregate queries, however many characters there are.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings, compliance
from memberaudit.core.csv_safety import safe_row
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSet, SkillSetGroup

_MAIN = "profile__main_character"
_OWNER_MAIN = "eve_character__character_ownership__user__profile__main_character"

#: a character's state for a skill set in the skill sets report
RECOMMENDED, REQUIRED, MISSING = "recommended", "required", "missing"


def _search(request: HttpRequest) -> str:
    return str(request.GET.get("search", ""))[:100].strip()


# --- user compliance ------------------------------------------------------------------------


def user_compliance_rows(user: User, search: str = "") -> list[dict[str, Any]]:
    """One row per member (user with a main) in the requester's scope."""
    users = User.objects.filter(
        pk__in=access.accessible_users(user).values("pk"), **{f"{_MAIN}__isnull": False}
    )
    if search:
        users = users.filter(**{f"{_MAIN}__character_name__icontains": search})
    rows = compliance.annotate_compliance(users).values(
        "characters",
        "unregistered",
        "unhealthy",
        main=F(f"{_MAIN}__character_name"),
        main_id=F(f"{_MAIN}__character_id"),
        corporation_id=F(f"{_MAIN}__corporation_id"),
        corporation=F(f"{_MAIN}__corporation_name"),
        alliance=F(f"{_MAIN}__alliance_name"),
    )
    result = []
    for row in rows.order_by(f"{_MAIN}__character_name"):
        row["registered"] = row["characters"] - row["unregistered"]
        row["is_compliant"] = compliance.is_compliant(row)
        row["alliance"] = row["alliance"] or ""
        result.append(row)
    return result


# --- corporation compliance -----------------------------------------------------------------


def corporation_compliance_rows(user: User, search: str = "") -> list[dict[str, Any]]:
    """Per corporation of members' mains: members, compliant members and their share (%)."""
    corporations: dict[int, dict[str, Any]] = {}
    for row in user_compliance_rows(user):
        corporation = corporations.setdefault(
            row["corporation_id"],
            {
                "corporation_id": row["corporation_id"],
                "corporation": row["corporation"],
                "alliance": row["alliance"],
                "members": 0,
                "compliant": 0,
            },
        )
        corporation["members"] += 1
        corporation["compliant"] += row["is_compliant"]
    rows = sorted(corporations.values(), key=lambda r: r["corporation"].casefold())
    if search:
        rows = [r for r in rows if search.casefold() in r["corporation"].casefold()]
    for row in rows:
        row["share"] = round(100 * row["compliant"] / row["members"], 1)
    return rows


# --- skill sets -----------------------------------------------------------------------------


def skill_set_report(
    user: User, *, search: str = "", mains_only: bool = False, group_id: int | None = None
) -> dict[str, Any]:
    """Who meets which skill set: characters of the requester's scope × skill sets."""
    skill_sets = SkillSet.objects.order_by("name")
    if group_id:
        skill_sets = skill_sets.filter(groups=group_id)
    skill_sets = list(skill_sets.values("pk", "name"))
    characters = access.characters_in_scope(user)
    if mains_only:
        characters = characters.filter(eve_character_id=F(f"{_OWNER_MAIN}__pk"))
    if search:
        characters = characters.filter(
            Q(eve_character__character_name__icontains=search)
            | Q(**{f"{_OWNER_MAIN}__character_name__icontains": search})
        )
    rows = list(
        characters.order_by("eve_character__character_name").values(
            "pk",
            "eve_character_id",
            character=F("eve_character__character_name"),
            character_id=F("eve_character__character_id"),
            corporation=F("eve_character__corporation_name"),
            main=F(f"{_OWNER_MAIN}__character_name"),
            main_pk=F(f"{_OWNER_MAIN}__pk"),
        )
    )
    states: dict[int, dict[int, str]] = {}
    checks = CharacterSkillSetCheck.objects.filter(
        character__in=characters.values("pk"), skill_set__in=[s["pk"] for s in skill_sets]
    ).values_list("character_id", "skill_set_id", "can_fly", "meets_recommended")
    for character_pk, skill_set_pk, can_fly, recommended in checks:
        state = RECOMMENDED if recommended else REQUIRED if can_fly else MISSING
        states.setdefault(character_pk, {})[skill_set_pk] = state
    data = []
    for row in rows:
        data.append(
            {
                "character": row["character"],
                "character_id": row["character_id"],
                "corporation": row["corporation"] or "",
                "main": row["main"] or "",
                "is_main": row["main_pk"] == row["eve_character_id"],
                "skill_sets": {str(s["pk"]): states.get(row["pk"], {}).get(s["pk"], "") for s in skill_sets},
            }
        )
    return {"skill_sets": [{"id": s["pk"], "name": s["name"]} for s in skill_sets], "data": data}


def _skill_set_filters(request: HttpRequest) -> dict[str, Any]:
    try:
        group_id = int(request.GET.get("group", "") or 0) or None
    except ValueError:
        group_id = None
    return {
        "search": _search(request),
        "mains_only": request.GET.get("mains_only") in ("1", "true", "on"),
        "group_id": group_id,
    }


# --- views ----------------------------------------------------------------------------------


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


def _csv_response(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="memberaudit-{name}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return response


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


@_reports_view
def reports(request: HttpRequest) -> HttpResponse:
    """The reports page; its tables load the data endpoints."""
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "skill_set_groups": SkillSetGroup.objects.filter(is_active=True).order_by("name"),
    }
    return render(request, "memberaudit/reports.html", context)


@_reports_view
def user_compliance_data(request: HttpRequest) -> HttpResponse:
    """User compliance as JSON."""
    return JsonResponse({"data": user_compliance_rows(request.user, _search(request))})


@_reports_view
def user_compliance_csv(request: HttpRequest) -> HttpResponse:
    """User compliance as CSV."""
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
            r["alliance"],
            r["characters"],
            r["registered"],
            r["unregistered"],
            r["unhealthy"],
            _yes_no(r["is_compliant"]),
        ]
        for r in user_compliance_rows(request.user, _search(request))
    )
    return _csv_response("user-compliance", header, rows)


@_reports_view
def corporation_compliance_data(request: HttpRequest) -> HttpResponse:
    """Corporation compliance as JSON."""
    return JsonResponse({"data": corporation_compliance_rows(request.user, _search(request))})


@_reports_view
def corporation_compliance_csv(request: HttpRequest) -> HttpResponse:
    """Corporation compliance as CSV."""
    header = [_("Corporation"), _("Alliance"), _("Members"), _("Compliant"), _("Compliant %")]
    rows = (
        [r["corporation"], r["alliance"], r["members"], r["compliant"], r["share"]]
        for r in corporation_compliance_rows(request.user, _search(request))
    )
    return _csv_response("corporation-compliance", header, rows)


@_reports_view
def skill_sets_data(request: HttpRequest) -> HttpResponse:
    """Skill sets report as JSON."""
    return JsonResponse(skill_set_report(request.user, **_skill_set_filters(request)))


@_reports_view
def skill_sets_csv(request: HttpRequest) -> HttpResponse:
    """Skill sets report as CSV: one column per skill set."""
    report = skill_set_report(request.user, **_skill_set_filters(request))
    labels = {RECOMMENDED: _("recommended"), REQUIRED: _("required"), MISSING: _("missing"), "": ""}
    header = [_("Character"), _("Main"), _("Corporation"), _("Is main")]
    header += [s["name"] for s in report["skill_sets"]]
    rows = (
        [r["character"], r["main"], r["corporation"], _yes_no(r["is_main"])]
        + [labels[r["skill_sets"][str(s["id"])]] for s in report["skill_sets"]]
        for r in report["data"]
    )
    return _csv_response("skill-sets", header, rows)
