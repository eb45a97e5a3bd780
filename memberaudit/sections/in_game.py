"""Sections whose ESI data changes only while their character is logged in.

Location and ship (a logged-out character cannot move or board another ship), skills and the
skill queue (ESI recalculates them only while the character is logged in: a skill that finished
meanwhile stays in the queue until the next login). They read the online status, which runs
first when it is due in the same task (``Section.reads``): while it shows the character offline
with no login since ESI was last asked for the section, the section is proved unchanged without
a request (``core.staleness.unchanged_while_offline``), for at most the back-off's ceiling
(``MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES``), after which ESI is asked anyway.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from memberaudit.core import staleness
from memberaudit.models.presence import CharacterOnlineStatus

from . import heartbeats, registry
from .base import NOT_MODIFIED, Section, SyncContext
from .engine import window_key

ONLINE = "online_status"


def fetched_key(character_pk: int, section: str) -> str:
    """Cache key of what was known of the online status when ESI was last asked for ``section``."""
    return f"memberaudit:fetched:{character_pk}:{section}"


def proof_ceiling_seconds(section: str) -> int:
    """How long a section may go unasked on the proof of the online status: the back-off's
    ceiling (``MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES``, else its most rings); 0 (never) with the
    back-off turned off, when an admin wants every ring asked."""
    factor, cap = registry.backoff_settings()
    if factor <= 1:
        return 0
    minutes = cap if cap is not None else registry.stale_minutes(section) * factor
    return int(minutes * 60)


class ChangesOnlyInGame(Section):
    """A section whose data changes only while its character is logged in."""

    reads = (ONLINE,)

    def fetch(self, ctx: SyncContext) -> Any:
        ceiling = proof_ceiling_seconds(self.name)
        if not ceiling:  # every check asks ESI: nothing to prove, nothing to read
            return super().fetch(ctx)
        character_pk = ctx.character.pk
        if ONLINE not in ctx.shared:
            # read once for every such section of the task; the online status ran before them (``reads``)
            ctx.shared[ONLINE] = (
                CharacterOnlineStatus.objects.filter(character=ctx.character)
                .values("online", "logins")
                .first()
            )
        online = ctx.shared[ONLINE]
        stored = ctx.status is not None and ctx.status.last_success_at is not None
        if stored and not ctx.refetch and online is not None:
            keys = {
                "fetched": fetched_key(character_pk, self.name),
                "online": heartbeats.heartbeat_key(character_pk, ONLINE),
                "self": heartbeats.heartbeat_key(character_pk, self.name),
                "window": window_key(character_pk, ONLINE),
            }
            found = cache.get_many(list(keys.values()))
            online_beat = found.get(keys["online"])
            own_beat = found.get(keys["self"])
            if staleness.unchanged_while_offline(
                found.get(keys["fetched"]),
                online["online"],
                online["logins"],
                online_beat[0] if online_beat else None,
                own_beat[0] if own_beat else None,
            ):
                ctx.checked_at = online_beat[0]  # what the proof knows, not now
                if window := found.get(keys["window"]):
                    # nothing can prove more before the online status may change: "update now"
                    # asks nothing until then, as inside ESI's own cache window
                    ctx.expires_at = dt.datetime.fromtimestamp(float(window), tz=dt.timezone.utc)
                ctx.note = str(_("offline since ESI was last asked: unchanged"))
                return NOT_MODIFIED
        payload = super().fetch(ctx)
        if online is not None:
            # what the online status said when ESI was asked: the next runs prove from it, but
            # only once the answer is stored (a worker killed before would leave it unproved)
            known = {"at": time.time(), "online": online["online"], "logins": online["logins"]}
            ctx.after_stored.append(
                lambda: cache.set(fetched_key(character_pk, self.name), known, timeout=ceiling)
            )
        return payload
