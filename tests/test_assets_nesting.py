from memberaudit.sections.assets import nest


def _asset(item_id, location_id, type_id=34, singleton=False, flag="Hangar"):
    return {
        "item_id": item_id,
        "location_id": location_id,
        "type_id": type_id,
        "location_flag": flag,
        "location_type": "station" if location_id == 60003760 else "item",
        "quantity": 1,
        "is_singleton": singleton,
    }


def test_parents_come_before_children_and_nested_items_know_their_root_location():
    assets = [_asset(3, 2), _asset(2, 1, singleton=True), _asset(1, 60003760, singleton=True)]
    rows = nest(assets, None)
    assert [r["item_id"] for r in rows] == [1, 2, 3]
    assert [r["parent_item_id"] for r in rows] == [None, 1, 2]
    assert {r["location_id"] for r in rows} == {60003760}


def test_current_ship_is_added_when_its_contents_are_listed_without_it():
    ship = {"item_id": 500, "type_id": 587, "name": "My Rifter", "location_id": 60003760}
    rows = nest([_asset(501, 500, flag="HiSlot0")], ship)
    by_id = {r["item_id"]: r for r in rows}
    assert by_id[500]["name"] == "My Rifter" and by_id[500]["location_flag"] == "ActiveShip"
    assert by_id[501]["parent_item_id"] == 500
    assert rows[0]["item_id"] == 500


def test_current_ship_is_not_duplicated_when_esi_lists_it():
    ship = {"item_id": 1, "type_id": 587, "name": "x", "location_id": 60003760}
    rows = nest([_asset(1, 60003760, singleton=True), _asset(2, 1)], ship)
    assert sorted(r["item_id"] for r in rows) == [1, 2]


def test_a_cycle_in_bad_data_does_not_hang():
    rows = nest([_asset(1, 2), _asset(2, 1)], None)
    assert len(rows) == 2
