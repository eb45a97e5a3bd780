"""Active implants and jump clones (with the home location)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.clones import CharacterCloneInfo, CharacterImplant, CharacterJumpClone

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows, upsert_one


@register
class ImplantsSection(Section):
    name = "implants"
    title = _("Implants")
    ring = 2
    scopes = ("esi-clones.read_implants.v1",)
    operations = ("GetCharactersCharacterIdImplants",)
    models = (CharacterImplant,)
    description = "Implants plugged into the active clone, every ring 2 cycle."

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdImplants")
        return NOT_MODIFIED if response.not_modified else sorted(response.data)

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [{"eve_type_id": type_id} for type_id in payload]
        return replace_rows(CharacterImplant, {"character": ctx.character}, rows, key="eve_type_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"types": ids(payload)}


@register
class JumpClonesSection(Section):
    name = "jump_clones"
    title = _("Jump clones")
    ring = 2
    scopes = ("esi-clones.read_clones.v1",)
    operations = ("GetCharactersCharacterIdClones",)
    models = (CharacterCloneInfo, CharacterJumpClone)
    description = "Jump clones with their implants and locations, and the home station, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        scope = {"character": ctx.character}
        home = payload.get("home_location") or {}
        changes = upsert_one(
            CharacterCloneInfo,
            scope,
            {
                "home_location_id": home.get("location_id"),
                "last_clone_jump_date": payload.get("last_clone_jump_date"),
                "last_station_change_date": payload.get("last_station_change_date"),
            },
        )
        rows = [
            {
                "jump_clone_id": clone["jump_clone_id"],
                "name": clone.get("name", ""),
                "location_id": clone["location_id"],
                "location_type": clone.get("location_type", ""),
                "implant_type_ids": sorted(clone.get("implants", [])),
            }
            for clone in payload.get("jump_clones", [])
        ]
        return changes + replace_rows(CharacterJumpClone, scope, rows, key="jump_clone_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        clones = payload.get("jump_clones", [])
        home = (payload.get("home_location") or {}).get("location_id")
        return {
            "types": ids(i for clone in clones for i in clone.get("implants", [])),
            "locations": ids([home, *(clone["location_id"] for clone in clones)]),
        }
