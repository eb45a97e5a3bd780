"""Intel: watch lists of entities, and the index of whom each character deals with.

``CharacterInteraction`` is the index: one row per character, section and counterparty,
kept equal to what the section's stored rows say (``memberaudit.intel.index``). It lets the
intel report answer "who touched this alliance?" with one indexed query instead of a scan of
journals, contracts and mails. ``CounterpartyAffiliation`` holds the current corporation and
alliance of counterparties (ESI), so a watched alliance also matches its members and its
corporations.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .characters import Character
from .fields import entity_fk


class EntityKind(models.TextChoices):
    """What kind of EVE entity an id is (ids are unique across these kinds)."""

    CHARACTER = "character", _("character")
    CORPORATION = "corporation", _("corporation")
    ALLIANCE = "alliance", _("alliance")
    FACTION = "faction", _("faction")


class WatchList(models.Model):
    """A named list of entities leadership wants to know about (e.g. "Hostiles", "Known spies")."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    created_at = models.DateTimeField(
        default=timezone.now, verbose_name=pgettext_lazy("record", "created at")
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("record", "created by"),
    )
    #: entries with standing below ``contacts_max_standing`` in this character's contacts are
    #: kept on the list (added and removed with the contacts); hand-made entries are never touched
    contacts_source = models.ForeignKey(
        Character,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contacts of"),
        help_text=_("Keep the list in sync with the negative-standing contacts of this character"),
    )
    contacts_max_standing = models.FloatField(
        default=0.0,
        verbose_name=_("standing below"),
        help_text=_("Contacts with a standing below this value are put on the list"),
    )
    contacts_synced_at = models.DateTimeField(null=True, blank=True, default=None)
    subscribers = models.ManyToManyField(
        User,
        blank=True,
        related_name="memberaudit_watch_lists",
        verbose_name=_("subscribers"),
        help_text=_("Notified when a character deals with an entity of this list for the first time"),
    )

    class Meta:
        default_permissions = ()
        ordering = ["name"]
        verbose_name = _("watch list")
        verbose_name_plural = _("watch lists")

    def __str__(self) -> str:
        return self.name


class WatchListEntry(models.Model):
    """One watched character, corporation, alliance or faction, with why and by whom."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("added by hand")
        CSV = "csv", _("CSV import")
        CONTACTS = "contacts", _("contacts sync")

    id = models.BigAutoField(primary_key=True)
    watch_list = models.ForeignKey(WatchList, on_delete=models.CASCADE, related_name="entries")
    entity_id = models.BigIntegerField(verbose_name=_("EVE id"))
    kind = models.CharField(max_length=16, choices=EntityKind.choices, verbose_name=_("kind"))
    #: the name when added, shown until EVE's name is resolved (and kept if it never is)
    name = models.CharField(max_length=255, blank=True, default="", verbose_name=_("name"))
    reason = models.TextField(blank=True, default="", verbose_name=_("reason"))
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))
    source = models.CharField(
        max_length=16, choices=Source.choices, default=Source.MANUAL, verbose_name=_("source")
    )

    class Meta:
        default_permissions = ()
        ordering = ["name", "entity_id"]
        verbose_name = _("watch list entry")
        verbose_name_plural = _("watch list entries")
        constraints = [
            models.UniqueConstraint(fields=["watch_list", "entity_id"], name="ma_watch_entry_unique")
        ]
        indexes = [models.Index(fields=["entity_id"], name="ma_watch_entry_entity")]

    def __str__(self) -> str:
        return f"{self.watch_list}: {self.name or self.entity_id}"


class CharacterInteraction(models.Model):
    """Everything one section's stored data says about a character dealing with one counterparty.

    Derived data: rebuilt from the section's rows after each store that changed something
    and after data retention pruned history, so it never holds more than the rows behind it.
    """

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="interactions")
    #: the section whose rows are the evidence (``contacts``, ``wallet_journal``, ...)
    source = models.CharField(max_length=32)
    counterparty = entity_fk()
    #: ``EntityKind`` when known ("" until the resolver or ESI told)
    kind = models.CharField(max_length=16, blank=True, default="")
    first_seen = models.DateTimeField(null=True, default=None)
    last_seen = models.DateTimeField(null=True, default=None)
    count = models.PositiveIntegerField(default=0)
    #: ISK that changed hands (absolute amounts summed)
    isk = models.DecimalField(max_digits=22, decimal_places=2, default=0)
    #: the character's standing towards the counterparty (contacts only)
    standing = models.FloatField(null=True, default=None)
    #: the newest evidence row (primary key) counted: append-only sources are read from here on
    last_row = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.UniqueConstraint(
                fields=["character", "source", "counterparty"], name="ma_interaction_unique"
            )
        ]
        indexes = [
            models.Index(fields=["counterparty"], name="ma_interaction_counterparty"),
            models.Index(fields=["source", "first_seen"], name="ma_interaction_source_first"),
        ]

    def __str__(self) -> str:
        return f"{self.character_id}/{self.source}: {self.counterparty_id}"


class CounterpartyAffiliation(models.Model):
    """Where a counterparty belongs now (from ESI): a character's corporation and alliance, a
    player corporation's alliance. Lets a watched alliance match its members and corporations."""

    entity_id = models.BigIntegerField(primary_key=True)
    corporation_id = models.BigIntegerField(null=True, default=None, db_index=True)
    alliance_id = models.BigIntegerField(null=True, default=None, db_index=True)
    faction_id = models.BigIntegerField(null=True, default=None, db_index=True)
    checked_at = models.DateTimeField(db_index=True)

    class Meta:
        default_permissions = ()
        verbose_name = _("counterparty affiliation")
        verbose_name_plural = _("counterparty affiliations")

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.corporation_id}/{self.alliance_id}"
