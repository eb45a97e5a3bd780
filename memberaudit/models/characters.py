"""Registered characters and the update status of each of their sections."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext_lazy as _

from allianceauth.eveonline.models import EveCharacter

if TYPE_CHECKING:
    from allianceauth.authentication.models import CharacterOwnership


class CharacterQuerySet(models.QuerySet):
    def owned_by_user(self, user: User) -> CharacterQuerySet:
        return self.filter(eve_character__character_ownership__user=user)

    def orphaned(self) -> CharacterQuerySet:
        return self.filter(eve_character__character_ownership__isnull=True)

    def updatable(self) -> CharacterQuerySet:
        """Characters whose sections are updated: enabled and still owned by a user."""
        return self.filter(is_disabled=False, eve_character__character_ownership__isnull=False)


class Character(models.Model):
    """An EVE character registered with Member Audit.

    It is tied to AA's character ownership through its EveCharacter and survives the loss of
    that ownership: its data stays, updates stop, and it shows as orphaned.
    """

    eve_character = models.OneToOneField(
        EveCharacter, on_delete=models.CASCADE, related_name="memberaudit_character"
    )
    is_shared = models.BooleanField(
        default=False, help_text=_("Shared characters can be viewed by recruiters")
    )
    is_disabled = models.BooleanField(
        default=False, db_index=True, help_text=_("Disabled characters are not updated")
    )
    shared_at = models.DateTimeField(
        null=True,
        default=None,
        blank=True,
        help_text=_("When the character was last shared (MEMBERAUDIT_SHARING_TIMEOUT counts from here)"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CharacterQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        verbose_name = _("character")
        verbose_name_plural = _("characters")

    def __str__(self) -> str:
        return self.eve_character.character_name

    @property
    def character_id(self) -> int:
        return self.eve_character.character_id

    @property
    def name(self) -> str:
        return self.eve_character.character_name

    @property
    def ownership(self) -> CharacterOwnership | None:
        try:
            return self.eve_character.character_ownership
        except EveCharacter.character_ownership.RelatedObjectDoesNotExist:
            return None

    @property
    def user(self) -> User | None:
        """The owner, or None when the character is orphaned."""
        ownership = self.ownership
        return ownership.user if ownership else None

    @property
    def is_orphan(self) -> bool:
        return self.ownership is None

    @property
    def main_character(self) -> EveCharacter | None:
        user = self.user
        if user is None:
            return None
        return user.profile.main_character

    @property
    def is_main(self) -> bool:
        main = self.main_character
        return bool(main and main.character_id == self.character_id)


def checked_at_expression() -> models.Func:
    """When a section was last checked, as the database knows it (NULL: never).

    The newer of ``last_checked_at`` (written in bulk from the cache's heartbeats, see
    ``sections.heartbeats``) and ``last_success_at`` (written by every update that stores
    something). Coalesced both ways because GREATEST is NULL on MySQL and SQLite when one
    argument is NULL.
    """
    return Greatest(
        Coalesce("last_checked_at", "last_success_at"), Coalesce("last_success_at", "last_checked_at")
    )


class SectionStatusQuerySet(models.QuerySet):
    """Section statuses; per-character health lives in ``memberaudit.health``."""


class SectionStatus(models.Model):
    """Update status of one section of one character.

    ``content_hash`` lets an unchanged payload skip all writes; ``state`` carries what a
    section needs between runs (for example how far a multi-pass asset sync has got).

    Three times, three meanings: ``last_change_at`` is when the data last changed,
    ``last_success_at`` when an update last wrote this row after a success, and
    ``last_checked_at`` when ESI was last asked successfully (changed or not) — copied from the
    cache in bulk, so it may lag the cache by one periodic run (``checked_at`` shows the newest
    time known).
    """

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="section_statuses")
    section = models.CharField(max_length=64, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, default=None)
    last_success_at = models.DateTimeField(null=True, default=None, db_index=True)
    last_checked_at = models.DateTimeField(
        null=True,
        default=None,
        help_text=_("When ESI was last asked successfully, changed or not (written in bulk from the cache)"),
    )
    last_change_at = models.DateTimeField(null=True, default=None)
    not_before = models.DateTimeField(
        null=True, default=None, help_text=_("ESI's cache timer: never ask ESI again before this")
    )
    error_message = models.TextField(blank=True, default="")
    is_token_error = models.BooleanField(default=False)
    is_route_down = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    state = models.JSONField(default=dict, blank=True)

    objects = SectionStatusQuerySet.as_manager()

    #: the check time the cache holds, set by ``sections.heartbeats.attach_check_times``
    cached_checked_at: datetime | None = None

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "section"], name="ma_section_status_unique")
        ]
        verbose_name = _("section status")
        verbose_name_plural = _("section statuses")

    def __str__(self) -> str:
        return f"{self.character}: {self.section}"

    @property
    def is_ok(self) -> bool:
        return bool(self.last_success_at) and not self.error_message

    @property
    def checked_at(self) -> datetime | None:
        """When the section was last checked: the newest of the cache's and the database's times."""
        return newest(self.cached_checked_at, self.last_checked_at, self.last_success_at)


def newest(*times: datetime | None) -> datetime | None:
    """The latest of the given times, ignoring None (None when all are None)."""
    return max((t for t in times if t is not None), default=None)
