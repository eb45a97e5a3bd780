"""Names of what synced data refers to: types, entities, stations and structures."""

from __future__ import annotations

import pytest

from eveuniverse.models import EveEntity, EveType

from memberaudit.models import CharacterAsset, Location
from memberaudit.models.locations import STRUCTURE_ID_MIN
from memberaudit.sections import engine, resolver

pytestmark = [pytest.mark.emulator, pytest.mark.django_db]


def test_after_an_update_types_entities_and_locations_get_their_names(esi, register_character):
    character = register_character(size="medium")
    results = [engine.update_section(character, name) for name in ("assets", "wallet_journal", "details")]
    related: dict[str, set[int]] = {"types": set(), "entities": set(), "locations": set()}
    for result in results:
        for key, values in result.related.items():
            related[key] |= values
    resolver.resolve(**related, character_pk=character.pk)

    asset_types = set(
        CharacterAsset.objects.filter(character=character).values_list("eve_type_id", flat=True)
    )
    assert asset_types <= set(EveType.objects.values_list("id", flat=True))
    assert not EveEntity.objects.filter(id__in=related["entities"], name="").exists()
    locations = Location.objects.filter(id__in=related["locations"])
    assert locations.count() == len(related["locations"])
    structures = [loc for loc in locations if loc.id >= STRUCTURE_ID_MIN]
    assert structures, "the medium character has assets in structures"
    assert all(loc.name or loc.is_forbidden for loc in structures)


def test_a_structure_esi_refuses_is_remembered_and_not_asked_again(esi, register_character):
    character = register_character(size="small")
    structure_id = 1_035_466_617_946
    esi.set_faults(forbidden_structures=[structure_id])
    resolver.resolve(locations=[structure_id], character_pk=character.pk)
    location = Location.objects.get(id=structure_id)
    assert location.is_forbidden and "no access" in location.display_name
    esi.reset_stats()
    resolver.resolve(locations=[structure_id], character_pk=character.pk)
    assert esi.stats()["requests"] == 0
