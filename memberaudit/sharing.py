"""Sharing a character with recruiters, and the end of a share.

A share lasts ``MEMBERAUDIT_SHARING_TIMEOUT`` days from ``Character.shared_at`` (0: until the
owner unshares). :func:`expire_shares`, called by the periodic task, unshares what has
expired and tells each owner through an AA notification. Who may see shared characters is
``access``'s business, not this module's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allianceauth.notifications import notify

from memberaudit import app_settings
from memberaudit.models import Character

logger = logging.getLogger(__name__)


def timeout() -> dt.timedelta | None:
    """How long a share lasts; None when shares do not expire."""
    days = int(app_settings.get("MEMBERAUDIT_SHARING_TIMEOUT") or 0)
    return dt.timedelta(days=days) if days > 0 else None


def share_ends_at(character: Character) -> dt.datetime | None:
    """When the share of ``character`` ends (None: not shared, or shares do not expire)."""
    length = timeout()
    if not character.is_shared or length is None:
        return None
    return (character.shared_at or timezone.now()) + length


def share(character: Character, now: dt.datetime | None = None) -> None:
    """Share ``character``; sharing it again starts its timeout again."""
    character.is_shared = True
    character.shared_at = now or timezone.now()
    character.save(update_fields=["is_shared", "shared_at"])


def unshare(character: Character) -> None:
    """Stop sharing ``character``."""
    character.is_shared = False
    character.shared_at = None
    character.save(update_fields=["is_shared", "shared_at"])


def expire_shares(now: dt.datetime | None = None) -> int:
    """Unshare every character whose share has run out and notify its owner; returns how many.

    Nothing happens when ``MEMBERAUDIT_SHARING_TIMEOUT`` is 0. A shared character without
    ``shared_at`` (shared in the admin, say) starts its timeout now. A few queries, plus one
    notification per owner, however many characters expire.
    """
    length = timeout()
    if length is None:
        return 0
    now = now or timezone.now()
    Character.objects.filter(is_shared=True, shared_at__isnull=True).update(shared_at=now)
    cutoff = now - length
    expired = list(
        Character.objects.filter(is_shared=True, shared_at__lte=cutoff).values_list(
            "pk", "eve_character__character_name", "eve_character__character_ownership__user_id"
        )
    )
    if not expired:
        return 0
    with transaction.atomic():
        # only what is still shared and still expired: an owner may have shared again meanwhile
        count = Character.objects.filter(
            pk__in=[pk for pk, _name, _user in expired], is_shared=True, shared_at__lte=cutoff
        ).update(is_shared=False, shared_at=None)
    names: dict[int, list[str]] = defaultdict(list)
    for _pk, name, user_id in expired:
        if user_id is not None:
            names[user_id].append(name)
    _notify(names, length.days)
    logger.info("Sharing: %d expired share(s) ended", count)
    return count


def _notify(names: dict[int, list[str]], days: int) -> None:
    app = app_settings.get("MEMBERAUDIT_APP_NAME")
    for user in User.objects.filter(pk__in=list(names)):
        characters = sorted(names[user.pk])
        message = " ".join(
            [
                ngettext(
                    "%(names)s is no longer shared with recruiters.",
                    "%(names)s are no longer shared with recruiters.",
                    len(characters),
                )
                % {"names": ", ".join(characters)},
                ngettext("Shares end after %(days)d day.", "Shares end after %(days)d days.", days)
                % {"days": days},
                _("Share again in %(app)s if recruiters should still see your characters.") % {"app": app},
            ]
        )
        notify(user, _("%(app)s: sharing ended") % {"app": app}, message, level="info")
