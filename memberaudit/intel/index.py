"""The interaction index: whom each character dealt with, per section, kept incrementally.

Sections declare where their stored rows name counterparties (``Section.counterparties``).
After a store that changed a section's rows (``section_stored``, inside the section's
transaction) this module aggregates those rows in the database — one ``GROUP BY`` per
declaration — and writes only the index rows that differ. An unchanged section never gets
here (the engine skips its store), so the index costs no writes when nothing changed.

The index follows the rows, not the ESI payloads: history is counted once however often ESI
repeats it, and what data retention prunes drops out of the index too (``after_prune``: only
rows whose oldest evidence is older than the cutoff are recomputed). For append-only
sections (wallet journal and transactions) a sync reads only the rows added since the last
one (by primary key, ``last_row``), so its cost follows what is new, not the history.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, QuerySet, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from eveuniverse.models import EveEntity

from memberaudit.core.intel import ENTITY_KINDS
from memberaudit.models import Character, CharacterInteraction
from memberaudit.sections import registry
from memberaudit.sections.base import Counterparties, Section
from memberaudit.sections.sync import batch_size

logger = logging.getLogger(__name__)

_CENT = Decimal("0.01")
#: characters recomputed together after data retention (one GROUP BY per chunk)
RETENTION_CHUNK = 500
#: up to this many changed rows are written with one UPDATE each (cheaper than a CASE per field)
FEW_UPDATES = 20


@dataclasses.dataclass
class IndexChanges:
    """What one refresh wrote: the new (character pk, counterparty id) pairs, and counts."""

    created: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    updated: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + self.updated + self.deleted


@dataclasses.dataclass
class _Evidence:
    kind: str = ""
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    isk: Decimal = Decimal(0)
    standing: float | None = None
    last_row: int = 0

    def add(self, row: dict[str, Any], kind: str) -> None:
        self.kind = self.kind or kind
        self.count += int(row["n"])
        first, last = row.get("first"), row.get("last")
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last
        if row.get("isk") is not None:
            self.isk += Decimal(str(row["isk"]))
        if row.get("standing") is not None:
            self.standing = float(row["standing"])
        self.last_row = max(self.last_row, int(row["last_row"] or 0))


def sources() -> list[Section]:
    """The sections whose rows name counterparties."""
    return [section for section in registry.all_sections() if section.counterparties]


def _aggregate(
    spec: Counterparties, character_pks: Sequence[int], after_row: int = 0
) -> Iterable[dict[str, Any]]:
    """One GROUP BY over the declared rows (those after ``after_row``): per character and counterparty."""
    qs = spec.model.objects.filter(**{f"{spec.character}__in": character_pks}).exclude(
        **{f"{spec.field}__isnull": True}
    )
    if after_row:
        qs = qs.filter(pk__gt=after_row)
    if spec.only is not None:
        qs = qs.filter(spec.only)
    if spec.unless_self:
        qs = qs.exclude(**{spec.unless_self: F(f"{spec.character}__eve_character__character_id")})
    group: dict[str, Any] = {"ch": F(spec.character), "cp": F(spec.field)}
    if spec.kind_field:
        group["kd"] = F(spec.kind_field)
    annotations: dict[str, Any] = {"n": Count("pk"), "last_row": Max("pk")}
    if spec.date:
        annotations["first"] = Min(spec.date)
        annotations["last"] = Max(spec.date)
    if spec.isk is not None:
        isk = F(spec.isk) if isinstance(spec.isk, str) else spec.isk
        annotations["isk"] = Sum(Abs(isk))
    if spec.standing:
        annotations["standing"] = Max(spec.standing)
    return qs.order_by().values(**group).annotate(**annotations)


def compute(
    section: Section, characters: dict[int, int], after_row: int = 0
) -> dict[tuple[int, int], _Evidence]:
    """What the section's rows say now (or its rows after ``after_row``), per (character pk,
    counterparty id).

    ``characters`` maps character pks to their EVE ids (a character is not its own counterparty).
    """
    pks = sorted(characters)
    found: dict[tuple[int, int], _Evidence] = {}
    for spec in section.counterparties:
        for row in _aggregate(spec, pks, after_row):
            character_pk, counterparty_id = row["ch"], int(row["cp"])
            if not counterparty_id or counterparty_id == characters.get(character_pk):
                continue
            kind = spec.kind
            if spec.kind_field:
                kind = row["kd"] or ""
                if kind not in ENTITY_KINDS:  # e.g. mailing lists: not EVE entities
                    continue
            found.setdefault((character_pk, counterparty_id), _Evidence()).add(row, kind)
    return found


def _isk(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


def is_append_only(section: Section) -> bool:
    """All of the section's counterparties are in one append-only model (one primary key order)."""
    specs = section.counterparties
    return (
        bool(specs) and all(spec.append_only for spec in specs) and len({spec.model for spec in specs}) == 1
    )


