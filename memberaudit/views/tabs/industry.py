"""Industry: jobs, blueprints and the mining ledger."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from memberaudit.core import esi_labels
from memberaudit.models import Character, CharacterAsset
from memberaudit.models.industry import CharacterBlueprint, CharacterIndustryJob, CharacterMiningLedgerEntry
from memberaudit.views.tables import Column, Table

from . import cells, register_table
from .columns import type_column


def _jobs(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterIndustryJob.objects.filter(character=character).select_related(
        "installer", "blueprint_type", "product_type", cells.location_related("facility")
    )


register_table(
    Table(
        name="industry_jobs",
        section="industry_jobs",
        title=_("Industry jobs"),
        rows=_jobs,
        columns=(
            Column("end_date", _("Ends"), lambda j: cells.moment(j.end_date), order_by=("end_date",)),
            Column(
                "activity",
                _("Activity"),
                lambda j: j.get_activity_id_display(),
                order_by=("activity_id",),
            ),
            Column(
                "status",
                _("Status"),
                lambda j: j.get_status_display(),
                order_by=("status",),
                search=("status",),
            ),
            Column(
                "blueprint",
                _("Blueprint"),
                lambda j: cells.eve_type(j, "blueprint_type"),
                order_by=("blueprint_type__name",),
                search=("blueprint_type__name",),
            ),
            Column(
                "product",
                _("Product"),
                lambda j: cells.eve_type(j, "product_type"),
                order_by=("product_type__name",),
                search=("product_type__name",),
            ),
            Column("runs", _("Runs"), lambda j: j.runs, order_by=("runs",), css="text-end"),
            Column(
                "facility",
                _("Facility"),
                lambda j: cells.location(j, "facility"),
                order_by=("facility__name",),
                search=("facility__name",),
            ),
            Column(
                "installer",
                _("Installer"),
                lambda j: cells.entity(j, "installer"),
                order_by=("installer__name",),
                search=("installer__name",),
            ),
            Column(
                "start_date", _("Started"), lambda j: cells.moment(j.start_date), order_by=("start_date",)
            ),
        ),
    )
)


def _blueprints(character: Character, params: Mapping[str, str]) -> QuerySet:
    # a blueprint in a container has the container's item id as location: name the container
    container = CharacterAsset.objects.filter(character=character, item_id=OuterRef("location_id"))
    return (
        CharacterBlueprint.objects.filter(character=character)
        .select_related("eve_type", cells.location_related())
        .annotate(
            container_name=Subquery(container.values("name")[:1]),
            container_type_name=Subquery(container.values("eve_type__name")[:1]),
        )
    )


def _blueprint_location(blueprint: CharacterBlueprint) -> str:
    """The station or structure, or the container the blueprint is in ("Unknown (id)" else)."""
    container = blueprint.container_name or blueprint.container_type_name
    if blueprint.location is None and container:
        return gettext("In %(container)s") % {"container": container}
    return cells.location(blueprint)


def _blueprint_kind(blueprint: CharacterBlueprint) -> str:
    if blueprint.quantity == -2:
        return _("copy")
    return _("original")


register_table(
    Table(
        name="blueprints",
        section="blueprints",
        title=_("Blueprints"),
        rows=_blueprints,
        default_order=(0, "asc"),
        columns=(
            type_column("eve_type", _("Blueprint")),
            Column("kind", _("Kind"), _blueprint_kind, order_by=("quantity",)),
            Column(
                "me",
                _("ME"),
                lambda b: b.material_efficiency,
                order_by=("material_efficiency",),
                css="text-end",
            ),
            Column("te", _("TE"), lambda b: b.time_efficiency, order_by=("time_efficiency",), css="text-end"),
            Column(
                "runs", _("Runs"), lambda b: "" if b.runs < 0 else b.runs, order_by=("runs",), css="text-end"
            ),
            Column(
                "location",
                _("Location"),
                _blueprint_location,
                order_by=("location__name",),
                search=("location__name",),
            ),
            Column(
                "flag",
                _("Flag"),
                lambda b: esi_labels.location_flag(b.location_flag),
                order_by=("location_flag",),
            ),
        ),
    )
)


def _mining(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterMiningLedgerEntry.objects.filter(character=character).select_related(
        "eve_type", "eve_solar_system__eve_constellation__eve_region"
    )


register_table(
    Table(
        name="mining_ledger",
        section="mining_ledger",
        title=_("Mining ledger"),
        rows=_mining,
        columns=(
            Column("date", _("Date"), lambda m: cells.moment(m.date), order_by=("date",)),
            Column(
                "solar_system",
                _("Solar system"),
                cells.solar_system_cell,
                order_by=("eve_solar_system__name",),
                search=("eve_solar_system__name",),
            ),
            Column(
                "ore",
                _("Ore"),
                cells.type_with_icon,
                order_by=("eve_type__name",),
                search=("eve_type__name",),
            ),
            Column("quantity", _("Quantity"), lambda m: m.quantity, order_by=("quantity",), css="text-end"),
        ),
    )
)
