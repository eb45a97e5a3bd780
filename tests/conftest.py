"""Shared fixtures of the test suite."""

from __future__ import annotations

import pytest

from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts with an empty cache (django-esi keeps ETags and responses there)."""
    cache.clear()
    yield
    cache.clear()
