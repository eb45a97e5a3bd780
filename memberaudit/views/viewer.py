"""The character viewer: one character, with an overview and (later) a tab per section."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings
from memberaudit.models import Character


def viewable_character(request: HttpRequest, character_pk: int) -> Character | None:
    """The character if the requester may open it, else None (the view answers 404).

    Tab data endpoints added later should fetch their character through this function.
    """
    return (
        access.accessible_characters(request.user)
        .select_related(
            "eve_character__character_ownership__user__profile__main_character",
        )
        .filter(pk=character_pk)
        .first()
    )


@require_GET
@access.basic_access_required
def character_viewer(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Overview of one character; section tabs are added to the ``viewer_tabs`` block."""
    character = viewable_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    owner = character.user
    main = owner.profile.main_character if owner else None
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "character": character,
        "eve_character": character.eve_character,
        "owner_main": main,
        "is_main": bool(main and main.pk == character.eve_character_id),
        "is_own": owner is not None and owner.pk == request.user.pk,
        "section_statuses": list(character.section_statuses.order_by("section")),
    }
    return render(request, "memberaudit/character_viewer.html", context)
