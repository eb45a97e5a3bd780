"""Filling watch lists: by name or id (ESI), from a CSV file, from a character's contacts.

Names are looked up locally first (``EveEntity``) and then with one ``POST /universe/ids``
per 500 names; ids with ``POST /universe/names`` through the resolver. All ESI work happens
before the transaction that writes entries, so a CSV import either writes every row or
none, and nothing waits on ESI while holding locks.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from eveuniverse.models import EveEntity

from memberaudit.core.intel import (
    ENTITY_KINDS,
    MAX_ENTITY_ID,
    CsvProblem,
    CsvRow,
    negative_contacts,
    parse_entity_query,
    parse_watch_csv,
)
from memberaudit.esi import gateway
from memberaudit.models import WatchList, WatchListEntry
from memberaudit.models.contacts import CharacterContact
from memberaudit.sections import resolver

logger = logging.getLogger(__name__)

IDS_OPERATION = "PostUniverseIds"
NAMES_PER_REQUEST = 500
#: names matched case-insensitively per local query
LOCAL_NAMES_PER_QUERY = 100
_ESI_KEYS = {
    "characters": "character",
    "corporations": "corporation",
    "alliances": "alliance",
    "factions": "faction",
}


class LookupFailed(Exception):
    """ESI could not be asked (paused, down, erroring): try again later."""


@dataclasses.dataclass(frozen=True)
class Entity:
    """An EVE character, corporation, alliance or faction."""

    id: int
    kind: str
    name: str


# --- lookups -----------------------------------------------------------------------------------


def find_by_names(names: Iterable[str]) -> dict[str, list[Entity]]:
    """Entities with exactly these names (case-insensitive), keyed by the casefolded name."""
    wanted = {name.strip().casefold(): name.strip() for name in names if name and name.strip()}
    found: dict[str, list[Entity]] = {}
    keys = sorted(wanted)
    for start in range(0, len(keys), LOCAL_NAMES_PER_QUERY):
        any_name = Q()
        for key in keys[start : start + LOCAL_NAMES_PER_QUERY]:
            any_name |= Q(name__iexact=wanted[key])
        for entity_id, name, category in EveEntity.objects.filter(
            any_name, category__in=ENTITY_KINDS
        ).values_list("id", "name", "category"):
            found.setdefault(name.casefold(), []).append(Entity(entity_id, category, name))
    missing = sorted(wanted[key] for key in wanted if key not in found)
    learned: list[EveEntity] = []
    try:
        for start in range(0, len(missing), NAMES_PER_REQUEST):
            # force: django-esi caches POST answers under a key without the body
            data = gateway.fetch(
                IDS_OPERATION, body=missing[start : start + NAMES_PER_REQUEST], force=True
            ).data
            for key, kind in _ESI_KEYS.items():
                for item in (data or {}).get(key) or []:
                    entity = Entity(int(item["id"]), kind, str(item["name"]))
                    found.setdefault(entity.name.casefold(), []).append(entity)
                    learned.append(EveEntity(id=entity.id, name=entity.name, category=kind))
    except (gateway.EsiPaused, gateway.EsiError) as exc:
        raise LookupFailed(str(exc)) from exc
    except Exception as exc:  # e.g. ESI not reachable: the page says "try later", the log has it
        logger.exception("Looking up %d names in ESI failed", len(missing))
        raise LookupFailed(str(exc)) from exc
    if learned:  # the next lookup of these names needs no ESI
        EveEntity.objects.bulk_create(learned, ignore_conflicts=True)
    return {key: found[key] for key in wanted if key in found}


def find_by_ids(ids: Iterable[int]) -> dict[int, Entity]:
    """Entities by id; ids unknown here are named through ESI (via the resolver)."""
    ids = {int(i) for i in ids if i and 0 < int(i) <= MAX_ENTITY_ID}

    def stored(wanted: set[int]) -> dict[int, Entity]:
        return {
            entity_id: Entity(entity_id, category, name)
            for entity_id, name, category in EveEntity.objects.filter(id__in=sorted(wanted)).values_list(
                "id", "name", "category"
            )
            if category in ENTITY_KINDS and name
        }

    found = stored(ids)
    if missing := ids - set(found):
        try:
            resolver.resolve_entities(missing)
        except gateway.EsiPaused as exc:
            raise LookupFailed(str(exc)) from exc
        except Exception as exc:
            logger.exception("Looking up %d ids in ESI failed", len(missing))
            raise LookupFailed(str(exc)) from exc
        found.update(stored(missing))
    return found


def find_stored(entity_id: int) -> Entity | None:
    """An entity as far as it is known here (no ESI): for pages that got an id from a link."""
    row = EveEntity.objects.filter(id=entity_id).values_list("name", "category").first()
    if row is None or row[1] not in ENTITY_KINDS:
        return None
    return Entity(entity_id, row[1], row[0])


def find(text: str) -> list[Entity]:
    """What someone typed: an id or an exact name (several kinds may share a name)."""
    query = parse_entity_query(text)
    if query is None:
        return []
    if isinstance(query, int):
        entity = find_by_ids([query]).get(query)
        return [entity] if entity else []
    return sorted(find_by_names([query]).get(query.casefold(), []), key=lambda e: ENTITY_KINDS.index(e.kind))


# --- entries -----------------------------------------------------------------------------------


def add_entry(
    watch_list: WatchList,
    entity: Entity,
    *,
    reason: str = "",
    user: User | None = None,
    source: str = WatchListEntry.Source.MANUAL,
) -> tuple[WatchListEntry, bool]:
    """Put ``entity`` on the list, or update the reason of its entry; returns (entry, created)."""
    entry, created = WatchListEntry.objects.get_or_create(
        watch_list=watch_list,
        entity_id=entity.id,
        defaults={
            "kind": entity.kind,
            "name": entity.name,
            "reason": reason,
            "added_by": user,
            "source": source,
        },
    )
    if not created and reason and entry.reason != reason:
        entry.reason = reason
        entry.save(update_fields=["reason"])
    return entry, created


@dataclasses.dataclass
class ImportResult:
    """What a CSV import did, or why it did nothing (``problems``)."""

    created: int = 0
    updated: int = 0
    problems: list[CsvProblem] = dataclasses.field(default_factory=list)


def describe(problem: CsvProblem) -> str:
    """A CSV problem in the user's language, with its line."""
    messages = {
        "empty": _("the file is empty"),
        "not_csv": _("not a CSV file: %(error)s"),
        "header": _("the first line must name the columns (%(columns)s); id or name is required"),
        "too_many": _("more than %(limit)d rows"),
        "duplicate": _("the same entity as line %(line)d"),
        "no_id_or_name": _("neither id nor name"),
        "bad_id": _("%(value)s is not an EVE id"),
        "bad_kind": _("kind %(value)s is not one of %(kinds)s"),
        "not_found": _("no character, corporation, alliance or faction is called %(value)s"),
        "ambiguous": _("%(value)s names several entities (%(kinds)s): give the kind"),
        "unknown_id": _("ESI knows no character, corporation, alliance or faction with id %(value)s"),
        "kind_mismatch": _("%(value)s is a %(actual)s, not a %(kind)s"),
    }
    text = messages.get(problem.code, problem.code)
    try:
        text = text % problem.params
    except (KeyError, TypeError, ValueError):
        pass
    return _("line %(line)d: %(problem)s") % {"line": problem.line, "problem": text}


