"""Preload the EVE static data Member Audit needs (ships, skills, implants, ...) via eveuniverse."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from eveuniverse.models import EveCategory, EveType

from memberaudit.esi import client as esi_client
from memberaudit.management.progress import Progress

#: EVE categories the app shows or computes with: category id -> what for
CATEGORIES: dict[int, str] = {
    6: "ships (current ship, skill sets, fittings)",
    7: "modules (fittings, assets)",
    8: "charges (fittings, assets)",
    16: "skills (skills, skill queue, skill sets)",
    18: "drones (fittings, assets)",
    20: "implants (implants, jump clones)",
}


class Command(BaseCommand):
    help = (
        "Preload the EVE categories Member Audit needs (ships, modules, charges, skills, drones, "
        "implants) with all their groups and types, so pages and skill sets do not wait for ESI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--category",
            action="append",
            type=int,
            metavar="ID",
            help=f"Load only this category; repeat for several (default: {', '.join(map(str, CATEGORIES))}).",
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_true", help="Do not ask for confirmation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        category_ids = list(dict.fromkeys(options["category"] or CATEGORIES))
        unknown = [cid for cid in category_ids if cid not in CATEGORIES]
        if unknown:
            raise CommandError(
                _("Unknown category id(s): %(unknown)s. Member Audit needs: %(known)s")
                % {
                    "unknown": ", ".join(map(str, unknown)),
                    "known": ", ".join(f"{cid} ({what})" for cid, what in CATEGORIES.items()),
                }
            )
        self.stdout.write(
            _("Loading %(count)d EVE categories with all their groups and types from ESI:")
            % {"count": len(category_ids)}
        )
        for category_id in category_ids:
            self.stdout.write(f"  {category_id}: {CATEGORIES[category_id]}")
        if not options["noinput"] and input(_("Continue? [y/N] ")).strip().lower() not in ("y", "yes"):
            raise CommandError(_("Aborted."))
        esi_client.provider()  # points eveuniverse's client at the same ESI server as ours
        with Progress(self.stdout, len(category_ids), _("Categories")) as progress:
            for category_id in category_ids:
                # update_or_create: a category that exists already (created as the parent of
                # one resolved type) would not get its groups and types from get_or_create
                category, _created = EveCategory.objects.update_or_create_esi(
                    id=category_id, include_children=True, wait_for_children=True
                )
                progress.advance()
                types = EveType.objects.filter(eve_group__eve_category=category).count()
                self.stdout.write(
                    _("%(name)s: %(groups)d groups, %(types)d types")
                    % {"name": category.name, "groups": category.eve_groups.count(), "types": types}
                )
        self.stdout.write(self.style.SUCCESS(_("EVE data loaded.")))
