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


def point_sso_at(emulator, monkeypatch) -> None:
    """Make django-esi (and AA's login) use the emulator's EVE SSO.

    django-esi reads its SSO addresses into module constants at import, so they are patched
    there (the test project's settings point at the ESI_API_URL given at start-up).
    """
    from esi import app_settings as esi_settings

    urls = emulator.sso_urls()
    monkeypatch.setattr(esi_settings, "ESI_OAUTH_URL", urls["base"])
    monkeypatch.setattr(esi_settings, "ESI_OAUTH_LOGIN_URL", urls["authorize"])
    monkeypatch.setattr(esi_settings, "ESI_TOKEN_URL", urls["token"])
    monkeypatch.setattr(esi_settings, "ESI_TOKEN_JWK_SET_URL", urls["jwks"])


@pytest.fixture
def esi(esi_emulator, settings, monkeypatch):
    """Point our ESI client (and eveuniverse's) and django-esi's SSO at the session's emulator."""
    from memberaudit.esi import client as esi_client

    settings.ESI_API_URL = esi_emulator.url
    point_sso_at(esi_emulator, monkeypatch)
    esi_client.reset()
    esi_emulator.set_faults()
    esi_emulator.reset_limits()
    esi_emulator.reset_stats()
    yield esi_emulator
    esi_emulator.set_faults()
    esi_emulator.reset_limits()
    esi_client.reset()


@pytest.fixture
def private_esi(settings, db, monkeypatch):
    """Start an emulator of the test's own (for a test that moves its clock or changes its
    world) and point our ESI client and django-esi's SSO at it: ``private_esi(characters=2,
    seed=31)``. It is stopped, and the client reset, when the test ends."""
    import contextlib

    from memberaudit.esi import client as esi_client
    from memberaudit.testing.esi_emulator import EsiEmulator

    with contextlib.ExitStack() as stack:

        def _start(**kwargs):
            emulator = stack.enter_context(EsiEmulator(**kwargs))
            settings.ESI_API_URL = emulator.url
            point_sso_at(emulator, monkeypatch)
            esi_client.reset()
            return emulator

        yield _start
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
        return _register(info, esi.issue_tokens(info["id"], wanted), wanted, **kwargs)

    return _make
