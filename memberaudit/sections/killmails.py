"""Recent killmails: ids and hashes from the character's list, details once from the public route."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.esi import gateway
from memberaudit.models.killmails import CharacterKillmail

from .base import NOT_MODIFIED, Changes, Section, SyncContext, ids
from .registry import register
from .sync import replace_rows

logger = logging.getLogger(__name__)

LIST_OPERATION = "GetCharactersCharacterIdKillmailsRecent"
DETAIL_OPERATION = "GetKillmailsKillmailIdKillmailHash"
#: fields of a summary holding EVE entity ids
ENTITY_FIELDS = (
    "victim_character_id",
    "victim_corporation_id",
    "victim_alliance_id",
    "victim_faction_id",
    "final_blow_character_id",
    "final_blow_corporation_id",
    "final_blow_alliance_id",
)


def summary(detail: dict[str, Any], character_id: int) -> dict[str, Any]:
    """What we keep of a killmail: time, place, victim, number of attackers and the final blow."""
    victim = detail.get("victim") or {}
    attackers = detail.get("attackers") or []
    final = next((a for a in attackers if a.get("final_blow")), {})
    return {
        "killmail_id": detail["killmail_id"],
        "details_loaded": True,
        "killmail_time": detail["killmail_time"],
        "eve_solar_system_id": detail["solar_system_id"],
        "is_loss": victim.get("character_id") == character_id,
        "victim_character_id": victim.get("character_id"),
        "victim_corporation_id": victim.get("corporation_id"),
        "victim_alliance_id": victim.get("alliance_id"),
        "victim_faction_id": victim.get("faction_id"),
        "victim_ship_type_id": victim.get("ship_type_id"),
        "damage_taken": victim.get("damage_taken"),
        "attackers_count": len(attackers),
        "final_blow_character_id": final.get("character_id"),
        "final_blow_corporation_id": final.get("corporation_id"),
        "final_blow_alliance_id": final.get("alliance_id"),
        "final_blow_ship_type_id": final.get("ship_type_id"),
    }


@register
class KillmailsSection(Section):
    name = "killmails"
    title = _("Killmails")
    ring = 2
    scopes = ("esi-killmails.read_killmails.v1",)
    operations = (LIST_OPERATION, DETAIL_OPERATION)
    models = (CharacterKillmail,)
    description = (
        "Recent kills and losses (ESI's list of the last 90 days) with time, place, victim, final "
        "blow and number of attackers, each detailed once and kept as history, every ring 2 cycle."
    )

    def fetch(self, ctx: SyncContext) -> Any:
        response = ctx.esi(LIST_OPERATION, paged=True)
        mine = CharacterKillmail.objects.filter(character=ctx.character)
        if response.not_modified:
            listed = None
            # details a previous run could not get
            wanted = dict(mine.filter(details_loaded=False).values_list("killmail_id", "killmail_hash"))
        else:
            listed = sorted(response.data, key=lambda k: k["killmail_id"])
            known = set(
                mine.filter(
                    killmail_id__in=[k["killmail_id"] for k in listed], details_loaded=True
                ).values_list("killmail_id", flat=True)
            )
            wanted = {k["killmail_id"]: k["killmail_hash"] for k in listed if k["killmail_id"] not in known}

        details = []
        for killmail_id, killmail_hash in sorted(wanted.items()):
            try:
                # public and immutable; skip the ETag, a 304 would leave us nothing to store
                answer = ctx.esi_public(
                    DETAIL_OPERATION, refetch=True, killmail_id=killmail_id, killmail_hash=killmail_hash
                )
            except gateway.NotFound:
                details.append({"killmail_id": killmail_id, "details_loaded": True})  # do not ask again
                continue
            except gateway.EsiPaused as exc:  # budget low: keep what we have, the rest next run
                logger.info("%s: killmail details postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            except gateway.EsiError as exc:  # incl. the route being down: asked again next run
                logger.warning("%s: killmail %s: %s", ctx.character, killmail_id, exc)
                ctx.postponed = True
                continue
            details.append(summary(answer.data, ctx.character_id))

        if listed is None and not details:
            return NOT_MODIFIED
        return {"killmails": listed, "details": details}

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        rows: dict[int, dict[str, Any]] = {
            k["killmail_id"]: {"killmail_id": k["killmail_id"], "killmail_hash": k["killmail_hash"]}
            for k in payload["killmails"] or []
        }
        for detail in payload["details"]:
            rows.setdefault(detail["killmail_id"], {}).update(detail)
        # history: killmails that left ESI's list are kept; rows without details leave details alone
        return replace_rows(
            CharacterKillmail,
            {"character": ctx.character},
            list(rows.values()),
            key="killmail_id",
            delete_missing=False,
        )

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        details = payload["details"]
        return {
            "entities": ids(d.get(k) for d in details for k in ENTITY_FIELDS),
            "types": ids(
                d.get(k) for d in details for k in ("victim_ship_type_id", "final_blow_ship_type_id")
            ),
            "locations": ids(d.get("eve_solar_system_id") for d in details),
        }
