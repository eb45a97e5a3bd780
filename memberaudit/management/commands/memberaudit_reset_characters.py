"""Delete the stored data of characters so that it is loaded again from ESI.

The characters themselves stay registered (with their owners, tokens and sharing); their
section data and section statuses go, and a forced update of the reset sections is queued.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from memberaudit import tasks
from memberaudit.management.arguments import characters_by_eve_id, section_names
from memberaudit.management.progress import Progress
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import engine, registry
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

        with Progress(self.stdout, len(characters), _("Characters reset")) as progress:
            for character in characters:
                with transaction.atomic():
                    for section in sections:
                        section.reset(character)
                    SectionStatus.objects.filter(character=character, section__in=names).delete()
                # forget the "checked at" heartbeats, or the regular run would think them fresh
                # (the engine has no public call for this yet)
                cache.delete_many([engine._heartbeat_key(character.pk, name) for name in names])
                progress.advance()
        self.stdout.write(self.style.SUCCESS(_("Reset done.")))
        if options["no_update"]:
            return
        # forced: ESI's ETags would otherwise answer "not modified" for the deleted data
        queued = 0
        for pk in Character.objects.updatable().filter(pk__in=character_pks).values_list("pk", flat=True):
            queued += tasks.update_character(pk, force=True, sections=names, priority=tasks.PRIORITY_PERIODIC)
        self.stdout.write(_("Queued %(count)d forced section updates.") % {"count": queued})

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
