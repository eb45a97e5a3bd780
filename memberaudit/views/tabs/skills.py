"""Skills (with skill points by group), skill queue and attributes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from memberaudit.core import formatting
from memberaudit.models import (
    Character,
    CharacterAttributes,
    CharacterSkill,
    CharacterSkillpoints,
    CharacterSkillqueueEntry,
)
from memberaudit.views.tables import Column, Table

from . import cells, chart, register_table, tab_context
from .columns import group_column, type_column


@tab_context("skills")
def skills_context(character: Character) -> dict[str, Any]:
    return {"skillpoints": CharacterSkillpoints.objects.filter(character=character).first()}


@tab_context("attributes")
def attributes_context(character: Character) -> dict[str, Any]:
    return {"attributes": CharacterAttributes.objects.filter(character=character).first()}


def _skills(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterSkill.objects.filter(character=character).select_related("eve_type__eve_group")


def _queue_progress(entry: CharacterSkillqueueEntry, now) -> int | None:
    """Percent of the level trained by now: skill points at the start of training, then
    the share of the training time that has passed (ESI's SP figures are from the start)."""
    trained_sp = entry.training_start_sp
    if entry.start_date and entry.finish_date and entry.level_end_sp is not None and trained_sp is not None:
        total = (entry.finish_date - entry.start_date).total_seconds()
        share = 1.0 if total <= 0 else max(0.0, min(1.0, (now - entry.start_date).total_seconds() / total))
        trained_sp = trained_sp + (entry.level_end_sp - trained_sp) * share
    return formatting.progress(entry.level_start_sp, trained_sp, entry.level_end_sp)


def _progress_bar(entry: CharacterSkillqueueEntry):
    percent = _queue_progress(entry, timezone.now())
    if percent is None:
        return ""
    return format_html(
        '<div class="progress ma-progress" role="progressbar" aria-valuenow="{0}" aria-valuemin="0"'
        ' aria-valuemax="100" title="{0}%"><div class="progress-bar" style="width:{0}%">{0}%</div></div>',
        percent,
    )


def _queue_duration(entry: CharacterSkillqueueEntry) -> str:
    if not (entry.start_date and entry.finish_date):
        return ""
    return formatting.duration(entry.finish_date - entry.start_date)


register_table(
    Table(
        name="skills",
        section="skills",
        title=_("Skills"),
        rows=_skills,
        default_order=(1, "asc"),
        page_length=50,
        columns=(
            group_column("group", _("Group")),
            type_column("skill", _("Skill")),
            Column(
                "active_level",
                _("Active level"),
                lambda s: cells.level(s.active_skill_level),
                order_by=("active_skill_level",),
                css="text-end",
            ),
            Column(
                "trained_level",
                _("Trained level"),
                lambda s: cells.level(s.trained_skill_level),
                order_by=("trained_skill_level",),
                css="text-end",
            ),
            Column(
                "skillpoints",
                _("Skill points"),
                lambda s: s.skillpoints_in_skill,
                order_by=("skillpoints_in_skill",),
                css="text-end",
            ),
        ),
    )
)


def _queue(character: Character, params: Mapping[str, str]) -> QuerySet:
    return CharacterSkillqueueEntry.objects.filter(character=character).select_related("eve_type")


register_table(
    Table(
        name="skill_queue",
        section="skill_queue",
        title=_("Skill queue"),
        rows=_queue,
        default_order=(0, "asc"),
        page_length=50,
        columns=(
            # ESI counts from 0; people count from 1
            Column("position", _("#"), lambda q: q.queue_position + 1, order_by=("queue_position",)),
            Column(
                "skill", _("Skill"), cells.eve_type, order_by=("eve_type__name",), search=("eve_type__name",)
            ),
            Column(
                "level", _("Level"), lambda q: cells.level(q.finished_level), order_by=("finished_level",)
            ),
            Column("start", _("Start"), lambda q: cells.moment(q.start_date), order_by=("start_date",)),
            Column("finish", _("Finish"), lambda q: cells.moment(q.finish_date), order_by=("finish_date",)),
            Column("duration", _("Duration"), _queue_duration),
            Column("progress", _("Progress"), _progress_bar),
        ),
    )
)


@chart("skill_groups")
def skill_groups_chart(character: Character) -> dict[str, Any]:
    """Skill points per skill group, biggest first (one aggregate query)."""
    rows = list(
        CharacterSkill.objects.filter(character=character)
        .values("eve_type__eve_group__name")
        .annotate(sp=Sum("skillpoints_in_skill"))
        .order_by("-sp")
    )
    unknown = str(_("Unknown group"))
    return {
        "type": "bar",
        "data": {
            "labels": [row["eve_type__eve_group__name"] or unknown for row in rows],
            "datasets": [{"label": str(_("Skill points")), "data": [row["sp"] or 0 for row in rows]}],
        },
        "options": {"indexAxis": "y", "plugins": {"legend": {"display": False}}},
        "ma_axis_format": {"x": "abbreviate"},
    }
