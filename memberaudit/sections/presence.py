"""Location, online status and current ship (ring 1: they change often).

A character that is logged out cannot move or board another ship. Location and ship read the
online status (which runs first when both are due, ``Section.reads``): while it shows the
character offline with no login since ESI was last asked, they are proved unchanged without a
request (``core.staleness.unchanged_while_offline``), for at most the back-off's ceiling
(``MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES``) after which ESI is asked anyway.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from memberaudit.core import staleness
from memberaudit.models.presence import CharacterLocation, CharacterOnlineStatus, CharacterShip

from . import heartbeats, registry
from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .engine import window_key
from .registry import register
from .sync import upsert_one

ONLINE = "online_status"


def fetched_key(character_pk: int, section: str) -> str:
    """Cache key of what was known of the online status when ESI was last asked for ``section``."""
    return f"memberaudit:fetched:{character_pk}:{section}"


def proof_ceiling_seconds(section: str) -> int:
    """How long a section may go unasked on the proof of the online status: the back-off's
    ceiling (``MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES``, else its most rings); 0 (never) with the
    back-off turned off, when an admin wants every ring asked."""
    factor, cap = registry.backoff_settings()
    if factor <= 1:
        return 0
    minutes = cap if cap is not None else registry.stale_minutes(section) * factor
    return int(minutes * 60)


class _ChangesOnlyInGame(Section):
    """A section whose data changes only while its character is logged in."""

    reads = (ONLINE,)

    def fetch(self, ctx: SyncContext) -> Any:
        ceiling = proof_ceiling_seconds(self.name)
        if not ceiling:  # every check asks ESI: nothing to prove, nothing to read
            return super().fetch(ctx)
        character_pk = ctx.character.pk
        if ONLINE not in ctx.shared:
            # read once for location and ship; the online status ran before them (``reads``)
            ctx.shared[ONLINE] = (
                CharacterOnlineStatus.objects.filter(character=ctx.character).values("online", "logins").first()
            )
        online = ctx.shared[ONLINE]
        stored = ctx.status is not None and ctx.status.last_success_at is not None
        if stored and not ctx.refetch and online is not None:
            keys = {
                "fetched": fetched_key(character_pk, self.name),
                "online": heartbeats.heartbeat_key(character_pk, ONLINE),
                "self": heartbeats.heartbeat_key(character_pk, self.name),
                "window": window_key(character_pk, ONLINE),
            }
            found = cache.get_many(list(keys.values()))
            online_beat = found.get(keys["online"])
            own_beat = found.get(keys["self"])
            if staleness.unchanged_while_offline(
                found.get(keys["fetched"]),
                online["online"],
                online["logins"],
                online_beat[0] if online_beat else None,
                own_beat[0] if own_beat else None,
            ):
                ctx.checked_at = online_beat[0]  # what the proof knows, not now
                if window := found.get(keys["window"]):
                    # nothing can prove more before the online status may change: "update now"
                    # asks nothing until then, as inside ESI's own cache window
                    ctx.expires_at = dt.datetime.fromtimestamp(float(window), tz=dt.timezone.utc)
                ctx.note = str(_("offline since ESI was last asked: unchanged"))
                return NOT_MODIFIED
        payload = super().fetch(ctx)
        if online is not None:
            # what the online status said when ESI was asked: the next runs prove from it
            known = {"at": time.time(), "online": online["online"], "logins": online["logins"]}
            cache.set(fetched_key(character_pk, self.name), known, timeout=ceiling)
        return payload


@register
class LocationSection(_ChangesOnlyInGame):
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
class ShipSection(_ChangesOnlyInGame):
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
