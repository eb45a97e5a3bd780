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
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    F,
    FloatField,
    Max,
    Min,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Cast
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
    spec: Counterparties,
    character_pks: Sequence[int],
    after_row: int = 0,
    *,
    only_entities: dict[int, int] | None = None,
) -> QuerySet:
    """One GROUP BY over the declared rows (those after ``after_row``): per character and counterparty.

    ``only_entities`` (the characters' pks -> EVE ids): leave out in the database what
    ``compute`` leaves out in Python (no counterparty, the character itself, kinds that are
    not EVE entities).
    """
    qs = spec.model.objects.filter(**{f"{spec.character}__in": character_pks}).exclude(
        **{f"{spec.field}__isnull": True}
    )
    if only_entities is not None:
        if len(only_entities) == 1:  # one character (a sync): its own id, without a join
            myself: Any = next(iter(only_entities.values()))
        else:
            myself = F(f"{spec.character}__eve_character__character_id")
        qs = qs.exclude(**{spec.field: 0}).exclude(**{spec.field: myself})
        if spec.kind_field:
            qs = qs.filter(**{f"{spec.kind_field}__in": ENTITY_KINDS})
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
    if only_entities is not None:  # every column, typed (for a UNION ALL of the declarations)
        group.setdefault("kd", Value(spec.kind, output_field=CharField()))
        for name, field in _TYPED_NULLS.items():
            annotations.setdefault(name, Cast(Value(None), output_field=field))
    return qs.order_by().values(**group).annotate(**annotations)


#: what a declaration without a date, ISK or standing adds to the UNION ALL: typed NULLs, so
#: the database knows each column's type whichever declarations have it
_TYPED_NULLS = {
    "first": DateTimeField(),
    "last": DateTimeField(),
    "isk": DecimalField(max_digits=22, decimal_places=2),
    "standing": FloatField(),
}


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


def _insert_computed(section: Section, characters: dict[int, int], now: datetime) -> IndexChanges:
    """Write the index rows of characters that have none yet in one ``INSERT ... SELECT``.

    What ``compute`` and ``refresh`` do in Python, done by the database: a character's first
    sync indexes hundreds of counterparties, and reading them into Python to write them back
    was most of the index's cost (bench/intel.py). Merges the declarations (``UNION ALL``, one
    row per character and counterparty); the kind comes from the declaration, else from a
    resolved name; rows without a date (contacts) are seen since ``now``.
    """
    ops = connection.ops
    q = ops.quote_name
    branches, params = [], []
    for spec in section.counterparties:
        sql, spec_params = _aggregate(
            spec, sorted(characters), only_entities=characters
        ).query.sql_with_params()
        names = ("ch", "cp", "kd", "n", "first", "last", "isk", "standing", "last_row")
        selected = ", ".join(f"{q('s')}.{q(name)}" for name in names)
        branches.append(f"SELECT {selected} FROM ({sql}) {q('s')}")
        params += list(spec_params)
    table = q(CharacterInteraction._meta.db_table)
    entities = q(EveEntity._meta.db_table)
    u = q("u")
    when = ops.adapt_datetimefield_value(now)
    kinds = ", ".join(["%s"] * len(ENTITY_KINDS))
    sql = (
        f"INSERT INTO {table} ({', '.join(q(name) for name in _INSERT_COLUMNS)}) "
        f"SELECT {u}.{q('ch')}, {u}.{q('cp')}, %s, "
        f"COALESCE(NULLIF(MAX({u}.{q('kd')}), ''), (SELECT {q('e')}.{q('category')} FROM {entities} {q('e')} "
        f"WHERE {q('e')}.{q('id')} = {u}.{q('cp')} AND {q('e')}.{q('category')} IN ({kinds})), ''), "
        f"COALESCE(MIN({u}.{q('first')}), %s), COALESCE(MAX({u}.{q('last')}), %s), SUM({u}.{q('n')}), "
        f"ROUND(COALESCE(SUM({u}.{q('isk')}), 0), 2), MAX({u}.{q('standing')}), MAX({u}.{q('last_row')}) "
        f"FROM ({' UNION ALL '.join(branches)}) {u} GROUP BY {u}.{q('ch')}, {u}.{q('cp')}"
    )
    pks = sorted(characters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [section.name, *ENTITY_KINDS, when, when, *params])
        # what was added (for the follow-up: affiliations, notifications); ints only, no ORM
        cursor.execute(
            f"SELECT {q('character_id')}, {q('counterparty_id')} FROM {table} "
            f"WHERE {q('source')} = %s AND {q('character_id')} IN ({', '.join(['%s'] * len(pks))}) "
            f"ORDER BY {q('id')}",
            [section.name, *pks],
        )
        created = [(int(character), int(counterparty)) for character, counterparty in cursor.fetchall()]
    return IndexChanges(created=created)


