"""Tokens expire, refresh and die the way they do in production.

The test project keeps django-esi's production token lifetime (1170 s) and the emulator plays
EVE SSO v2: access tokens live 20 minutes, django-esi refreshes them at the emulated SSO, and
a revoked app or a sold character gets ``invalid_grant``. A token is "aged" by moving its
``created`` back, which is what the passing of 20 minutes looks like to django-esi.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from allianceauth.notifications.models import Notification
from esi.models import Token

from memberaudit import compliance, tasks
from memberaudit.models import CharacterWalletJournalEntry, SectionStatus
from memberaudit.models.compliance import ComplianceGroupDesignation
from memberaudit.sections import engine, registry

pytestmark = pytest.mark.django_db

WALLET_SCOPE = "esi-wallet.read_character_wallet.v1"


def _age_tokens(character, minutes: int = 21) -> None:
    """Make the character's tokens look ``minutes`` old to django-esi (past their 20 minutes).

    Time passing also runs out ESI's cache timers: django-esi's cached answers and the
    engine's cache windows go with them (both live under ``esi_*``), so the next run asks ESI.
    """
    Token.objects.filter(character_id=character.character_id).update(
        created=timezone.now() - timedelta(minutes=minutes)
    )
    cache.delete_pattern("esi_*")


def _sso_calls(esi, grant: str | None = None) -> int:
    """Requests the emulated SSO's token endpoint answered (of one grant type, or all)."""
    token_stats = esi.stats()["sso"]
    return sum(
        count
        for (endpoint, grant_type), count in _flatten(token_stats).items()
        if endpoint == "token" and (grant is None or grant_type == grant)
    )


def _flatten(sso_stats: dict) -> dict[tuple[str, str], int]:
    """``{(endpoint, grant): requests}`` from the emulator's SSO accounting."""
    flat: dict[tuple[str, str], int] = {}
    for row in sso_stats.get("requests", []):
        key = (row["endpoint"], row.get("grant") or "")
        flat[key] = flat.get(key, 0) + row["count"]
    return flat


def _token_route_requests(esi) -> int:
    """ESI requests to routes that need a token."""
    operations = esi.core.router.operations
    return sum(
        sum(by_status.values())
        for route, by_status in esi.stats()["by_route"].items()
        if route in operations and operations[route].needs_token
    )


def _token_notices(user) -> int:
    return Notification.objects.filter(user=user, title__contains="token problem").count()


def _run_all_sections(character) -> dict[str, str]:
    character.refresh_from_db()
    return {name: engine.update_section(character, name).outcome for name in registry.names()}


def test_an_expired_token_is_refreshed_at_the_sso_during_a_run(esi, register_character):
    character = register_character(size="small")
    old = Token.objects.get(character_id=character.character_id)
    _age_tokens(character)
    esi.reset_stats()

    result = engine.update_section(character, "wallet_balance")

    assert result.outcome == "changed"
    token = Token.objects.get(pk=old.pk)
    assert token.access_token != old.access_token
    assert timezone.now() - token.created < timedelta(minutes=1)
    assert _sso_calls(esi, "refresh_token") == 1
    # the next section uses the fresh token without asking the SSO again
    assert engine.update_section(character, "skills").outcome == "changed"
    assert _sso_calls(esi, "refresh_token") == 1


def test_a_revoked_app_notifies_once_stops_all_calls_and_ends_compliance(esi, register_character):
    character = register_character(size="small")
    user = character.user
    group = Group.objects.create(name="Audited")
    ComplianceGroupDesignation.objects.create(group=group)
    outcomes = _run_all_sections(character)
    assert "token_error" not in outcomes.values()
    compliance.update_compliance_groups()
    assert user.groups.filter(pk=group.pk).exists()
    journal = CharacterWalletJournalEntry.objects.filter(character=character).count()

    esi.revoke(character.character_id)
    _age_tokens(character)
    esi.reset_stats()
    first = _run_all_sections(character)

    scoped = {s.name for s in registry.all_sections() if s.scopes}
    assert {name for name, outcome in first.items() if outcome == "token_error"} == scoped
    assert _sso_calls(esi, "refresh_token") == 1, "one refresh attempt marks every section it serves"
    assert _token_route_requests(esi) == 0
    assert _token_notices(user) == 1

    esi.reset_stats()
    for _ in range(5):
        tasks.update_character(character.pk)
    assert _sso_calls(esi) == 0
    assert _token_route_requests(esi) == 0
    assert _token_notices(user) == 1
    assert SectionStatus.objects.filter(character=character, is_token_error=True).count() == len(scoped)

    # the data stays, and the user is no longer compliant: the compliance group goes
    assert CharacterWalletJournalEntry.objects.filter(character=character).count() == journal
    assert not compliance.compliant_users().filter(pk=user.pk).exists()
    compliance.update_compliance_groups()
    assert not user.groups.filter(pk=group.pk).exists()


def test_a_new_token_after_revocation_heals_the_sections(esi, register_character):
    character = register_character(size="small")
    esi.revoke(character.character_id)
    _age_tokens(character)
    assert engine.update_section(character, "skills").outcome == "token_error"

    register_character(character.character_id, user=character.user)  # the owner adds it again
    outcomes = _run_all_sections(character)
    assert "token_error" not in outcomes.values()
    assert not SectionStatus.objects.filter(character=character, is_token_error=True).exists()


def test_a_readded_character_with_fewer_scopes_marks_only_the_sections_lacking_one(esi, register_character):
    character = register_character(size="small")
    esi.revoke(character.character_id)
    _age_tokens(character)
    _run_all_sections(character)

    fewer = sorted(set(registry.all_scopes()) - {WALLET_SCOPE})
    register_character(character.character_id, user=character.user, scopes=fewer)
    outcomes = _run_all_sections(character)

    broken = {name for name, outcome in outcomes.items() if outcome == "token_error"}
    assert broken == {s.name for s in registry.all_sections() if WALLET_SCOPE in s.scopes}
    marked = set(
        SectionStatus.objects.filter(character=character, is_token_error=True).values_list(
            "section", flat=True
        )
    )
    assert marked == broken


def test_a_sold_character_is_a_token_problem_and_keeps_its_data(esi, register_character):
    character = register_character(size="small")
    assert engine.update_section(character, "wallet_journal").outcome == "changed"
    rows = CharacterWalletJournalEntry.objects.filter(character=character).count()

    esi.transfer(character.character_id)
    _age_tokens(character)
    cache.clear()  # ESI's cache timers ran out too: the next update must call ESI
    result = engine.update_section(character, "wallet_journal")

    assert result.outcome == "token_error"
    assert CharacterWalletJournalEntry.objects.filter(character=character).count() == rows
    assert _token_notices(character.user) == 1


@pytest.mark.parametrize("fault", [{"sso_down": True}, {"jwks_down": True}])
def test_an_unavailable_sso_is_a_transient_error_that_heals_by_itself(esi, register_character, fault):
    character = register_character(size="small")
    _age_tokens(character)
    esi.set_faults(**fault)

    failed = engine.update_section(character, "wallet_balance")

    assert failed.outcome == "error"
    assert "SSO" in failed.message
    status = SectionStatus.objects.get(character=character, section="wallet_balance")
    assert not status.is_token_error
    assert _token_notices(character.user) == 0

    esi.set_faults()
    assert engine.update_section(character, "wallet_balance").outcome == "changed"
    status.refresh_from_db()
    assert status.error_message == "" and not status.is_token_error