def _resolve_rows(rows: list[CsvRow]) -> tuple[list[tuple[CsvRow, Entity]], list[CsvProblem]]:
    """The entity of every row (ESI for ids without kind and names without id)."""
    by_id = find_by_ids(row.entity_id for row in rows if row.entity_id is not None and not row.kind)
    by_name = find_by_names(row.name for row in rows if row.entity_id is None)
    resolved: list[tuple[CsvRow, Entity]] = []
    problems: list[CsvProblem] = []
    for row in rows:
        if row.entity_id is not None:
            if row.kind:
                resolved.append((row, Entity(row.entity_id, row.kind, row.name)))
                continue
            entity = by_id.get(row.entity_id)
            if entity is None:
                problems.append(CsvProblem(row.line, "unknown_id", {"value": row.entity_id}))
            else:
                resolved.append((row, Entity(entity.id, entity.kind, row.name or entity.name)))
            continue
        candidates = by_name.get(row.name.casefold(), [])
        if row.kind:
            of_kind = [e for e in candidates if e.kind == row.kind]
            if not of_kind and candidates:
                problems.append(
                    CsvProblem(
                        row.line,
                        "kind_mismatch",
                        {"value": row.name, "actual": candidates[0].kind, "kind": row.kind},
                    )
                )
                continue
            candidates = of_kind
        if not candidates:
            problems.append(CsvProblem(row.line, "not_found", {"value": row.name}))
        elif len(candidates) > 1:
            kinds = ", ".join(sorted(e.kind for e in candidates))
            problems.append(CsvProblem(row.line, "ambiguous", {"value": row.name, "kinds": kinds}))
        else:
            resolved.append((row, candidates[0]))
    return resolved, problems


