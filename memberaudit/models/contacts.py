"""Contacts of characters and their contact labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterContact(models.Model):
    """A character, corporation, alliance or faction in a character's contact list."""

    class ContactType(models.TextChoices):
        ALLIANCE = "alliance", _("alliance")
        CHARACTER = "character", _("character")
        CORPORATION = "corporation", _("corporation")
        FACTION = "faction", _("faction")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="contacts")
    contact = entity_fk()
    contact_type = models.CharField(max_length=16, choices=ContactType.choices)
    standing = models.FloatField()
    is_watched = models.BooleanField(default=False)
    is_blocked = models.BooleanField(default=False)
    #: ids of the character's contact labels (``CharacterContactLabel.label_id``), sorted
    label_ids = models.JSONField(default=list, blank=True)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "contact"], name="ma_contact_unique")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.character}: {self.contact_id} ({self.standing})"


class CharacterContactLabel(models.Model):
    """A label a character uses to group contacts."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="contact_labels")
    label_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "label_id"], name="ma_contact_label_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.name}"
