"""Display labels of ESI's enums (memberaudit.core.esi_labels): every value ESI documents has a
translatable label, values ESI adds later still read well."""

from __future__ import annotations

import pytest

from django.utils import translation

from memberaudit.core import esi_labels
from memberaudit.esi import client as esi_client


def _enum(*path: str) -> list[str]:
    node = esi_client._bundled_spec()["components"]["schemas"]
    for key in path:
        node = node[key]
    return [value.strip() for value in node["enum"]]


SPEC_ENUMS = {
    "ref_type": (
        esi_labels.REF_TYPES,
        ("CharactersCharacterIdWalletJournalGet", "items", "properties", "ref_type"),
    ),
    "notification": (
        esi_labels.NOTIFICATION_TYPES,
        ("CharactersCharacterIdNotificationsGet", "items", "properties", "type"),
    ),
    "gender": (esi_labels.GENDERS, ("CharactersDetail", "properties", "gender")),
    "planet": (
        esi_labels.PLANET_TYPES,
        ("CharactersCharacterIdPlanetsGet", "items", "properties", "planet_type"),
    ),
}

LOCATION_FLAG_ENUMS = (
    ("CharactersCharacterIdAssetsGet", "items", "properties", "location_flag"),
    ("CharactersCharacterIdBlueprintsGet", "items", "properties", "location_flag"),
)


@pytest.mark.parametrize("name", SPEC_ENUMS)
def test_every_value_esi_documents_has_a_label(name):
    labels, path = SPEC_ENUMS[name]
    missing = sorted(set(_enum(*path)) - set(labels))
    assert not missing, f"add labels to memberaudit/core/esi_labels.py (and German): {missing}"


def test_every_corporation_role_esi_documents_has_a_label():
    roles = _enum("CharactersCharacterIdRolesGet", "properties", "roles", "items")
    divisions = tuple(f"{prefix}_" for prefix in esi_labels.DIVISION_ROLES)
    missing = [
        role for role in roles if role not in esi_labels.CORPORATION_ROLES and not role.startswith(divisions)
    ]
    assert not missing, f"add labels to memberaudit/core/esi_labels.py (and German): {missing}"


@pytest.mark.parametrize("path", LOCATION_FLAG_ENUMS)
def test_every_location_flag_esi_documents_has_a_label(path):
    numbered = tuple(esi_labels.NUMBERED_LOCATION_FLAGS)
    missing = [
        flag
        for flag in _enum(*path)
        if flag not in esi_labels.LOCATION_FLAGS and not (flag[:-1] in numbered and flag[-1].isdigit())
    ]
    assert not missing, f"add labels to memberaudit/core/esi_labels.py (and German): {missing}"


@pytest.mark.parametrize(
    "function,value,english",
    [
        (esi_labels.ref_type, "bounty_prizes", "Bounty prizes"),
        (esi_labels.ref_type, "brokers_fee", "Broker's fee"),
        (esi_labels.notification_type, "StructureUnderAttack", "Structure under attack"),
        (esi_labels.notification_type, "CorpAppNewMsg", "New corporation application"),
        (esi_labels.notification_type, "WarAdopted ", "War adopted"),  # ESI's enum has the space
        (esi_labels.corporation_role, "Station_Manager", "Station manager"),
        (esi_labels.corporation_role, "Hangar_Take_3", "Hangar 3: take"),
        (esi_labels.corporation_role, "Account_Take_7", "Wallet division 7: take"),
        (esi_labels.gender, "female", "Female"),
        (esi_labels.planet_type, "barren", "Barren"),
        (esi_labels.location_flag, "Cargo", "Cargo hold"),
        (esi_labels.location_flag, "HiSlot0", "High slot 1"),
        (esi_labels.location_flag, "SubSystemSlot7", "Subsystem slot 8"),
        (esi_labels.location_flag, "SpecializedOreHold", "Ore hold"),
        (esi_labels.location_flag, "SomeNewBay", "Some new bay"),
    ],
)
def test_known_values_read_like_words(function, value, english):
    with translation.override("en"):
        assert function(value) == english


def test_values_esi_adds_later_are_humanized():
    assert esi_labels.ref_type("brand_new_fee") == "Brand new fee"
    assert esi_labels.notification_type("SomethingNewHappened") == "Something new happened"
    assert esi_labels.corporation_role("Hangar_Take_9") == "Hangar take 9"
    assert esi_labels.ref_type(None) == "" and esi_labels.gender("") == ""


def test_labels_follow_the_active_language():
    with translation.override("de"):
        assert esi_labels.ref_type("bounty_prizes") == "Kopfgeldprämien"
        assert esi_labels.ref_type("market_transaction") == "Markttransaktion"
        assert esi_labels.corporation_role("Director") == "Direktor"


def test_location_flags_follow_the_active_language():
    with translation.override("de"):
        assert esi_labels.location_flag("Cargo") == "Frachtraum"
        assert esi_labels.location_flag("HiSlot0") == "Hoher Slot 1"
