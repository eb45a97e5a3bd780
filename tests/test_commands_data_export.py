"""memberaudit_data_export: CSV per topic or one zip, safe cells, bounded memory, clear errors."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from export_rows import ATTACK, create_rows
from helpers import create_member, register_main
from management_helpers import run_cli

from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberaudit import exports

pytestmark = pytest.mark.django_db


@pytest.fixture
def characters():
    first = register_main(create_member("exporter_one"))
    second = register_main(create_member("exporter_two"))
    create_rows(first, journal=3)
    create_rows(second, journal=2)
    return first, second


def _read(path):
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_every_topic_is_written_as_its_own_csv(characters, tmp_path):
    out = io.StringIO()
    call_command("memberaudit_data_export", destination=str(tmp_path), stdout=out)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"memberaudit_{name}.csv" for name in exports.topic_names())
    journal = _read(tmp_path / "memberaudit_wallet_journal.csv")
    assert len(journal) == 5
    assert {row["character_name"] for row in journal} == {"exporter_one", "exporter_two"}
    assert len(_read(tmp_path / "memberaudit_contract_items.csv")) == 2
    assert "Wrote 5 rows" in out.getvalue()
    assert "wallet_journal: 5/5 (100%" in out.getvalue()  # the progress lines


def test_cells_a_spreadsheet_could_run_are_neutralised_and_numbers_stay_numbers(characters, tmp_path):
    call_command("memberaudit_data_export", destination=str(tmp_path), stdout=io.StringIO())
    journal = _read(tmp_path / "memberaudit_wallet_journal.csv")[0]
    assert journal["reason"] == "'" + ATTACK
    assert journal["description"] == "'-1 ISK for you"
    assert journal["amount"] == "-1500.25"  # a number, not text
    assert _read(tmp_path / "memberaudit_contracts.csv")[0]["title"].startswith("'+cmd")
    assert _read(tmp_path / "memberaudit_assets.csv")[0]["name"] == "'@SUM(1+1)"
    mail = _read(tmp_path / "memberaudit_mail_headers.csv")[0]
    assert mail["subject"] == "'\t=1+1"
    assert mail["label_ids"] == "1 4"
    for path in tmp_path.iterdir():
        for row in _read(path):
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (path.name, value)


def test_topics_can_be_chosen_and_zipped(characters, tmp_path):
    call_command(
        "memberaudit_data_export",
        topic=["skills", "wallet_journal"],
        destination=str(tmp_path),
        zip=True,
        stdout=io.StringIO(),
    )
    (archive_path,) = tmp_path.iterdir()
    assert archive_path.suffix == ".zip"
    with zipfile.ZipFile(archive_path) as archive:
        assert sorted(archive.namelist()) == ["memberaudit_skills.csv", "memberaudit_wallet_journal.csv"]
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("memberaudit_wallet_journal.csv"), "utf-8")))
    assert len(rows) == 5
    assert rows[0]["reason"] == "'" + ATTACK


def test_one_character_only(characters, tmp_path):
    first, _second = characters
    call_command(
        "memberaudit_data_export",
        topic=["wallet_journal"],
        character=[first.character_id],
        destination=str(tmp_path),
        stdout=io.StringIO(),
    )
    rows = _read(tmp_path / "memberaudit_wallet_journal.csv")
    assert {row["character_id"] for row in rows} == {str(first.character_id)}
    assert len(rows) == 3


def test_rows_are_read_one_query_per_chunk(characters):
    topic = exports.get_topic("wallet_journal")
    with CaptureQueriesContext(connection) as ctx:
        rows = list(exports.iter_rows(topic, chunk_size=2))
    assert len(rows) == 5
    assert len(ctx.captured_queries) == 3  # 2 + 2 + 1: never one query for everything
    assert all("LIMIT 2" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--topic", "passwords"], "invalid choice: 'passwords'"),
        (["--destination", "/nonexistent/folder"], "Destination is not an existing folder"),
        (["--character", "123"], "No registered character with the EVE character id(s): 123"),
        (["--character", "abc"], "invalid int value: 'abc'"),
    ],
)
def test_bad_arguments_fail_clearly_and_write_nothing(characters, tmp_path, capsys, argv, message):
    if "--destination" not in argv:
        argv = [*argv, "--destination", str(tmp_path)]
    code = run_cli("memberaudit_data_export", *argv)
    assert code != 0
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_call_command_raises_command_error_for_an_unknown_character(characters, tmp_path):
    with pytest.raises(CommandError, match="No registered character"):
        call_command("memberaudit_data_export", character=[1], destination=str(tmp_path))
