"""Public character details (bio) and corporation history: no scope needed."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.details import CharacterCorporationHistory, CharacterDetails

from .base import Changes, Counterparties, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows, upsert_one


@register
class DetailsSection(Section):
    name = "details"
    title = _("Bio")
    ring = 2
    operations = ("GetCharactersCharacterId",)
    models = (CharacterDetails,)
    description = "Public details: corporation, alliance, birthday, race, security status and the bio, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        return upsert_one(
            CharacterDetails,
            {"character": ctx.character},
            {
                "name": payload["name"],
                "corporation_id": payload["corporation_id"],
                "alliance_id": payload.get("alliance_id"),
                "faction_id": payload.get("faction_id"),
                "birthday": payload["birthday"],
                "bloodline_id": payload["bloodline_id"],
                "race_id": payload["race_id"],
                "gender": payload["gender"],
                "description": payload.get("description") or "",
                "security_status": payload.get("security_status"),
                "title": payload.get("title") or "",
            },
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "entities": ids(
                [payload["corporation_id"], payload.get("alliance_id"), payload.get("faction_id")]
            )
        }


@register
class CorporationHistorySection(Section):
    name = "corporation_history"
    title = _("Corporation history")
    ring = 2
    operations = ("GetCharactersCharacterIdCorporationhistory",)
    models = (CharacterCorporationHistory,)
    counterparties = (
        Counterparties(CharacterCorporationHistory, "corporation_id", date="start_date", kind="corporation"),
    )
    description = "Every corporation the character has been a member of, every ring 2 cycle."

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {
                "record_id": r["record_id"],
                "corporation_id": r["corporation_id"],
                "start_date": r["start_date"],
                "is_deleted": bool(r.get("is_deleted", False)),
            }
            for r in payload
        ]
        return replace_rows(CharacterCorporationHistory, {"character": ctx.character}, rows, key="record_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {"entities": ids(r["corporation_id"] for r in payload)}
