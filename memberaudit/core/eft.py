"""EFT fittings and the skills a fitting needs.

Pure functions: ``parse_eft`` reads the text the game (and most fitting tools) copy, and
``required_skills`` walks dogma data the caller has loaded (type id -> {attribute id: value}).

An EFT fitting looks like::

    [Drake, PvE Drake]
    Ballistic Control System II
    [Empty Low slot]

    Heavy Missile Launcher II, Scourge Heavy Missile
    Hobgoblin II x5

The first line names the ship and the fitting; every other non-empty line is an item, possibly
with a loaded charge after a comma, a quantity (``x5``), or ``/OFFLINE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

MAX_LINES = 1000
#: (required skill attribute, its level attribute) for skills 1..6
REQUIRED_SKILL_ATTRIBUTES: tuple[tuple[int, int], ...] = (
    (182, 277),
    (183, 278),
    (184, 279),
    (1285, 1286),
    (1289, 1287),
    (1290, 1288),
)
ALL_REQUIRED_SKILL_ATTRIBUTE_IDS = frozenset(a for pair in REQUIRED_SKILL_ATTRIBUTES for a in pair)

_HEADER = re.compile(r"^\[\s*(?P<ship>[^,\[\]]+?)\s*(?:,\s*(?P<name>[^\[\]]*?)\s*)?\]$")
_EMPTY_SLOT = re.compile(r"^\[\s*empty .*\]$", re.IGNORECASE)
_QUANTITY = re.compile(r"^(?P<name>.+?)\s+x\s?(?P<count>\d+)$", re.IGNORECASE)
_MUTATION = re.compile(r"^\[\d+\]")


class EftError(ValueError):
    """The text is not an EFT fitting; ``code`` names the problem, ``line`` where it is."""

    def __init__(self, code: str, line: int = 0, text: str = "") -> None:
        self.code = code
        self.line = line
        self.text = text
        super().__init__(f"{code} (line {line}: {text!r})" if line else code)


@dataclass
class EftFitting:
    """A parsed fitting: the ship's name, the fitting's name, and every item name once."""

    ship_name: str
    name: str
    item_names: list[str] = field(default_factory=list)

    @property
    def type_names(self) -> list[str]:
        """Ship first, then items, without duplicates."""
        return list(dict.fromkeys([self.ship_name, *self.item_names]))


def parse_eft(text: str) -> EftFitting:
    """Parse an EFT fitting; raises ``EftError`` when the text is not one."""
    lines = [line.strip() for line in (text or "").splitlines()]
    if len(lines) > MAX_LINES:
        raise EftError("too_long", MAX_LINES + 1)
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line]
    if not numbered:
        raise EftError("empty")
    number, header = numbered[0]
    match = _HEADER.match(header)
    if not match:
        raise EftError("no_header", number, header)
    fitting = EftFitting(ship_name=match["ship"].strip(), name=(match["name"] or "").strip())
    items: dict[str, None] = {}
    for number, line in numbered[1:]:
        if _EMPTY_SLOT.match(line):
            continue
        if _MUTATION.match(line):  # mutated module details at the end of newer exports
            break
        if line.startswith("["):  # a second header: two fittings pasted together
            raise EftError("bad_line", number, line)
        line = re.sub(r"\s*/offline$", "", line, flags=re.IGNORECASE)
        line = re.sub(r"\s*\[\d+\]$", "", line)  # reference to a mutated module
        if "[" in line or "]" in line:
            raise EftError("bad_line", number, line)
        for part in line.split(","):
            part = part.strip()
            quantity = _QUANTITY.match(part)
            if quantity:
                part = quantity["name"].strip()
            if part:
                items[part] = None
    fitting.item_names = list(items)
    return fitting


def direct_requirements(dogma: Mapping[int, float]) -> dict[int, int]:
    """Skills a type requires directly: skill type id -> level."""
    result: dict[int, int] = {}
    for skill_attribute, level_attribute in REQUIRED_SKILL_ATTRIBUTES:
        skill_id = dogma.get(skill_attribute)
        if not skill_id:
            continue
        level = int(dogma.get(level_attribute) or 1)
        skill_id = int(skill_id)
        result[skill_id] = max(level, result.get(skill_id, 0))
    return result


def required_skills(
    type_ids: Iterable[int], dogma_of: Callable[[Iterable[int]], Mapping[int, Mapping[int, float]]]
) -> dict[int, int]:
    """Every skill needed to use ``type_ids``, prerequisites of skills included: id -> level.

    ``dogma_of(ids)`` returns the dogma attributes of those types (it may load them); it is
    called once per depth of the prerequisite tree, with the types not seen yet.
    """
    needed: dict[int, int] = {}
    seen: set[int] = set()
    pending = set(type_ids)
    while pending:
        seen |= pending
        dogma = dogma_of(sorted(pending))
        pending = set()
        for type_id in sorted(dogma):
            for skill_id, level in direct_requirements(dogma[type_id]).items():
                needed[skill_id] = max(level, needed.get(skill_id, 0))
                if skill_id not in seen:
                    pending.add(skill_id)
    return needed