def _isk(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


def is_append_only(section: Section) -> bool:
    """All of the section's counterparties are in one append-only model (one primary key order)."""
    specs = section.counterparties
    return (
        bool(specs) and all(spec.append_only for spec in specs) and len({spec.model for spec in specs}) == 1
    )


_FIELDS = ("kind", "first_seen", "last_seen", "count", "isk", "standing", "last_row")
_INSERT_COLUMNS = ("character_id", "counterparty_id", "source", *_FIELDS)
#: an index row to write: (character pk, counterparty id, *_FIELDS values)
_Row = tuple[Any, ...]


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
    indexed = True  # unknown: ask
    if not full and len(characters) == 1 and is_append_only(section):
        watermark = rows.aggregate(last=Max("last_row"))["last"]
        if watermark:
            return _append(section, characters, rows, watermark)
        indexed = watermark is not None  # no index rows at all: a first sync has nothing to compare
    existing = (
        {(row[1], row[2]): row for row in rows.values_list("pk", "character_id", "counterparty_id", *_FIELDS)}
        if indexed
        else {}
    )
    if not existing:  # nothing to compare with: the database computes and writes it all
        return _insert_computed(section, characters, now)
    computed = compute(section, characters)
    categories = _known_kinds(
        {key[1] for key, evidence in computed.items() if not evidence.kind and key not in existing}
    )

    to_create: list[_Row] = []
    to_update: list[tuple[int, _Row]] = []
    for key, evidence in computed.items():
        current = existing.get(key)
        first, last = evidence.first, evidence.last
        if first is None:  # current state (contacts): seen since first indexed
            if current is None:
                first = last = now
            else:
                first = current[4] or now  # first_seen
                last = now if current[8] != evidence.standing else (current[5] or now)
        row = (
            key[0],
            key[1],
            evidence.kind or (current[3] if current else categories.get(key[1], "")),
            first,
            last,
            evidence.count,
            _isk(evidence.isk),
            evidence.standing,
            evidence.last_row,
        )
        if current is None:
            to_create.append(row)
        elif any(_differs(old, new) for old, new in zip(current[3:], row[2:], strict=True)):
            to_update.append((current[0], row))
    stale = [row[0] for key, row in existing.items() if key not in computed]
    return _write(section.name, to_create, to_update, stale)


def _append(
    section: Section, characters: dict[int, int], rows: QuerySet[CharacterInteraction], watermark: int
) -> IndexChanges:
    """Add what the rows after ``watermark`` say to the index rows (append-only sections)."""
    added = compute(section, characters, after_row=watermark)
    if not added:
        return IndexChanges()
    existing = {
        (row[1], row[2]): row
        for row in rows.filter(counterparty_id__in=sorted({key[1] for key in added})).values_list(
            "pk", "character_id", "counterparty_id", *_FIELDS
        )
    }
    categories = _known_kinds(
        {key[1] for key, evidence in added.items() if not evidence.kind and key not in existing}
    )
    to_create: list[_Row] = []
    to_update: list[tuple[int, _Row]] = []
    for key, evidence in added.items():
        current = existing.get(key)
        if current is None:
            to_create.append(
                (
                    key[0],
                    key[1],
                    evidence.kind or categories.get(key[1], ""),
                    evidence.first,
                    evidence.last,
                    evidence.count,
                    _isk(evidence.isk),
                    None,
                    evidence.last_row,
                )
            )
            continue
        pk, _ch, _cp, kind, first, last, count, isk, standing, last_row = current
        if evidence.first is not None and (first is None or evidence.first < first):
            first = evidence.first
        if evidence.last is not None and (last is None or evidence.last > last):
            last = evidence.last
        to_update.append(
            (
                pk,
                (
                    key[0],
                    key[1],
                    kind,
                    first,
                    last,
                    count + evidence.count,
                    _isk(isk) + _isk(evidence.isk),
                    standing,
                    max(last_row, evidence.last_row),
                ),
            )
        )
    return _write(section.name, to_create, to_update, [])


def _write(
    source: str, to_create: list[_Row], to_update: list[tuple[int, _Row]], stale: list[int]
) -> IndexChanges:
    """Delete, update and insert index rows: one statement per batch each, whatever the count.

    Rows are plain tuples written with prepared ``executemany`` statements: building a model
    instance per row and an ORM ``UPDATE`` per changed row was most of the index's cost in a
    sync (bench/intel.py). Values are adapted by the database backend's own functions.
    """
    size = batch_size()
    for start in range(0, len(stale), size):
        CharacterInteraction.objects.filter(pk__in=stale[start : start + size]).delete()
    ops = connection.ops
    table = ops.quote_name(CharacterInteraction._meta.db_table)
    if to_update:
        assignments = ", ".join(f"{ops.quote_name(name)} = %s" for name in _FIELDS)
        sql = f"UPDATE {table} SET {assignments} WHERE {ops.quote_name('id')} = %s"
        _execute_many(sql, [(*_adapted(row)[2:], pk) for pk, row in to_update], size)
    if to_create:
        columns = ", ".join(ops.quote_name(name) for name in _INSERT_COLUMNS)
        placeholders = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        _execute_many(sql, [(row[0], row[1], source, *_adapted(row)[2:]) for row in to_create], size)
    return IndexChanges(
        created=[(row[0], row[1]) for row in to_create], updated=len(to_update), deleted=len(stale)
    )


def _adapted(row: _Row) -> _Row:
    """An index row's values as the database driver takes them (dates and ISK adapted)."""
    ops = connection.ops
    character, counterparty, kind, first, last, count, isk, standing, last_row = row
    return (
        character,
        counterparty,
        kind,
        ops.adapt_datetimefield_value(first),
        ops.adapt_datetimefield_value(last),
        count,
        ops.adapt_decimalfield_value(isk, 22, 2),
        standing,
        last_row,
    )


def _execute_many(sql: str, params: list[tuple[Any, ...]], size: int) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(params), size):
            cursor.executemany(sql, params[start : start + size])


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
