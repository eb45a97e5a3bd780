"""Columns that many tables share: an EVE type, its group, a location."""

from __future__ import annotations

from typing import Any

from memberaudit.views.tables import Column

from . import cells


def type_column(key: str, title: Any, field: str = "eve_type") -> Column:
    """The name of an EVE type, sorted and searched by name."""
    return Column(
        key,
        title,
        lambda row: cells.type_with_icon(row, field),
        order_by=(f"{field}__name",),
        search=(f"{field}__name",),
    )


def group_column(key: str, title: Any, field: str = "eve_type") -> Column:
    """The group of an EVE type, sorted and searched by the group's name."""
    lookup = f"{field}__eve_group__name"
    return Column(key, title, lambda row: cells.eve_group(row, field), order_by=(lookup,), search=(lookup,))


def location_column(key: str, title: Any, field: str = "location") -> Column:
    """A station, structure or solar system, sorted by name (then id) and searched by name."""
    return Column(
        key,
        title,
        lambda row: cells.location(row, field),
        order_by=(f"{field}__name", f"{field}_id"),
        search=(f"{field}__name",),
    )
