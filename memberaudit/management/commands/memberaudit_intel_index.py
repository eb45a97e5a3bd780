"""Rebuild the intel interaction index from the stored section data.

Needed once after installing (or upgrading to) the intel features: the index is kept up to
date by every section sync that changes something, so characters whose data does not change
would otherwise stay out of it. Safe to run at any time; each chunk of characters is its own
transaction and an unchanged index costs no writes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from memberaudit.intel import index
from memberaudit.management.arguments import characters_by_eve_id
from memberaudit.management.progress import Progress
from memberaudit.models import Character

CHUNK = 200


class Command(BaseCommand):
    help = "Rebuild the intel interaction index of all (or some) characters from their stored data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--character",
            action="append",
            type=int,
            metavar="ID",
            help="EVE character id to rebuild; repeat for several (default: all characters).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["character"]:
            pks = [character.pk for character in characters_by_eve_id(options["character"])]
        else:
            pks = list(Character.objects.order_by("pk").values_list("pk", flat=True))
        created = updated = deleted = 0
        with Progress(self.stdout, len(pks), _("characters")) as progress:
            for start in range(0, len(pks), CHUNK):
                chunk = pks[start : start + CHUNK]
                changes = index.rebuild(chunk, chunk=CHUNK)
                created += len(changes.created)
                updated += changes.updated
                deleted += changes.deleted
                progress.advance(len(chunk))
        self.stdout.write(
            _(
                "Index rebuilt for %(characters)d characters: %(created)d rows added, %(updated)d updated, %(deleted)d removed."
            )
            % {"characters": len(pks), "created": created, "updated": updated, "deleted": deleted}
        )
