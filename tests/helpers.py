"""Small builders shared by tests."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Permission, User

from allianceauth.authentication.models import CharacterOwnership
from allianceauth.eveonline.models import EveCharacter

_ids = itertools.count(90_000_001)


def grant(user: User, *codenames: str) -> User:
    """Give ``user`` the memberaudit permissions named by codename; returns a fresh user."""
    perms = Permission.objects.filter(content_type__app_label="memberaudit", codename__in=codenames)
    assert perms.count() == len(codenames), f"unknown permission in {codenames}"
    user.user_permissions.add(*perms)
    return User.objects.get(pk=user.pk)


def create_eve_character(
    name: str | None = None,
    *,
    character_id: int | None = None,
    corporation_id: int = 2001,
    corporation_name: str = "Test Corp",
    alliance_id: int | None = 3001,
    alliance_name: str = "Test Alliance",
) -> EveCharacter:
    """An AA EveCharacter without any ESI call."""
    character_id = character_id or next(_ids)
    return EveCharacter.objects.create(
        character_id=character_id,
        character_name=name or f"Pilot {character_id}",
        corporation_id=corporation_id,
        corporation_name=corporation_name,
        corporation_ticker=corporation_name[:5].upper(),
        alliance_id=alliance_id,
        alliance_name=alliance_name if alliance_id else "",
        alliance_ticker=alliance_name[:5].upper() if alliance_id else "",
    )


def add_character(user: User, character: EveCharacter, *, main: bool = False) -> CharacterOwnership:
    """Make ``user`` the owner of ``character`` (and its main, if asked)."""
    ownership = CharacterOwnership.objects.create(
        user=user, character=character, owner_hash=f"hash-{character.character_id}"
    )
    if main:
        user.profile.main_character = character
        user.profile.save()
    return ownership


def create_member(username: str, *permissions: str, **character_kwargs) -> User:
    """A user with a main character and the given memberaudit permissions."""
    user = User.objects.create_user(username)
    add_character(user, create_eve_character(username, **character_kwargs), main=True)
    if permissions:
        user = grant(user, *permissions)
    return User.objects.get(pk=user.pk)
