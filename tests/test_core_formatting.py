"""The one formatting layer (memberaudit.core.formatting): what numbers and times read like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from django.utils import translation

from memberaudit.core import formatting as f

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, "0"),
        (12.5, "12.5"),
        (999, "999"),
        (1234, "1.23k"),
        (350_000_000, "350m"),
        (1_200_000_000, "1.2b"),
        (Decimal("1234567890.12"), "1.23b"),
        (-45_600_000, "-45.6m"),
        (2.5e12, "2.5t"),
        (999_999, "1m"),
        (None, ""),
        ("n/a", ""),
    ],
)
def test_abbreviate(value, expected):
    assert f.abbreviate(value) == expected


def test_isk_is_short_unless_precise():
    assert f.isk(Decimal("1234567890.129")) == "1.23b ISK"
    assert f.isk(Decimal("1234567.5"), precise=True) == "1,234,567.50 ISK"
    assert f.isk(None) == ""


def test_skill_points():
    assert f.sp(52_345_678) == "52.3m SP"
    assert f.sp(52_345_678, precise=True) == "52,345,678 SP"


@pytest.mark.parametrize("level,expected", [(0, "0"), (1, "I"), (3, "III"), (4, "IV"), (5, "V"), (None, "")])
def test_roman_levels(level, expected):
    assert f.roman(level) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, "0s"),
        (45, "45s"),
        (125, "2m 5s"),
        (3600, "1h"),
        (93784, "1d 2h"),
        (86400 + 300, "1d"),  # the zero hours take their place: no "1d 5m"
        (dt.timedelta(days=400), "1y 1mo"),
        (dt.timedelta(days=45), "1mo 15d"),
        (-7200, "2h"),
        (None, ""),
    ],
)
def test_durations(value, expected):
    assert f.duration(value) == expected


def test_eve_time_is_utc_in_one_format():
    moment = dt.datetime(2026, 12, 2, 8, 13, 59, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert f.eve_time(moment) == "2026-12-02 06:13"
    assert f.eve_time(dt.date(2026, 1, 5)) == "2026-01-05"
    assert f.eve_date(moment) == "2026-12-02"
    assert f.eve_time(None) == ""


def test_relative_times():
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert f.relative(now + dt.timedelta(hours=3, minutes=5), now) == "in 3h 5m"
    assert f.relative(now - dt.timedelta(days=2, hours=4), now) == "2d 4h ago"
    assert f.relative(now + dt.timedelta(seconds=20), now) == "just now"


def test_progress():
    assert f.progress(0, 50, 200) == 25
    assert f.progress(100, 500, 100) == 100
    assert f.progress(0, 300, 200) == 100
    assert f.progress(None, 1, 2) is None


@pytest.mark.parametrize(
    "name,expected",
    [
        ("StructureUnderAttack", "Structure under attack"),
        ("wallet_journal", "Wallet journal"),
        ("CorpAppNewMsg", "Corp app new msg"),
        ("ESIDown", "ESI down"),
        ("bounty_prizes", "Bounty prizes"),
        ("", ""),
    ],
)
def test_humanize_identifier(name, expected):
    assert f.humanize_identifier(name) == expected


@pytest.mark.parametrize(
    "value,text,band",
    [
        (1.0, "1.0", "high"),
        (0.46, "0.5", "high"),
        (0.44, "0.4", "low"),
        (0.01, "0.1", "low"),  # EVE rounds tiny positive values up
        (0.0, "0.0", "null"),
        (-0.04, "0.0", "null"),
        (-0.6, "-0.6", "null"),
    ],
)
def test_security_status(value, text, band):
    status = f.security_status(value)
    assert (status.text, status.band) == (text, band)
    assert status.color.startswith("#")


def test_security_status_colours_differ_by_band():
    assert f.security_status(1.0).color != f.security_status(0.1).color
    assert f.security_status(None) is None


def test_bounty_reasons_become_counts_of_named_types():
    kills = f.bounty_kills("23328: 2,23329: 1")
    assert kills == [(23328, 2), (23329, 1)]
    assert f.bounty_text(kills, {23328: "Guristas Pithi"}) == "2 × Guristas Pithi, 1 × type 23329"


@pytest.mark.parametrize("reason", ["", None, "for the lulz", "23328: 2, oops", "1:2:3"])
def test_other_reasons_are_not_bounties(reason):
    assert f.bounty_kills(reason) == []


# --- numbers in the active language -----------------------------------------------------------


@pytest.mark.parametrize(
    "language,expected",
    [("en", "1,234,567.89"), ("de", "1.234.567,89")],
)
def test_numbers_follow_the_active_language(language, expected):
    with translation.override(language):
        assert f.number(Decimal("1234567.891"), 2) == expected
        assert f.number("1234567.891", 2) == expected  # an amount sent as text


def test_numbers_are_rounded_not_cut():
    with translation.override("en"):
        assert f.number(Decimal("1.999"), 2) == "2.00"
        assert f.number(Decimal("1234567.5")) == "1,234,568"
        assert f.number(None) == "" and f.number("n/a") == "" and f.number(float("nan")) == ""


def test_german_isk_sp_and_abbreviations():
    with translation.override("de"):
        assert f.isk(Decimal("1234567890.12")) == "1,23 Mrd. ISK"
        assert f.isk(Decimal("1234567.5"), precise=True) == "1.234.567,50 ISK"
        assert f.sp(52_345_678) == "52,3 Mio. SP"
        assert f.abbreviate(1234) == "1,23 Tsd."
        assert f.abbreviate(12.5) == "12,5"
        assert f.security_status(0.46).text == "0,5"


def test_without_an_active_language_numbers_are_english():
    with translation.override(None):
        assert f.number(1234567.891, 2) == "1,234,567.89"
        assert f.isk(1_200_000_000) == "1.2b ISK"


def test_shown_cells_for_json_tables():
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    moment = now - dt.timedelta(days=2, hours=4)
    assert f.shown_moment(moment, now) == {"text": "2025-12-30 08:00", "title": "2d 4h ago"}
    assert f.shown_moment(None, now) is None
    with translation.override("de"):
        assert f.shown_isk("5001000000.00") == {"text": "5 Mrd. ISK", "title": "5.001.000.000,00 ISK"}
        assert f.shown_number(12.5, 1) == {"text": "12,5", "title": ""}
    assert f.shown_isk(None) is None


def test_scripts_get_the_number_format_of_the_active_language():
    with translation.override("de"):
        config = f.script_number_format()
    assert (config["decimal"], config["thousands"]) == (",", ".")
    assert [threshold for threshold, _pattern in config["abbreviations"]] == [1e12, 1e9, 1e6, 1e3]
    assert all("%(number)s" in pattern for _threshold, pattern in config["abbreviations"])


def test_huge_numbers_keep_every_digit():
    with translation.override("en"):
        assert f.number(Decimal("1e30"), 2) == "1,000,000,000,000,000,000,000,000,000,000.00"
        assert f.number(1e20) == "100,000,000,000,000,000,000"


def test_relative_times_follow_the_active_language_from_call_to_call():
    """The time words are looked up once per language: switching back and forth still works."""
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    past, future = now - dt.timedelta(days=2, hours=4), now + dt.timedelta(seconds=30)
    with translation.override("en"):
        assert f.relative(past, now) == "2d 4h ago" and f.relative(future, now) == "just now"
    with translation.override("de"):
        assert f.relative(past, now) == "vor 2T 4h" and f.relative(future, now) == "gerade eben"
        assert f.duration(dt.timedelta(days=3)) == "3T"
    with translation.override("en"):
        assert f.relative(past, now) == "2d 4h ago"
        assert f.relative(now + dt.timedelta(hours=5), now) == "in 5h"
