"""Intel logic without Django I/O: scoring, matching against watch lists, CSV import rows.

The intel report ranks members by how much their characters dealt with watched entities.
The score is deliberately simple and explainable (the page shows its parts):

- **volume**: how many interactions (log scale; 100 or more count fully),
- **recency**: how recent the last one is (halves every ``RECENCY_HALF_LIFE_DAYS``; a contact
  that is still on the list is current),
- **ISK**: how much ISK changed hands (log scale; ``ISK_FULL`` or more counts fully),
- **standing**: a positive standing towards a watched entity is a red flag of its own.

Each part is in [0, 1]; the score is their weighted sum on a 0-100 scale.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")

#: the kinds of entity a watch list can hold (EVE ids are unique across them)
ENTITY_KINDS = ("character", "corporation", "alliance", "faction")

VOLUME_FULL = 100
RECENCY_HALF_LIFE_DAYS = 30.0
ISK_FULL = Decimal(10_000_000_000)
WEIGHTS = {"volume": 0.3, "recency": 0.35, "isk": 0.2, "standing": 0.15}
_W_VOLUME, _W_RECENCY, _W_ISK, _W_STANDING = (
    WEIGHTS[name] for name in ("volume", "recency", "isk", "standing")
)


@dataclasses.dataclass(frozen=True)
class Score:
    """A member's (or a character's) score with the parts it is made of, each in [0, 1]."""

    volume: float
    recency: float
    isk: float
    standing: float

    @property
    def total(self) -> float:
        """0-100, one decimal."""
        # spelled out, not a loop over WEIGHTS: a report page scores every member
        value = (
            _W_VOLUME * self.volume
            + _W_RECENCY * self.recency
            + _W_ISK * self.isk
            + _W_STANDING * self.standing
        )
        return round(100 * value, 1)


def score(
    *,
    count: int,
    last_seen: datetime | None,
    isk: Decimal | float | int | None,
    now: datetime,
    current_contact: bool = False,
    best_standing: float | None = None,
) -> Score:
    """Score of a set of interactions with watched entities.

    ``count`` interactions, the newest at ``last_seen``; ``isk`` moved in total;
    ``current_contact``: one of them is a contact still listed (recency is "now");
    ``best_standing``: the highest standing the character(s) gave a watched entity.
    """
    count = max(0, int(count or 0))
    volume = min(1.0, math.log10(1 + count) / math.log10(1 + VOLUME_FULL))
    if current_contact:
        recency = 1.0
    elif last_seen is None:
        recency = 0.0
    else:
        age_days = max(0.0, (now - last_seen).total_seconds() / 86400)
        recency = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    amount = abs(Decimal(str(isk or 0)))
    isk_part = min(1.0, math.log10(1 + float(amount)) / math.log10(1 + float(ISK_FULL)))
    standing = 0.0
    if best_standing is not None and best_standing > 0:
        standing = min(1.0, best_standing / 10.0)
    return Score(
        volume=round(volume, 4), recency=round(recency, 4), isk=round(isk_part, 4), standing=standing
    )


# --- matching ---------------------------------------------------------------------------------

DIRECT, VIA_CORPORATION, VIA_ALLIANCE, VIA_FACTION = "direct", "corporation", "alliance", "faction"


@dataclasses.dataclass(frozen=True)
class Affiliation:
    """Where a character counterparty belongs now (from ESI)."""

    corporation_id: int | None = None
    alliance_id: int | None = None
    faction_id: int | None = None


@dataclasses.dataclass(frozen=True)
class Match(Generic[T]):
    """A counterparty matched a watched entity ``entry``, directly or through its affiliation."""

    entry: T
    via: str


def matches(
    counterparty_id: int, affiliation: Affiliation | None, watched: Mapping[int, Sequence[T]]
) -> list[Match[T]]:
    """Every watched entry the counterparty matches: itself, its corporation, alliance, faction.

    ``watched`` maps an entity id to its entries (one per watch list holding it).
    """
    found = [Match(entry, DIRECT) for entry in watched.get(counterparty_id, ())]
    if affiliation is not None:
        for via, entity_id in (
            (VIA_CORPORATION, affiliation.corporation_id),
            (VIA_ALLIANCE, affiliation.alliance_id),
            (VIA_FACTION, affiliation.faction_id),
        ):
            if entity_id and entity_id != counterparty_id:
                found.extend(Match(entry, via) for entry in watched.get(entity_id, ()))
    return found


# --- names or ids ------------------------------------------------------------------------------


#: the largest id an EVE entity may have (ESI's ids are signed 64-bit integers)
MAX_ENTITY_ID = 2**63 - 1


def parse_entity_query(text: str) -> int | str | None:
    """What someone typed to find an entity: an id (digits), a name, or None when empty.

    Digits beyond a 64-bit id are no id at all (None): no EVE entity has one.
    """
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        number = int(text) if len(text) <= 19 else 0
        return number if 0 < number <= MAX_ENTITY_ID else None
    return text[:100]


# --- CSV import --------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "name", "kind", "reason")
MAX_CSV_ROWS = 5000


@dataclasses.dataclass(frozen=True)
class CsvRow:
    """One row of a watch list import: an id, or a name to look up, with optional kind and reason."""

    line: int
    entity_id: int | None
    name: str
    kind: str
    reason: str


@dataclasses.dataclass(frozen=True)
class CsvProblem:
    """Why a row cannot be imported (``line`` 1 is the header).

    ``code`` names the problem and ``params`` its details; the page words them in the
    user's language (this module has no translations).
    """

    line: int
    code: str
    params: dict = dataclasses.field(default_factory=dict)


def parse_watch_csv(text: str) -> tuple[list[CsvRow], list[CsvProblem]]:
    """Rows of a watch list CSV and the problems found, without asking anybody.

    The header names the columns (any order, case-insensitive): ``id`` and/or ``name``
    (one of them per row), ``kind`` (character, corporation, alliance or faction; looked up
    when empty) and ``reason``. Problem codes: ``empty``, ``not_csv``, ``header``,
    ``too_many``, ``duplicate``, ``no_id_or_name``, ``bad_id``, ``bad_kind``.
    """
    problems: list[CsvProblem] = []
    text = (text or "").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], [CsvProblem(1, "empty")]
    except csv.Error as exc:
        return [], [CsvProblem(1, "not_csv", {"error": str(exc)})]
    columns = [column.strip().lower() for column in header]
    unknown = [column for column in columns if column and column not in CSV_COLUMNS]
    if unknown or not ({"id", "name"} & set(columns)):
        return [], [CsvProblem(1, "header", {"columns": ", ".join(CSV_COLUMNS)})]
    rows: list[CsvRow] = []
    seen: dict[int | str, int] = {}
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_CSV_ROWS:
                problems.append(CsvProblem(line, "too_many", {"limit": MAX_CSV_ROWS}))
                break
            values = {
                column: (cells[i].strip() if i < len(cells) else "") for i, column in enumerate(columns)
            }
            row, problem = _csv_row(line, values)
            if problem is not None:
                problems.append(problem)
                continue
            assert row is not None
            key: int | str = row.entity_id if row.entity_id is not None else row.name.casefold()
            if key in seen:
                problems.append(CsvProblem(line, "duplicate", {"line": seen[key]}))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(CsvProblem(reader.line_num, "not_csv", {"error": str(exc)}))
    return rows, problems


def _csv_row(line: int, values: Mapping[str, str]) -> tuple[CsvRow | None, CsvProblem | None]:
    raw_id, name = values.get("id", ""), values.get("name", "")[:255]
    kind = values.get("kind", "").lower()
    if not raw_id and not name:
        return None, CsvProblem(line, "no_id_or_name")
    entity_id = None
    if raw_id:
        if not raw_id.isdigit() or not 0 < int(raw_id) < 2**63:
            return None, CsvProblem(line, "bad_id", {"value": raw_id[:50]})
        entity_id = int(raw_id)
    if kind and kind not in ENTITY_KINDS:
        return None, CsvProblem(line, "bad_kind", {"value": kind[:50], "kinds": ", ".join(ENTITY_KINDS)})
    return CsvRow(line, entity_id, name, kind, values.get("reason", "")[:2000]), None


def negative_contacts(
    contacts: Iterable[tuple[int, str, float]], below: float
) -> dict[int, tuple[str, float]]:
    """Contacts ``(id, kind, standing)`` that belong on a synced watch list: standing below ``below``."""
    return {
        contact_id: (kind, standing)
        for contact_id, kind, standing in contacts
        if kind in ENTITY_KINDS and standing < below
    }
