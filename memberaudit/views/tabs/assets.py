"""Assets: one level at a time (locations' top items, then into containers and ships).

Without a search the table lists the items that sit directly in a location; a container's
"contents" link reloads the table with ``?parent=<item_id>``. A search at the top level looks
through every item at every depth and says which container holds each match.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberaudit.core import esi_labels
from memberaudit.models import Character, CharacterAsset
from memberaudit.views.tables import Column, Table, unknown_name

from . import cells, register_table
from .columns import group_column, location_column, type_column


def _parent_id(params: Mapping[str, str]) -> int | None:
    try:
        return int(params.get("parent", ""))
    except (TypeError, ValueError):
        return None


def _assets(character: Character, params: Mapping[str, str]) -> QuerySet:
    rows = CharacterAsset.objects.filter(character=character)
    parent = _parent_id(params)
    if parent is not None:
        rows = rows.filter(parent_item_id=parent)
    elif not (params.get("search[value]") or "").strip():
        rows = rows.filter(parent_item_id__isnull=True)
    siblings = CharacterAsset.objects.filter(character_id=OuterRef("character_id"))
    contents = (
        siblings.filter(parent_item_id=OuterRef("item_id"))
        .order_by()
        .values("parent_item_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    container = siblings.filter(item_id=OuterRef("parent_item_id"))
    return rows.select_related("eve_type__eve_group", cells.location_related()).annotate(
        contents_count=Coalesce(Subquery(contents, output_field=IntegerField()), 0),
        container_name=Subquery(container.values("name")[:1]),
        container_type_name=Subquery(container.values("eve_type__name")[:1]),
    )


def _contents(asset: CharacterAsset):
    if not asset.contents_count:
        return ""
    label = asset.name or cells.eve_type(asset)
    text = ngettext("%(count)d item", "%(count)d items", asset.contents_count) % {
        "count": asset.contents_count
    }
    return format_html(
        '<a href="#" data-ma-drill="{}" data-ma-drill-label="{}"><i class="fa-solid fa-folder-open"></i> {}</a>',
        asset.item_id,
        label,
        text,
    )


def _container(asset: CharacterAsset) -> str:
    if asset.parent_item_id is None:
        return ""
    return asset.container_name or asset.container_type_name or unknown_name(asset.parent_item_id)


register_table(
    Table(
        name="assets",
        section="assets",
        title=_("Assets"),
        rows=_assets,
        params=("parent",),
        default_order=(0, "asc"),
        page_length=50,
        columns=(
            location_column("location", _("Location")),
            type_column("eve_type", _("Type")),
            group_column("group", _("Group")),
            Column("name", _("Name"), lambda a: a.name, order_by=("name",), search=("name",)),
            Column("quantity", _("Quantity"), lambda a: a.quantity, order_by=("quantity",), css="text-end"),
            Column(
                "flag",
                _("Flag"),
                lambda a: esi_labels.location_flag(a.location_flag),
                order_by=("location_flag",),
            ),
            Column("container", _("In"), _container),
            Column("contents", _("Contents"), _contents),
        ),
    )
)
