"""Export character data as CSV files (optionally zipped), safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from memberaudit import exports
from memberaudit.management.arguments import characters_by_eve_id
from memberaudit.management.progress import Progress

ALL = "all"


class Command(BaseCommand):
    help = (
        "Export character data as CSV: one file per topic, or one zip archive. Cells that a "
        "spreadsheet could run as a formula are neutralised. Memory use does not grow with the "
        "size of the tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--topic",
            action="append",
            choices=[*exports.topic_names(), ALL],
            help="What to export; repeat for several topics, or 'all' (default: all).",
        )
        parser.add_argument(
            "--destination",
            default=".",
            help="Existing folder to write the files into (default: the current folder).",
        )
        parser.add_argument("--zip", action="store_true", help="Write one zip archive instead of CSV files.")
        parser.add_argument(
            "--character",
            action="append",
            type=int,
            metavar="ID",
            help="EVE character id to export; repeat for several (default: all characters).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["topic"] or [ALL]
        topics = (
            [exports.get_topic(n) for n in exports.topic_names()]
            if ALL in names
            else [exports.get_topic(n) for n in dict.fromkeys(names)]
        )
        destination = Path(options["destination"]).expanduser()
        if not destination.is_dir():
            raise CommandError(_("Destination is not an existing folder: %(path)s") % {"path": destination})
        character_pks = None
        if options["character"]:
            character_pks = [c.pk for c in characters_by_eve_id(options["character"])]

        progress_bars: dict[str, Progress] = {}

        def on_progress(topic_name: str, rows: int) -> None:
            bar = progress_bars.get(topic_name)
            if bar is None:
                for other in progress_bars.values():
                    other.finish()
                total = exports.count_rows(exports.get_topic(topic_name), character_pks)
                bar = progress_bars[topic_name] = Progress(self.stdout, total, topic_name)
            bar.set(rows)

        written = exports.export_to_directory(
            topics, destination, character_pks, as_zip=options["zip"], on_progress=on_progress
        )
        for bar in progress_bars.values():
            bar.finish()
        for path, rows in written:
            self.stdout.write(
                self.style.SUCCESS(_("Wrote %(rows)d rows to %(path)s") % {"rows": rows, "path": path})
            )
