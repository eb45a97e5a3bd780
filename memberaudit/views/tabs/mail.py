"""Mail: headers in a table, each body (sanitized EVE markup) in a dialog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from memberaudit.core import markup
from memberaudit.models import Character
from memberaudit.models.mail import (
    CharacterMail,
    CharacterMailingList,
    CharacterMailLabel,
    CharacterMailRecipient,
    CharacterMailUnreadCount,
)
from memberaudit.views.tables import Column, Table, unknown_name

from . import cells, detail, register_table, tab_context


@tab_context("mail")
def mail_context(character: Character) -> dict[str, Any]:
    return {
        "mail_labels": list(CharacterMailLabel.objects.filter(character=character).order_by("label_id")),
        "mailing_lists": list(CharacterMailingList.objects.filter(character=character).order_by("name")),
        "unread_count": CharacterMailUnreadCount.objects.filter(character=character).first(),
    }


def _label_filter(params: Mapping[str, str]) -> int | None:
    try:
        return int(params.get("label", ""))
    except (TypeError, ValueError):
        return None


def _mails(character: Character, params: Mapping[str, str]) -> QuerySet:
    rows = CharacterMail.objects.filter(character=character).select_related("sender")
    label_id = _label_filter(params)
    if label_id is not None:
        # label ids are a JSON list; its text ("[1, 4]") is matched, as JSON "contains" is not
        # available on SQLite
        rows = rows.annotate(labels_text=Cast("label_ids", CharField())).filter(
            labels_text__regex=rf"[\[ ,]{label_id}[\],]"
        )
    return rows


def _recipients_prefetch() -> Prefetch:
    return Prefetch(
        "recipients",
        queryset=CharacterMailRecipient.objects.select_related("recipient").order_by("pk"),
    )


def _names_of_lists_and_labels(character: Character) -> tuple[dict[int, str], dict[int, str]]:
    lists = dict(CharacterMailingList.objects.filter(character=character).values_list("list_id", "name"))
    labels = dict(CharacterMailLabel.objects.filter(character=character).values_list("label_id", "name"))
    return lists, labels


def _recipient_names(mail: CharacterMail, lists: dict[int, str]) -> list[str]:
    names = []
    for recipient in mail.recipients.all():
        if recipient.recipient_type == CharacterMailRecipient.RecipientType.MAILING_LIST:
            names.append(lists.get(recipient.recipient_id) or unknown_name(recipient.recipient_id))
        else:
            names.append(cells.name_or_id(recipient.recipient, recipient.recipient_id))
    return names


def _prepare(page: list[CharacterMail], character: Character) -> None:
    """Recipients (one query) and the names of mailing lists and labels (two queries)."""
    prefetch_related_objects(page, _recipients_prefetch())
    lists, labels = _names_of_lists_and_labels(character)
    for mail in page:
        mail.recipient_names = _recipient_names(mail, lists)
        mail.label_names = [labels.get(label_id) or f"#{label_id}" for label_id in mail.label_ids or []]


def _subject(mail: CharacterMail):
    url = reverse("memberaudit:character_detail", args=[mail.character_id, "mail", mail.pk])
    subject = mail.subject or _("(no subject)")
    text = format_html("<strong>{}</strong>", subject) if not mail.is_read else subject
    return format_html('<a href="#" data-ma-detail="{}">{}</a>', url, text)


register_table(
    Table(
        name="mail",
        section="mail",
        title=_("Mails"),
        rows=_mails,
        prepare=_prepare,
        params=("label",),
        columns=(
            Column(
                "timestamp",
                _("Sent"),
                lambda m: cells.moment(m.timestamp),
                order_by=("timestamp",),
                css="text-nowrap",
            ),
            Column(
                "sender",
                pgettext_lazy("mail sender", "From"),
                lambda m: cells.entity(m, "sender"),
                order_by=("sender__name",),
                search=("sender__name",),
            ),
            Column(
                "recipients", pgettext_lazy("mail recipients", "To"), lambda m: ", ".join(m.recipient_names)
            ),
            Column("subject", _("Subject"), _subject, order_by=("subject",), search=("subject",)),
            Column("labels", _("Labels"), lambda m: ", ".join(m.label_names)),
            Column("is_read", _("Read"), lambda m: m.is_read, order_by=("is_read",)),
        ),
    )
)


@detail("mail", "memberaudit/partials/viewer_detail_mail.html")
def mail_detail(character: Character, pk: int) -> dict[str, Any] | None:
    mail = (
        CharacterMail.objects.filter(character=character, pk=pk)
        .select_related("sender")
        .prefetch_related(_recipients_prefetch())
        .first()
    )
    if mail is None:
        return None
    lists, labels = _names_of_lists_and_labels(character)
    return {
        "mail": mail,
        "sender": cells.entity(mail, "sender"),
        "recipients": _recipient_names(mail, lists),
        "labels": [labels.get(label_id) or f"#{label_id}" for label_id in mail.label_ids or []],
        # sanitized by core.markup: only allowlisted tags, attributes and links remain
        "body_html": mark_safe(markup.to_safe_html(mail.body)),  # noqa: S308
        "body_missing": mail.body is None,
    }
