"""Pure intel logic: the score, matching through affiliations, CSV rows of a watch list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from memberaudit.core import intel

NOW = datetime(2026, 6, 1, tzinfo=UTC)


# --- score ---------------------------------------------------------------------------------------


def test_nothing_scores_zero():
    assert intel.score(count=0, last_seen=None, isk=0, now=NOW).total == 0


def test_more_interactions_score_higher_up_to_a_cap():
    scores = [intel.score(count=n, last_seen=None, isk=0, now=NOW).volume for n in (1, 10, 100, 10_000)]
    assert scores[0] < scores[1] < scores[2] == scores[3] == 1.0


def test_recency_halves_every_half_life():
    today = intel.score(count=1, last_seen=NOW, isk=0, now=NOW).recency
    month = intel.score(count=1, last_seen=NOW - timedelta(days=30), isk=0, now=NOW).recency
    two = intel.score(count=1, last_seen=NOW - timedelta(days=60), isk=0, now=NOW).recency
    assert (today, month, two) == (1.0, 0.5, 0.25)


def test_a_contact_still_listed_is_current():
    old = NOW - timedelta(days=300)
    assert intel.score(count=1, last_seen=old, isk=0, now=NOW, current_contact=True).recency == 1.0


def test_isk_counts_on_a_log_scale_and_its_sign_does_not_matter():
    small = intel.score(count=1, last_seen=None, isk=Decimal("1000000"), now=NOW).isk
    large = intel.score(count=1, last_seen=None, isk=Decimal("-5000000000"), now=NOW).isk
    full = intel.score(count=1, last_seen=None, isk=intel.ISK_FULL * 3, now=NOW).isk
    assert 0 < small < large < full == 1.0


def test_only_a_positive_standing_adds_to_the_score():
    assert intel.score(count=1, last_seen=None, isk=0, now=NOW, best_standing=-10).standing == 0
    assert intel.score(count=1, last_seen=None, isk=0, now=NOW, best_standing=5).standing == 0.5


def test_the_total_is_the_weighted_sum_on_a_hundred_scale():
    worst = intel.score(
        count=10_000, last_seen=NOW, isk=intel.ISK_FULL, now=NOW, current_contact=True, best_standing=10
    )
    assert worst.total == 100.0


# --- matching ------------------------------------------------------------------------------------

WATCHED = {99: ["alliance entry"], 98: ["corporation entry"], 7: ["pilot entry", "pilot on a second list"]}


def test_a_counterparty_matches_itself():
    found = intel.matches(7, None, WATCHED)
    assert [(m.entry, m.via) for m in found] == [
        ("pilot entry", "direct"),
        ("pilot on a second list", "direct"),
    ]


def test_a_character_matches_through_its_corporation_and_alliance():
    found = intel.matches(5, intel.Affiliation(corporation_id=98, alliance_id=99), WATCHED)
    assert [(m.entry, m.via) for m in found] == [
        ("corporation entry", "corporation"),
        ("alliance entry", "alliance"),
    ]


def test_an_unrelated_counterparty_matches_nothing():
    assert intel.matches(5, intel.Affiliation(corporation_id=1, alliance_id=None), WATCHED) == []


# --- queries and CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("  ", None), ("98000001", 98000001), (" Goonswarm Federation ", "Goonswarm Federation")],
)
def test_an_entity_query_is_an_id_or_a_name(text, expected):
    assert intel.parse_entity_query(text) == expected


def test_csv_rows_with_ids_names_kinds_and_reasons():
    rows, problems = intel.parse_watch_csv(
        'Name,ID,Kind,Reason\nRed Dawn Raiders,,corporation,"ganks, often"\n,99100001,,\n'
    )
    assert problems == []
    assert [(r.line, r.entity_id, r.name, r.kind, r.reason) for r in rows] == [
        (2, None, "Red Dawn Raiders", "corporation", "ganks, often"),
        (3, 99100001, "", "", ""),
    ]


def test_csv_problems_name_their_line_and_keep_the_good_rows_apart():
    text = "id,name,kind\nabc,,\n,,\n5,,spaceship\n7,,\n7,,\n,Some Name,alliance\n"
    rows, problems = intel.parse_watch_csv(text)
    assert [(p.line, p.code) for p in problems] == [
        (2, "bad_id"),
        (4, "bad_kind"),
        (6, "duplicate"),
    ]
    assert [r.line for r in rows] == [5, 7]  # line 3 is empty and skipped


@pytest.mark.parametrize("text", ["", "kind,reason\nalliance,x\n", "id,colour\n1,red\n"])
def test_csv_without_a_usable_header_is_refused(text):
    rows, problems = intel.parse_watch_csv(text)
    assert rows == []
    assert problems and problems[0].line == 1


def test_negative_contacts_are_below_the_threshold_and_entities_only():
    contacts = [(1, "character", -10.0), (2, "alliance", -0.5), (3, "corporation", 0.0), (4, "faction", 5.0)]
    assert intel.negative_contacts(contacts, below=0.0) == {1: ("character", -10.0), 2: ("alliance", -0.5)}
    assert intel.negative_contacts(contacts, below=-5.0) == {1: ("character", -10.0)}
