"""CSV downloads streamed while they are written: memory stays flat however long the report."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from memberaudit.core.csv_safety import safe_row


class _Echo:
    """A file-like object whose ``write`` returns the line, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_stream(name: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> StreamingHttpResponse:
    """A formula-safe CSV download named ``memberaudit-<name>-<time>.csv``; ``rows`` is read lazily."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="memberaudit-{name}-{stamp}.csv"'
    return response


def yes_no(value: bool) -> str:
    """A boolean cell, translated."""
    return _("yes") if value else _("no")
