"""Argument checks shared by the management commands: unknown names fail before any work."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from memberaudit.models import Character
from memberaudit.sections import registry


def characters_by_eve_id(character_ids: Iterable[int]) -> list[Character]:
    """The registered characters with these EVE character ids; ``CommandError`` naming any unknown."""
    wanted = sorted(set(character_ids))
    found = list(
        Character.objects.filter(eve_character__character_id__in=wanted)
        .select_related("eve_character__character_ownership")
        .order_by("eve_character__character_name")
    )
    missing = sorted(set(wanted) - {character.character_id for character in found})
    if missing:
        raise CommandError(
            _("No registered character with the EVE character id(s): %(ids)s")
            % {"ids": ", ".join(str(i) for i in missing)}
        )
    return found


def section_names(names: Iterable[str] = (), rings: Iterable[int] = ()) -> list[str]:
    """Section names from ``--section`` and ``--ring``, in registry order; all when both are empty."""
    names, rings = list(names), list(rings)
    known = registry.names()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise CommandError(
            _("Unknown section(s): %(unknown)s. Known sections: %(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
    bad_rings = sorted(set(rings) - {1, 2, 3})
    if bad_rings:
        raise CommandError(
            _("Unknown ring(s): %(rings)s. Rings are 1, 2 and 3.")
            % {"rings": ", ".join(str(r) for r in bad_rings)}
        )
    if not names and not rings:
        return known
    return [
        section.name for section in registry.all_sections() if section.name in names or section.ring in rings
    ]
