"""Names of what synced data refers to: types, entities, stations and structures.

Entity names are asked for in bulk; ids ESI cannot name are found by halving the batch,
remembered, and asked for again only after a back-off; known names are never rewritten.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import write_statements

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eveuniverse.models import EveEntity, EveType

from memberaudit.models import CharacterAsset, Location
from memberaudit.models.locations import STRUCTURE_ID_MIN
from memberaudit.sections import engine, registry, resolver
from memberaudit.testing import registration

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


# --- entity names: bulk, bisected around ids ESI does not know, remembered -------------------


def _names_requests(esi) -> dict[str, int]:
    return esi.stats()["by_route"].get("PostUniverseNames", {})


def _purged(esi) -> list[int]:
    return sorted(esi.core.world.purged_characters)


def test_one_unknown_id_costs_no_other_name(esi, db):
    known = [c["id"] for c in esi.characters()] + list(range(2_113_000_000, 2_113_000_040))
    unknown = _purged(esi)[0]
    esi.reset_stats()

    resolver.resolve_entities([*known, unknown])

    assert set(EveEntity.objects.exclude(name="").values_list("id", flat=True)) == set(known)
    assert EveEntity.objects.get(id=unknown).name == ""
    requests = _names_requests(esi)
    assert requests["404"] <= 7, "the batch is halved until the unknown id stands alone"
    assert requests["200"] <= 7


def test_unknown_ids_are_remembered_and_not_asked_again_within_the_back_off(esi, db):
    ids = [esi.characters()[0]["id"], *_purged(esi)]
    resolver.resolve_entities(ids)
    esi.reset_stats()

    with CaptureQueriesContext(connection) as ctx:
        resolver.resolve_entities(ids)

    assert esi.stats()["requests"] == 0
    assert write_statements(ctx) == []
    assert len(ctx.captured_queries) == 1

    # once the back-off is over, each unknown id is asked for alone, and only touched
    EveEntity.objects.filter(name="").update(
        last_updated=timezone.now() - resolver.UNKNOWN_ID_RETRY - timedelta(minutes=1)
    )
    with CaptureQueriesContext(connection) as ctx:
        resolver.resolve_entities(ids)
    assert _names_requests(esi) == {"404": len(_purged(esi))}
    assert [sql.split(" ", 1)[0] for sql in write_statements(ctx)] == ["UPDATE"]
    assert (
        EveEntity.objects.filter(name="", last_updated__gte=timezone.now() - timedelta(minutes=1)).count()
        == 3
    )


def test_factions_and_npc_corporations_resolve_with_names(esi, db):
    resolver.resolve_entities([500001, 500004, 1000035, 3008416])
    names = dict(EveEntity.objects.values_list("id", "name"))
    assert names[500004] == "Gallente Federation"
    assert EveEntity.objects.get(id=500001).category == EveEntity.CATEGORY_FACTION
    assert names[1000035] == "Caldari Navy"
    assert EveEntity.objects.get(id=3008416).category == EveEntity.CATEGORY_CHARACTER


def test_a_type_esi_does_not_know_is_not_asked_again_within_the_back_off(esi, db):
    resolver.resolve_types([587, 999_999_999])
    assert EveType.objects.filter(id=587).exists()
    esi.reset_stats()
    resolver.resolve_types([587, 999_999_999])
    assert esi.stats()["requests"] == 0


# --- types: in bulk, each group and category asked for once per batch ----------------------------


def _type_requests(esi) -> dict[str, int]:
    routes = esi.stats()["by_route"]
    return {
        name: sum(routes.get(f"GetUniverse{name}", {}).values())
        for name in ("TypesTypeId", "GroupsGroupId", "CategoriesCategoryId")
    }


def test_types_are_loaded_in_bulk_with_each_group_and_category_asked_for_once(esi, db):
    from memberaudit.testing.esi_emulator import universe

    ids = [*universe.SHIP_TYPES, *universe.MODULE_TYPES, *universe.MINERAL_TYPES, *universe.ORE_TYPES]
    known = universe.types()
    groups = {known[i].group_id for i in ids}
    categories = {known[i].category_id for i in ids}
    assert len(groups) < len(ids) and len(categories) < len(groups), "types share groups"
    esi.reset_stats()

    with CaptureQueriesContext(connection) as ctx:
        assert resolver.resolve_types(ids) == len(ids)

    assert _type_requests(esi) == {
        "TypesTypeId": len(ids),
        "GroupsGroupId": len(groups),
        "CategoriesCategoryId": len(categories),
    }
    inserts = [sql for sql in write_statements(ctx) if sql.startswith("INSERT")]
    assert len(inserts) == 3, "one bulk insert each for categories, groups and types"
    assert len(ctx.captured_queries) <= 8, "a few queries per batch, not per type"
    assert set(EveType.objects.values_list("id", flat=True)) == set(ids)

    # half of them known: those are neither asked for nor written; their groups are not asked again
    EveType.objects.filter(id__in=ids[::2]).delete()
    esi.reset_stats()
    assert resolver.resolve_types(ids) == len(ids[::2])
    assert _type_requests(esi) == {
        "TypesTypeId": len(ids[::2]),
        "GroupsGroupId": 0,
        "CategoriesCategoryId": 0,
    }


def test_a_bulk_loaded_type_is_what_django_eveuniverse_would_store(esi, db):
    from django.forms.models import model_to_dict

    from eveuniverse.models import EveCategory, EveGroup

    ids = [587, 34, 3831]

    def snapshot() -> dict:
        return {
            model.__name__: sorted(
                (model_to_dict(row, exclude=["last_updated"]) for row in model.objects.all()),
                key=lambda d: d["id"],
            )
            for model in (EveType, EveGroup, EveCategory)
        }

    resolver.resolve_types(ids)
    ours = snapshot()
    for model in (EveType, EveGroup, EveCategory):
        model.objects.all().delete()
    for type_id in ids:
        EveType.objects.update_or_create_esi(id=type_id)
    assert ours == snapshot()
    assert all(row["name"] for rows in ours.values() for row in rows)


def test_a_group_esi_fails_to_give_leaves_its_types_for_the_next_run(esi, db):
    from eveuniverse.models import EveGroup

    esi.set_faults(route_error_rates={"GetUniverseGroupsGroupId": 1.0})
    assert resolver.resolve_types([587, 34]) == 0
    esi.set_faults()
    assert not EveType.objects.exists() and not EveGroup.objects.exists()
    assert resolver.resolve_types([587, 34]) == 2, "a server error is not remembered as unknown"


# --- after an emulator tick: known names are neither asked for nor rewritten --------------------


@pytest.fixture
def own_esi(private_esi):
    """A private emulator: this test moves its clock."""
    return private_esi(characters=4, seed=31)


def _update_all(character) -> dict[str, set[int]]:
    related: dict[str, set[int]] = {"types": set(), "entities": set(), "locations": set()}
    for name in registry.names():
        result = engine.update_section(character, name, force=True)
        for key, values in result.related.items():
            related[key] |= values
    return related


def test_after_a_tick_known_names_are_neither_asked_for_nor_rewritten(own_esi):
    info = next(i for i in own_esi.characters() if i["size"] == "medium")
    scopes = sorted(registry.all_scopes())
    character = registration.register_character(info, own_esi.mint_token(info["id"], scopes), scopes)
    first = _update_all(character)["entities"]
    resolver.resolve(entities=first)
    unnamed = set(EveEntity.objects.filter(id__in=first, name="").values_list("id", flat=True))
    assert unnamed == first & set(own_esi.core.world.purged_characters)
    names = dict(EveEntity.objects.values_list("id", "name"))
    assert len(names) == len(first)

    own_esi.tick(6 * 3600)
    after = _update_all(character)["entities"]
    new_ids = after - set(names)  # e.g. the sender of a new mail
    own_esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        resolver.resolve(entities=after)

    writes = write_statements(ctx)
    assert all(sql.startswith("INSERT") for sql in writes), "nothing known is rewritten"
    assert bool(writes) == bool(new_ids)
    assert bool(own_esi.stats()["requests"]) == bool(new_ids)
    assert {i: n for i, n in EveEntity.objects.values_list("id", "name") if i in names} == names

    own_esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        resolver.resolve(entities=after)
    assert write_statements(ctx) == []
    assert own_esi.stats()["requests"] == 0


def test_the_resolvers_second_run_after_a_tick_writes_nothing(own_esi):
    """Types, entities and locations alike: what is stored (or known to be unknown) costs no write."""
    info = next(i for i in own_esi.characters() if i["size"] == "medium")
    scopes = sorted(registry.all_scopes())
    character = registration.register_character(info, own_esi.mint_token(info["id"], scopes), scopes)
    resolver.resolve(**_update_all(character), character_pk=character.pk)
    types = EveType.objects.count()
    assert types and Location.objects.exists()

    own_esi.tick(6 * 3600)
    after = _update_all(character)
    resolver.resolve(**after, character_pk=character.pk)  # new ids (a new mail's sender, ...)
    own_esi.reset_stats()
    with CaptureQueriesContext(connection) as ctx:
        resolver.resolve(**after, character_pk=character.pk)
    assert write_statements(ctx) == []
    assert own_esi.stats()["requests"] == 0
    assert len(ctx.captured_queries) <= 8, "one look per kind of id, no query per id"
