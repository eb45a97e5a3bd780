"""Tell the subscribers of a watch list when characters deal with a listed entity for the first time.

A hit is new when the index gains a row (a character and a counterparty, in one section)
that matches a watched entity, directly or through the counterparty's corporation or
alliance. Each subscriber hears only of characters they may open in the viewer
(``access.accessible_characters``), and at most once per list per
``APP_UTILS_NOTIFY_THROTTLED_TIMEOUT`` (AA's throttled notifications): the intel report has
the full picture.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from memberaudit import access, app_settings
from memberaudit.core.intel import Affiliation, matches
from memberaudit.models import CounterpartyAffiliation, WatchList, WatchListEntry

logger = logging.getLogger(__name__)

#: characters named in one notification (the rest is counted)
NAMES_IN_MESSAGE = 10


def affiliations_of(counterparty_ids: Iterable[int]) -> dict[int, Affiliation]:
    """Known affiliations of character counterparties (one query)."""
    return {
        row.entity_id: Affiliation(row.corporation_id, row.alliance_id, row.faction_id)
        for row in CounterpartyAffiliation.objects.filter(entity_id__in=sorted(set(counterparty_ids)))
    }


def notify_new_hits(pairs: Iterable[tuple[int, int]]) -> int:
    """Notify subscribers about new (character pk, counterparty id) interactions that hit a list.

    Returns how many notifications were handed to AA (before its throttle).
    """
    pairs = {(int(character_pk), int(counterparty_id)) for character_pk, counterparty_id in pairs}
    if not pairs:
        return 0
    counterparty_ids = {counterparty_id for _pk, counterparty_id in pairs}
    affiliations = affiliations_of(counterparty_ids)
    candidates = set(counterparty_ids)
    for affiliation in affiliations.values():
        candidates.update(
            i for i in (affiliation.corporation_id, affiliation.alliance_id, affiliation.faction_id) if i
        )
    entries = (
        WatchListEntry.objects.filter(entity_id__in=sorted(candidates), watch_list__subscribers__isnull=False)
        .values("watch_list_id", "entity_id", "name")
        .distinct()
    )
    watched: dict[int, list[dict]] = {}
    for entry in entries:
        watched.setdefault(entry["entity_id"], []).append(entry)
    if not watched:
        return 0
    hits: dict[int, set[int]] = {}  # watch list pk -> character pks
    for character_pk, counterparty_id in pairs:
        for match in matches(counterparty_id, affiliations.get(counterparty_id), watched):
            hits.setdefault(match.entry["watch_list_id"], set()).add(character_pk)
    sent = 0
    for watch_list in WatchList.objects.filter(pk__in=sorted(hits)).prefetch_related("subscribers"):
        for user in watch_list.subscribers.all():
            sent += _notify(user, watch_list, hits[watch_list.pk])
    return sent


def _notify(user, watch_list: WatchList, character_pks: set[int]) -> int:
    from app_utils.allianceauth import notify_throttled

    if not access.can_use_intel(user):
        return 0
    names = sorted(
        access.accessible_characters(user)
        .filter(pk__in=sorted(character_pks))
        .values_list("eve_character__character_name", flat=True)
    )
    if not names:
        return 0
    shown = ", ".join(names[:NAMES_IN_MESSAGE])
    if len(names) > NAMES_IN_MESSAGE:
        shown += " " + _("and %(count)d more") % {"count": len(names) - NAMES_IN_MESSAGE}
    app_name = app_settings.get("MEMBERAUDIT_APP_NAME")
    message = ngettext(
        "%(count)d character dealt with an entity of the watch list %(list)s for the first time: "
        "%(names)s. The intel report shows the evidence: %(url)s",
        "%(count)d characters dealt with entities of the watch list %(list)s for the first time: "
        "%(names)s. The intel report shows the evidence: %(url)s",
        len(names),
    ) % {
        "count": len(names),
        "list": watch_list.name,
        "names": shown,
        "url": reverse("memberaudit:intel_report") + f"?list={watch_list.pk}",
    }
    notify_throttled(
        message_id=f"memberaudit-intel-hits-{watch_list.pk}-{user.pk}",  # the throttle key is global
        user=user,
        title=_("%(app)s: new intel hits on %(list)s") % {"app": app_name, "list": watch_list.name},
        message=message,
        level="warning",
        timeout=int(app_settings.get("APP_UTILS_NOTIFY_THROTTLED_TIMEOUT")),
    )
    return 1
