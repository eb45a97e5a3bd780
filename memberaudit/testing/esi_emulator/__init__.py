"""An ESI emulator for tests, the demo and benchmarks.

A real HTTP server on 127.0.0.1 that the unmodified django-esi client talks to. It serves
the ESI spec django-eveuniverse ships, a deterministic world generated from a seed, and ESI's
behaviours (auth, ETag/304, paging, error limit, rate-limit groups, faults).
See ``docs/esi-emulator.md``.
"""

from .emulator import EsiEmulator
from .server import EmulatorCore, Faults
from .spec import bundled_spec_path, write_spec

__all__ = ["EmulatorCore", "EsiEmulator", "Faults", "bundled_spec_path", "write_spec"]
