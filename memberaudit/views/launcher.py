"""The launcher: register characters and manage the user's own characters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from allianceauth.authentication.models import CharacterOwnership
from esi.decorators import token_required
from esi.models import Token

from memberaudit import access, app_settings, compliance, health, sharing, tasks
from memberaudit.core import formatting
from memberaudit.esi_scopes import CHARACTER_SCOPES
from memberaudit.health import Health
from memberaudit.models import Character, CharacterSkillqueueEntry, SectionStatus
from memberaudit.views.tabs import cells
from memberaudit.views.tabs.presence import related_or_none


def character_details(character_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Key info per character for the launcher, in two queries whatever the number of characters.

    Keys: ``location``, ``ship``, ``wallet``, ``total_sp`` and ``skill_in_training``
    (rendered by ``partials/launcher_character_details.html``); absent while not yet fetched.
    """
    ids = list(character_ids)
    if not ids:
        return {}
    details: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    loaded = Character.objects.filter(pk__in=ids).select_related(
        "location__eve_solar_system", "location__location", "ship__eve_type", "wallet_balance", "skillpoints"
    )
    for character in loaded:
        info = details[character.pk]
        if location := related_or_none(character, "location"):
            info["location"] = cells.solar_system(location)
            if location.location_id:
                info["location"] = f"{info['location']} ({cells.location(location)})"
        if ship := related_or_none(character, "ship"):
            info["ship"] = f"{cells.eve_type(ship)} ({ship.name})" if ship.name else cells.eve_type(ship)
        if wallet := related_or_none(character, "wallet_balance"):
            info["wallet"] = wallet.total
        if skillpoints := related_or_none(character, "skillpoints"):
            info["total_sp"] = skillpoints.total
    training = (
        CharacterSkillqueueEntry.objects.filter(character_id__in=ids, finish_date__gt=timezone.now())
        .select_related("eve_type")
        .order_by("character_id", "queue_position")
    )
    for entry in training:
        info = details[entry.character_id]
        if "skill_in_training" not in info:
            info["skill_in_training"] = f"{cells.eve_type(entry)} {entry.finished_level}"
    return details


@dataclass
class CharacterRow:
    """One line of the launcher's character table."""

    character: Character
    is_main: bool
    health: Health
    details: dict[str, Any] = field(default_factory=dict)
    #: what broke, in the words the update recorded (only for token problems)
    token_problem: str = ""
    #: when the share ends (None: not shared, or shares do not expire)
    share_ends_at: Any = None


def token_problems(character_ids: Iterable[int]) -> dict[int, str]:
    """Per character with a token problem, the message of its most recent one (one query)."""
    rows = (
        SectionStatus.objects.filter(character_id__in=list(character_ids), is_token_error=True)
        .order_by("character_id", "-last_attempt_at")
        .values_list("character_id", "error_message")
    )
    problems: dict[int, str] = {}
    for character_id, message in rows:
        problems.setdefault(character_id, message)
    return problems


def launcher_rows(request: HttpRequest) -> list[CharacterRow]:
    """The user's characters, main first, with health and details (constant queries)."""
    characters = list(
        access.owned_characters(request.user)
        .select_related("eve_character")
        .order_by("eve_character__character_name")
    )
    healths = health.health_by_character(characters)
    details = character_details([character.pk for character in characters])
    main_id = request.user.profile.main_character_id
    rows = [
        CharacterRow(
            character=character,
            is_main=character.eve_character_id == main_id,
            health=healths[character.pk],
            details=details.get(character.pk, {}),
            share_ends_at=sharing.share_ends_at(character),
        )
        for character in characters
    ]
    broken = [row.character.pk for row in rows if row.health.code == health.TOKEN_ERROR]
    if broken:
        problems = token_problems(broken)
        for row in rows:
            row.token_problem = problems.get(row.character.pk, "")
    rows.sort(key=lambda row: not row.is_main)  # stable: main first, then by name
    return rows


@dataclass(frozen=True)
class Totals:
    """Sums over the user's registered characters (of what has been fetched so far)."""

    characters: int
    total_sp: int
    wallet: Decimal


def totals(rows: list[CharacterRow]) -> Totals:
    return Totals(
        characters=len(rows),
        total_sp=sum(row.details.get("total_sp") or 0 for row in rows),
        wallet=sum((row.details.get("wallet") or Decimal(0) for row in rows), Decimal(0)),
    )


@require_GET
@access.basic_access_required
def launcher(request: HttpRequest) -> HttpResponse:
    """List the user's registered characters and let them register more."""
    rows = launcher_rows(request)
    status = compliance.user_status(request.user, [(row.character, row.health) for row in rows])
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "rows": rows,
        "totals": totals(rows),
        "compliance": status,
        "token_error_rows": [row for row in rows if row.health.code == health.TOKEN_ERROR],
        "can_share": access.can_share(request.user),
        "sharing_days": sharing.timeout().days if sharing.timeout() else 0,
    }
    return render(request, "memberaudit/launcher.html", context)


@require_GET
@access.basic_access_required
@token_required(scopes=list(CHARACTER_SCOPES), new=True)
def add_character(request: HttpRequest, token: Token) -> HttpResponse:
    """Register (or re-enable) the character of a fresh SSO token, if the user owns it."""
    ownership = (
        CharacterOwnership.objects.filter(user=request.user, character__character_id=token.character_id)
        .select_related("character")
        .first()
    )
    if ownership is None:
        messages.error(
            request,
            _("You can only register characters that belong to your account: %(name)s does not.")
            % {"name": token.character_name},
        )
        return redirect("memberaudit:launcher")
    character, created = Character.objects.update_or_create(
        eve_character=ownership.character, defaults={"is_disabled": False}
    )
    # A fresh token ends a token problem: let the sections be updated again.
    SectionStatus.objects.filter(character=character, is_token_error=True).update(is_token_error=False)
    tasks.update_character.apply_async(
        kwargs={"character_pk": character.pk, "force": True, "priority": tasks.PRIORITY_USER},
        priority=tasks.PRIORITY_USER,
    )
    if created:
        message = _("%(name)s has been registered.")
    else:
        message = _("%(name)s has been registered again with a new token.")
    messages.success(request, message % {"name": character.name})
    return redirect("memberaudit:launcher")


def _own_character(request: HttpRequest, character_pk: int) -> Character | None:
    return (
        access.owned_characters(request.user).select_related("eve_character").filter(pk=character_pk).first()
    )


@require_POST
@access.basic_access_required
def share_character(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Mark an own character as shared (needs ``share_characters``)."""
    if not access.can_share(request.user):
        return access.forbidden_response(request)
    character = _own_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    sharing.share(character)
    if ends := sharing.share_ends_at(character):
        message = _("%(name)s is now shared with recruiters until %(date)s EVE time.") % {
            "name": character.name,
            "date": formatting.eve_time(ends),
        }
    else:
        message = _("%(name)s is now shared with recruiters.") % {"name": character.name}
    messages.success(request, message)
    return redirect("memberaudit:launcher")


@require_POST
@access.basic_access_required
def unshare_character(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Stop sharing an own character (always allowed to the owner)."""
    character = _own_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    sharing.unshare(character)
    messages.success(request, _("%(name)s is no longer shared.") % {"name": character.name})
    return redirect("memberaudit:launcher")


@require_POST
@access.basic_access_required
def remove_character(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Remove an own character and all its data from Member Audit."""
    character = _own_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    name = character.name
    character.delete()
    messages.success(request, _("%(name)s has been removed.") % {"name": name})
    return redirect("memberaudit:launcher")
