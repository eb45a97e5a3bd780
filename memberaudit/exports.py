"""CSV data exports: the topics, streaming their rows, and the background export jobs.

Used by the ``memberaudit_data_export`` command and by the exports page (through the
``memberaudit.tasks.generate_export`` task). Exports cover all characters, regardless of
scope; who may download them is decided by ``access.can_export``.

Memory stays bounded however big a table is: rows are read in keyset-paginated chunks
(``pk > last ORDER BY pk LIMIT n``), not with one big query. ``QuerySet.iterator()`` would
stream on SQLite and PostgreSQL, but MySQL's client (our production database) loads a
whole result set into memory, so one query per chunk it is. Every cell goes through
``core.csv_safety`` so no spreadsheet executes player-written text.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from memberaudit import app_settings
from memberaudit.core.csv_safety import safe_row
from memberaudit.models import (
    CharacterAsset,
    CharacterSkill,
    CharacterWalletJournalEntry,
    CharacterWalletTransaction,
)
from memberaudit.models.contracts import CharacterContract, CharacterContractItem
from memberaudit.models.mail import CharacterMail

logger = logging.getLogger(__name__)

#: rows read per query
CHUNK_SIZE = 2000
#: folder in ``default_storage`` holding the exports made for the exports page
STORAGE_FOLDER = "memberaudit/exports"

#: called with (topic name, rows written so far) after every chunk
ProgressCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class Topic:
    """One exportable table: its model, how it reaches the character, and its columns."""

    name: str
    title: Promise
    model: type[models.Model]
    #: lookup path from the model to ``Character``
    character_path: str
    #: (CSV header, ``values_list`` lookup)
    columns: tuple[tuple[str, str], ...]

    @property
    def headers(self) -> list[str]:
        return [header for header, _lookup in self.columns]

    @property
    def filename(self) -> str:
        return f"memberaudit_{self.name}.csv"

    @property
    def unknown_names(self) -> tuple[tuple[int, int], ...]:
        """(name column, id column) pairs: a related object's name and the id it belongs to.

        An EVE object without a name (not loaded yet, or ESI cannot name it) is exported as
        "Unknown (id)", like the viewer shows it, rather than as an empty cell.
        """
        index = {lookup: i for i, (_header, lookup) in enumerate(self.columns)}
        pairs = []
        for i, (_header, lookup) in enumerate(self.columns):
            if (
                lookup.endswith("__name")
                and (id_column := index.get(f"{lookup[: -len('__name')]}_id")) is not None
            ):
                pairs.append((i, id_column))
        return tuple(pairs)

    def queryset(self, character_pks: Iterable[int] | None = None) -> models.QuerySet:
        qs = self.model.objects.all()
        if character_pks is not None:
            qs = qs.filter(**{f"{self.character_path}_id__in": list(character_pks)})
        return qs


def _character_columns(path: str) -> tuple[tuple[str, str], ...]:
    return (
        ("character_id", f"{path}__eve_character__character_id"),
        ("character_name", f"{path}__eve_character__character_name"),
    )


def _entity(prefix: str, field: str | None = None) -> tuple[tuple[str, str], ...]:
    field = field or prefix
    return ((f"{prefix}_id", f"{field}_id"), (f"{prefix}_name", f"{field}__name"))


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic(
            "wallet_journal",
            _("Wallet journal"),
            CharacterWalletJournalEntry,
            "character",
            (
                *_character_columns("character"),
                ("entry_id", "entry_id"),
                ("date", "date"),
                ("ref_type", "ref_type"),
                ("description", "description"),
                ("amount", "amount"),
                ("balance", "balance"),
                *_entity("first_party"),
                *_entity("second_party"),
                ("reason", "reason"),
                ("context_id", "context_id"),
                ("context_id_type", "context_id_type"),
                ("tax", "tax"),
                ("tax_receiver_id", "tax_receiver_id"),
            ),
        ),
        Topic(
            "wallet_transactions",
            _("Wallet transactions"),
            CharacterWalletTransaction,
            "character",
            (
                *_character_columns("character"),
                ("transaction_id", "transaction_id"),
                ("date", "date"),
                ("type_id", "eve_type_id"),
                ("type_name", "eve_type__name"),
                ("location_id", "location_id"),
                ("location_name", "location__name"),
                ("unit_price", "unit_price"),
                ("quantity", "quantity"),
                *_entity("client"),
                ("is_buy", "is_buy"),
                ("is_personal", "is_personal"),
                ("journal_ref_id", "journal_ref_id"),
            ),
        ),
        Topic(
            "contracts",
            _("Contracts"),
            CharacterContract,
            "character",
            (
                *_character_columns("character"),
                ("contract_id", "contract_id"),
                ("contract_type", "contract_type"),
                ("status", "status"),
                ("availability", "availability"),
                ("for_corporation", "for_corporation"),
                ("title", "title"),
                *_entity("issuer"),
                ("issuer_corporation_id", "issuer_corporation_id"),
                *_entity("assignee"),
                *_entity("acceptor"),
                ("start_location_id", "start_location_id"),
                ("start_location_name", "start_location__name"),
                ("end_location_id", "end_location_id"),
                ("end_location_name", "end_location__name"),
                ("price", "price"),
                ("reward", "reward"),
                ("collateral", "collateral"),
                ("buyout", "buyout"),
                ("volume", "volume"),
                ("days_to_complete", "days_to_complete"),
                ("date_issued", "date_issued"),
                ("date_expired", "date_expired"),
                ("date_accepted", "date_accepted"),
                ("date_completed", "date_completed"),
            ),
        ),
        Topic(
            "contract_items",
            _("Contract items"),
            CharacterContractItem,
            "contract__character",
            (
                *_character_columns("contract__character"),
                ("contract_id", "contract__contract_id"),
                ("record_id", "record_id"),
                ("type_id", "eve_type_id"),
                ("type_name", "eve_type__name"),
                ("quantity", "quantity"),
                ("raw_quantity", "raw_quantity"),
                ("is_singleton", "is_singleton"),
                ("is_included", "is_included"),
            ),
        ),
        Topic(
            "assets",
            _("Assets"),
            CharacterAsset,
            "character",
            (
                *_character_columns("character"),
                ("item_id", "item_id"),
                ("parent_item_id", "parent_item_id"),
                ("location_id", "location_id"),
                ("location_name", "location__name"),
                ("location_flag", "location_flag"),
                ("location_type", "location_type"),
                ("type_id", "eve_type_id"),
                ("type_name", "eve_type__name"),
                ("quantity", "quantity"),
                ("is_singleton", "is_singleton"),
                ("is_blueprint_copy", "is_blueprint_copy"),
                ("name", "name"),
            ),
        ),
        Topic(
            "skills",
            _("Skills"),
            CharacterSkill,
            "character",
            (
                *_character_columns("character"),
                ("type_id", "eve_type_id"),
                ("skill_name", "eve_type__name"),
                ("skill_group", "eve_type__eve_group__name"),
                ("active_skill_level", "active_skill_level"),
                ("trained_skill_level", "trained_skill_level"),
                ("skillpoints_in_skill", "skillpoints_in_skill"),
            ),
        ),
        Topic(
            "mail_headers",
            _("Mail headers"),
            CharacterMail,
            "character",
            (
                *_character_columns("character"),
                ("mail_id", "mail_id"),
                ("timestamp", "timestamp"),
                *_entity("sender"),
                ("subject", "subject"),
                ("is_read", "is_read"),
                ("label_ids", "label_ids"),
            ),
        ),
    )
}


def topic_names() -> list[str]:
    """Every topic, in a stable order."""
    return list(TOPICS)


def get_topic(name: str) -> Topic:
    """The topic called ``name``; ``KeyError`` with the known names otherwise."""
    try:
        return TOPICS[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(TOPICS)}") from None


# --- streaming rows ---------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):  # JSON lists, e.g. mail label ids
        return " ".join(str(item) for item in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def iter_rows(
    topic: Topic, character_pks: Iterable[int] | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[Any]]:
    """Every row of ``topic`` as safe CSV cells, in primary-key order, one query per chunk."""
    lookups = [lookup for _header, lookup in topic.columns]
    unknown_names = topic.unknown_names
    qs = topic.queryset(character_pks).order_by("pk")
    last_pk = None
    while True:
        chunk_qs = qs if last_pk is None else qs.filter(pk__gt=last_pk)
        chunk = list(chunk_qs.values_list("pk", *lookups)[:chunk_size])
        if not chunk:
            return
        for row in chunk:
            values = list(row[1:])
            for name_column, id_column in unknown_names:
                if not values[name_column] and values[id_column]:
                    values[name_column] = gettext("Unknown (%(id)s)") % {"id": values[id_column]}
            yield safe_row(_cell(value) for value in values)
        last_pk = chunk[-1][0]
        if len(chunk) < chunk_size:
            return


def count_rows(topic: Topic, character_pks: Iterable[int] | None = None) -> int:
    return topic.queryset(character_pks).count()


def write_csv(
    topic: Topic,
    stream: IO[str],
    character_pks: Iterable[int] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write the header and every row of ``topic`` to the text ``stream``; returns the row count."""
    writer = csv.writer(stream)
    writer.writerow(topic.headers)
    count = 0
    for count, row in enumerate(iter_rows(topic, character_pks, chunk_size), start=1):
        writer.writerow(row)
        if on_progress and count % chunk_size == 0:
            on_progress(topic.name, count)
    if on_progress:
        on_progress(topic.name, count)
    return count


