"""Pytest fixtures for the ESI emulator.

Register with ``pytest_plugins = ["memberaudit.testing.esi_emulator.pytest_plugin"]``.

``esi_emulator`` is session-scoped and shared: tests that tick the clock or set faults should
start their own ``EsiEmulator`` (it takes milliseconds) or clean up with ``set_faults()``.
The error budget and rate-limit buckets are reset before every test that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .emulator import EsiEmulator

SESSION_CHARACTERS = 6
SESSION_SEED = 42


@pytest.fixture(scope="session")
def esi_emulator() -> Iterator[EsiEmulator]:
    """A running emulator with 6 characters (small, medium, large, huge, small/medium...)."""
    with EsiEmulator(characters=SESSION_CHARACTERS, seed=SESSION_SEED) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _esi_emulator_fresh_budgets(request: pytest.FixtureRequest) -> None:
    """Tests that use the shared emulator start with a full error budget and token buckets.

    Without this, errors provoked by one test (403s, 404s) or many full fetches of a large
    character would leave later tests with 420s or 429s.
    """
    if "esi_emulator" in request.fixturenames:
        request.getfixturevalue("esi_emulator").reset_limits()


@pytest.fixture(scope="session")
def esi_emulator_spec_file(esi_emulator: EsiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ESI spec with ``servers`` pointing at ``esi_emulator`` (for ``spec_file=``)."""
    return esi_emulator.spec_file(tmp_path_factory.mktemp("esi-spec"))
