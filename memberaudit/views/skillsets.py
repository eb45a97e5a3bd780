"""Skill sets of one character: which it meets, what is missing, how long training takes.

``character_skill_sets`` is a page of its own; the viewer includes the same tab
(``memberaudit/tabs/skill_sets.html`` with ``character`` in its context), which loads
``character_skill_sets_data``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from eveuniverse.models import EveType

from memberaudit import access, app_settings
from memberaudit.core import formatting
from memberaudit.core.skill_plans import format_skill_plan
from memberaudit.core.training import split_duration
from memberaudit.models import Character, SectionStatus
from memberaudit.models.skillsets import CharacterSkillSetCheck, SkillSetGroup

from .tables import unknown_name
from .viewer import viewable_character


def format_duration(seconds: float | None) -> str:
    """Training time for people: ``3d 4h 5m`` (the one formatting layer's durations, to the
    minute as EVE's client shows training); "unknown" without training data."""
    if seconds is None:
        return _("unknown")
    days, hours, minutes = split_duration(seconds)
    return formatting.duration(days * 86400 + hours * 3600 + minutes * 60, parts=3)


def _missing(skills: list[dict], names: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "skill_id": skill["type_id"],
            "skill": names.get(skill["type_id"]) or unknown_name(skill["type_id"]),
            "level": skill["level"],
            "active_level": skill["active_level"],
            "training": format_duration(skill["seconds"]),
        }
        for skill in skills
    ]


def _plan(skills: list[dict], names: dict[int, str]) -> str:
    """The missing skills as an EVE skill plan: one line per level, each skill once."""
    targets: dict[int, tuple[int, int]] = {}
    for skill in skills:
        current, target = targets.get(skill["type_id"], (skill["active_level"], 0))
        targets[skill["type_id"]] = (current, max(target, skill["level"]))
    return format_skill_plan(
        (names.get(type_id, str(type_id)), current, target) for type_id, (current, target) in targets.items()
    )


def skill_set_tab_data(character: Character) -> dict[str, Any]:
    """Everything the skill sets tab shows, in a constant number of queries."""
    checks = list(
        CharacterSkillSetCheck.objects.filter(character=character, skill_set__is_visible=True)
        .select_related("skill_set")
        .prefetch_related(
            Prefetch("skill_set__groups", queryset=SkillSetGroup.objects.filter(is_active=True))
        )
        .order_by("skill_set__name")
    )
    type_ids = {c.skill_set.ship_type_id for c in checks if c.skill_set.ship_type_id}
    for check in checks:
        type_ids.update(s["type_id"] for s in check.failed_required_skills + check.failed_recommended_skills)
    names = dict(EveType.objects.filter(id__in=type_ids).values_list("id", "name"))
    status = SectionStatus.objects.filter(character=character, section="skill_sets").first()
    rows = []
    for check in checks:
        skill_set = check.skill_set
        required, recommended = check.failed_required_skills, check.failed_recommended_skills
        rows.append(
            {
                "id": skill_set.pk,
                "name": skill_set.name,
                "description": skill_set.description,
                "groups": [group.name for group in skill_set.groups.all()],
                "ship_type_id": skill_set.ship_type_id,
                "ship": names.get(skill_set.ship_type_id, "") if skill_set.ship_type_id else "",
                "can_fly": check.can_fly,
                "meets_recommended": check.meets_recommended,
                "missing_required": _missing(required, names),
                "missing_recommended": _missing(recommended, names),
                "required_seconds": check.missing_required_seconds,
                "recommended_seconds": check.missing_recommended_seconds,
                "required_training": format_duration(check.missing_required_seconds),
                "recommended_training": format_duration(check.missing_recommended_seconds),
                "plan_required": _plan(required, names),
                "plan_recommended": _plan(required + recommended, names),
            }
        )
    return {
        "character_id": character.character_id,
        "computed_at": status.last_success_at.isoformat() if status and status.last_success_at else None,
        "skill_sets": rows,
    }


@require_GET
@access.basic_access_required
def character_skill_sets(request: HttpRequest, character_pk: int) -> HttpResponse:
    """The skill sets of one character as a page of its own."""
    character = viewable_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    context = {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME"), "character": character}
    return render(request, "memberaudit/skillsets_character.html", context)


@require_GET
@access.basic_access_required
def character_skill_sets_data(request: HttpRequest, character_pk: int) -> HttpResponse:
    """JSON data of the skill sets tab."""
    character = viewable_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    return JsonResponse(skill_set_tab_data(character))
