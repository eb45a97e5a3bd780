"""Where counterparties belong now: a character's corporation and alliance, a player
corporation's alliance (ESI).

Characters are asked for in bulk: ``POST /characters/affiliation`` answers for up to 1,000 per
call. Like ``/universe/names`` it answers 404 for the whole request when one id is not a
character, so such a batch is split in halves until the bad id stands alone (it is then left
out). Player corporations are asked one by one (``GET /corporations/{id}``, at most
``CORPORATIONS_PER_RUN`` per run); NPC corporations never join alliances and are skipped.
Counterparties whose kind the index does not know yet are named first (through the resolver,
which stores their category).

Writes are bulk and only for what changed; rows that were confirmed get their ``checked_at``
moved in one statement per batch.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from eveuniverse.models import EveEntity

from memberaudit.core.intel import ENTITY_KINDS
from memberaudit.esi import gateway
from memberaudit.models import CharacterInteraction, CounterpartyAffiliation
from memberaudit.sections import resolver

logger = logging.getLogger(__name__)

OPERATION = "PostCharactersAffiliation"
CORPORATION_OPERATION = "GetCorporationsCorporationId"
PER_REQUEST = 1000
#: player corporations asked for per run (one request each)
CORPORATIONS_PER_RUN = 500
#: NPC corporations have ids in this range; they never join alliances
NPC_CORPORATIONS = range(1_000_000, 2_000_000)
#: affiliations older than this are asked for again
MAX_AGE = timedelta(hours=24)
#: the most counterparties one periodic run looks at
PER_RUN = 50_000


@dataclasses.dataclass
class AffiliationChanges:
    """Entity ids whose affiliation is new or changed, and how many were only confirmed."""

    changed: set[int] = dataclasses.field(default_factory=set)
    confirmed: int = 0
    skipped: set[int] = dataclasses.field(default_factory=set)


def due(now: datetime | None = None, limit: int = PER_RUN) -> list[int]:
    """Counterparties that are (or may be) characters or corporations without a fresh affiliation."""
    now = now or timezone.now()
    fresh = CounterpartyAffiliation.objects.filter(
        entity_id=OuterRef("counterparty_id"), checked_at__gte=now - MAX_AGE
    )
    return list(
        CharacterInteraction.objects.filter(Q(kind="character") | Q(kind="corporation") | Q(kind=""))
        .exclude(Exists(fresh))
        .order_by("counterparty_id")
        .values_list("counterparty_id", flat=True)
        .distinct()[:limit]
    )


def learn_kinds(ids: Iterable[int]) -> dict[int, str]:
    """Kinds of ``ids``; unknown ones are named through ESI first. Fills the index's empty kinds."""
    ids = {int(i) for i in ids if i}
    kinds = _stored_kinds(ids)
    missing = ids - set(kinds)
    if missing:
        resolver.resolve_entities(missing)
        kinds.update(_stored_kinds(missing))
    by_kind: dict[str, list[int]] = {}
    for entity_id, kind in kinds.items():
        by_kind.setdefault(kind, []).append(entity_id)
    for kind, members in by_kind.items():
        CharacterInteraction.objects.filter(kind="", counterparty_id__in=sorted(members)).update(kind=kind)
    return kinds


def _stored_kinds(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        entity_id: category
        for entity_id, category in EveEntity.objects.filter(id__in=sorted(ids)).values_list("id", "category")
        if category in ENTITY_KINDS
    }


