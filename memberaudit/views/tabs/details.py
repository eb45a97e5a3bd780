"""The character's public details (bio, rendered from EVE markup) and corporation history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from memberaudit.core import esi_labels, formatting, markup
from memberaudit.models import Character, CharacterCorporationHistory, CharacterDetails
from memberaudit.views.tables import Column, Table

from . import cells, register_table, tab_context


@tab_context("details")
def details_context(character: Character) -> dict[str, Any]:
    details = (
        CharacterDetails.objects.filter(character=character)
        .select_related("corporation", "alliance", "faction")
        .first()
    )
    if details is None:
        return {"details": None}
    return {
        "details": details,
        "corporation": cells.entity(details, "corporation"),
        "alliance": cells.entity(details, "alliance") if details.alliance_id else "",
        "faction": cells.entity(details, "faction") if details.faction_id else "",
        "gender": esi_labels.gender(details.gender),
        # sanitized by core.markup: only allowlisted tags, attributes and links remain
        "bio_html": mark_safe(markup.to_safe_html(details.description)),  # noqa: S308
    }


def _history(character: Character, params: Mapping[str, str]) -> QuerySet:
    # when the character left: the start of the next record (a correlated subquery, no query per row)
    following = CharacterCorporationHistory.objects.filter(
        character_id=OuterRef("character_id"), start_date__gt=OuterRef("start_date")
    ).order_by("start_date")
    return (
        CharacterCorporationHistory.objects.filter(character=character)
        .select_related("corporation")
        .annotate(end_date=Subquery(following.values("start_date")[:1]))
    )


def _stay(history: CharacterCorporationHistory) -> str:
    """How long the character stayed ("until now" for the current corporation)."""
    end = history.end_date or timezone.now()
    text = formatting.duration(end - history.start_date)
    if history.end_date is None:
        return gettext("%(duration)s (current)") % {"duration": text}
    return text


register_table(
    Table(
        name="corporation_history",
        section="corporation_history",
        title=_("Corporation history"),
        rows=_history,
        columns=(
            Column("start_date", _("Joined"), lambda h: cells.moment(h.start_date), order_by=("start_date",)),
            Column(
                "end_date", pgettext_lazy("left a corporation", "Left"), lambda h: cells.moment(h.end_date)
            ),
            Column("duration", _("Stayed"), _stay),
            Column(
                "corporation",
                _("Corporation"),
                lambda h: cells.entity(h, "corporation"),
                order_by=("corporation__name",),
                search=("corporation__name",),
            ),
            Column("is_deleted", _("Closed"), lambda h: h.is_deleted, order_by=("is_deleted",)),
        ),
    )
)
