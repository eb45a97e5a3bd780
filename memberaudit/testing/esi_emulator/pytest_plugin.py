"""Pytest fixtures for the ESI emulator.

Register with ``pytest_plugins = ["memberaudit.testing.esi_emulator.pytest_plugin"]``.

``esi_emulator`` is session-scoped and shared: tests that tick the clock, set faults or
exhaust budgets should start their own ``EsiEmulator`` (it takes milliseconds) or clean up
with ``set_faults()`` / ``reset_limits()``.
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


@pytest.fixture(scope="session")
def esi_emulator_spec_file(esi_emulator: EsiEmulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ESI spec with ``servers`` pointing at ``esi_emulator`` (for ``spec_file=``)."""
    return esi_emulator.spec_file(tmp_path_factory.mktemp("esi-spec"))
