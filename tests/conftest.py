"""Shared fixtures of the test suite."""

from __future__ import annotations

import pytest

from django.core.cache import cache

pytest_plugins = ["memberaudit.testing.esi_emulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache (django-esi keeps ETags and responses there)."""
    cache.clear()
    yield
    cache.clear()


ALL_SCOPES_SENTINEL = object()


@pytest.fixture
def esi(esi_emulator, settings):
    """Point our ESI client (and eveuniverse's) at the session's ESI emulator."""
    from memberaudit.esi import client as esi_client

    settings.ESI_API_URL = esi_emulator.url
    esi_client.reset()
    esi_emulator.set_faults()
    esi_emulator.reset_limits()
    esi_emulator.reset_stats()
    yield esi_emulator
    esi_emulator.set_faults()
    esi_emulator.reset_limits()
    esi_client.reset()


@pytest.fixture
def register_character(esi, db):
    """Register an emulator character with a fresh token: ``register_character(size="large")``."""
    from memberaudit.sections import registry
    from memberaudit.testing.registration import register_character as _register

    def _make(character_id=None, *, size=None, scopes=None, **kwargs):
        infos = esi.characters()
        if character_id is not None:
            info = next(i for i in infos if i["id"] == character_id)
        elif size is not None:
            info = next(i for i in infos if i.get("size") == size or i.get("size_class") == size)
        else:
            info = infos[0]
        wanted = sorted(registry.all_scopes() if scopes is None else scopes)
        token = esi.mint_token(info["id"], wanted)
        return _register(info, token, wanted, **kwargs)

    return _make
