"""The registry of sections, filled by importing every module of this package."""

from __future__ import annotations

import importlib
import pkgutil
import threading

from memberaudit import app_settings
from memberaudit.core import staleness

from .base import Section

_INFRASTRUCTURE = {"base", "engine", "registry", "sync", "resolver", "retention"}
_sections: dict[str, Section] = {}
_lock = threading.Lock()
_loaded = False


def register(cls: type[Section]) -> type[Section]:
    """Class decorator: make a section known to the engine."""
    instance = cls()
    if instance.name in _sections and type(_sections[instance.name]) is not cls:
        raise ValueError(f"section {instance.name!r} registered twice")
    _sections[instance.name] = instance
    return cls


def _discover() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        package = importlib.import_module("memberaudit.sections")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name not in _INFRASTRUCTURE:
                importlib.import_module(f"memberaudit.sections.{module.name}")
        _loaded = True


def all_sections() -> list[Section]:
    """Every registered section, by ring then name."""
    _discover()
    return sorted(_sections.values(), key=lambda s: (s.ring, s.name))


def names() -> list[str]:
    return [section.name for section in all_sections()]


def get(name: str) -> Section:
    _discover()
    try:
        return _sections[name]
    except KeyError:
        raise KeyError(f"unknown section {name!r}; known: {', '.join(sorted(_sections))}") from None


def operation_ids() -> set[str]:
    """Every ESI operation any section uses (the client is built for exactly these)."""
    from .resolver import OPERATIONS as RESOLVER_OPERATIONS

    ops = set(RESOLVER_OPERATIONS)
    for section in all_sections():
        ops.update(section.operations)
    return ops


def all_scopes() -> set[str]:
    """Every scope a character's token needs: the sections' and the resolver's (structures)."""
    from .resolver import SCOPES as RESOLVER_SCOPES

    scopes: set[str] = set(RESOLVER_SCOPES)
    for section in all_sections():
        scopes.update(section.scopes)
    return scopes


def markdown_table() -> str:
    """docs/sections.md: one row per section, generated so the docs match the code."""
    ring_names = {1: "ring 1", 2: "ring 2", 3: "ring 3"}
    lines = [
        "# Sections",
        "",
        "Generated from the section registry (`python docs/make_sections.py > docs/sections.md`);",
        "a test fails when this page and the code disagree. Rings and their intervals are in",
        "[operations.md](operations.md); a section is never fetched before ESI's cache timer expires.",
        "",
        "| Section | Cadence | Scopes | ESI operations | What users see |",
        "|---|---|---|---|---|",
    ]
    for section in sorted(all_sections(), key=lambda s: s.name):
        scopes = ", ".join(f"`{s}`" for s in section.scopes) or "— (public or computed)"
        ops = ", ".join(f"`{op}`" for op in section.operations) or "— (computed from stored data)"
        lines.append(
            f"| `{section.name}` ({section.title}) | {ring_names.get(section.ring, section.ring)} | {scopes} "
            f"| {ops} | {section.description} |"
        )
    return "\n".join(lines) + "\n"


def stale_minutes(section_name: str) -> int:
    """Staleness of a section in minutes: its per-section override, else its ring's setting.

    The one rule for the periodic run (what is due) and for ``health`` (what is healthy),
    together with the learned back-off of :func:`check_interval_minutes`.
    """
    overrides = app_settings.get("MEMBERAUDIT_UPDATE_STALE_OVERRIDES") or {}
    if section_name in overrides:
        return int(overrides[section_name])
    return app_settings.stale_minutes_for_ring(get(section_name).ring)


def backoff_settings() -> tuple[int, float | None]:
    """``(MEMBERAUDIT_UPDATE_BACKOFF_MAX, MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES)``, sanitised."""
    factor = max(1, int(app_settings.get("MEMBERAUDIT_UPDATE_BACKOFF_MAX") or 1))
    cap = app_settings.get("MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES")
    return factor, (float(cap) if cap is not None else None)


def check_interval_minutes(section_name: str, unchanged_minutes: float | None) -> float:
    """Minutes between two checks of a section that had been unchanged for ``unchanged_minutes``.

    Its stale time (:func:`stale_minutes`), stretched by the learned back-off
    (``core.staleness.check_interval_minutes``): the rule the periodic run follows (through
    the heartbeat's ``not_before``) and ``health`` judges by.
    """
    factor, cap = backoff_settings()
    return staleness.check_interval_minutes(unchanged_minutes, stale_minutes(section_name), factor, cap)


def backoff_levels(section_name: str) -> list[tuple[float, float]]:
    """:func:`check_interval_minutes` of a section as steps ``(unchanged at least, interval)``."""
    factor, cap = backoff_settings()
    return staleness.backoff_levels(stale_minutes(section_name), factor, cap)
