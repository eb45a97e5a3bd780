"""Server-side tables in the DataTables 2 protocol: paged, sorted and searched in the database.

A table is declared once (``Table`` with its ``Column`` s) and served by ``serve``: three
queries at most (total count, filtered count when searching, one page of rows with its
joins), however many rows a character has.

Every cell leaves the server as escaped HTML, because DataTables inserts cell data as HTML:
a column's ``value`` returns plain values (escaped here) or ``SafeString`` built with
``format_html`` / ``mark_safe`` on sanitized markup (kept as is).

Protocol: https://datatables.net/manual/server-side; its parameters are read by the one
parser, ``memberaudit.queries.TableRequest`` (shared with the finder, the reports and intel).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from memberaudit import queries
from memberaudit.core import formatting
from memberaudit.queries import TableRequest

DEFAULT_PAGE_LENGTH = 25

RowValue = Callable[[Any], Any]
RowsFunc = Callable[[Any, Mapping[str, str]], QuerySet]


@dataclass(frozen=True)
class Column:
    """One column: how to show a row's cell, and how the database sorts and searches it."""

    key: str
    title: Any
    value: RowValue
    #: fields to order by (None: not sortable); plain ASC/DESC so the database can use its
    #: (character, field) indexes
    order_by: tuple[str, ...] | None = None
    #: lookups searched with ``icontains`` (OR-ed over all columns)
    search: tuple[str, ...] = ()
    #: CSS class of the column's cells (e.g. "text-end" for numbers)
    css: str = ""

    @property
    def orderable(self) -> bool:
        return bool(self.order_by)


@dataclass(frozen=True)
class Table:
    """A server-side table of one section's rows for one character."""

    name: str
    section: str
    title: Any
    columns: tuple[Column, ...]
    #: the character's rows (with ``select_related`` for every relation a column shows);
    #: gets the request's GET parameters for table-specific filters (e.g. a container)
    rows: RowsFunc
    #: default sort: (column index, "asc" | "desc")
    default_order: tuple[int, str] = (0, "desc")
    page_length: int = DEFAULT_PAGE_LENGTH
    #: final ordering that makes paging stable
    tiebreak: str = "pk"
    #: an extra note shown above the table
    help_text: Any = ""
    #: the rows may be filtered by these GET parameters (documented for the template / JS)
    params: tuple[str, ...] = field(default_factory=tuple)
    #: ``prepare(page, character)`` loads what the page's cells need beyond ``select_related``
    #: (labels, recipients) in a fixed number of queries
    prepare: Callable[[list, Any], None] | None = None

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)


def parse_request(params: Mapping[str, str], table: Table) -> TableRequest:
    """Read DataTables' parameters with the one parser (``queries.TableRequest``)."""
    keys = [column.key for column in table.columns]
    index, direction = table.default_order
    return TableRequest.from_query(
        params,
        {column.key for column in table.columns if column.orderable},
        columns=keys,
        default_length=table.page_length,
        default_order=[(keys[index], direction == "desc")],
    )


def search_q(table: Table, term: str) -> Q:
    """Rows where any searchable column contains every word of ``term``."""
    return queries.search_q([lookup for column in table.columns for lookup in column.search], term)


def ordering(table: Table, request: TableRequest) -> list:
    """ORDER BY expressions for the request, ending with the table's tiebreak."""
    result: list = []
    for key, descending in request.order:
        for name in table.columns[table.column_index(key)].order_by or ():
            result.append(F(name).desc() if descending else F(name).asc())
    result.append(F(table.tiebreak).desc() if request.order and request.order[0][1] else F(table.tiebreak))
    return result


def moment_html(value: dt.datetime | dt.date | None, now: dt.datetime | None = None) -> SafeString | str:
    """A time in EVE time (the page says once that times are UTC), the relative time on hover.

    ``now``: the request's moment, when a page formats many times (one clock read for all).
    """
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return formatting.eve_date(value)
    day, _space, time = formatting.eve_time(value).partition(" ")  # digits only
    # the standard library's escape: Django's, the same characters, costs a lazy-type check per call
    relative = html.escape(formatting.relative(value, now or timezone.now()))
    # a narrow column breaks between the day and the time, never inside them
    return mark_safe(
        f'<span title="{relative}"><span class="text-nowrap">{day}</span> <span class="text-nowrap">{time}</span></span>'
    )


def render_cell(value: Any) -> str:
    """A cell as HTML: safe strings as they are, anything else escaped and formatted by the one
    formatting layer (EVE time, numbers in the active language)."""
    if value is None:
        return ""
    if isinstance(value, SafeString):
        return str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dt.date):  # a datetime too
        return str(conditional_escape(moment_html(value)))
    if isinstance(value, Decimal | float):
        return str(conditional_escape(formatting.number(value, 2)))
    if isinstance(value, int):
        return str(conditional_escape(formatting.number(value, 0)))
    return str(conditional_escape(str(value)))


def serve(table: Table, character: Model, params: Mapping[str, str]) -> dict[str, Any]:
    """The DataTables answer for one request: a constant number of queries."""
    request = parse_request(params, table)
    rows = table.rows(character, params)
    total = rows.count()
    if request.search:
        rows = rows.filter(search_q(table, request.search))
        filtered = rows.count()
    else:
        filtered = total
    page = list(rows.order_by(*ordering(table, request))[request.start : request.stop])
    if table.prepare and page:
        table.prepare(page, character)
    return {
        "draw": request.draw,
        "recordsTotal": total,
        "recordsFiltered": filtered,
        "data": [{column.key: render_cell(column.value(obj)) for column in table.columns} for obj in page],
    }


# --- cell helpers shared by the table specs ---------------------------------------------------


def unknown_name(obj_id: int | None) -> str:
    """What shows for an id whose name is not known (yet, or to ESI): "Unknown (id)"; "" without id."""
    return gettext("Unknown (%(id)s)") % {"id": obj_id} if obj_id else ""


def name_or_id(obj: Model | None, obj_id: int | None) -> str:
    """The name of a related EVE object, or "Unknown (id)" when it has none (see ``unknown_name``)."""
    if obj is not None and getattr(obj, "name", ""):
        return obj.name
    return unknown_name(obj_id)


def link(url: str, text: Any) -> SafeString | str:
    """An escaped external link (new tab, no referrer), or just the text without a URL."""
    if not url:
        return text
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, text)


def isk_html(amount: Decimal | None) -> SafeString | str:
    """An ISK amount, red when negative."""
    if amount is None:
        return ""
    text = formatting.number(amount, 2)
    if amount < 0:
        return format_html('<span class="text-danger">{}</span>', text)
    return text