def refresh(ids: Iterable[int] | None = None, now: datetime | None = None) -> AffiliationChanges:
    """Ask ESI for the affiliation of ``ids`` (default: every due counterparty) and store it.

    Ids confirmed within ``MAX_AGE`` and ids that are neither characters nor player
    corporations are skipped; raises ``EsiPaused`` when the budgets say
    wait (what was learned until then is stored).
    """
    now = now or timezone.now()
    if ids is None:
        candidates = due(now)
    else:  # only those not confirmed lately: a known counterparty costs nothing
        wanted = {int(i) for i in ids if i}
        fresh = CounterpartyAffiliation.objects.filter(
            entity_id__in=sorted(wanted), checked_at__gte=now - MAX_AGE
        ).values_list("entity_id", flat=True)
        candidates = sorted(wanted - set(fresh))
    changes = AffiliationChanges()
    if not candidates:
        return changes
    index_kinds = dict(
        CharacterInteraction.objects.filter(counterparty_id__in=candidates)
        .exclude(kind="")
        .values_list("counterparty_id", "kind")
        .distinct()
    )
    unknown = [i for i in candidates if i not in index_kinds]
    kinds = {**index_kinds, **(learn_kinds(unknown) if unknown else {})}
    characters = [i for i in candidates if kinds.get(i) == "character"]
    corporations = [i for i in candidates if kinds.get(i) == "corporation" and i not in NPC_CORPORATIONS][
        :CORPORATIONS_PER_RUN
    ]
    changes.skipped = set(candidates) - set(characters) - set(corporations)
    for start in range(0, len(characters), PER_REQUEST):
        rows: dict[int, dict] = {}
        _ask(characters[start : start + PER_REQUEST], rows)
        _store(rows, now, changes)
    rows = {}
    try:
        for corporation_id in corporations:
            try:
                data = gateway.fetch(CORPORATION_OPERATION, corporation_id=corporation_id).data or {}
            except gateway.NotFound:
                logger.info("ESI knows no corporation %s", corporation_id)
                continue
            rows[corporation_id] = {
                "alliance_id": data.get("alliance_id"),
                "faction_id": data.get("faction_id"),
            }
    finally:  # keep what was learned, also when the budgets say stop
        _store(rows, now, changes)
    return changes


def _ask(ids: list[int], rows: dict[int, dict]) -> None:
    try:
        # force: django-esi caches POST answers under a key without the body
        data = gateway.fetch(OPERATION, body=ids, force=True).data
    except gateway.NotFound:
        if len(ids) == 1:
            logger.info("ESI knows no character %s", ids[0])
            return
        middle = len(ids) // 2
        _ask(ids[:middle], rows)
        _ask(ids[middle:], rows)
        return
    for row in data or []:
        rows[int(row["character_id"])] = {
            "corporation_id": row["corporation_id"],
            "alliance_id": row.get("alliance_id"),
            "faction_id": row.get("faction_id"),
        }


def _store(rows: dict[int, dict], now: datetime, changes: AffiliationChanges) -> None:
    """Write the affiliations in ``rows`` (entity id -> corporation / alliance / faction)."""
    if not rows:
        return
    stored = {
        obj.entity_id: obj for obj in CounterpartyAffiliation.objects.filter(entity_id__in=sorted(rows))
    }
    new, changed, confirmed = [], [], []
    for entity_id, row in rows.items():
        values = {
            "corporation_id": row.get("corporation_id"),
            "alliance_id": row.get("alliance_id"),
            "faction_id": row.get("faction_id"),
        }
        current = stored.get(entity_id)
        if current is None:
            new.append(CounterpartyAffiliation(entity_id=entity_id, checked_at=now, **values))
        elif any(getattr(current, name) != value for name, value in values.items()):
            changed.append(CounterpartyAffiliation(entity_id=entity_id, checked_at=now, **values))
        else:
            confirmed.append(entity_id)
    if new:
        CounterpartyAffiliation.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        CounterpartyAffiliation.objects.bulk_update(
            changed, ["corporation_id", "alliance_id", "faction_id", "checked_at"]
        )
    if confirmed:
        CounterpartyAffiliation.objects.filter(entity_id__in=confirmed).update(checked_at=now)
    changes.changed.update(obj.entity_id for obj in new + changed)
    changes.confirmed += len(confirmed)
