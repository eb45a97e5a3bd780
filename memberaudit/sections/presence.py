"""Location, online status and current ship (ring 1: they change often).

A character that is logged out cannot move or board another ship: location and ship are proved
unchanged without a request while the online status shows it logged out since they were last
asked (``in_game.ChangesOnlyInGame``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.presence import CharacterLocation, CharacterOnlineStatus, CharacterShip

from .base import Changes, Section, SyncContext, ids
from .in_game import ChangesOnlyInGame
from .registry import register
from .sync import upsert_one


@register
class LocationSection(ChangesOnlyInGame):
    name = "location"
    title = _("Location")
    ring = 1
    scopes = ("esi-location.read_location.v1",)
    operations = ("GetCharactersCharacterIdLocation",)
    models = (CharacterLocation,)
    description = (
        "Solar system and the station or structure the character is docked in, every ring 1 cycle"
        " (not asked while the character stays logged out)."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        docked = payload.get("structure_id") or payload.get("station_id")
        return upsert_one(
            CharacterLocation,
            {"character": ctx.character},
            {"eve_solar_system_id": payload["solar_system_id"], "location_id": docked},
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "locations": ids(
                [payload.get("structure_id"), payload.get("station_id"), payload["solar_system_id"]]
            )
        }


@register
class OnlineStatusSection(Section):
    name = "online_status"
    title = _("Online status")
    ring = 1
    scopes = ("esi-location.read_online.v1",)
    operations = ("GetCharactersCharacterIdOnline",)
    models = (CharacterOnlineStatus,)
    description = "Whether the character is online, last login and logout, every ring 1 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return upsert_one(
            CharacterOnlineStatus,
            {"character": ctx.character},
            {
                "online": payload["online"],
                "last_login": payload.get("last_login"),
                "last_logout": payload.get("last_logout"),
                "logins": payload.get("logins"),
            },
        )


@register
class ShipSection(ChangesOnlyInGame):
    name = "ship"
    title = _("Ship")
    ring = 1
    scopes = ("esi-location.read_ship_type.v1",)
    operations = ("GetCharactersCharacterIdShip",)
    models = (CharacterShip,)
    description = (
        "The ship the character sits in, with its name, every ring 1 cycle"
        " (not asked while the character stays logged out)."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return upsert_one(
            CharacterShip,
            {"character": ctx.character},
            {
                "item_id": payload["ship_item_id"],
                "eve_type_id": payload["ship_type_id"],
                "name": payload["ship_name"],
            },
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"types": ids([payload["ship_type_id"]])}
