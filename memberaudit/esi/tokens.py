"""A character's tokens, loaded once, and handed to django-esi with the scopes we already know.

django-esi checks before every request that the token has the operation's scopes, with
``token.scopes.all().values_list("name", flat=True)``: one query per ESI call (per page of a
paged one). The scopes of a token do not change while an update runs, and the engine knew
them already when it picked the token, so :class:`KnownScopesToken` answers that check from
memory: django-esi still checks them (a token without a needed scope still fails with its
"Missing Scopes" error), it just does not ask the database again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from esi.models import Token

if TYPE_CHECKING:
    from memberaudit.models import Character


class _ScopeNames:
    """What django-esi reads of ``token.scopes``: ``.all().values_list("name", flat=True)``."""

    def __init__(self, names: frozenset[str]) -> None:
        self._names = names

    def all(self) -> _ScopeNames:
        return self

    def values_list(self, *fields: str, flat: bool = False) -> list[Any]:
        if fields != ("name",):
            raise NotImplementedError(f"only the scope names are known, not {fields}")
        return sorted(self._names) if flat else [(name,) for name in sorted(self._names)]


class KnownScopesToken:
    """A django-esi ``Token`` whose scope names are known: everything else is the token itself.

    ``valid_access_token()`` (and a refresh it may need) runs on the real token, so a refresh
    is saved as usual and seen by every section that shares the token.
    """

    def __init__(self, token: Token, scopes: Iterable[str]) -> None:
        self.token = token
        self.scopes = _ScopeNames(frozenset(scopes))

    def valid_access_token(self) -> str:
        return self.token.valid_access_token()

    def __getattr__(self, name: str) -> Any:
        # only reached for attributes not set above: character_id, pk, created, ...
        return getattr(self.token, name)

    def __repr__(self) -> str:
        return f"<KnownScopesToken {self.token!r}>"


class CharacterTokens:
    """Every token of a character's owner with its scope names, newest first (two queries).

    :meth:`for_scopes` picks what ``engine.find_token`` would pick: the newest token that has
    all the scopes asked for. Loaded once per task and shared by all its sections.
    """

    def __init__(self, tokens: list[tuple[Token, frozenset[str]]]) -> None:
        self.tokens = tokens
        #: pks of tokens EVE SSO refused to renew during this task (not tried again in it)
        self.dead: set[int] = set()

    @classmethod
    def load(cls, character: Character) -> CharacterTokens:
        ownership = character.ownership
        if ownership is None:
            return cls([])
        tokens = (
            Token.objects.filter(character_id=character.character_id, user_id=ownership.user_id)
            .order_by("-created")
            .prefetch_related("scopes")
        )
        return cls([(token, frozenset(scope.name for scope in token.scopes.all())) for token in tokens])

    def for_scopes(self, scopes: Iterable[str]) -> Token | None:
        wanted = set(scopes)
        return next((token for token, names in self.tokens if wanted <= names), None)

    def for_esi(self, token: Token) -> KnownScopesToken:
        """``token`` as django-esi gets it: its scope check answered from memory."""
        names = next((names for known, names in self.tokens if known.pk == token.pk), None)
        if names is None:  # not one of ours: let django-esi ask the database
            return token  # type: ignore[return-value]
        return KnownScopesToken(token, names)
