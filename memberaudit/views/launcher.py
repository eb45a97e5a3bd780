"""The launcher: register characters and manage the user's own characters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from allianceauth.authentication.models import CharacterOwnership
from esi.decorators import token_required
from esi.models import Token

from memberaudit import access, app_settings, tasks
from memberaudit.esi_scopes import CHARACTER_SCOPES
from memberaudit.models import Character, SectionStatus


class Health:
    """Update health of a character, from its section statuses."""

    OK = "ok"
    ERRORS = "errors"
    TOKEN_ERROR = "token_error"
    NEVER_UPDATED = "never_updated"

    LABELS = {
        OK: _("OK"),
        ERRORS: _("Errors"),
        TOKEN_ERROR: _("Token broken"),
        NEVER_UPDATED: _("Never updated"),
    }


@dataclass
class HealthSummary:
    """Aggregated section statuses of one character."""

    code: str = Health.NEVER_UPDATED
    sections: int = 0
    errors: int = 0
    token_errors: int = 0
    last_success_at: Any = None

    @property
    def label(self) -> str:
        return str(Health.LABELS[self.code])


def health_by_character(character_ids: Iterable[int]) -> dict[int, HealthSummary]:
    """Health of each character in one query, however many characters and sections."""
    rows = (
        SectionStatus.objects.filter(character_id__in=list(character_ids))
        .values("character_id")
        .annotate(
            sections=Count("pk"),
            succeeded=Count("pk", filter=Q(last_success_at__isnull=False)),
            errors=Count("pk", filter=~Q(error_message="")),
            token_errors=Count("pk", filter=Q(is_token_error=True)),
            last_success_at=Max("last_success_at"),
        )
        .order_by()
    )
    result = {}
    for row in rows:
        if row["token_errors"]:
            code = Health.TOKEN_ERROR
        elif row["errors"]:
            code = Health.ERRORS
        elif row["succeeded"]:
            code = Health.OK
        else:
            code = Health.NEVER_UPDATED
        result[row["character_id"]] = HealthSummary(
            code=code,
            sections=row["sections"],
            errors=row["errors"],
            token_errors=row["token_errors"],
            last_success_at=row["last_success_at"],
        )
    return result


def character_details(character_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """ROOM FOR SECTION DATA: key info per character shown in the launcher.

    To be filled when the section models exist, with keys ``location``, ``ship``, ``wallet``,
    ``total_sp`` and ``skill_in_training`` (rendered by ``partials/launcher_character_details.html``).
    Fetch each with one query for all ``character_ids``: the launcher's query count must not
    grow with the number of characters (``tests/test_launcher.py`` checks it).
    """
    return {}


@dataclass
class CharacterRow:
    """One line of the launcher's character table."""

    character: Character
    is_main: bool
    health: HealthSummary
    details: dict[str, Any] = field(default_factory=dict)


def launcher_rows(request: HttpRequest) -> list[CharacterRow]:
    """The user's characters, main first, with health and details (constant queries)."""
    characters = list(
        access.owned_characters(request.user)
        .select_related("eve_character")
        .order_by("eve_character__character_name")
    )
    ids = [character.pk for character in characters]
    health = health_by_character(ids)
    details = character_details(ids)
    main_id = request.user.profile.main_character_id
    rows = [
        CharacterRow(
            character=character,
            is_main=character.eve_character_id == main_id,
            health=health.get(character.pk, HealthSummary()),
            details=details.get(character.pk, {}),
        )
        for character in characters
    ]
    rows.sort(key=lambda row: not row.is_main)  # stable: main first, then by name
    return rows


@require_GET
@access.basic_access_required
def launcher(request: HttpRequest) -> HttpResponse:
    """List the user's registered characters and let them register more."""
    rows = launcher_rows(request)
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "rows": rows,
        "token_error_rows": [row for row in rows if row.health.code == Health.TOKEN_ERROR],
        "can_share": access.can_share(request.user),
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
    character.is_shared = True
    character.save(update_fields=["is_shared"])
    messages.success(request, _("%(name)s is now shared with recruiters.") % {"name": character.name})
    return redirect("memberaudit:launcher")


@require_POST
@access.basic_access_required
def unshare_character(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Stop sharing an own character (always allowed to the owner)."""
    character = _own_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    character.is_shared = False
    character.save(update_fields=["is_shared"])
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
