"""How numbers, levels, durations and times read on every page: the one formatting layer.

Pure functions, no Django I/O (only gettext for the unit words), so the viewer, the finder,
the reports and the exports all say the same thing the same way:

==========================  ==================================================================
function                    example
==========================  ==================================================================
``number(value, decimals)`` ``1234567.891, 2`` -> ``"1,234,567.89"`` (German ``"1.234.567,89"``)
``isk(value)``              ``1234567890`` -> ``"1.23b ISK"``; ``precise=True`` -> all digits
``sp(value)``               ``52345678`` -> ``"52.3m SP"``
``abbreviate(value)``       ``350000000`` -> ``"350m"`` (chart axes, badges; German ``"350 Mio."``)
``roman(level)``            ``4`` -> ``"IV"`` (skill levels; 0 -> ``"0"``)
``duration(value)``         ``93784`` seconds or a timedelta -> ``"1d 2h"`` (two largest units)
``eve_time(moment)``        ``"2026-12-02 06:13"`` in UTC (EVE time); ``eve_date`` -> date only
``relative(moment, now)``   ``"in 3h 5m"`` / ``"2d 4h ago"``
``humanize_identifier(s)``  ``StructureUnderAttack`` / ``wallet_journal`` -> ``"Structure under
                            attack"`` / ``"Wallet journal"``
``security_status(value)``  ``0.46`` -> ``SecurityStatus("0.5", "high", "#00ef47")``
``bounty_kills(reason)``    ``"23328: 2,23329: 1"`` -> ``[(23328, 2), (23329, 1)]``
``shown_*(...)``             ``{"text": ..., "title": ...}`` for tables filled from JSON
==========================  ==================================================================

Pages say once that times are EVE time (``EVE_TIME_NOTE``); cells then show ``eve_time``.

Numbers follow the active language (Django's locale formats: ``1,234,567.89`` in English,
``1.234.567,89`` in German), and so do the abbreviations' words; times are EVE time in one
format for every language (``YYYY-MM-DD HH:MM``, as EVE players quote them). Tables whose
rows come as JSON (finder, reports, intel) get the same text from the server (``shown_*``),
so the browser's own locale never decides how a number reads.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext

Number = int | float | Decimal

#: said once per page, next to the first time shown
EVE_TIME_NOTE = gettext_lazy("All times are EVE time (UTC).")

EVE_TIME_FORMAT = "%Y-%m-%d %H:%M"
EVE_DATE_FORMAT = "%Y-%m-%d"

_ROMAN = ("0", "I", "II", "III", "IV", "V")


def _abbreviations() -> tuple[tuple[float, str], ...]:
    """(threshold, pattern) of abbreviated numbers, biggest first, in the active language."""
    # the patterns are looked up per call: the active language changes between requests
    return (
        (1e12, pgettext("number abbreviation for trillions", "%(number)st")),
        (1e9, pgettext("number abbreviation for billions", "%(number)sb")),
        (1e6, pgettext("number abbreviation for millions", "%(number)sm")),
        (1e3, pgettext("number abbreviation for thousands", "%(number)sk")),
    )


def _separators() -> tuple[str, str]:
    """(decimal separator, thousands separator) of the active language."""
    if translation.get_language() is None:
        return ".", ","  # no language active (a shell, a task): English, with grouping
    return str(get_format("DECIMAL_SEPARATOR")), str(get_format("THOUSAND_SEPARATOR"))


def _number(value: Number | str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def abbreviate(value: Number | None, digits: int = 3) -> str:
    """A number with at most ``digits`` significant digits and a k/m/b/t suffix.

    ``1234`` -> ``"1.23k"``, ``350_000_000`` -> ``"350m"``, ``-1.2e9`` -> ``"-1.2b"``; numbers
    below 1,000 keep up to two decimals. ``""`` for None.
    """
    number = _number(value)
    if number is None:
        return ""
    sign = "-" if number < 0 else ""
    number = abs(number)
    decimal_separator = _separators()[0]
    for threshold, pattern in _abbreviations():
        if number >= threshold * 0.9995:
            scaled = number / threshold
            decimals = max(0, digits - len(str(int(round(scaled)))))
            text = f"{scaled:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{scaled:.0f}"
            return sign + pattern % {"number": text.replace(".", decimal_separator)}
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return f"{sign}{text.replace('.', decimal_separator)}" if text != "0" else "0"


def number(value: Number | str | None, decimals: int = 0) -> str:
    """All digits, grouped, in the active language: ``1234567.891`` -> ``"1,234,567.89"`` with
    2 decimals in English, ``"1.234.567,89"`` in German. ``""`` for None or not a number."""
    if isinstance(value, str) and value.strip():
        try:
            value = Decimal(value.strip())  # an amount sent as text keeps all its digits
        except InvalidOperation:
            return ""
    if isinstance(value, Decimal):
        exact = value if value.is_finite() else None
    else:
        as_float = _number(value)
        exact = Decimal(repr(as_float)) if as_float is not None else None
    if exact is None:
        return ""
    # rounded here: Django's number_format cuts the extra digits of a Decimal off; the context
    # holds every digit of the biggest numbers (the default 28 digits would raise)
    precision = Context(prec=max(28, exact.adjusted() + decimals + 2))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=precision)
    if translation.get_language() is None:
        return f"{rounded:,.{decimals}f}"
    return number_format(rounded, decimals, use_l10n=True, force_grouping=True)


def grouped(value: Number | None, decimals: int = 0) -> str:
    """All digits with thousands separators (``number``): ``1234567.891`` -> ``"1,234,567.89"``."""
    return number(value, decimals)


def isk(value: Number | None, *, precise: bool = False) -> str:
    """An ISK amount: abbreviated (``"1.23b ISK"``) or, with ``precise``, to the cent."""
    if _number(value) is None:
        return ""
    text = grouped(value, 2) if precise else abbreviate(value)
    return gettext("%(amount)s ISK") % {"amount": text}


def sp(value: Number | None, *, precise: bool = False) -> str:
    """Skill points: ``"52.3m SP"`` (or all digits with ``precise``)."""
    if _number(value) is None:
        return ""
    text = grouped(value) if precise else abbreviate(value)
    return gettext("%(sp)s SP") % {"sp": text}


def roman(level: int | None) -> str:
    """A skill level as EVE shows it: 1-5 as I-V, 0 as "0", None as ""."""
    if level is None:
        return ""
    try:
        return _ROMAN[int(level)]
    except (IndexError, ValueError, TypeError):
        return str(level)


def _seconds(value: float | int | dt.timedelta | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return _number(value)


#: a duration's units, largest first (translated when shown: a table formats thousands)
_DURATION_UNITS = (
    (365 * 86400, gettext_noop("%(n)dy")),
    (30 * 86400, gettext_noop("%(n)dmo")),
    (86400, gettext_noop("%(n)dd")),
    (3600, gettext_noop("%(n)dh")),
    (60, gettext_noop("%(n)dm")),
    (1, gettext_noop("%(n)ds")),
)
_JUST_NOW = gettext_noop("just now")
_IN = gettext_noop("in %(duration)s")
_AGO = gettext_noop("%(duration)s ago")


@functools.lru_cache(maxsize=32)
def _time_words(language: str | None) -> dict[str, str]:
    """The duration units and relative-time phrases translated into ``language`` (the active
    one): a page formats hundreds of times, and Django's gettext costs a few microseconds a call."""
    messages = (*(label for _size, label in _DURATION_UNITS), _JUST_NOW, _IN, _AGO)
    return {message: gettext(message) for message in messages}


