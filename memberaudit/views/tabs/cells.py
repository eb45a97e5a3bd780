"""Cell values shared by the table specs: EVE types, entities and locations, with fallbacks.

Related rows may not be loaded yet (foreign keys without constraints) and ESI cannot name
every id: a missing name shows as "Unknown (id)". Every value is escaped by ``tables.render_cell`` or built with ``format_html``.

The second half turns ``memberaudit.core.formatting`` into HTML cells (``moment``, ``isk``,
``level``, ``security``, ``solar_system_cell``) and builds image URLs (``image_url``, one base:
``app_settings.eve_image_url``) and public links (``entity_links``), for the viewer and for
other pages (finder, reports) that want to show the same thing the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from allianceauth.eveonline.evelinks import dotlan, eveimageserver, evewho, zkillboard

from memberaudit import app_settings
from memberaudit.core import formatting, markup
from memberaudit.views.tables import link, moment_html, name_or_id, unknown_name

_AA_IMAGE_SERVER = "https://images.evetech.net"


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


def location(obj: Any, field: str = "location") -> SafeString | str:
    """A station, structure or solar system ("Unknown (id)" until loaded).

    When the query loaded the location's system with its region (``LOCATION_RELATED``), the
    security status and region follow the name; no query is made here for them.
    """
    related = getattr(obj, field)
    if related is None:
        return unknown_name(getattr(obj, f"{field}_id"))
    name = str(related.display_name)
    system = related.eve_solar_system if type(related).eve_solar_system.is_cached(related) else None
    if system is None:
        return name
    constellation = system.eve_constellation if type(system).eve_constellation.is_cached(system) else None
    region = (
        constellation.eve_region
        if constellation and type(constellation).eve_region.is_cached(constellation)
        else None
    )
    if region is None:
        return format_html("{} {}", name, security(system.security_status))
    return format_html(
        '{} {} <span class="text-body-secondary">({})</span>',
        name,
        security(system.security_status),
        region.name,
    )


def location_related(field: str = "location") -> str:
    """The ``select_related`` lookup that lets ``location`` show security and region."""
    return f"{field}__eve_solar_system__eve_constellation__eve_region"


def solar_system(obj: Any, field: str = "eve_solar_system") -> str:
    return name_or_id(getattr(obj, field), getattr(obj, f"{field}_id"))


def badge(text: Any, style: str) -> SafeString:
    """A Bootstrap badge (``style`` is one of ours, never user input)."""
    return format_html('<span class="badge text-bg-{}">{}</span>', style, text)


# --- the formatting layer (memberaudit.core.formatting) as table cells ----------------------


def moment(value: dt.datetime | dt.date | None) -> SafeString | str:
    """A time in EVE time (the page says once that times are UTC), the relative time on hover."""
    return moment_html(value)


def isk(amount: Decimal | float | None) -> SafeString | str:
    """An ISK amount to the cent (tables add up), red when negative."""
    if amount is None:
        return ""
    text = formatting.grouped(amount, 2)
    if amount < 0:
        return format_html('<span class="text-danger">{}</span>', text)
    return text


def level(value: int | None) -> SafeString | str:
    """A skill level in roman numerals (I-V), the digit on hover."""
    if value is None:
        return ""
    return format_html('<span title="{}">{}</span>', value, formatting.roman(value))


def security(value: float | None) -> SafeString | str:
    """A security status, coloured as in EVE."""
    status = formatting.security_status(value)
    if status is None:
        return ""
    return format_html(
        '<span class="ma-sec ma-sec-{}" style="--ma-sec-color:{}">{}</span>',
        status.band,
        status.color,
        status.text,
    )


def system_with_region(system: Any) -> SafeString | str:
    """``Jita 0.9 (The Forge)`` with the security coloured and a dotlan link; "" without a system."""
    if system is None:
        return ""
    constellation = getattr(system, "eve_constellation", None)
    region = getattr(constellation, "eve_region", None) if constellation else None
    name = link(dotlan.solar_system_url(system.name), system.name) if system.name else system.id
    if region is not None and region.name:
        return format_html(
            '{} {} <span class="text-body-secondary">({})</span>',
            name,
            security(system.security_status),
            region.name,
        )
    return format_html("{} {}", name, security(system.security_status))


def solar_system_cell(obj: Any, field: str = "eve_solar_system") -> SafeString | str:
    """A solar system with security and region, or "Unknown (id)" until loaded."""
    related = getattr(obj, field)
    if related is None or not related.name:
        return unknown_name(getattr(obj, f"{field}_id"))
    return system_with_region(related)


#: lookups that ``solar_system_cell`` needs loaded with a system (for ``select_related``)
SYSTEM_RELATED = ("eve_constellation__eve_region",)


def image_url(kind: str, entity_id: int | None, size: int = 64) -> str:
    """An image of EVE's image server (``MEMBERAUDIT_EVE_IMAGE_URL``): "" without an id.

    ``kind``: ``portrait`` (character), ``corporation``, ``alliance``, ``type`` (icon) or
    ``render`` (type). AA's ``eveimageserver`` builds and validates the path; only the base
    is ours, so that the ESI emulator can stand in.
    """
    if not entity_id:
        return ""
    build = {
        "portrait": eveimageserver.character_portrait_url,
        "corporation": eveimageserver.corporation_logo_url,
        "alliance": eveimageserver.alliance_logo_url,
        "type": eveimageserver.type_icon_url,
        "render": eveimageserver.type_render_url,
    }[kind]
    url = build(entity_id, size)
    return app_settings.eve_image_url() + url[len(_AA_IMAGE_SERVER) :]


def type_with_icon(obj: Any, field: str = "eve_type") -> SafeString:
    """The name of a type with its icon."""
    type_id = getattr(obj, f"{field}_id")
    name = eve_type(obj, field)
    if not type_id:
        return format_html("{}", name)
    return format_html(
        '<img src="{}" width="24" height="24" alt="" class="me-1 rounded ma-type-icon" loading="lazy">{}',
        image_url("type", type_id, 32),
        name,
    )


def entity_links(eve_character: Any) -> dict[str, list[dict]]:
    """Public pages of an AA ``EveCharacter``, its corporation and alliance (zKillboard, EVE Who,
    dotlan), for headers: ``{"character": [{"title", "url"}], "corporation": [...], "alliance": [...]}``."""
    links = {
        "character": [
            {"title": "zKillboard", "url": zkillboard.character_url(eve_character.character_id)},
            {"title": "EVE Who", "url": evewho.character_url(eve_character.character_id)},
        ],
        "corporation": [
            {"title": "zKillboard", "url": zkillboard.corporation_url(eve_character.corporation_id)},
            {"title": "EVE Who", "url": evewho.corporation_url(eve_character.corporation_id)},
            {"title": "dotlan", "url": dotlan.corporation_url(eve_character.corporation_name)},
        ],
        "alliance": [],
    }
    if eve_character.alliance_id:
        links["alliance"] = [
            {"title": "zKillboard", "url": zkillboard.alliance_url(eve_character.alliance_id)},
            {"title": "EVE Who", "url": evewho.alliance_url(eve_character.alliance_id)},
            {"title": "dotlan", "url": dotlan.alliance_url(eve_character.alliance_name)},
        ]
    return links
