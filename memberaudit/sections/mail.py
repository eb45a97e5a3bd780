"""Mails: headers, recipients, labels, mailing lists and bodies (each body fetched once).

ESI lists the newest 50 mail headers per call and pages back with ``last_mail_id``. Each page
has its own ETag, so a page that answers 304 is identical to the one we saw last time: the
section remembers per page the cursor it was asked with, how many mails it held and its lowest
mail id (``SectionStatus.state``), which is all it needs to ask for the next page.

A new mail (or a mail read, labelled or deleted among the newest 50) changes the first page;
new mails only ever arrive at the top. So between full checks (every ``FULL_CHECK_MINUTES``)
the walk stops early: when the first page answers 304 nothing arrived, and when a changed page
already holds a mail we know, the pages after it only moved down. What only a full check
shows is a mail read or relabelled far down the list, or a list joined without a mail; the
labels (unread counts) are asked whenever a page changed. An unchanged check costs one ESI
call instead of about five, a check with new mail two instead of about seven.

Mails are kept as history: a mail deleted in game stays until it is pushed out by the
``MEMBERAUDIT_MAX_MAILS`` newest ones or by the data retention limit. Nothing is deleted
because ESI did not list it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from memberaudit import app_settings
from memberaudit.esi.gateway import EsiError, EsiPaused, EsiResponse, NotFound, TokenError
from memberaudit.models.mail import (
    CharacterMail,
    CharacterMailingList,
    CharacterMailLabel,
    CharacterMailRecipient,
    CharacterMailUnreadCount,
)

from .base import NOT_MODIFIED, Changes, Counterparties, Section, SyncContext, ids
from .registry import register
from .retention import within
from .sync import batch_size, dt, replace_rows, upsert_one

logger = logging.getLogger(__name__)

MAIL_SCOPE = "esi-mail.read_mail.v1"
#: ESI returns at most this many headers per call
PAGE_SIZE = 50
SUBJECT_MAX_LENGTH = CharacterMail._meta.get_field("subject").max_length
_OLDEST = datetime.min.replace(tzinfo=UTC)
#: how often the older header pages, labels and lists are asked when the first page is unchanged
FULL_CHECK_MINUTES = 360


def _full_check_key(character_pk: int) -> str:
    return f"memberaudit:mail_full_check:{character_pk}"


def max_mails() -> int:
    """How many of the newest mails are fetched and kept per character."""
    return max(0, int(app_settings.get("MEMBERAUDIT_MAX_MAILS")))


def _refetch(ctx: SyncContext, operation_id: str, **params: Any) -> EsiResponse:
    """Ask again ignoring the ETag: a 304 is useless when we no longer know what it stands for."""
    return ctx.esi(operation_id, refetch=True, **params)


def _newest_first(item: tuple[int, datetime | None]) -> tuple[datetime, int]:
    mail_id, timestamp = item
    return (timestamp or _OLDEST, mail_id)


@register
class MailSection(Section):
    name = "mail"
    title = _("Mail")
    ring = 2
    scopes = (MAIL_SCOPE,)
    #: between full checks the header walk stops early (see the module's docstring)
    full_check_minutes = FULL_CHECK_MINUTES
    operations = (
        "GetCharactersCharacterIdMail",
        "GetCharactersCharacterIdMailLabels",
        "GetCharactersCharacterIdMailLists",
        "GetCharactersCharacterIdMailMailId",
    )
    models = (CharacterMail, CharacterMailLabel, CharacterMailUnreadCount, CharacterMailingList)
    retention = ((CharacterMail, "timestamp"),)
    counterparties = (
        Counterparties(CharacterMail, "sender_id", date="timestamp"),
        Counterparties(
            CharacterMailRecipient,
            "recipient_id",
            date="mail__timestamp",
            character="mail__character",
            kind_field="recipient_type",
        ),
    )
    description = (
        "The newest mails (up to MEMBERAUDIT_MAX_MAILS) with sender, recipients, labels and read "
        "status, plus mail labels and mailing lists, every ring 2 cycle; each mail body is fetched "
        "once and shown in the mail tab. While the newest page of headers is unchanged, older pages, "
        "labels and lists are asked every 6 hours only."
    )

    # --- fetch ----------------------------------------------------------------------------

    def fetch(self, ctx: SyncContext) -> Any:
        headers, pages, full = self._fetch_headers(ctx)
        labels = lists = None
        if full or headers is not None:
            labels = ctx.esi("GetCharactersCharacterIdMailLabels")
        if full:
            lists = ctx.esi("GetCharactersCharacterIdMailLists")
            cache.set(_full_check_key(ctx.character.pk), 1, timeout=FULL_CHECK_MINUTES * 60)
        keep = self._newest_mail_ids(ctx, headers or [])
        if headers is not None:
            kept = set(keep)
            headers = [mail for mail in headers if mail["mail_id"] in kept]
        bodies = self._fetch_bodies(ctx, keep)
        labels_data = None if labels is None or labels.not_modified else labels.data
        lists_data = None if lists is None or lists.not_modified else lists.data
        if labels_data is None and lists_data is None and headers is None and not bodies:
            return NOT_MODIFIED
        ctx.new_state = {**ctx.state, "mail_pages": pages}
        return {
            "labels": labels_data,
            "lists": lists_data,
            "headers": headers,
            "bodies": {str(mail_id): body for mail_id, body in sorted(bodies.items())},
        }

    def _fetch_headers(self, ctx: SyncContext) -> tuple[list[dict] | None, list[dict], bool]:
        """Headers of the pages that changed (None when none did), what each page held, and
        whether this was a full check (every page asked, not stopped early)."""
        limit = max_mails()
        stored_pages = ctx.state.get("mail_pages", [])
        known_pages = {page["after"]: page for page in stored_pages}
        # the older pages may wait when the first is unchanged and the last full check is recent
        may_skip = not (ctx.refetch or ctx.force) and cache.get(_full_check_key(ctx.character.pk))
        headers: list[dict] = []
        pages: list[dict] = []
        changed = False
        stored_ids: set[int] | None = None
        cursor: int | None = None
        collected = 0
        while collected < limit:
            params = {} if cursor is None else {"last_mail_id": cursor}
            response = ctx.esi("GetCharactersCharacterIdMail", **params)
            page = known_pages.get(cursor) if response.not_modified else None
            if response.not_modified and page is None:
                response = _refetch(ctx, "GetCharactersCharacterIdMail", **params)
            if cursor is None and page is not None and may_skip:
                return None, stored_pages, False
            if page is None:
                changed = True
                mails = [mail for mail in response.data or [] if mail.get("mail_id")]
                headers.extend(mails)
                page = {
                    "after": cursor,
                    "count": len(mails),
                    "min_id": min((mail["mail_id"] for mail in mails), default=None),
                }
                pages.append(page)
                if may_skip:
                    if stored_ids is None:
                        stored_ids = set(
                            CharacterMail.objects.filter(character=ctx.character).values_list(
                                "mail_id", flat=True
                            )
                        )
                    if stored_ids.intersection(mail["mail_id"] for mail in mails):
                        return headers, pages, False  # the older pages only moved down
            else:
                pages.append(page)
            collected += page["count"]
            if page["count"] < PAGE_SIZE or page["min_id"] is None:
                break
            cursor = page["min_id"]
        return (headers if changed else None), pages, True

    @staticmethod
    def _newest_mail_ids(ctx: SyncContext, headers: list[dict]) -> list[int]:
        """The ids of the mails kept after this run, newest first (stored and incoming)."""
        timestamps: dict[int, datetime | None] = dict(
            CharacterMail.objects.filter(character=ctx.character).values_list("mail_id", "timestamp")
        )
        for mail in headers:
            timestamps[mail["mail_id"]] = dt(mail.get("timestamp"))
        newest = sorted(timestamps.items(), key=_newest_first, reverse=True)[: max_mails()]
        return [mail_id for mail_id, _timestamp in newest]

    @staticmethod
    def _fetch_bodies(ctx: SyncContext, keep: list[int]) -> dict[int, str]:
        """Bodies of kept mails that have none stored yet, newest first.

        A mail gone from ESI gets an empty body (asked once, not again). When ESI fails or the
        budget runs low, the bodies fetched so far are kept and the rest follow next run.
        """
        with_body = set(
            CharacterMail.objects.filter(
                character=ctx.character, mail_id__in=keep, body__isnull=False
            ).values_list("mail_id", flat=True)
        )
        bodies: dict[int, str] = {}
        for mail_id in keep:
            if mail_id in with_body:
                continue
            try:
                response = ctx.esi("GetCharactersCharacterIdMailMailId", mail_id=mail_id)
            except NotFound:
                bodies[mail_id] = ""
                continue
            except TokenError:
                raise
            except (EsiPaused, EsiError) as exc:
                logger.info("%s: mail bodies postponed to the next run: %s", ctx.character, exc)
                ctx.postponed = True
                break
            if response.not_modified:  # asked before, but never stored: ask again in full
                response = _refetch(ctx, "GetCharactersCharacterIdMailMailId", mail_id=mail_id)
            bodies[mail_id] = (response.data or {}).get("body", "")
        return bodies

    # --- store ----------------------------------------------------------------------------

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        scope = {"character": ctx.character}
        changes = Changes()
        if payload.get("labels") is not None:
            changes += self._store_labels(scope, payload["labels"])
        if payload.get("lists") is not None:
            rows = [
                {"list_id": item["mailing_list_id"], "name": item.get("name", "")}
                for item in payload["lists"]
            ]
            changes += replace_rows(CharacterMailingList, scope, rows, key="list_id")
        created_ids: set[int] = set()
        if payload.get("headers") is not None:
            changes += self._store_headers(ctx, payload["headers"], created_ids)
        bodies = {int(mail_id): body for mail_id, body in (payload.get("bodies") or {}).items()}
        if bodies:
            changes += self._store_bodies(ctx, bodies, created_ids)
        return changes + self._cut_off(ctx)

    @staticmethod
    def _store_labels(scope: dict[str, Any], data: dict) -> Changes:
        rows = [
            {
                "label_id": label["label_id"],
                "name": label.get("name", ""),
                "color": label.get("color", ""),
                "unread_count": label.get("unread_count"),
            }
            for label in data.get("labels", [])
            if label.get("label_id") is not None
        ]
        changes = replace_rows(CharacterMailLabel, scope, rows, key="label_id")
        return changes + upsert_one(
            CharacterMailUnreadCount, scope, {"total": data.get("total_unread_count")}
        )

    @staticmethod
    def _store_headers(ctx: SyncContext, headers: list[dict], created_ids: set[int]) -> Changes:
        """New mails with their recipients; read status and labels of known ones."""
        rows = [
            {
                "mail_id": mail["mail_id"],
                "sender_id": mail.get("from"),
                "subject": (mail.get("subject") or "")[:SUBJECT_MAX_LENGTH],
                "timestamp": mail.get("timestamp"),
                "is_read": bool(mail.get("is_read", False)),
                "label_ids": sorted(set(mail.get("labels") or [])),
            }
            for mail in headers
        ]
        recipients_of = {mail["mail_id"]: mail.get("recipients") or [] for mail in headers}

        def add_recipients(created: list[CharacterMail]) -> None:
            new_ids = [mail.mail_id for mail in created]
            created_ids.update(new_ids)
            pks: dict[int, int] = {}
            size = batch_size()
            for start in range(0, len(new_ids), size):  # MySQL does not return bulk_create's pks
                pks.update(
                    CharacterMail.objects.filter(
                        character=ctx.character, mail_id__in=new_ids[start : start + size]
                    ).values_list("mail_id", "pk")
                )
            recipients = []
            for mail_id in new_ids:
                seen: set[int] = set()
                for recipient in recipients_of[mail_id]:
                    recipient_id = recipient.get("recipient_id")
                    if not recipient_id or recipient_id in seen:
                        continue
                    seen.add(recipient_id)
                    recipients.append(
                        CharacterMailRecipient(
                            mail_id=pks[mail_id],
                            recipient_id=recipient_id,
                            recipient_type=recipient.get("recipient_type", ""),
                        )
                    )
            CharacterMailRecipient.objects.bulk_create(recipients, batch_size=size)

        return replace_rows(
            CharacterMail,
            {"character": ctx.character},
            within(rows, "timestamp"),
            key="mail_id",
            delete_missing=False,
            after_create=add_recipients,
        )

    @staticmethod
    def _store_bodies(ctx: SyncContext, bodies: dict[int, str], created_ids: set[int]) -> Changes:
        """Fill in bodies not stored yet; a stored body is never replaced."""
        targets = list(
            CharacterMail.objects.filter(
                character=ctx.character, mail_id__in=list(bodies), body__isnull=True
            ).only("pk", "mail_id")
        )
        for mail in targets:
            mail.body = bodies[mail.mail_id]
        if targets:
            CharacterMail.objects.bulk_update(targets, ["body"], batch_size=batch_size())
        return Changes(updated=sum(1 for mail in targets if mail.mail_id not in created_ids))

    @staticmethod
    def _cut_off(ctx: SyncContext) -> Changes:
        """Delete all but the ``MEMBERAUDIT_MAX_MAILS`` newest mails of the character."""
        surplus = list(
            CharacterMail.objects.filter(character=ctx.character)
            .order_by(F("timestamp").desc(nulls_last=True), "-mail_id")
            .values_list("pk", flat=True)[max_mails() :]
        )
        size = batch_size()
        for start in range(0, len(surplus), size):
            CharacterMail.objects.filter(pk__in=surplus[start : start + size]).delete()
        return Changes(deleted=len(surplus))

    # --- related ids ----------------------------------------------------------------------

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        headers = payload.get("headers") or []
        list_ids = ids(item.get("mailing_list_id") for item in payload.get("lists") or [])
        entities = ids(mail.get("from") for mail in headers) | ids(
            recipient.get("recipient_id")
            for mail in headers
            for recipient in mail.get("recipients") or []
            if recipient.get("recipient_type") != "mailing_list"
        )
        return {"entities": entities - list_ids}