def duration(value: float | int | dt.timedelta | None, parts: int = 2) -> str:
    """A length of time in its ``parts`` largest units: ``"1y 3mo"``, ``"2d 4h"``, ``"5m 3s"``.

    Years are 365 days and months 30 days (for corporation histories, where "about" is
    enough). Negative values are shown as their length. ``""`` for None.
    """
    seconds = _seconds(value)
    if seconds is None:
        return ""
    seconds = int(abs(seconds))
    words = _time_words(translation.get_language())
    result, slots = [], 0
    for size, label in _DURATION_UNITS:
        count, seconds = divmod(seconds, size)
        if not count and not slots:
            continue  # leading zero units
        slots += 1  # a zero after the first unit still takes its place: "1d" not "1d 5m"
        if count:
            result.append(words[label] % {"n": count})
        if slots >= parts:
            break
    return " ".join(result) or words["%(n)ds"] % {"n": 0}


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def eve_time(moment: dt.datetime | dt.date | None) -> str:
    """A moment in EVE time (UTC) as ``"YYYY-MM-DD HH:MM"``; a date as ``"YYYY-MM-DD"``."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return _utc(moment).strftime(EVE_TIME_FORMAT)
    return moment.strftime(EVE_DATE_FORMAT)


def eve_date(moment: dt.datetime | dt.date | None) -> str:
    """The day of a moment in EVE time: ``"YYYY-MM-DD"``."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = _utc(moment)
    return moment.strftime(EVE_DATE_FORMAT)


def relative(moment: dt.datetime | None, now: dt.datetime) -> str:
    """``"in 3h 5m"`` for the future, ``"2d 4h ago"`` for the past, ``"just now"`` within a minute."""
    if moment is None:
        return ""
    delta = (_utc(moment) - _utc(now)).total_seconds()
    words = _time_words(translation.get_language())
    if abs(delta) < 60:
        return words[_JUST_NOW]
    text = duration(delta)
    return (words[_IN] if delta > 0 else words[_AGO]) % {"duration": text}


# --- the same text for tables filled from JSON (finder, reports, intel) -----------------------
# A cell is ``{"text": ..., "title": ...}``: the text to show and what a hover adds (the
# relative time, all digits), built here in the active language and shown by the page's script
# as escaped text. The raw value stays in the row beside it for sorting and for the CSV.

Shown = dict[str, str]