_FIELDS = ("kind", "first_seen", "last_seen", "count", "isk", "standing", "last_row")


def refresh(
    section: Section, characters: dict[int, int], now: datetime | None = None, *, full: bool = False
) -> IndexChanges:
    """Make the index rows of ``section`` for ``characters`` (pk -> EVE id) equal its rows.

    An append-only section of one character is brought up to date from the rows added since
    the index last looked (``last_row``), unless ``full``: one small GROUP BY instead of one
    over the whole history. Rows without a date (contacts) keep the time they were first
    indexed; their ``last_seen`` moves only when the standing changes. Kinds learned later
    (from names or ESI) are kept.
    """
    if not section.counterparties or not characters:
        return IndexChanges()
    now = now or timezone.now()
    rows = CharacterInteraction.objects.filter(character_id__in=sorted(characters), source=section.name)
    if not full and len(characters) == 1 and is_append_only(section):
        watermark = rows.aggregate(last=Max("last_row"))["last"]
        if watermark:
            return _append(section, characters, rows, watermark)
    computed = compute(section, characters)
    existing = {
        (row["character_id"], row["counterparty_id"]): row
        for row in rows.values("pk", "character_id", "counterparty_id", *_FIELDS)
    }
    categories = _known_kinds(
        {key[1] for key, evidence in computed.items() if not evidence.kind and key not in existing}
    )

    to_create: list[CharacterInteraction] = []
    to_update: list[CharacterInteraction] = []
    changed_fields: set[str] = set()
    for key, evidence in computed.items():
        current = existing.get(key)
        fields = {
            "kind": evidence.kind or (current["kind"] if current else categories.get(key[1], "")),
            "first_seen": evidence.first,
            "last_seen": evidence.last,
            "count": evidence.count,
            "isk": _isk(evidence.isk),
            "standing": evidence.standing,
            "last_row": evidence.last_row,
        }
        if evidence.first is None:  # current state (contacts): seen since first indexed
            if current is None:
                fields["first_seen"] = fields["last_seen"] = now
            else:
                fields["first_seen"] = current["first_seen"] or now
                standing_changed = current["standing"] != evidence.standing
                fields["last_seen"] = now if standing_changed else (current["last_seen"] or now)
        if current is None:
            to_create.append(
                CharacterInteraction(
                    character_id=key[0], source=section.name, counterparty_id=key[1], **fields
                )
            )
            continue
        diff = [name for name, value in fields.items() if _differs(current[name], value)]
        if diff:
            to_update.append(CharacterInteraction(pk=current["pk"], **fields))
            changed_fields.update(diff)
    stale = [row["pk"] for key, row in existing.items() if key not in computed]
    return _write(to_create, to_update, changed_fields, stale)


def _append(
    section: Section, characters: dict[int, int], rows: QuerySet[CharacterInteraction], watermark: int
) -> IndexChanges:
    """Add what the rows after ``watermark`` say to the index rows (append-only sections)."""
    added = compute(section, characters, after_row=watermark)
    if not added:
        return IndexChanges()
    existing = {
        (row["character_id"], row["counterparty_id"]): row
        for row in rows.filter(counterparty_id__in=sorted({key[1] for key in added})).values(
            "pk", "character_id", "counterparty_id", *_FIELDS
        )
    }
    categories = _known_kinds(
        {key[1] for key, evidence in added.items() if not evidence.kind and key not in existing}
    )
    to_create: list[CharacterInteraction] = []
    to_update: list[CharacterInteraction] = []
    for key, evidence in added.items():
        current = existing.get(key)
        if current is None:
            to_create.append(
                CharacterInteraction(
                    character_id=key[0],
                    source=section.name,
                    counterparty_id=key[1],
                    kind=evidence.kind or categories.get(key[1], ""),
                    first_seen=evidence.first,
                    last_seen=evidence.last,
                    count=evidence.count,
                    isk=_isk(evidence.isk),
                    last_row=evidence.last_row,
                )
            )
            continue
        first, last = current["first_seen"], current["last_seen"]
        to_update.append(
            CharacterInteraction(
                pk=current["pk"],
                first_seen=min(d for d in (first, evidence.first) if d is not None)
                if first or evidence.first
                else None,
                last_seen=max(d for d in (last, evidence.last) if d is not None)
                if last or evidence.last
                else None,
                count=current["count"] + evidence.count,
                isk=_isk(current["isk"]) + _isk(evidence.isk),
                last_row=max(current["last_row"], evidence.last_row),
            )
        )
    fields = {"first_seen", "last_seen", "count", "isk", "last_row"} if to_update else set()
    return _write(to_create, to_update, fields, [])


