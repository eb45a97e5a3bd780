"""Industry jobs (kept as history), blueprints (replaced) and the mining ledger."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models.industry import CharacterBlueprint, CharacterIndustryJob, CharacterMiningLedgerEntry

from .base import Changes, Section, SyncContext, ids
from .registry import register
from .sync import day, replace_rows

#: location flags of blueprints whose location_id is a station or structure (else it is a container)
HANGAR_FLAGS = frozenset({"Hangar", "Deliveries"})


def _id(value: Any) -> int | None:
    return int(value) if value else None


def job_row(job: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of one industry job as ESI gives it."""
    return {
        "job_id": job["job_id"],
        "activity_id": job["activity_id"],
        "status": job["status"],
        "installer_id": _id(job.get("installer_id")),
        "completed_character_id": _id(job.get("completed_character_id")),
        "blueprint_id": job["blueprint_id"],
        "blueprint_type_id": job["blueprint_type_id"],
        "product_type_id": _id(job.get("product_type_id")),
        "blueprint_location_id": _id(job.get("blueprint_location_id")),
        "output_location_id": _id(job.get("output_location_id")),
        "facility_id": _id(job.get("facility_id")),
        "station_id": _id(job.get("station_id")),
        "runs": job["runs"],
        "licensed_runs": job.get("licensed_runs"),
        "successful_runs": job.get("successful_runs"),
        "probability": job.get("probability"),
        "cost": job.get("cost"),
        "duration": job["duration"],
        "start_date": job["start_date"],
        "end_date": job["end_date"],
        "pause_date": job.get("pause_date"),
        "completed_date": job.get("completed_date"),
    }


@register
class IndustryJobsSection(Section):
    name = "industry_jobs"
    title = _("Industry jobs")
    ring = 2
    scopes = ("esi-industry.read_character_jobs.v1",)
    operations = ("GetCharactersCharacterIdIndustryJobs",)
    models = (CharacterIndustryJob,)
    description = (
        "Manufacturing, research, invention and reaction jobs, active and completed ones, kept as "
        "history with status updates, every ring 2 cycle."
    )

    params = {"include_completed": True}

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [job_row(job) for job in payload]
        # jobs ESI stops listing (completed ones age out) are kept
        return replace_rows(
            CharacterIndustryJob, {"character": ctx.character}, rows, key="job_id", delete_missing=False
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "types": ids(j.get(k) for j in payload for k in ("blueprint_type_id", "product_type_id")),
            "entities": ids(j.get(k) for j in payload for k in ("installer_id", "completed_character_id")),
            "locations": ids(j.get(k) for j in payload for k in ("station_id", "facility_id")),
        }


@register
class BlueprintsSection(Section):
    name = "blueprints"
    title = _("Blueprints")
    # like assets: they change with industry and trade, not by the hour
    ring = 3
    scopes = ("esi-characters.read_blueprints.v1",)
    operations = ("GetCharactersCharacterIdBlueprints",)
    models = (CharacterBlueprint,)
    description = (
        "Blueprint originals and copies with material and time efficiency, runs and location, "
        "every ring 3 cycle."
    )

    paged = True

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows = [
            {
                "item_id": bp["item_id"],
                "eve_type_id": bp["type_id"],
                "location_id": bp["location_id"],
                "location_flag": bp["location_flag"],
                "quantity": bp["quantity"],
                "runs": bp["runs"],
                "material_efficiency": bp["material_efficiency"],
                "time_efficiency": bp["time_efficiency"],
            }
            for bp in payload
        ]
        return replace_rows(CharacterBlueprint, {"character": ctx.character}, rows, key="item_id")

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "types": ids(bp["type_id"] for bp in payload),
            "locations": ids(bp["location_id"] for bp in payload if bp["location_flag"] in HANGAR_FLAGS),
        }


@register
class MiningLedgerSection(Section):
    name = "mining_ledger"
    title = _("Mining ledger")
    ring = 2
    scopes = ("esi-industry.read_character_mining.v1",)
    operations = ("GetCharactersCharacterIdMining",)
    models = (CharacterMiningLedgerEntry,)
    description = (
        "Ore mined per day, solar system and type over the last 30 days (ESI's window), older days "
        "kept as history, every ring 2 cycle."
    )

    paged = True

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        """Replace each day ESI reports; days it no longer reports are history and stay."""
        by_day: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for entry in payload:
            by_day[day(entry["date"])].append(
                {
                    "eve_solar_system_id": entry["solar_system_id"],
                    "eve_type_id": entry["type_id"],
                    "quantity": entry["quantity"],
                }
            )
        changes = Changes()
        for date, rows in sorted(by_day.items()):
            changes += replace_rows(
                CharacterMiningLedgerEntry,
                {"character": ctx.character, "date": date},
                rows,
                key=("eve_solar_system_id", "eve_type_id"),
            )
        return changes

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        return {
            "types": ids(e["type_id"] for e in payload),
            "locations": ids(e["solar_system_id"] for e in payload),
        }
