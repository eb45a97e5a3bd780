"""Assets with names and nesting, stored in passes of MEMBERAUDIT_TASKS_MAX_ASSETS_PER_PASS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit import app_settings
from memberaudit.models.assets import CharacterAsset
from memberaudit.models.presence import CharacterLocation, CharacterShip

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import delete_missing, replace_rows

NAMES_PER_CALL = 1000


def nest(assets: list[dict], ship: dict | None) -> list[dict]:
    """Rows for storage, parents before children, each with its root location.

    The ship the character sits in is added when items are inside it but ESI did not list it.
    """
    by_id = {a["item_id"]: a for a in assets}
    if ship and ship["item_id"] not in by_id and any(a["location_id"] == ship["item_id"] for a in assets):
        by_id[ship["item_id"]] = {
            "item_id": ship["item_id"],
            "type_id": ship["type_id"],
            "location_id": ship["location_id"],
            "location_flag": "ActiveShip",
            "location_type": "other",
            "quantity": 1,
            "is_singleton": True,
            "name": ship.get("name", ""),
        }

    depth_cache: dict[int, tuple[int, int | None]] = {}

    def depth_and_root(item_id: int) -> tuple[int, int | None]:
        chain = []
        current = item_id
        while current in by_id and current not in depth_cache and len(chain) < 50:
            chain.append(current)
            current = by_id[current]["location_id"]
        depth, root = depth_cache.get(current, (-1, current))
        for item in reversed(chain):
            depth += 1
            depth_cache[item] = (depth, root)
        return depth_cache[item_id]

    rows = []
    for item_id, asset in by_id.items():
        depth, root_location = depth_and_root(item_id)
        parent = asset["location_id"] if asset["location_id"] in by_id else None
        rows.append(
            {
                "item_id": item_id,
                "parent_item_id": parent,
                "location_id": root_location,
                "location_flag": asset["location_flag"],
                "location_type": asset["location_type"],
                "eve_type_id": asset["type_id"],
                "quantity": asset["quantity"],
                "is_singleton": asset["is_singleton"],
                "is_blueprint_copy": asset.get("is_blueprint_copy"),
                "name": asset.get("name", ""),
                "_depth": depth,
            }
        )
    rows.sort(key=lambda r: (r["_depth"], r["item_id"]))
    for row in rows:
        del row["_depth"]
    return rows


@register
class AssetsSection(Section):
    name = "assets"
    title = _("Assets")
    ring = 3
    scopes = ("esi-assets.read_assets.v1",)
    operations = ("GetCharactersCharacterIdAssets", "PostCharactersCharacterIdAssetsNames")
    models = (CharacterAsset,)
    description = (
        "Every item with its location, nesting in containers and ships, and given names, every ring 3 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdAssets", paged=True)
        if response.not_modified:
            return NOT_MODIFIED
        assets = sorted(response.data, key=lambda a: a["item_id"])
        singletons = [a["item_id"] for a in assets if a.get("is_singleton")]
        names: dict[int, str] = {}
        for start in range(0, len(singletons), NAMES_PER_CALL):
            chunk = singletons[start : start + NAMES_PER_CALL]
            named = ctx.esi("PostCharactersCharacterIdAssetsNames", body=chunk)
            for entry in named.data or []:
                if entry.get("name") and entry["name"] != "None":
                    names[entry["item_id"]] = entry["name"]
        for asset in assets:
            if asset["item_id"] in names:
                asset["name"] = names[asset["item_id"]]
        ship = self._current_ship(ctx)
        return {"assets": assets, "ship": ship}

    @staticmethod
    def _current_ship(ctx: SyncContext) -> dict | None:
        ship = (
            CharacterShip.objects.filter(character=ctx.character)
            .values("item_id", "eve_type_id", "name")
            .first()
        )
        if not ship:
            return None
        location = (
            CharacterLocation.objects.filter(character=ctx.character)
            .values("location_id", "eve_solar_system_id")
            .first()
            or {}
        )
        return {
            "item_id": ship["item_id"],
            "type_id": ship["eve_type_id"],
            "name": ship["name"],
            "location_id": location.get("location_id") or location.get("eve_solar_system_id"),
        }

    def store_passes(self, ctx: SyncContext, payload: Any) -> list[Callable[[], Changes]]:
        rows = nest(payload["assets"], payload.get("ship"))
        size = max(1, int(app_settings.get("MEMBERAUDIT_TASKS_MAX_ASSETS_PER_PASS")))
        scope = {"character": ctx.character}
        passes: list[Callable[[], Changes]] = [
            (
                lambda chunk=rows[start : start + size]: replace_rows(
                    CharacterAsset, scope, chunk, key="item_id", delete_missing=False
                )
            )
            for start in range(0, len(rows), size)
        ]
        keep = {row["item_id"] for row in rows}
        passes.append(lambda: delete_missing(CharacterAsset, scope, keep, key="item_id"))
        return passes

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        changes = Changes()
        for step in self.store_passes(ctx, payload):
            changes += step()
        return changes

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        assets = payload["assets"]
        item_ids = {a["item_id"] for a in assets}
        return {
            "types": ids(a["type_id"] for a in assets),
            "locations": ids(a["location_id"] for a in assets if a["location_id"] not in item_ids),
        }
