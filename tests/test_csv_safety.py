"""CSV downloads cannot smuggle spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest
from helpers import create_member, register_character, register_main

from django.urls import reverse

from memberaudit.core.csv_safety import safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("Plain Name", "Plain Name"),
        ("a=b", "a=b"),
        (-5, -5),
        (12.5, 12.5),
        (None, ""),
        (True, True),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_row():
    assert safe_row(["=x", 1, "y"]) == ["'=x", 1, "y"]


@pytest.mark.django_db
def test_report_csv_neutralises_a_formula_in_a_character_name(client):
    lead = create_member("lead", "basic_access", "reports_access", "view_same_corporation")
    register_main(lead)
    register_character(lead, '=HYPERLINK("http://evil.example","x")')
    client.force_login(lead)
    response = client.get(reverse("memberaudit:report_skill_sets_csv"))
    text = b"".join(response.streaming_content).decode()  # reports stream their downloads
    cells = [row[0] for row in csv.reader(io.StringIO(text))]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not any(cell.startswith("=") for cell in cells)
