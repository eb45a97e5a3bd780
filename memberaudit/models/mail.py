"""EVE mails of characters: headers, bodies, recipients, labels and mailing lists."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk


class CharacterMail(models.Model):
    """One mail header, and its body once fetched (``body`` is None until then).

    The body is kept as raw EVE markup; turning it into safe HTML is the viewer's job.
    """

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="mails")
    mail_id = models.BigIntegerField()
    sender = entity_fk()
    subject = models.CharField(max_length=255, blank=True, default="")
    timestamp = models.DateTimeField(null=True, default=None)
    is_read = models.BooleanField(default=False)
    #: ids of the character's mail labels (``CharacterMailLabel.label_id``), sorted
    label_ids = models.JSONField(default=list, blank=True)
    body = models.TextField(null=True, default=None)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "mail_id"], name="ma_mail_unique")]
        indexes = [models.Index(fields=["character", "-timestamp"], name="ma_mail_char_timestamp")]
        verbose_name = _("mail")
        verbose_name_plural = _("mails")

    def __str__(self) -> str:
        return f"{self.character}: mail {self.mail_id}"


class CharacterMailRecipient(models.Model):
    """A recipient of a mail: a character, corporation, alliance or one of the mailing lists.

    For mailing lists ``recipient_id`` is the list's id (its name is in ``CharacterMailingList``),
    not an ``EveEntity``.
    """

    class RecipientType(models.TextChoices):
        ALLIANCE = "alliance", _("alliance")
        CHARACTER = "character", _("character")
        CORPORATION = "corporation", _("corporation")
        MAILING_LIST = "mailing_list", _("mailing list")

    id = models.BigAutoField(primary_key=True)
    mail = models.ForeignKey(CharacterMail, on_delete=models.CASCADE, related_name="recipients")
    recipient = entity_fk()
    recipient_type = models.CharField(max_length=16, choices=RecipientType.choices)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["mail", "recipient"], name="ma_mail_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.mail}: {self.recipient_type} {self.recipient_id}"


class CharacterMailLabel(models.Model):
    """A mail label of a character (Inbox, Sent, custom ones) with its unread count."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="mail_labels")
    label_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True, default="")
    color = models.CharField(max_length=16, blank=True, default="")
    unread_count = models.PositiveIntegerField(null=True, default=None)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "label_id"], name="ma_mail_label_unique")]

    def __str__(self) -> str:
        return f"{self.character}: {self.name}"


class CharacterMailUnreadCount(models.Model):
    """The number of unread mails of a character, as ESI counts them."""

    character = models.OneToOneField(Character, on_delete=models.CASCADE, related_name="mail_unread_count")
    total = models.PositiveIntegerField(null=True, default=None)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.character}: {self.total} unread"


class CharacterMailingList(models.Model):
    """A mailing list the character subscribes to."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="mailing_lists")
    list_id = models.BigIntegerField()
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "list_id"], name="ma_mailing_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.name}"
