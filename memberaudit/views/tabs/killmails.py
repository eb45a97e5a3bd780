"""Recent killmails (kills and losses), linked to zKillboard."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from memberaudit.core.markup import ZKILLBOARD
from memberaudit.models import Character
from memberaudit.models.killmails import CharacterKillmail
from memberaudit.views.tables import Column, Table, link

from . import cells, register_table

_RELATED = (
    "eve_solar_system__eve_constellation__eve_region",
    "victim_character",
    "victim_corporation",
    "victim_ship_type",
    "final_blow_character",
    "final_blow_ship_type",
)


def _killmails(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterKillmail.objects.filter(character=character).select_related(*_RELATED)


def _outcome(killmail: CharacterKillmail):
    if killmail.is_loss is None:
        return ""
    return cells.badge(_("loss"), "danger") if killmail.is_loss else cells.badge(_("kill"), "success")


def _victim(killmail: CharacterKillmail):
    if killmail.victim_character_id:
        return cells.entity(killmail, "victim_character")
    return cells.entity(killmail, "victim_corporation")


register_table(
    Table(
        name="killmails",
        section="killmails",
        title=_("Killmails"),
        rows=_killmails,
        columns=(
            Column("time", _("Time"), lambda k: cells.moment(k.killmail_time), order_by=("killmail_time",)),
            Column("outcome", _("Kill / loss"), _outcome, order_by=("is_loss",)),
            Column(
                "victim",
                _("Victim"),
                _victim,
                order_by=("victim_character__name",),
                search=("victim_character__name", "victim_corporation__name"),
            ),
            Column(
                "ship",
                _("Ship"),
                lambda k: cells.eve_type(k, "victim_ship_type"),
                order_by=("victim_ship_type__name",),
                search=("victim_ship_type__name",),
            ),
            Column(
                "solar_system",
                _("Solar system"),
                cells.solar_system_cell,
                order_by=("eve_solar_system__name",),
                search=("eve_solar_system__name",),
            ),
            Column(
                "final_blow",
                _("Final blow"),
                lambda k: cells.entity(k, "final_blow_character"),
                order_by=("final_blow_character__name",),
                search=("final_blow_character__name",),
            ),
            Column(
                "attackers",
                _("Attackers"),
                lambda k: k.attackers_count,
                order_by=("attackers_count",),
                css="text-end",
            ),
            Column(
                "zkillboard",
                _("Details"),
                lambda k: link(f"{ZKILLBOARD}/kill/{k.killmail_id}/", "zKillboard"),
            ),
        ),
    )
)