def import_csv(watch_list: WatchList, text: str, user: User | None) -> ImportResult:
    """Add every row of the CSV to the list, or none when any row has a problem.

    Rows already on the list get the file's reason (when it has one). Raises ``LookupFailed``
    when names or ids could not be looked up.
    """
    rows, problems = parse_watch_csv(text)
    if problems:
        return ImportResult(problems=problems)
    resolved, problems = _resolve_rows(rows)
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: p.line))
    result = ImportResult()
    with transaction.atomic():
        existing = {
            entry.entity_id: entry
            for entry in WatchListEntry.objects.select_for_update().filter(
                watch_list=watch_list, entity_id__in=[entity.id for _row, entity in resolved]
            )
        }
        new, changed = [], []
        for row, entity in resolved:
            entry = existing.get(entity.id)
            if entry is None:
                new.append(
                    WatchListEntry(
                        watch_list=watch_list,
                        entity_id=entity.id,
                        kind=entity.kind,
                        name=entity.name,
                        reason=row.reason,
                        added_by=user,
                        source=WatchListEntry.Source.CSV,
                    )
                )
            elif row.reason and entry.reason != row.reason:
                entry.reason = row.reason
                changed.append(entry)
        WatchListEntry.objects.bulk_create(new)
        WatchListEntry.objects.bulk_update(changed, ["reason"])
    result.created, result.updated = len(new), len(changed)
    return result


# --- contacts sync -----------------------------------------------------------------------------


@dataclasses.dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    removed: int = 0


def sync_from_contacts(watch_list: WatchList) -> SyncResult:
    """Make the list's contacts-synced entries equal the source character's negative contacts.

    Entries added by hand or by CSV are never removed or changed here. Database only (the
    contacts are synced by their section), so it can run inside that section's transaction.
    """
    character = watch_list.contacts_source
    entries = {entry.entity_id: entry for entry in WatchListEntry.objects.filter(watch_list=watch_list)}
    wanted = {}
    if character is not None:
        wanted = negative_contacts(
            CharacterContact.objects.filter(character=character).values_list(
                "contact_id", "contact_type", "standing"
            ),
            watch_list.contacts_max_standing,
        )
    names = dict(EveEntity.objects.filter(id__in=sorted(wanted)).values_list("id", "name")) if wanted else {}
    owner = character.name if character else ""

    def reason(standing: float) -> str:
        return _("Standing %(standing)s in the contacts of %(character)s") % {
            "standing": f"{standing:+g}",
            "character": owner,
        }

    new, changed = [], []
    for entity_id, (kind, standing) in wanted.items():
        entry = entries.get(entity_id)
        if entry is None:
            new.append(
                WatchListEntry(
                    watch_list=watch_list,
                    entity_id=entity_id,
                    kind=kind,
                    name=names.get(entity_id) or "",
                    reason=reason(standing),
                    source=WatchListEntry.Source.CONTACTS,
                )
            )
        elif entry.source == WatchListEntry.Source.CONTACTS and entry.reason != reason(standing):
            entry.reason = reason(standing)
            changed.append(entry)
    gone = [
        entry.pk
        for entity_id, entry in entries.items()
        if entry.source == WatchListEntry.Source.CONTACTS and entity_id not in wanted
    ]
    with transaction.atomic():
        WatchListEntry.objects.bulk_create(new)
        WatchListEntry.objects.bulk_update(changed, ["reason"])
        WatchListEntry.objects.filter(pk__in=gone).delete()
        WatchList.objects.filter(pk=watch_list.pk).update(contacts_synced_at=timezone.now())
    return SyncResult(added=len(new), updated=len(changed), removed=len(gone))
