"""Diff-sync helpers: write only what changed, in bulk, in batches.

All helpers run inside the engine's per-section transaction and never delete rows on
partial data: callers pass complete snapshots (``replace_rows``) or only new rows
(``append_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

from memberaudit import app_settings

from .base import Changes


def batch_size() -> int:
    return int(app_settings.get("MEMBERAUDIT_BULK_METHODS_BATCH_SIZE"))


def dt(value: Any) -> datetime | None:
    """An aware datetime from an ESI date-time string (or None)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return parse_datetime(str(value))


def day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return parse_date(str(value)[:10])


def _normalise(field: models.Field, value: Any) -> Any:
    """Bring a value to the Python type the field holds, so comparisons are exact."""
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return dt(value)
    if isinstance(field, models.DateField):
        return day(value)
    if isinstance(field, models.DecimalField):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.FloatField):
        return float(value)
    if isinstance(field, (models.IntegerField, models.BigIntegerField, models.PositiveIntegerField)):
        return int(value)
    if isinstance(field, models.ForeignKey):
        return int(value)
    if isinstance(field, models.BooleanField):
        return bool(value)
    return value


def _fields_by_attname(model: type[models.Model]) -> dict[str, models.Field]:
    return {field.attname: field for field in model._meta.concrete_fields}


def _prepare(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Normalise a row given by attnames (``eve_type_id``, not ``eve_type``)."""
    fields = _fields_by_attname(model)
    return {name: _normalise(fields[name], value) for name, value in values.items()}


def replace_rows(
    model: type[models.Model],
    scope: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    key: str | tuple[str, ...],
    *,
    delete_missing: bool = True,
    after_create: Callable[[list[models.Model]], None] | None = None,
) -> Changes:
    """Make the rows of ``model`` within ``scope`` equal ``rows``, keyed by ``key``.

    New keys are inserted, changed rows updated (only changed fields), and rows whose key is
    gone are deleted when ``delete_missing``. Unchanged rows cost no write.
    """
    keys = (key,) if isinstance(key, str) else tuple(key)
    incoming: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        prepared = _prepare(model, row)
        incoming[tuple(prepared[k] for k in keys)] = prepared
    fields = sorted({f for row in incoming.values() for f in row} - set(keys))
    qs = model.objects.filter(**scope)
    if not delete_missing and len(keys) == 1:  # only the incoming keys matter
        qs = qs.filter(**{f"{keys[0]}__in": [k[0] for k in incoming]})
    existing = {tuple(obj[k] for k in keys): obj for obj in qs.values("pk", *keys, *fields)}
    to_create = [model(**scope, **row) for k, row in incoming.items() if k not in existing]
    to_update = []
    changed_fields: set[str] = set()
    for k, row in incoming.items():
        current = existing.get(k)
        if current is None:
            continue
        diff = {f: v for f, v in row.items() if f not in keys and current.get(f) != v}
        if diff:
            obj = model(pk=current["pk"], **scope, **row)
            to_update.append(obj)
            changed_fields.update(diff)
    stale_pks = [obj["pk"] for k, obj in existing.items() if k not in incoming] if delete_missing else []

    size = batch_size()
    if stale_pks:
        for start in range(0, len(stale_pks), size):
            model.objects.filter(pk__in=stale_pks[start : start + size]).delete()
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=size)
    if to_create:
        created = model.objects.bulk_create(to_create, batch_size=size)
        if after_create:
            after_create(created)
    return Changes(created=len(to_create), updated=len(to_update), deleted=len(stale_pks))


def append_rows(
    model: type[models.Model], scope: dict[str, Any], rows: Iterable[dict[str, Any]], key: str
) -> Changes:
    """Insert rows whose ``key`` is not stored yet; never touch stored rows (append-only history)."""
    incoming = {}
    for row in rows:
        prepared = _prepare(model, row)
        incoming[prepared[key]] = prepared
    if not incoming:
        return Changes()
    known: set[Any] = set()
    size = batch_size()
    key_list = list(incoming)
    for start in range(0, len(key_list), size):
        known.update(
            model.objects.filter(**scope, **{f"{key}__in": key_list[start : start + size]}).values_list(
                key, flat=True
            )
        )
    new = [model(**scope, **row) for k, row in incoming.items() if k not in known]
    if new:
        model.objects.bulk_create(new, batch_size=size)
    return Changes(created=len(new))


def upsert_one(model: type[models.Model], scope: dict[str, Any], values: dict[str, Any]) -> Changes:
    """Keep exactly one row of ``model`` for ``scope`` with ``values``; write only on change."""
    prepared = _prepare(model, values)
    current = model.objects.filter(**scope).values("pk", *prepared).first()
    if current is None:
        model.objects.create(**scope, **prepared)
        return Changes(created=1)
    diff = {f: v for f, v in prepared.items() if current.get(f) != v}
    if not diff:
        return Changes()
    model.objects.filter(pk=current["pk"]).update(**diff)
    return Changes(updated=1)


def delete_missing(model: type[models.Model], scope: dict[str, Any], keep: set[Any], key: str) -> Changes:
    """Delete rows within ``scope`` whose ``key`` is not in ``keep`` (the last step of a multi-pass sync)."""
    stale = [pk for pk, value in model.objects.filter(**scope).values_list("pk", key) if value not in keep]
    size = batch_size()
    for start in range(0, len(stale), size):
        model.objects.filter(pk__in=stale[start : start + size]).delete()
    return Changes(deleted=len(stale))
