"""Load the EVE objects that synced data refers to: types, entities and locations.

Sections store bare ids (foreign keys without database constraints) so a sync never waits
on EVE's static data; this resolver fills the referenced rows afterwards, in bulk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from eveuniverse.models import EveEntity, EveSolarSystem, EveType

from memberaudit import app_settings
from memberaudit.esi import gateway
from memberaudit.esi.budget import EsiPaused
from memberaudit.models import Character, Location
from memberaudit.models.locations import STRUCTURE_ID_MIN

from .engine import find_token

logger = logging.getLogger(__name__)

OPERATIONS = ("GetUniverseStationsStationId", "GetUniverseStructuresStructureId", "PostUniverseNames")
STRUCTURE_SCOPE = "esi-universe.read_structures.v1"
#: scopes the resolver needs beyond the sections' (asked for when a character is registered)
SCOPES = (STRUCTURE_SCOPE,)
#: ids below this are solar systems and other celestials, not stations
STATION_ID_MIN = 60_000_000


def resolve(
    *,
    types: Iterable[int] = (),
    entities: Iterable[int] = (),
    locations: Iterable[int] = (),
    character_pk: int | None = None,
) -> None:
    """Create what is missing. Errors are logged; a later run tries again."""
    for label, func, ids in (
        ("types", _resolve_types, types),
        ("entities", _resolve_entities, entities),
    ):
        ids = {int(i) for i in ids if i}
        if not ids:
            continue
        try:
            func(ids)
        except EsiPaused:
            raise
        except Exception as exc:
            logger.warning("Could not resolve %d %s: %s", len(ids), label, exc)
    if locations:
        character = Character.objects.filter(pk=character_pk).first() if character_pk else None
        resolve_locations({int(i) for i in locations if i}, character)


def _resolve_types(ids: set[int]) -> None:
    missing = ids - set(EveType.objects.filter(id__in=ids).values_list("id", flat=True))
    if missing:
        EveType.objects.bulk_get_or_create_esi(ids=missing)


def _resolve_entities(ids: set[int]) -> None:
    missing = ids - set(EveEntity.objects.filter(id__in=ids).exclude(name="").values_list("id", flat=True))
    if missing:
        EveEntity.objects.bulk_resolve_ids(missing)


def resolve_locations(ids: set[int], character: Character | None) -> None:
    """Create or refresh stations and structures; a forbidden structure is remembered."""
    stale_before = timezone.now() - timedelta(hours=int(app_settings.get("MEMBERAUDIT_LOCATION_STALE_HOURS")))
    fresh = set(
        Location.objects.filter(id__in=ids, updated_at__gte=stale_before).values_list("id", flat=True)
    )
    token = find_token(character, (STRUCTURE_SCOPE,)) if character else None
    for location_id in sorted(ids - fresh):
        try:
            _resolve_location(location_id, token)
        except EsiPaused:
            raise
        except Exception as exc:
            logger.warning("Could not resolve location %s: %s", location_id, exc)


def _resolve_location(location_id: int, token) -> None:
    now = timezone.now()
    if location_id < STATION_ID_MIN:
        if location_id >= 30_000_000:  # a solar system ("in space")
            system = EveSolarSystem.objects.get_or_create_esi(id=location_id)[0]
            Location.objects.update_or_create(
                id=location_id,
                defaults={"name": system.name, "eve_solar_system_id": location_id, "updated_at": now},
            )
        return
    if location_id < STRUCTURE_ID_MIN:
        data = gateway.fetch("GetUniverseStationsStationId", station_id=location_id).data
        if data is None:  # 304: what we have is current
            Location.objects.filter(id=location_id).update(updated_at=now)
            return
        Location.objects.update_or_create(
            id=location_id,
            defaults={
                "name": data["name"],
                "eve_solar_system_id": data["system_id"],
                "eve_type_id": data["type_id"],
                "owner_id": data.get("owner"),
                "is_forbidden": False,
                "updated_at": now,
            },
        )
        return
    if token is None:
        Location.objects.get_or_create(id=location_id, defaults={"updated_at": None})
        return
    try:
        data = gateway.fetch("GetUniverseStructuresStructureId", token=token, structure_id=location_id).data
    except gateway.NotFound:
        Location.objects.update_or_create(id=location_id, defaults={"is_forbidden": True, "updated_at": now})
        return
    if data is None:  # 304: what we have is current
        Location.objects.filter(id=location_id).update(updated_at=now)
        return
    Location.objects.update_or_create(
        id=location_id,
        defaults={
            "name": data["name"],
            "eve_solar_system_id": data["solar_system_id"],
            "eve_type_id": data.get("type_id"),
            "owner_id": data.get("owner_id"),
            "is_forbidden": False,
            "updated_at": now,
        },
    )
