"""NPC standings, loyalty points and faction warfare statistics."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.standings import CharacterFwStats, CharacterLoyaltyEntry, CharacterStanding

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows, upsert_one


@register
class StandingsSection(Section):
    name = "standings"
    title = _("Standings")
    ring = 2
    scopes = ("esi-characters.read_standings.v1",)
    operations = ("GetCharactersCharacterIdStandings",)
    models = (CharacterStanding,)
    description = (
        "Standings of NPC agents, corporations and factions towards the character, every ring 2 cycle."
    )

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {"eve_entity_id": item["from_id"], "from_type": item["from_type"], "standing": item["standing"]}
            for item in payload
        ]
        return replace_rows(CharacterStanding, {"character": ctx.character}, rows, key="eve_entity_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"entities": ids(item["from_id"] for item in payload)}


@register
class LoyaltySection(Section):
    name = "loyalty"
    title = _("Loyalty points")
    ring = 2
    scopes = ("esi-characters.read_loyalty.v1",)
    operations = ("GetCharactersCharacterIdLoyaltyPoints",)
    models = (CharacterLoyaltyEntry,)
    description = "Loyalty points per NPC corporation, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {"corporation_id": item["corporation_id"], "loyalty_points": item["loyalty_points"]}
            for item in payload
        ]
        return replace_rows(CharacterLoyaltyEntry, {"character": ctx.character}, rows, key="corporation_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"entities": ids(item["corporation_id"] for item in payload)}


@register
class FwStatsSection(Section):
    name = "fw_stats"
    title = _("Faction warfare")
    ring = 2
    scopes = ("esi-characters.read_fw_stats.v1",)
    operations = ("GetCharactersCharacterIdFwStats",)
    models = (CharacterFwStats,)
    description = (
        "Faction warfare enlistment, ranks, kills and victory points (zero and without faction "
        "when not enlisted), every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi("GetCharactersCharacterIdFwStats")
        return NOT_MODIFIED if response.not_modified else (response.data or {})

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        kills = payload.get("kills") or {}
        points = payload.get("victory_points") or {}
        values = {
            "faction_id": payload.get("faction_id"),
            "enlisted_on": payload.get("enlisted_on"),
            "current_rank": payload.get("current_rank"),
            "highest_rank": payload.get("highest_rank"),
            "kills_yesterday": kills.get("yesterday", 0),
            "kills_last_week": kills.get("last_week", 0),
            "kills_total": kills.get("total", 0),
            "victory_points_yesterday": points.get("yesterday", 0),
            "victory_points_last_week": points.get("last_week", 0),
            "victory_points_total": points.get("total", 0),
        }
        return upsert_one(CharacterFwStats, {"character": ctx.character}, values)

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"entities": ids([payload.get("faction_id")])}
