"""How each section is shown on the character viewer: tab contexts, tables, details, charts.

One module per domain, matching ``memberaudit/sections/``. A module registers, for its
sections:

- ``@tab_context("section")``: extra template context of the section's tab (small data);
- ``register_table(Table(...))``: a server-side table shown on the section's tab;
- ``@detail("kind", template)``: one object shown in a dialog (a mail body, a contract's items);
- ``@chart("name")``: data of a Chart.js plot.

The tab template is ``memberaudit/tabs/<section>.html`` when it exists, else
``memberaudit/tabs/_default.html`` (status and tables). Adding a section needs no edit to the
viewer: the tab list comes from the section registry.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from memberaudit.models import Character
from memberaudit.sections import registry
from memberaudit.sections.base import Section
from memberaudit.views.tables import Table

ContextFunc = Callable[[Character], dict[str, Any]]
DetailFunc = Callable[[Character, int], "dict[str, Any] | None"]
ChartFunc = Callable[[Character], dict[str, Any]]

_contexts: dict[str, ContextFunc] = {}
_tables: dict[str, Table] = {}
_details: dict[str, tuple[str, DetailFunc]] = {}
_charts: dict[str, ChartFunc] = {}
_lock = threading.Lock()
_loaded = False

#: the viewer's top-level tab groups, in the order shown: few enough for one row on a laptop
#: (a group with several sections is a dropdown)
GROUP_TITLES: dict[str, Any] = {
    "character": _("Character"),
    "skills": _("Skills"),
    "finance": _("Wallet & market"),
    "assets": _("Assets & industry"),
    "social": _("Mail & contacts"),
    "standings": _("Standings"),
    "killmails": _("Killmails"),
}

#: the group of each domain module of ``memberaudit/sections`` (a new domain gets a group of
#: its own at the end, titled after its first section: no edit needed here)
DOMAIN_GROUPS: dict[str, str] = {
    "details": "character",
    "corporation": "character",
    "presence": "character",
    "clones": "character",
    "fatigue": "character",
    "skills": "skills",
    "skillsets": "skills",
    "wallet": "finance",
    "market": "finance",
    "contracts": "finance",
    "assets": "assets",
    "industry": "assets",
    "planets": "assets",
    "mail": "social",
    "notifications": "social",
    "calendar": "social",
    "contacts": "social",
    "standings": "standings",
    "killmails": "killmails",
}

#: kept for callers that name a domain's title (one entry per domain module)
DOMAIN_TITLES: dict[str, Any] = {domain: GROUP_TITLES[group] for domain, group in DOMAIN_GROUPS.items()}


def tab_context(section: str) -> Callable[[ContextFunc], ContextFunc]:
    """Decorator: ``func(character) -> dict`` adds to the context of ``section`` 's tab."""

    def _register(func: ContextFunc) -> ContextFunc:
        _contexts[section] = func
        return func

    return _register


def register_table(table: Table) -> Table:
    """Make a table known (its URL name is its ``name``)."""
    if table.name in _tables and _tables[table.name] is not table:
        raise ValueError(f"table {table.name!r} registered twice")
    _tables[table.name] = table
    return table


def detail(kind: str, template: str) -> Callable[[DetailFunc], DetailFunc]:
    """Decorator: ``func(character, pk) -> context | None`` renders ``template`` in a dialog."""

    def _register(func: DetailFunc) -> DetailFunc:
        _details[kind] = (template, func)
        return func

    return _register


def chart(name: str) -> Callable[[ChartFunc], ChartFunc]:
    """Decorator: ``func(character) -> Chart.js config`` ({"type", "data", "options"})."""

    def _register(func: ChartFunc) -> ChartFunc:
        _charts[name] = func
        return func

    return _register


def _discover() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True


def get_table(name: str) -> Table | None:
    _discover()
    return _tables.get(name)


def tables_of(section: str) -> list[Table]:
    """The tables shown on a section's tab, in the order they were registered."""
    _discover()
    return [table for table in _tables.values() if table.section == section]


def all_tables() -> list[Table]:
    _discover()
    return list(_tables.values())


def get_detail(kind: str) -> tuple[str, DetailFunc] | None:
    _discover()
    return _details.get(kind)


def detail_kinds() -> list[str]:
    _discover()
    return list(_details)


def get_chart(name: str) -> ChartFunc | None:
    _discover()
    return _charts.get(name)


def chart_names() -> list[str]:
    _discover()
    return list(_charts)


def context_for(section: str, character: Character) -> dict[str, Any]:
    """The extra context of a section's tab (empty when the section registers none)."""
    _discover()
    func = _contexts.get(section)
    return func(character) if func else {}


def domain_of(section: Section) -> str:
    """The domain of a section: the name of its module in ``memberaudit/sections``."""
    return type(section).__module__.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class TabGroup:
    """Sections shown under one top-level tab: one tab, or a dropdown of tabs."""

    domain: str  #: the group's key (a key of ``GROUP_TITLES``, or a domain of its own)
    title: Any
    sections: tuple[Section, ...]


def tab_groups() -> list[TabGroup]:
    """Every registered section in its group (``DOMAIN_GROUPS``), known groups first; within a
    group, sections by domain (in ``DOMAIN_GROUPS`` order), then by title."""
    groups: dict[str, list[Section]] = {}
    for section in registry.all_sections():
        domain = domain_of(section)
        groups.setdefault(DOMAIN_GROUPS.get(domain, domain), []).append(section)
    order = list(GROUP_TITLES)
    domains = list(DOMAIN_GROUPS)
    result = []
    for key in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
        sections = tuple(
            sorted(
                groups[key],
                key=lambda s: (
                    domains.index(domain_of(s)) if domain_of(s) in domains else len(domains),
                    str(s.title),
                ),
            )
        )
        title = GROUP_TITLES.get(key) or sections[0].title
        result.append(TabGroup(key, title, sections))
    return result
