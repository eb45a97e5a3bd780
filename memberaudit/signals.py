"""Signal handlers: tell users when Member Audit stops covering one of their characters.

When AA removes a character from a user (its ``CharacterOwnership`` is deleted, e.g. after
the character was transferred to another EVE account, or moves to another user), the
registered Member Audit character becomes orphaned or changes hands: its updates stop for
the former owner. The former owner is notified once (throttled by
``APP_UTILS_NOTIFY_THROTTLED_TIMEOUT``), after the transaction committed — never for a user
that is being deleted along with the ownership.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from allianceauth.authentication.models import CharacterOwnership

from memberaudit import app_settings
from memberaudit.models import Character

logger = logging.getLogger(__name__)


def notify_former_owner(user_pk: int, eve_character_pk: int) -> None:
    """Notify the former owner that a registered character is no longer theirs (throttled)."""
    from app_utils.allianceauth import notify_throttled

    user = User.objects.filter(pk=user_pk).first()
    character = (
        Character.objects.filter(eve_character_id=eve_character_pk).select_related("eve_character").first()
    )
    if user is None or character is None:  # the user was deleted, or the character is not registered
        return
    app_name = app_settings.get("MEMBERAUDIT_APP_NAME")
    notify_throttled(
        message_id=f"memberaudit-ownership-lost-{character.pk}-{user.pk}",
        user=user,
        title=_("%(app)s: %(character)s is no longer yours") % {"app": app_name, "character": character.name},
        message=_(
            "%(character)s is no longer linked to your account, so %(app)s no longer updates "
            "it for you and you cannot open it anymore. If this is a mistake, add the character "
            "to your account again and register it in %(app)s."
        )
        % {"character": character.name, "app": app_name},
        level="warning",
        timeout=int(app_settings.get("APP_UTILS_NOTIFY_THROTTLED_TIMEOUT")),
    )
    logger.info("Notified %s about losing %s", user, character)


def _notify_on_commit(user_pk: int | None, eve_character_pk: int | None) -> None:
    if user_pk is None or eve_character_pk is None:
        return
    if not Character.objects.filter(eve_character_id=eve_character_pk).exists():
        return  # not registered with Member Audit: nothing to tell
    transaction.on_commit(lambda: notify_former_owner(user_pk, eve_character_pk))


@receiver(pre_save, sender=CharacterOwnership, dispatch_uid="memberaudit_ownership_pre_save")
def remember_previous_owner(sender: type, instance: CharacterOwnership, **kwargs: Any) -> None:
    """Keep the owner stored before this save, to notice a change of user."""
    if instance.pk is None or kwargs.get("raw"):
        instance._memberaudit_previous_user_id = None
        return
    instance._memberaudit_previous_user_id = (
        CharacterOwnership.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
    )


@receiver(post_save, sender=CharacterOwnership, dispatch_uid="memberaudit_ownership_post_save")
def ownership_changed_user(sender: type, instance: CharacterOwnership, created: bool, **kwargs: Any) -> None:
    """A character moved to another user: the former owner loses it."""
    previous = getattr(instance, "_memberaudit_previous_user_id", None)
    if not created and previous is not None and previous != instance.user_id:
        _notify_on_commit(previous, instance.character_id)


@receiver(post_delete, sender=CharacterOwnership, dispatch_uid="memberaudit_ownership_post_delete")
def ownership_deleted(sender: type, instance: CharacterOwnership, **kwargs: Any) -> None:
    """A character was removed from its user."""
    _notify_on_commit(instance.user_id, instance.character_id)
