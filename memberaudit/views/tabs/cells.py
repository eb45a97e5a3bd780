"""Cell values shared by the table specs: EVE types, entities and locations, with fallbacks.

Related rows may not be loaded yet (foreign keys without constraints) and ESI cannot name
every id: a missing name shows as "Unknown (id)". Every value is escaped by ``tables.render_cell`` or built with ``format_html``.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from memberaudit.core import markup
from memberaudit.views.tables import link, name_or_id, unknown_name


def eve_type(obj: Any, field: str = "eve_type") -> str:
    """The name of a type ("Unknown (id)" until loaded)."""
    return name_or_id(getattr(obj, field), getattr(obj, f"{field}_id"))


def eve_group(obj: Any, field: str = "eve_type") -> str:
    """The group name of a type ("" until loaded)."""
    eve_type_obj = getattr(obj, field)
    group = getattr(eve_type_obj, "eve_group", None) if eve_type_obj else None
    return group.name if group else ""


def entity(obj: Any, field: str) -> SafeString | str:
    """A character, corporation or alliance linked to its public page; other entities as text."""
    related = getattr(obj, field)
    related_id = getattr(obj, f"{field}_id")
    name = name_or_id(related, related_id)
    category = getattr(related, "category", None) if related else None
    return link(markup.entity_url(category, related_id), name)


def location(obj: Any, field: str = "location") -> str:
    """A station, structure or solar system ("Unknown (id)" until loaded)."""
    related = getattr(obj, field)
    if related is not None:
        return str(related.display_name)
    return unknown_name(getattr(obj, f"{field}_id"))


def solar_system(obj: Any, field: str = "eve_solar_system") -> str:
    return name_or_id(getattr(obj, field), getattr(obj, f"{field}_id"))


def badge(text: Any, style: str) -> SafeString:
    """A Bootstrap badge (``style`` is one of ours, never user input)."""
    return format_html('<span class="badge text-bg-{}">{}</span>', style, text)
