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


def register_character(
    user: User | None,
    name: str | None = None,
    *,
    main: bool = False,
    is_shared: bool = False,
    eve_character: EveCharacter | None = None,
    **character_kwargs,
):
    """A memberaudit Character, owned by ``user`` (orphaned when ``user`` is None).

    Pass ``eve_character`` to register an existing one (e.g. a user's main), otherwise a new
    EveCharacter is created from ``name`` and ``character_kwargs``.
    """
    from memberaudit.models import Character

    if eve_character is None:
        eve_character = create_eve_character(name, **character_kwargs)
        if user is not None:
            add_character(user, eve_character, main=main)
    return Character.objects.create(eve_character=eve_character, is_shared=is_shared)


def register_main(user: User, *, is_shared: bool = False):
    """Register ``user``'s main character with memberaudit."""
    return register_character(user, eve_character=user.profile.main_character, is_shared=is_shared)


def create_token(user: User | None, eve_character: EveCharacter, scopes: list[str] | tuple[str, ...] = ()):
    """A valid django-esi Token of ``user`` (None: of nobody) for ``eve_character``, without SSO or ESI."""
    from esi.models import Scope, Token

    token = Token.objects.create(
        user=user,
        character_id=eve_character.character_id,
        character_name=eve_character.character_name,
        character_owner_hash=f"hash-{eve_character.character_id}",
        access_token="access",
        refresh_token="refresh",
        token_type="character",
    )
    scope_objs = [Scope.objects.get_or_create(name=name)[0] for name in scopes]
    token.scopes.add(*scope_objs)
    return token


WRITE_VERBS = {"INSERT", "UPDATE", "DELETE"}


def write_statements(ctx) -> list[str]:
    """The INSERT/UPDATE/DELETE statements a ``CaptureQueriesContext`` saw."""
    return [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().split(" ", 1)[0].upper() in WRITE_VERBS
    ]


def create_character(username: str = "pilot", **character_kwargs):
    """A registered Member Audit character (no token) of a new member with that main."""
    from memberaudit.models import Character

    user = create_member(username, **character_kwargs)
    return Character.objects.create(eve_character=user.profile.main_character)


def store(character, section: str, payload):
    """Run a section's store step on a hand-made payload, as the engine would."""
    from memberaudit.sections import registry
    from memberaudit.sections.base import SyncContext

    return registry.get(section).store(SyncContext(character=character, status=None, token=None), payload)
