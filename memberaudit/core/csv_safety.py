"""CSV cells that spreadsheets will not run as formulas (CSV / formula injection).

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return / line feed
that some spreadsheets skip before one of those, or a full-width twin of those signs that
some normalise) is prefixed with a single quote, the convention OWASP recommends: the cell
shows as text and is never evaluated. Numbers stay numbers: ``-5`` given as an int, float or
``Decimal`` (ISK amounts) is not text and is left alone.

Pure functions, no Django: used by the data exports, the report downloads and the commands.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

#: prepended to a dangerous cell
ESCAPE = "'"


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    return text.startswith(DANGEROUS_PREFIXES)


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet could read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if is_dangerous(text):
        return ESCAPE + text
    return text


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through ``safe_cell``."""
    return [safe_cell(value) for value in values]
