"""Planetary industry colonies: the planet by name, its system with security and region, and
when its extractors run out (highlighted when a program has ended or ends within a day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EvePlanet

from memberaudit.core import esi_labels
from memberaudit.models import Character
from memberaudit.models.planets import CharacterPlanet
from memberaudit.views.tables import Column, Table

from . import cells, register_table


def _planets(character: Character, params: Mapping[str, str]) -> QuerySet:
    # the planet's name from EVE's static data when loaded (a subquery: no query per row)
    name = EvePlanet.objects.filter(id=OuterRef("planet_id")).values("name")[:1]
    return (
        CharacterPlanet.objects.filter(character=character)
        .select_related("eve_solar_system__eve_constellation__eve_region")
        .annotate(planet_name=Subquery(name))
    )


def _planet(planet: CharacterPlanet) -> str:
    if planet.planet_name:
        return planet.planet_name
    return gettext("Planet %(id)s") % {"id": planet.planet_id}


#: an extractor program that ends sooner than this is highlighted: the pilot should reset it
EXPIRY_WARNING = dt.timedelta(hours=24)


def _expiry_badge(moment: dt.datetime, now: dt.datetime) -> SafeString | str:
    """A red "Expired" or a yellow "Expires within 24 h" badge for an expiry; nothing when later."""
    if moment <= now:
        return cells.badge(gettext("Expired"), "danger")
    if moment - now < EXPIRY_WARNING:
        return cells.badge(gettext("Expires within 24 h"), "warning")
    return ""


def _extractors(planet: CharacterPlanet) -> SafeString | str:
    """When the first extractor runs out (with a badge when due), how many there are and when
    the last one runs out; "—" until the colony's layout was fetched."""
    if planet.extractors is None:
        return "—"
    if planet.extractors == 0:
        return gettext("No extractors")
    count = ngettext("%(count)d extractor", "%(count)d extractors", planet.extractors) % {
        "count": planet.extractors
    }
    first, last = planet.extractors_expire_first, planet.extractors_expire_last
    if first is None:
        return count
    now = timezone.now()
    details = count
    if last is not None and last != first:
        # one sentence for translators; the format string is ours (the catalogue), the values escaped
        details = format_html(gettext("{count} · last ends {moment}"), count=count, moment=cells.moment(last))
    return format_html(
        '{} {}<br><span class="small text-body-secondary">{}</span>',
        cells.moment(first),
        _expiry_badge(first, now),
        details,
    )


register_table(
    Table(
        name="planets",
        section="planets",
        title=_("Planets"),
        rows=_planets,
        default_order=(1, "asc"),
        columns=(
            Column("planet", _("Planet"), _planet, order_by=("planet_name", "planet_id")),
            Column(
                "solar_system",
                _("Solar system"),
                cells.solar_system_cell,
                order_by=("eve_solar_system__name", "planet_id"),
                search=("eve_solar_system__name",),
            ),
            Column(
                "planet_type",
                _("Planet type"),
                lambda p: esi_labels.planet_type(p.planet_type),
                order_by=("planet_type",),
                search=("planet_type",),
            ),
            Column(
                "upgrade_level",
                _("Command center level"),
                lambda p: p.upgrade_level,
                order_by=("upgrade_level",),
                css="text-end",
            ),
            Column(
                "num_pins", _("Installations"), lambda p: p.num_pins, order_by=("num_pins",), css="text-end"
            ),
            Column(
                "extractors",
                _("Extractors"),
                _extractors,
                order_by=("extractors_expire_first", "planet_id"),
            ),
            Column(
                "last_update",
                _("Last update"),
                lambda p: cells.moment(p.last_update),
                order_by=("last_update",),
            ),
        ),
    )
)
