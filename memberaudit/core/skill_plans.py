"""EVE skill plans as text: one ``Skill Name Level`` per line, as the game copies and pastes them.

Pure functions: names are resolved to types elsewhere. Levels may be written ``1``..``5`` or
``I``..``V``; a skill listed several times keeps its highest level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ROMAN_LEVELS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
MAX_LINES = 2000
_LINE = re.compile(r"^(?P<name>.+?)\s+(?P<level>[1-5]|I{1,3}|IV|V)$", re.IGNORECASE)


class SkillPlanError(ValueError):
    """The text is not a skill plan; ``errors`` lists the offending lines (1-based)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"line {number}: {line!r}" for number, line in errors) or "empty plan")


@dataclass(frozen=True)
class PlanEntry:
    """One skill of a plan at the highest level the plan asks for."""

    name: str
    level: int


def parse_skill_plan(text: str) -> list[PlanEntry]:
    """The skills of a plan in first-seen order; raises ``SkillPlanError`` on any bad line."""
    lines = (text or "").splitlines()
    if len(lines) > MAX_LINES:
        raise SkillPlanError([(MAX_LINES + 1, "too many lines")])
    levels: dict[str, int] = {}
    names: dict[str, str] = {}
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            errors.append((number, line))
            continue
        name = " ".join(match["name"].split())
        token = match["level"].upper()
        level = ROMAN_LEVELS[token] if token in ROMAN_LEVELS else int(token)
        key = name.casefold()
        names.setdefault(key, name)
        levels[key] = max(level, levels.get(key, 0))
    if errors or not levels:
        raise SkillPlanError(errors)
    return [PlanEntry(names[key], level) for key, level in levels.items()]


def format_skill_plan(skills: Iterable[tuple[str, int, int]]) -> str:
    """A plan the game can import: for each ``(name, current_level, target_level)`` one line per
    level still to train, in order (``Gunnery 3``, ``Gunnery 4``, ...)."""
    lines = []
    for name, current, target in skills:
        lines.extend(f"{name} {level}" for level in range(max(0, current) + 1, target + 1))
    return "\n".join(lines)