def _write(
    to_create: list[CharacterInteraction],
    to_update: list[CharacterInteraction],
    changed_fields: set[str],
    stale: list[int],
) -> IndexChanges:
    size = batch_size()
    for start in range(0, len(stale), size):
        CharacterInteraction.objects.filter(pk__in=stale[start : start + size]).delete()
    if len(to_update) <= FEW_UPDATES:  # a sync usually touches a few rows: plain UPDATEs are cheaper
        for obj in to_update:
            CharacterInteraction.objects.filter(pk=obj.pk).update(
                **{name: getattr(obj, name) for name in sorted(changed_fields)}
            )
    else:
        CharacterInteraction.objects.bulk_update(to_update, sorted(changed_fields), batch_size=size)
    if to_create:
        _insert(to_create, size)
    return IndexChanges(
        created=[(obj.character_id, obj.counterparty_id) for obj in to_create],
        updated=len(to_update),
        deleted=len(stale),
    )


_INSERT_FIELDS = (
    "character_id",
    "source",
    "counterparty_id",
    "kind",
    "first_seen",
    "last_seen",
    "count",
    "isk",
    "standing",
    "last_row",
)


def _insert(objs: list[CharacterInteraction], size: int) -> None:
    """Insert new index rows with one prepared ``executemany`` per batch.

    What ``bulk_create`` would do, without preparing every value of every field through the
    ORM: a character's first sync adds hundreds of rows, and that preparation was most of the
    index's cost (bench/intel.py). Values are adapted by the database backend's own functions.
    """
    ops = connection.ops
    table = ops.quote_name(CharacterInteraction._meta.db_table)
    columns = ", ".join(ops.quote_name(name) for name in _INSERT_FIELDS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))})"
    rows = [
        (
            obj.character_id,
            obj.source,
            obj.counterparty_id,
            obj.kind,
            ops.adapt_datetimefield_value(obj.first_seen),
            ops.adapt_datetimefield_value(obj.last_seen),
            obj.count,
            ops.adapt_decimalfield_value(obj.isk, 22, 2),
            obj.standing,
            obj.last_row,
        )
        for obj in objs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            cursor.executemany(sql, rows[start : start + size])


def _differs(stored: Any, value: Any) -> bool:
    if isinstance(value, Decimal):
        return _isk(stored) != value
    return stored != value


def _known_kinds(ids: set[int]) -> dict[int, str]:
    """Kinds of ids whose names were resolved already (one query; none without ids)."""
    if not ids:
        return {}
    return {
        entity_id: category
        for entity_id, category in EveEntity.objects.filter(id__in=sorted(ids)).values_list("id", "category")
        if category in ENTITY_KINDS
    }


def refresh_character(section: Section, character: Character, *, full: bool = False) -> IndexChanges:
    """Refresh one character's index rows of ``section`` (after its rows changed)."""
    return refresh(section, {character.pk: character.eve_character.character_id}, full=full)


def _eve_ids(character_pks: Iterable[int]) -> dict[int, int]:
    return dict(
        Character.objects.filter(pk__in=sorted(set(character_pks))).values_list(
            "pk", "eve_character__character_id"
        )
    )


def rebuild(character_pks: Iterable[int] | None = None, *, chunk: int = RETENTION_CHUNK) -> IndexChanges:
    """Recompute the index of all (or some) characters, e.g. after installing the feature.

    Each chunk of characters and section is its own transaction: a rebuild that stops half way
    leaves a correct index for what it has done.
    """
    qs = Character.objects.order_by("pk")
    if character_pks is not None:
        qs = qs.filter(pk__in=sorted(set(character_pks)))
    pks = list(qs.values_list("pk", flat=True))
    total = IndexChanges()
    for start in range(0, len(pks), chunk):
        characters = _eve_ids(pks[start : start + chunk])
        for section in sources():
            with transaction.atomic():
                changes = refresh(section, characters, full=True)
            total.created += changes.created
            total.updated += changes.updated
            total.deleted += changes.deleted
    return total


def after_prune(limit: datetime, section_names: Iterable[str]) -> IndexChanges:
    """Drop what data retention took away: recompute rows whose oldest evidence is older than ``limit``.

    Rows whose evidence is all newer lost nothing and are not touched.
    """
    total = IndexChanges()
    for name in section_names:
        section = registry.get(name)
        if not section.counterparties:
            continue
        affected = list(
            CharacterInteraction.objects.filter(source=name, first_seen__lt=limit)
            .order_by("character_id")
            .values_list("character_id", flat=True)
            .distinct()
        )
        for start in range(0, len(affected), RETENTION_CHUNK):
            with transaction.atomic():
                changes = refresh(section, _eve_ids(affected[start : start + RETENTION_CHUNK]), full=True)
            total.created += changes.created
            total.updated += changes.updated
            total.deleted += changes.deleted
    return total
