"""Register characters with real tokens from the ESI emulator (tests, demo, benchmarks).

Creates what EVE SSO and AA would create for a real registration: the ``EveCharacter``,
the user's ``CharacterOwnership`` (and main), an ``esi.models.Token`` holding the token the
emulator minted, and the Member Audit ``Character``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User

from allianceauth.authentication.models import CharacterOwnership
from allianceauth.eveonline.models import EveCharacter
from esi.models import Scope, Token

from memberaudit.models import Character


def scopes_for(names: Iterable[str]) -> list[Scope]:
    return [Scope.objects.get_or_create(name=name)[0] for name in sorted(set(names))]


def eve_character_from(info: dict[str, Any]) -> EveCharacter:
    """The AA EveCharacter of an emulator character (created without any ESI call)."""
    alliance_id = info.get("alliance_id")
    defaults = {
        "character_name": info["name"],
        "corporation_id": info["corporation_id"],
        "corporation_name": info.get("corporation_name") or f"Corporation {info['corporation_id']}",
        "corporation_ticker": info.get("corporation_ticker") or "CORP",
        "alliance_id": alliance_id,
        "alliance_name": (info.get("alliance_name") or f"Alliance {alliance_id}") if alliance_id else "",
        "alliance_ticker": (info.get("alliance_ticker") or "ALLI") if alliance_id else "",
    }
    character, _ = EveCharacter.objects.update_or_create(character_id=info["id"], defaults=defaults)
    return character


def register_character(
    info: dict[str, Any],
    tokens: dict[str, Any] | str,
    scopes: Iterable[str],
    *,
    user: User | None = None,
    main: bool | None = None,
    shared: bool = False,
) -> Character:
    """Register an emulator character for ``user`` (a new user named after it by default).

    ``tokens`` is what the emulated EVE SSO issued (``EsiEmulator.issue_tokens`` or the
    ``/_emulator/token/{id}`` control route): access token, refresh token and owner hash, so
    django-esi refreshes the token every 20 minutes like in production. A bare access token
    string gives a token without a refresh token, which dies when it expires.
    """
    if isinstance(tokens, str):
        tokens = {"access_token": tokens}
    eve_character = eve_character_from(info)
    if user is None:
        user, _ = User.objects.get_or_create(username=info["name"].replace(" ", "_")[:150])
    owner_hash = tokens.get("owner_hash") or f"emulator-{info['id']}"
    CharacterOwnership.objects.update_or_create(
        character=eve_character, defaults={"user": user, "owner_hash": owner_hash}
    )
    if main or (main is None and user.profile.main_character is None):
        user.profile.main_character = eve_character
        user.profile.save()
    token = Token.objects.create(
        user=user,
        character_id=info["id"],
        character_name=info["name"],
        character_owner_hash=owner_hash,
        access_token=tokens["access_token"],
        refresh_token=tokens.get("refresh_token"),
        token_type=Token.TOKEN_TYPE_CHARACTER,
    )
    token.scopes.add(*scopes_for(scopes))
    character, _ = Character.objects.update_or_create(
        eve_character=eve_character, defaults={"is_shared": shared, "is_disabled": False}
    )
    return character
