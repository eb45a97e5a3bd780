"""Delete the stored data of characters so that it is loaded again from ESI.

The characters themselves stay registered (with their owners, tokens and sharing); their
section data and section statuses go, and a forced update of the reset sections is queued.
"""

from __future__ import annotations

import time
from typing import Any

from redis.lock import Lock

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from memberaudit import tasks
from memberaudit.management.arguments import characters_by_eve_id, section_names
from memberaudit.management.progress import Progress
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import engine, heartbeats, locks, registry
from memberaudit.sections.base import Section


class Command(BaseCommand):
    help = (
        "Delete the stored section data and section statuses of all (or some) characters and "
        "queue a forced update, so everything is loaded again from ESI. Characters stay registered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--character",
            action="append",
            type=int,
            metavar="ID",
            help="EVE character id to reset; repeat for several (default: all characters).",
        )
        parser.add_argument(
            "--section",
            action="append",
            metavar="NAME",
            help="Section to reset; repeat for several (default: all sections).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only show what would be deleted.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_true", help="Do not ask for confirmation."
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="How long to wait for a running update of a character to finish before leaving "
            "that character as it is (default 60). Its data is never reset under a running update.",
        )
        parser.add_argument(
            "--no-update",
            action="store_true",
            help="Do not queue a forced update after the reset. The data then only comes back with "
            "'memberaudit_update_characters --force': without force ESI's ETags answer 'not modified'.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = section_names(options["section"] or ())
        if options["character"]:
            characters = characters_by_eve_id(options["character"])
        else:
            characters = list(Character.objects.select_related("eve_character").order_by("pk"))
        character_pks = [c.pk for c in characters]
        sections = [registry.get(name) for name in names]

        counts = self._counts(sections, character_pks if options["character"] else None)
        self.stdout.write(
            _("Reset of %(sections)d section(s) of %(characters)d character(s) would delete:")
            % {"sections": len(sections), "characters": len(characters)}
        )
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
        if options["dry_run"]:
            self.stdout.write(_("Dry run: nothing was deleted."))
            return
        if not characters:
            self.stdout.write(_("No characters to reset."))
            return
        if not options["noinput"]:
            answer = input(_("Type 'yes' to delete this data: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Aborted: nothing was deleted."))

        busy: list[Character] = []
        with Progress(self.stdout, len(characters), _("Characters reset")) as progress:
            for character in characters:
                held = self._lock_sections(character.pk, names, options["wait"])
                if held is None:
                    busy.append(character)
                    progress.advance()
                    continue
                try:
                    # renewed while a big character's rows are deleted, like an update's
                    with locks.KeepAlive(held), transaction.atomic():
                        for section in sections:
                            section.reset(character)
                        SectionStatus.objects.filter(character=character, section__in=names).delete()
                    # forget the "checked at" heartbeats, or the regular run would think them fresh
                    cache.delete_many([heartbeats.heartbeat_key(character.pk, name) for name in names])
                finally:
                    for lock in held.values():
                        locks.release(lock)
                progress.advance()
        if busy:
            self.stderr.write(
                _(
                    "%(count)d character(s) left as they were: an update of theirs was still running "
                    "after %(seconds)s s. Run the command again for them: %(names)s"
                )
                % {
                    "count": len(busy),
                    "seconds": f"{options['wait']:g}",
                    "names": ", ".join(
                        f"{c.eve_character.character_name} ({c.eve_character.character_id})" for c in busy
                    ),
                }
            )
            busy_pks = {c.pk for c in busy}
            character_pks = [pk for pk in character_pks if pk not in busy_pks]
        if len(busy) == len(characters):
            raise CommandError(_("Nothing was reset."))
        self.stdout.write(self.style.SUCCESS(_("Reset done.")))
        if options["no_update"]:
            return
        # forced: ESI's ETags would otherwise answer "not modified" for the deleted data
        queued = 0
        for pk in Character.objects.updatable().filter(pk__in=character_pks).values_list("pk", flat=True):
            queued += tasks.update_character(pk, force=True, sections=names, priority=tasks.PRIORITY_PERIODIC)
        self.stdout.write(_("Queued %(count)d forced section updates.") % {"count": queued})

    @staticmethod
    def _lock_sections(character_pk: int, names: list[str], wait: float) -> dict[str, Lock] | None:
        """Take the update locks of the character's sections, as an update does, so that no
        update writes while its data is deleted (nor a reset under a running update); None
        when some stay held by a running update for ``wait`` seconds."""
        keys = [engine.lock_key_for(character_pk, name) for name in names]
        deadline = time.monotonic() + wait
        while True:
            held = locks.acquire_many(keys, engine.LOCK_SECONDS)
            if len(held) == len(keys):
                return held
            for lock in held.values():
                locks.release(lock)
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    @staticmethod
    def _counts(sections: list[Section], character_pks: list[int] | None) -> dict[str, int]:
        """Rows per model that a reset would delete (one count query per model).

        ``character_pks`` None means all characters (no id list in the query).
        """
        where = {} if character_pks is None else {"character_id__in": character_pks}
        counts: dict[str, int] = {}
        for section in sections:
            for model in section.models:
                counts[f"{section.name} / {model._meta.label}"] = model.objects.filter(**where).count()
        counts[SectionStatus._meta.label] = SectionStatus.objects.filter(
            section__in=[s.name for s in sections], **where
        ).count()
        return counts
