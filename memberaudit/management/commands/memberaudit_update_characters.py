"""Queue an update of all (or some) characters and sections now, regardless of staleness."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from memberaudit import tasks
from memberaudit.management.arguments import characters_by_eve_id, section_names
from memberaudit.management.progress import Progress
from memberaudit.models import Character


def _priority(value: str) -> int:
    try:
        priority = int(value)
    except ValueError:
        priority = -1
    if not 0 <= priority <= 9:
        raise CommandError(_("--priority must be a whole number from 0 (highest) to 9 (lowest)."))
    return priority


class Command(BaseCommand):
    help = (
        "Queue an update of all characters (or the given ones) for all sections (or the given "
        "sections / rings) now, whether or not they are due. Disabled and orphaned characters "
        "are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--character",
            action="append",
            type=int,
            metavar="ID",
            help="EVE character id to update; repeat for several (default: all characters).",
        )
        parser.add_argument(
            "--section",
            action="append",
            metavar="NAME",
            help="Section to update; repeat for several (default: all sections).",
        )
        parser.add_argument(
            "--ring", action="append", type=int, metavar="N", help="Update all sections of ring N (1, 2, 3)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Ignore ETags and store the data even when it did not change.",
        )
        parser.add_argument(
            "--priority",
            default=str(tasks.PRIORITY_PERIODIC),
            metavar="0-9",
            help=f"Celery priority of the queued tasks (default {tasks.PRIORITY_PERIODIC}; "
            f"user actions use {tasks.PRIORITY_USER}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        priority = _priority(options["priority"])
        names = section_names(options["section"] or (), options["ring"] or ())
        if options["character"]:
            characters = characters_by_eve_id(options["character"])
            skipped = [c for c in characters if c.is_disabled or c.is_orphan]
            for character in skipped:
                self.stderr.write(
                    _("Skipping %(name)s (%(id)d): disabled or without owner.")
                    % {"name": character.name, "id": character.character_id}
                )
            pks = [c.pk for c in characters if c not in skipped]
        else:
            pks = list(Character.objects.updatable().order_by("pk").values_list("pk", flat=True))
        if not pks:
            self.stdout.write(_("No characters to update."))
            return

        queued = 0
        with Progress(self.stdout, len(pks), _("Characters queued")) as progress:
            for pk in pks:
                queued += tasks.update_character(
                    pk, force=options["force"], sections=names, priority=priority
                )
                progress.advance()
        self.stdout.write(
            self.style.SUCCESS(
                _("Queued %(sections)d section updates of %(characters)d characters (priority %(priority)d).")
                % {"sections": queued, "characters": len(pks), "priority": priority}
            )
        )
