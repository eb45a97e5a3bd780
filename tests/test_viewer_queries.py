"""Every viewer page and data endpoint issues as many queries for 1,000 rows as for 10.

Rows are built directly with ``bulk_create``: every row model of every section gets ``n``
rows per character (half of them pointing at EVE types, entities and locations that exist,
half at ids not loaded yet), mails get ``n`` recipients, contracts ``n`` items and bids.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from helpers import create_member, register_main

from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from eveuniverse.models import EveCategory, EveEntity, EveGroup, EveSolarSystem, EveType

from memberaudit.models import Character, Location, SectionStatus
from memberaudit.models.contracts import CharacterContract, CharacterContractBid, CharacterContractItem
from memberaudit.models.mail import CharacterMail, CharacterMailRecipient
from memberaudit.sections import registry
from memberaudit.views import tabs

pytestmark = pytest.mark.django_db

KNOWN_TYPE, KNOWN_ENTITY, KNOWN_LOCATION, KNOWN_SYSTEM = 587, 90_000_001, 60_003_760, 30_000_142


def _eve_objects() -> None:
    category = EveCategory.objects.create(id=6, name="Ship", published=True)
    group = EveGroup.objects.create(id=25, name="Frigate", eve_category=category, published=True)
    EveType.objects.create(id=KNOWN_TYPE, name="Rifter", eve_group=group, published=True)
    EveEntity.objects.create(id=KNOWN_ENTITY, name="Known Pilot", category=EveEntity.CATEGORY_CHARACTER)
    Location.objects.create(id=KNOWN_LOCATION, name="Jita IV - Moon 4")


def _value(field: models.Field, i: int, character: Character):
    """A plausible value for ``field`` of the ``i``-th row; unique per row where it matters."""
    if isinstance(field, models.ForeignKey):
        target = field.related_model
        if target is Character:
            return character
        known = {EveType: KNOWN_TYPE, EveEntity: KNOWN_ENTITY, Location: KNOWN_LOCATION}.get(target)
        if target is EveSolarSystem:
            known = KNOWN_SYSTEM
        # one row points at a loaded object, the others at ids not loaded yet (unique per row)
        return None if known is None else ("id", known if i == 1 else 900_000_000 + i)
    if field.choices:
        return field.choices[i % len(field.choices)][0]
    if isinstance(field, models.BooleanField):
        return bool(i % 2)
    if isinstance(field, models.DateTimeField):
        return timezone.now() - dt.timedelta(minutes=i)
    if isinstance(field, models.DateField):
        return timezone.now().date() - dt.timedelta(days=i)
    if isinstance(field, models.DecimalField):
        return Decimal(i) * 1000 - 5000
    if isinstance(field, models.FloatField):
        return float(i % 10) - 5
    if isinstance(field, models.IntegerField):  # also Big/Positive/SmallIntegerField
        return i + 1
    if isinstance(field, models.JSONField):
        return [1, 2] if field.name.endswith("_ids") else []
    if isinstance(field, models.TextField | models.CharField):
        text = f"{field.name} {i}"
        return text[: field.max_length] if field.max_length else text
    raise AssertionError(f"no value for {field}")


def bulk_rows(model: type[models.Model], n: int, character: Character, **fixed) -> list[models.Model]:
    """``n`` rows of ``model`` for ``character``, every field filled."""
    rows = []
    for i in range(n):
        kwargs = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in fixed:
                continue
            value = _value(field, i, character)
            if isinstance(value, tuple):
                kwargs[field.attname] = value[1]
            elif value is not None or field.null:
                kwargs[field.name] = value
        rows.append(model(**kwargs, **fixed))
    return model.objects.bulk_create(rows)


_BUILDABLE_TARGETS = {Character, EveType, EveEntity, Location, EveSolarSystem}


def _buildable(model: type[models.Model]) -> bool:
    """Rows of ``model`` need no other rows than characters and EVE objects."""
    return all(
        field.null or field.related_model in _BUILDABLE_TARGETS
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    )


def fill(character: Character, n: int) -> None:
    """``n`` rows in every model of every section (one row for per-character models)."""
    for section in registry.all_sections():
        for model in filter(_buildable, section.models):
            field = model._meta.get_field("character")
            if isinstance(field, models.OneToOneField):
                bulk_rows(model, 1, character)
            else:
                bulk_rows(model, n, character)
        SectionStatus.objects.create(
            character=character, section=section.name, last_success_at=timezone.now()
        )
    mail = CharacterMail.objects.filter(character=character).first()
    bulk_rows(CharacterMailRecipient, n, character, mail=mail)
    contract = CharacterContract.objects.filter(character=character).first()
    bulk_rows(CharacterContractItem, n, character, contract=contract)
    bulk_rows(CharacterContractBid, n, character, contract=contract)
    # half of the assets sit in a location, the other half in the first one (a container)
    character.assets.update(parent_item_id=None)
    for asset in character.assets.exclude(item_id=1).order_by("item_id")[::2]:
        asset.parent_item_id = 1
        asset.save(update_fields=["parent_item_id"])


@pytest.fixture
def characters(client):
    _eve_objects()
    auditor = create_member("Quentin Queries", "basic_access", "characters_access", "view_everything")
    client.force_login(auditor)
    few = register_main(create_member("Few Rows", "basic_access"))
    many = register_main(create_member("Many Rows", "basic_access"))
    fill(few, 10)
    fill(many, 1000)
    return few, many


def _endpoints(character: Character) -> list[tuple[str, str, dict]]:
    """(label, url, GET parameters) of every page and endpoint of the viewer."""
    mail = CharacterMail.objects.filter(character=character, recipients__isnull=False).first()
    contract = CharacterContract.objects.filter(character=character, items__isnull=False).first()
    result = [("viewer", reverse("memberaudit:character_viewer", args=[character.pk]), {})]
    for name in registry.names():
        result.append((f"tab {name}", reverse("memberaudit:character_tab", args=[character.pk, name]), {}))
    for table in tabs.all_tables():
        url = reverse("memberaudit:character_table", args=[character.pk, table.name])
        result.append((f"table {table.name}", url, {"length": 100}))
        result.append((f"table {table.name} search", url, {"length": 100, "search[value]": "1"}))
        for index, column in enumerate(table.columns):
            if column.orderable:
                params = {"length": 100, "order[0][column]": index, "order[0][dir]": "desc"}
                result.append((f"table {table.name} by {column.key}", url, params))
    assets = reverse("memberaudit:character_table", args=[character.pk, "assets"])
    result.append(("table assets in container", assets, {"length": 100, "parent": 1}))
    for kind, pk in (("mail", mail.pk), ("contract", contract.pk)):
        url = reverse("memberaudit:character_detail", args=[character.pk, kind, pk])
        result.append((f"detail {kind}", url, {}))
    for kind in ("notification", "calendar_event"):
        model = {"notification": "notifications", "calendar_event": "calendar_events"}[kind]
        pk = getattr(character, model).first().pk
        result.append(
            (f"detail {kind}", reverse("memberaudit:character_detail", args=[character.pk, kind, pk]), {})
        )
    for chart in tabs.chart_names():
        result.append(
            (f"chart {chart}", reverse("memberaudit:character_chart", args=[character.pk, chart]), {})
        )
    return result


def _count(client, url: str, params: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), response


def test_the_rows_were_built(characters):
    few, many = characters
    assert many.assets.count() == 1000 and many.wallet_journal.count() == 1000
    assert CharacterMailRecipient.objects.filter(mail__character=many).count() == 1000


def test_every_page_and_endpoint_issues_the_same_number_of_queries_for_10_and_1000_rows(client, characters):
    few, many = characters
    client.get(reverse("memberaudit:character_viewer", args=[few.pk]))  # AA's first-request setup
    differences, counts = [], {}
    for (label, few_url, params), (_, many_url, _) in zip(_endpoints(few), _endpoints(many), strict=True):
        few_count, _ = _count(client, few_url, params)
        many_count, response = _count(client, many_url, params)
        counts[label] = many_count
        if few_count != many_count:
            differences.append(f"{label}: {few_count} queries for 10 rows, {many_count} for 1000")
        if label.startswith("table"):
            assert response.json()["recordsTotal"] > 0, label
    assert not differences, "\n".join(differences)
    # a table's own queries: two counts and the page, plus up to three for what the page's
    # cells need (mail recipients, label and list names); the rest is the request's
    # session, user and character lookup, as for a chart (one query of its own)
    base = counts["chart skill_groups"] - 1
    assert max(c for label, c in counts.items() if label.startswith("table")) <= base + 6, counts


def test_a_table_page_is_one_query_for_its_rows(client, characters):
    """The rows of a page come with their names in the same query (no query per row)."""
    few, many = characters
    url = reverse("memberaudit:character_table", args=[many.pk, "wallet_journal"])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"length": 500})
    journal = [
        q["sql"] for q in queries.captured_queries if "memberaudit_characterwalletjournalentry" in q["sql"]
    ]
    assert len(journal) == 2  # COUNT(*) and the page of 500 rows with their joins


def test_the_viewer_page_reads_the_character_and_its_statuses_once(client, characters):
    """The overview's location, ship, wallet, skill points and online status come with the
    character's access query, and the health badge uses the statuses the table shows."""
    _few, many = characters
    url = reverse("memberaudit:character_viewer", args=[many.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    tables = [
        q["sql"].split(" FROM ", 1)[1].split(" ", 1)[0].strip('"`')
        for q in queries.captured_queries
        if " FROM " in q["sql"]
    ]
    # the page's character (with the overview's rows) and the owner's other characters (switcher)
    assert tables.count("memberaudit_character") == 2, tables
    assert tables.count("memberaudit_sectionstatus") == 1, tables
