"""Exports page: exports_access only; a zipped CSV is made in the background, then downloaded."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from export_rows import ATTACK, create_rows
from helpers import create_member, register_main

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.urls import reverse

from memberaudit import exports

pytestmark = pytest.mark.django_db

PAGE = reverse("memberaudit:exports")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def exporter(client):
    user = create_member("exporter", "basic_access", "exports_access")
    create_rows(register_main(user), journal=4)
    client.force_login(user)
    return user


def _generate(client, topic: str, capture):
    with capture(execute=True):  # the task is queued when the request's transaction commits
        return client.post(reverse("memberaudit:export_generate", args=[topic]))


@pytest.mark.parametrize(
    "permissions", [("basic_access",), ("exports_access",), ("basic_access", "finder_access")]
)
def test_without_basic_and_exports_access_every_export_url_is_forbidden(client, permissions):
    client.force_login(create_member("curious", *permissions))
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("memberaudit:export_status")).status_code == 403
    assert client.post(reverse("memberaudit:export_generate", args=["wallet_journal"])).status_code == 403
    assert client.get(reverse("memberaudit:export_download", args=["wallet_journal"])).status_code == 403
    assert not default_storage.exists(exports.storage_path(exports.get_topic("wallet_journal")))


def test_the_page_lists_every_topic_as_not_generated_yet(client, exporter):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for topic in exports.TOPICS.values():
        assert str(topic.title) in html
    assert html.count("Not generated yet") == len(exports.TOPICS)
    assert "Download" not in html


def test_generate_runs_in_the_background_and_offers_a_safe_download(
    client, exporter, django_capture_on_commit_callbacks
):
    response = _generate(client, "wallet_journal", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == PAGE

    page = client.get(PAGE).content.decode()
    assert "Ready" in page
    assert reverse("memberaudit:export_download", args=["wallet_journal"]) in page

    status = client.get(reverse("memberaudit:export_status")).json()
    journal = next(row for row in status["exports"] if row["topic"] == "wallet_journal")
    assert journal == {
        "topic": "wallet_journal",
        "state": "ready",
        "state_label": "Ready",
        "percent": 100,
        "rows": 4,
        "total": 4,
    }

    download = client.get(reverse("memberaudit:export_download", args=["wallet_journal"]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(csv.DictReader(io.TextIOWrapper(archive.open("memberaudit_wallet_journal.csv"), "utf-8")))
    assert len(rows) == 4
    assert rows[0]["reason"] == "'" + ATTACK


def test_a_second_request_while_one_is_running_does_not_start_another(
    client, exporter, django_capture_on_commit_callbacks
):
    topic = exports.get_topic("skills")
    assert exports.start_job(topic)  # as if a worker were busy with it
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("memberaudit:export_generate", args=["skills"]), follow=True)
    assert callbacks == []
    assert "already being generated" in response.content.decode()
    assert exports.job_status(topic)["state"] == "queued"


def test_progress_is_shown_while_generating(client, exporter):
    topic = exports.get_topic("wallet_journal")
    exports.start_job(topic)
    cache.set(
        f"memberaudit:export:{topic.name}:status",
        {"state": "running", "rows": 2000, "total": 8000},
        timeout=60,
    )
    html = client.get(PAGE).content.decode()
    assert "Generating" in html
    assert "width: 25%" in html


def test_a_job_whose_worker_died_shows_as_failed_and_can_be_restarted(client, exporter):
    topic = exports.get_topic("assets")
    exports.start_job(topic)
    cache.delete(f"memberaudit:export:{topic.name}:lock")  # the lock ran out: the worker is gone
    assert exports.job_status(topic)["state"] == "failed"
    assert exports.start_job(topic)


def test_a_failing_export_keeps_the_previous_file(
    client, exporter, monkeypatch, django_capture_on_commit_callbacks
):
    _generate(client, "skills", django_capture_on_commit_callbacks)
    path = exports.storage_path(exports.get_topic("skills"))
    before = default_storage.open(path).read()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_zip", broken)
    with pytest.raises(RuntimeError):
        _generate(client, "skills", django_capture_on_commit_callbacks)
    assert default_storage.open(path).read() == before
    status = exports.job_status(exports.get_topic("skills"))
    assert status["state"] == "failed"
    assert "disk full" in status["error"]


def test_unknown_topics_are_not_found(client, exporter):
    assert client.post(reverse("memberaudit:export_generate", args=["passwords"])).status_code == 404
    assert client.get(reverse("memberaudit:export_download", args=["passwords"])).status_code == 404


def test_download_before_any_export_goes_back_to_the_page(client, exporter):
    response = client.get(reverse("memberaudit:export_download", args=["contracts"]), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "There is no export of Contracts yet." in response.content.decode()


def test_generating_is_a_post(client, exporter):
    assert client.get(reverse("memberaudit:export_generate", args=["skills"])).status_code == 405


def test_an_entity_without_a_name_is_exported_as_unknown_with_its_id(db):
    from eveuniverse.models import EveEntity

    from memberaudit.models import CharacterWalletJournalEntry

    character = register_main(create_member("pilot"))
    EveEntity.objects.create(id=2_114_000_001, name="")  # ESI cannot name it
    EveEntity.objects.create(id=500_004, name="Gallente Federation", category="faction")
    CharacterWalletJournalEntry.objects.create(
        character=character,
        entry_id=1,
        date="2020-01-01T00:00:00Z",
        ref_type="player_donation",
        amount=1,
        balance=1,
        first_party_id=2_114_000_001,
        second_party_id=500_004,
    )
    topic = exports.get_topic("wallet_journal")
    row = dict(zip(topic.headers, next(exports.iter_rows(topic)), strict=True))
    assert row["first_party_name"] == "Unknown (2114000001)"
    assert row["second_party_name"] == "Gallente Federation"
    assert row["tax_receiver_id"] in ("", None)
