"""Location, online status, ship, jump fatigue, and the overview tab that sums them up."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from memberaudit.models import (
    Character,
    CharacterLocation,
    CharacterOnlineStatus,
    CharacterShip,
    CharacterSkillqueueEntry,
)
from memberaudit.models.fatigue import CharacterJumpFatigue

from . import cells, tab_context


@tab_context("location")
def location_context(character: Character) -> dict[str, Any]:
    location = (
        CharacterLocation.objects.filter(character=character)
        .select_related("eve_solar_system__eve_constellation__eve_region", "location")
        .first()
    )
    return {
        "current_location": location,
        "solar_system": cells.solar_system_cell(location) if location else "",
        "docked_in": cells.location(location) if location and location.location_id else "",
    }


@tab_context("online_status")
def online_status_context(character: Character) -> dict[str, Any]:
    return {"online_status": CharacterOnlineStatus.objects.filter(character=character).first()}


@tab_context("ship")
def ship_context(character: Character) -> dict[str, Any]:
    ship = CharacterShip.objects.filter(character=character).select_related("eve_type").first()
    return {"ship": ship, "ship_type": cells.eve_type(ship) if ship else ""}


@tab_context("jump_fatigue")
def jump_fatigue_context(character: Character) -> dict[str, Any]:
    return {"fatigue": CharacterJumpFatigue.objects.filter(character=character).first()}


def related_or_none(obj: Any, name: str) -> Any:
    """A reverse one-to-one loaded by ``select_related``, or None (no query either way)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


#: what the overview reads from the character's row: ``select_related`` these when loading it
OVERVIEW_RELATED = (
    "location__eve_solar_system__eve_constellation__eve_region",
    "location__location",
    "ship__eve_type",
    "wallet_balance",
    "skillpoints",
    "online_status",
)


def overview(character: Character) -> dict[str, Any]:
    """What the overview tab shows: location, ship, wallet, skill points, online status, and
    the skill in training. One query for the training skill, and one for the rest unless
    ``character`` was loaded with ``select_related(*OVERVIEW_RELATED)`` (the viewer does)."""
    fields = (Character._meta.get_field(name.split("__", 1)[0]) for name in OVERVIEW_RELATED)
    if all(field.is_cached(character) for field in fields):
        loaded = character
    else:
        loaded = Character.objects.filter(pk=character.pk).select_related(*OVERVIEW_RELATED).first()
    location = related_or_none(loaded, "location")
    ship = related_or_none(loaded, "ship")
    training = (
        CharacterSkillqueueEntry.objects.filter(character=character, finish_date__gt=timezone.now())
        .select_related("eve_type")
        .order_by("queue_position")
        .first()
    )
    return {
        "solar_system": cells.solar_system_cell(location) if location else "",
        "docked_in": cells.location(location) if location and location.location_id else "",
        "ship": ship,
        "ship_type": cells.type_with_icon(ship) if ship else "",
        "wallet_balance": related_or_none(loaded, "wallet_balance"),
        "skillpoints": related_or_none(loaded, "skillpoints"),
        "online_status": related_or_none(loaded, "online_status"),
        "training": training,
        "training_skill": cells.eve_type(training) if training else "",
    }