def write_zip(
    topics: Iterable[Topic],
    fileobj: IO[bytes],
    character_pks: Iterable[int] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write one CSV per topic into a zip archive on the binary ``fileobj``; rows per topic."""
    pks = list(character_pks) if character_pks is not None else None
    counts = {}
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for topic in topics:
            # force_zip64: the size of a streamed entry is not known up front
            with archive.open(topic.filename, "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                counts[topic.name] = write_csv(topic, text, pks, on_progress=on_progress)
                text.flush()
                text.detach()
    return counts


def export_to_directory(
    topics: Iterable[Topic],
    destination: Path,
    character_pks: Iterable[int] | None = None,
    *,
    as_zip: bool = False,
    on_progress: ProgressCallback | None = None,
) -> list[tuple[Path, int]]:
    """Write the topics into ``destination`` (CSV files, or one zip); returns (file, rows) pairs."""
    topics = list(topics)
    pks = list(character_pks) if character_pks is not None else None
    if as_zip:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = destination / f"memberaudit_export_{stamp}.zip"
        with path.open("wb") as fileobj:
            counts = write_zip(topics, fileobj, pks, on_progress=on_progress)
        return [(path, sum(counts.values()))]
    written = []
    for topic in topics:
        path = destination / topic.filename
        with path.open("w", encoding="utf-8", newline="") as stream:
            written.append((path, write_csv(topic, stream, pks, on_progress=on_progress)))
    return written


# --- background export jobs (exports page) ----------------------------------------------------


def storage_path(topic: Topic) -> str:
    """Where the zipped export of ``topic`` lives in ``default_storage``."""
    return f"{STORAGE_FOLDER}/memberaudit_{topic.name}.zip"


def _status_key(topic: Topic) -> str:
    return f"memberaudit:export:{topic.name}:status"


def _lock_key(topic: Topic) -> str:
    return f"memberaudit:export:{topic.name}:lock"


def _job_timeout() -> int:
    return int(app_settings.get("MEMBERAUDIT_TASKS_TIME_LIMIT"))


def _set_status(topic: Topic, **status: Any) -> None:
    cache.set(_status_key(topic), status, timeout=7 * 24 * 3600)


def job_status(topic: Topic) -> dict[str, Any]:
    """State of the export of ``topic`` for the page: state, progress and the stored file.

    ``state`` is one of ``none`` (never made), ``queued``, ``running``, ``ready`` or ``failed``.
    A job whose worker died stops counting as running once the task time limit has passed
    (its lock expires).
    """
    status = dict(cache.get(_status_key(topic)) or {})
    state = status.get("state", "none")
    if state in ("queued", "running") and not cache.get(_lock_key(topic)):
        state = "failed"
        status.setdefault("error", "the export job did not finish")
    path = storage_path(topic)
    file_info: dict[str, Any] | None = None
    if default_storage.exists(path):
        file_info = {"size": default_storage.size(path), "modified": default_storage.get_modified_time(path)}
        if state == "none":
            state = "ready"
    elif state == "ready":  # the file was removed from storage
        state = "none"
    total = status.get("total") or 0
    rows = status.get("rows") or 0
    return {
        "topic": topic.name,
        "state": state,
        "rows": rows,
        "total": total,
        "percent": min(100, round(100 * rows / total)) if total else (100 if state == "ready" else 0),
        "error": status.get("error", ""),
        "file": file_info,
    }


def start_job(topic: Topic) -> bool:
    """Mark an export of ``topic`` as queued; False when one is queued or running already."""
    if not cache.add(_lock_key(topic), 1, timeout=_job_timeout()):
        return False
    _set_status(topic, state="queued", rows=0, total=0, queued_at=timezone.now().isoformat())
    return True


def run_job(topic: Topic) -> int:
    """Make the zipped CSV of ``topic`` and store it; called by the ``generate_export`` task.

    The archive is built in a temporary file (bounded memory) and replaces the stored one
    only once complete, so a failed run never leaves a broken download behind.
    """
    total = count_rows(topic)
    started = timezone.now().isoformat()
    _set_status(topic, state="running", rows=0, total=total, started_at=started)

    def progress(_name: str, rows: int) -> None:
        _set_status(topic, state="running", rows=rows, total=total, started_at=started)

    try:
        with tempfile.TemporaryFile() as tmp:
            counts = write_zip([topic], tmp, on_progress=progress)
            tmp.seek(0)
            path = storage_path(topic)
            if default_storage.exists(path):
                default_storage.delete(path)
            default_storage.save(path, File(tmp, name=Path(path).name))
    except Exception as exc:
        logger.exception("Export of %s failed", topic.name)
        _set_status(topic, state="failed", rows=0, total=total, error=f"{exc.__class__.__name__}: {exc}")
        raise
    finally:
        cache.delete(_lock_key(topic))
    rows = counts[topic.name]
    _set_status(topic, state="ready", rows=rows, total=rows, finished_at=timezone.now().isoformat())
    return rows