def shown_moment(moment: dt.datetime | dt.date | None, now: dt.datetime) -> Shown | None:
    """A time as the viewer's cells show it: EVE time, the relative time on hover (None: no time)."""
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        return {"text": eve_date(moment), "title": ""}
    return {"text": eve_time(moment), "title": relative(moment, now)}


def shown_isk(value: Number | str | None) -> Shown | None:
    """An ISK amount abbreviated, all digits on hover (None: no amount)."""
    if _number(value) is None:
        return None
    return {"text": isk(value), "title": isk(value, precise=True)}


def shown_sp(value: Number | None) -> Shown | None:
    """Skill points abbreviated, all digits on hover (None: no value)."""
    if _number(value) is None:
        return None
    return {"text": sp(value), "title": sp(value, precise=True)}


def shown_number(value: Number | str | None, decimals: int = 0) -> Shown | None:
    """A count or a share in the active language's digits (None: no value)."""
    text = number(value, decimals)
    return {"text": text, "title": ""} if text else None


def script_number_format() -> dict[str, object]:
    """What scripts need to write numbers like ``abbreviate`` (chart axes): the active
    language's decimal separator and abbreviation patterns (``%(number)s`` is the number)."""
    decimal_separator, thousands_separator = _separators()
    return {
        "decimal": decimal_separator,
        "thousands": thousands_separator,
        "abbreviations": [[threshold, pattern] for threshold, pattern in _abbreviations()],
    }


def progress(start: Number | None, current: Number | None, end: Number | None) -> int | None:
    """How far ``current`` is from ``start`` to ``end``, in whole percent (0-100), or None."""
    values = [_number(v) for v in (start, current, end)]
    if any(v is None for v in values):
        return None
    low, now, high = values
    if high <= low:
        return 100
    return max(0, min(100, int((now - low) * 100 / (high - low))))


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def humanize_identifier(name: str | None) -> str:
    """A programmer's name as a phrase: ``StructureUnderAttack`` -> ``"Structure under attack"``,
    ``wallet_journal`` -> ``"Wallet journal"``. Acronyms stay (``"ESI"``)."""
    if not name:
        return ""
    words = _CAMEL.sub(" ", name.replace("_", " ").replace("-", " ")).split()
    if not words:
        return ""
    rest = [word if word.isupper() and len(word) > 1 else word.lower() for word in words[1:]]
    first = words[0] if words[0].isupper() and len(words[0]) > 1 else words[0].capitalize()
    return " ".join([first, *rest])


@dataclass(frozen=True)
class SecurityStatus:
    """A solar system's security as EVE shows it."""

    text: str  #: rounded to one decimal, e.g. "0.5", "-0.3"
    band: str  #: "high", "low" or "null" (CSS class ``ma-sec-<band>``)
    color: str  #: EVE's colour for the rounded value


#: EVE's map colours for 1.0 down to 0.1; 0.0 and below share the last one
_SECURITY_COLORS = (
    "#2c75e1",
    "#399aeb",
    "#4ecef8",
    "#60dba3",
    "#71e554",
    "#f3fd82",
    "#dc6d06",
    "#ce440f",
    "#bb1116",
    "#731f1f",
    "#8d3264",
)


def security_status(value: float | None) -> SecurityStatus | None:
    """Security rounded like EVE's client (0 < s < 0.05 counts as 0.1) with its band and colour."""
    number = _number(value)
    if number is None:
        return None
    rounded = 0.1 if 0 < number < 0.05 else round(number, 1)
    if rounded >= 0.5:
        band = "high"
    elif rounded > 0:
        band = "low"
    else:
        band = "null"
    index = 10 - int(round(max(0.0, min(1.0, rounded)) * 10))
    color = _SECURITY_COLORS[index] if rounded > 0 else _SECURITY_COLORS[-1]
    text = f"{rounded:.1f}".replace("-0.0", "0.0").replace(".", _separators()[0])
    return SecurityStatus(text, band, color)


_BOUNTY_PART = re.compile(r"^\s*(\d{1,12})\s*:\s*(\d{1,9})\s*$")


def bounty_kills(reason: str | None) -> list[tuple[int, int]]:
    """The NPC kills of a bounty prize's ``reason`` (``"type_id: count,..."``): ``[(id, n)]``.

    Anything else (a player's text) gives ``[]``.
    """
    if not reason:
        return []
    parts = [part for part in reason.split(",") if part.strip()]
    matches = [_BOUNTY_PART.match(part) for part in parts]
    if not matches or not all(matches):
        return []
    return [(int(m[1]), int(m[2])) for m in matches if m]


def bounty_text(kills: list[tuple[int, int]], names: dict[int, str]) -> str:
    """``"2 × Guristas Pithi, 1 × Serpentis Scout"``; unknown types as ``"type 123"``."""
    unknown = gettext("type %(id)s")
    return ", ".join(
        f"{count} × {names.get(type_id) or unknown % {'id': type_id}}" for type_id, count in kills
    )
