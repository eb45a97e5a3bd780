"""Compare what Member Audit stored with what the ESI emulator answers.

Used by the CI worker check and the soak (``.ci/worker_check.py``, ``.ci/soak.py``): after
workers were killed and ESI misbehaved, the database must hold exactly what ESI says, per
character and section, with no duplicate rows. The emulator is asked through its public ESI
routes with a fresh token, like any client, so the comparison does not trust our own code.

Rules per section (they follow how each section stores ESI's answer):

- assets, skills (with levels), contacts: the stored set equals ESI's.
- wallet journal: every entry ESI lists is stored; stored entries ESI no longer lists (older
  than its 30-day window) are kept on purpose and must be older than ESI's oldest entry.
- mail: the ``MEMBERAUDIT_MAX_MAILS`` newest headers are stored, counting mails ESI no longer
  lists (deleted in game) that Member Audit keeps on purpose.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count

from memberaudit.models import Character
from memberaudit.models.assets import CharacterAsset
from memberaudit.models.contacts import CharacterContact
from memberaudit.models.mail import CharacterMail
from memberaudit.models.skills import CharacterSkill
from memberaudit.models.wallet import CharacterWalletJournalEntry
from memberaudit.sections.mail import max_mails
from memberaudit.testing.esi_emulator.rawclient import RawClient

#: sections the comparison covers, with the model whose rows must be unique per character
CHECKED = {
    "assets": (CharacterAsset, "item_id"),
    "wallet_journal": (CharacterWalletJournalEntry, "entry_id"),
    "mail": (CharacterMail, "mail_id"),
    "skills": (CharacterSkill, "eve_type_id"),
    "contacts": (CharacterContact, "contact_id"),
}


def _token(base_url: str, character_id: int) -> str:
    request = urllib.request.Request(f"{base_url}/_emulator/token/{character_id}", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def _get(http: RawClient, path: str, token: str) -> tuple[Any, dict[str, str]]:
    response = http.get(path, token)
    for _attempt in range(5):  # our own rate-limit bucket (by user agent) ran dry: wait like a client
        if response.status != 429:
            break
        time.sleep(min(30, int(response.headers.get("retry-after", "5"))))
        response = http.get(path, token)
    if response.status != 200:
        raise RuntimeError(f"the emulator answered {response.status} to {path}: {response.body[:200]!r}")
    return response.json(), response.headers


def _pages(http: RawClient, path: str, token: str) -> Iterator[dict]:
    page, pages = 1, 1
    while page <= pages:
        rows, headers = _get(http, f"{path}?page={page}", token)
        pages = int(headers.get("x-pages", "1"))
        yield from rows
        page += 1


def esi_answers(base_url: str, character_id: int) -> dict[str, Any]:
    """What ESI (the emulator) says now about the checked sections of one character."""
    base_url = base_url.rstrip("/")
    # a user agent of its own per call: ESI's rate-limit buckets are per application and
    # character, so the comparison never spends the buckets of the app under test, nor its own
    http = RawClient(base_url, user_agent=f"memberaudit-reconcile-{uuid.uuid4().hex[:12]}")
    token = _token(base_url, character_id)
    root = f"/characters/{character_id}"
    try:
        mails: list[dict] = []
        cursor = None
        while True:
            path = f"{root}/mail" + (f"?last_mail_id={cursor}" if cursor else "")
            batch, _ = _get(http, path, token)
            mails += batch
            if len(batch) < 50:
                break
            cursor = min(m["mail_id"] for m in batch)
        skills, _ = _get(http, f"{root}/skills", token)
        journal = list(_pages(http, f"{root}/wallet/journal", token))
        return {
            "assets": {row["item_id"] for row in _pages(http, f"{root}/assets", token)},
            "wallet_journal": {row["id"]: row["date"] for row in journal},
            "mail": {m["mail_id"]: m.get("timestamp") for m in mails},
            "skills": {s["skill_id"]: s["active_skill_level"] for s in skills["skills"]},
            "contacts": {row["contact_id"] for row in _pages(http, f"{root}/contacts", token)},
        }
    finally:
        http.close()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def differences(character: Character, answers: dict[str, Any]) -> list[str]:
    """How the stored data of ``character`` differs from ESI's ``answers`` (empty: none)."""
    problems: list[str] = []
    pk = character.pk

    def compare(section: str, stored: set, expected: set) -> None:
        missing, extra = expected - stored, stored - expected
        if missing or extra:
            problems.append(
                f"{character.name} {section}: {len(missing)} missing (e.g. {sorted(missing)[:3]}), "
                f"{len(extra)} not in ESI (e.g. {sorted(extra)[:3]})"
            )

    compare(
        "assets",
        set(CharacterAsset.objects.filter(character_id=pk).values_list("item_id", flat=True)),
        answers["assets"],
    )
    compare(
        "skills",
        set(CharacterSkill.objects.filter(character_id=pk).values_list("eve_type_id", "active_skill_level")),
        set(answers["skills"].items()),
    )
    compare(
        "contacts",
        set(CharacterContact.objects.filter(character_id=pk).values_list("contact_id", flat=True)),
        answers["contacts"],
    )

    journal = dict(
        CharacterWalletJournalEntry.objects.filter(character_id=pk).values_list("entry_id", "date")
    )
    expected = answers["wallet_journal"]
    missing = set(expected) - set(journal)
    if missing:
        problems.append(f"{character.name} wallet_journal: {len(missing)} entries ESI lists are missing")
    if expected:
        oldest = min(_parse(value) for value in expected.values())
        kept = [entry for entry in set(journal) - set(expected) if journal[entry] >= oldest]
        if kept:
            problems.append(f"{character.name} wallet_journal: {len(kept)} stored entries ESI never listed")

    # mails deleted in game stay stored (evidence); the newest MEMBERAUDIT_MAX_MAILS of what ESI
    # lists and what is kept that way are what must be stored
    stored_mails = dict(CharacterMail.objects.filter(character_id=pk).values_list("mail_id", "timestamp"))
    candidates = {mail_id: _parse(ts) for mail_id, ts in answers["mail"].items() if ts}
    candidates.update(
        {mail_id: ts for mail_id, ts in stored_mails.items() if mail_id not in candidates and ts}
    )
    newest = sorted(candidates.items(), key=lambda item: (item[1], item[0]), reverse=True)[: max_mails()]
    missing_mails = {mail_id for mail_id, _ in newest if mail_id in answers["mail"]} - set(stored_mails)
    if missing_mails:
        problems.append(f"{character.name} mail: {len(missing_mails)} of the newest mails are missing")
    if len(stored_mails) > max_mails():
        problems.append(f"{character.name} mail: {len(stored_mails)} stored, more than the limit")
    return problems


def duplicate_rows(character_pks: list[int]) -> list[str]:
    """Rows stored twice for the same character and ESI id, per checked section."""
    found = []
    for section, (model, field) in CHECKED.items():
        rows = (
            model.objects.filter(character_id__in=character_pks)
            .values("character_id", field)
            .annotate(copies=Count("pk"))
            .filter(copies__gt=1)
        )
        found += [f"{section}: {row}" for row in rows[:5]]
    return found
