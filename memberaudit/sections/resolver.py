"""Load the EVE objects that synced data refers to: types, entities and locations.

Sections store bare ids (foreign keys without database constraints) so a sync never waits
on EVE's static data; this resolver fills the referenced rows afterwards, in bulk:

- **Entities** (characters, corporations, alliances, factions, ...) without a name are named
  with one ``POST /universe/names`` per 1000 ids. ESI answers 404 for the whole request when
  one id is unknown to it (a character that no longer exists, ...), so such a batch is split
  in halves until the unknown ids stand alone. An id ESI cannot name is stored as an
  ``EveEntity`` without a name; its ``last_updated`` says when ESI was last asked, and it is
  asked again, alone, only ``UNKNOWN_ID_RETRY`` later. Names already known are never asked
  for nor written again.
- **Types** not stored yet are loaded in bulk: one query finds them, one request per new
  type (ESI has no bulk route for types), then the groups and categories those need, each
  asked for once per batch, and three bulk inserts in one transaction, through
  django-eveuniverse's client and models. A type ESI does not know (or whose group it cannot
  find) is remembered in the cache and not asked for again for ``UNKNOWN_ID_RETRY``.
- **Locations**: stations, structures and solar systems, refreshed when stale.

All ESI work goes through the shared budgets: when they say wait, what was learned so far is
stored and ``EsiPaused`` is raised for the task to retry later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from esi.exceptions import ESIBucketLimitException, ESIErrorLimitException, HTTPClientError
from eveuniverse.models import EveCategory, EveEntity, EveGroup, EveSolarSystem, EveType
from eveuniverse.providers import esi as eveuniverse_esi

from memberaudit import app_settings
from memberaudit.esi import budget, gateway
from memberaudit.esi import client as esi_client
from memberaudit.esi.budget import EsiPaused
from memberaudit.models import Character, Location
from memberaudit.models.locations import STRUCTURE_ID_MIN

from .engine import find_token, is_known_dead, record_revoked_token

logger = logging.getLogger(__name__)

OPERATIONS = ("GetUniverseStationsStationId", "GetUniverseStructuresStructureId", "PostUniverseNames")
STRUCTURE_SCOPE = "esi-universe.read_structures.v1"
#: scopes the resolver needs beyond the sections' (asked for when a character is registered)
SCOPES = (STRUCTURE_SCOPE,)
#: ids below this are solar systems and other celestials, not stations
STATION_ID_MIN = 60_000_000
#: ``POST /universe/names`` takes at most this many ids
NAMES_PER_REQUEST = 1000
#: how long an id ESI could not name (or a type it does not know) is left alone
UNKNOWN_ID_RETRY = timedelta(hours=24)
#: ids asked for again per run once their back-off is over: each still unknown one costs a 404,
#: which counts against ESI's error limit
RETRIES_PER_RUN = 20
_UNKNOWN_TYPE_KEY = "memberaudit:resolver:unknown-type:{}"


def resolve(
    *,
    types: Iterable[int] = (),
    entities: Iterable[int] = (),
    locations: Iterable[int] = (),
    character_pk: int | None = None,
) -> None:
    """Create what is missing. Errors are logged; a later run tries again."""
    for label, func, ids in (
        ("types", resolve_types, types),
        ("entities", resolve_entities, entities),
    ):
        ids = {int(i) for i in ids if i}
        if not ids:
            continue
        try:
            func(ids)
        except EsiPaused:
            raise
        except Exception as exc:
            logger.warning("Could not resolve %d %s: %s", len(ids), label, exc)
    if locations:
        character = Character.objects.filter(pk=character_pk).first() if character_pk else None
        resolve_locations({int(i) for i in locations if i}, character)


# --- entities ----------------------------------------------------------------------------------


def resolve_entities(ids: Iterable[int]) -> int:
    """Name the entities that have no name yet; returns how many got one.

    One query reads what is known; ESI is asked only for ids never asked before (in batches)
    and for a few unknown ones whose back-off is over (alone). Writes are bulk statements,
    and none at all when every name is known or every unknown id is still backing off.
    """
    ids = {int(i) for i in ids if i}
    if not ids:
        return 0
    retry_before = timezone.now() - UNKNOWN_ID_RETRY
    stored: set[int] = set()
    unnamed: set[int] = set()  # asked before, ESI could not name them
    due: list[int] = []
    for entity_id, name, last_updated in EveEntity.objects.filter(id__in=ids).values_list(
        "id", "name", "last_updated"
    ):
        stored.add(entity_id)
        if not name:
            unnamed.add(entity_id)
            if last_updated is None or last_updated < retry_before:
                due.append(entity_id)
    fresh = sorted(ids - stored)
    names: dict[int, tuple[str, str]] = {}
    unknown: set[int] = set()
    try:
        for start in range(0, len(fresh), NAMES_PER_REQUEST):
            _ask_names(fresh[start : start + NAMES_PER_REQUEST], names, unknown)
        for entity_id in sorted(due)[:RETRIES_PER_RUN]:
            _ask_names([entity_id], names, unknown)
    finally:  # keep what was learned, also when the budgets say stop
        _store_entities(names, unknown, unnamed)
    return len(names)


def _ask_names(ids: list[int], names: dict[int, tuple[str, str]], unknown: set[int]) -> None:
    """Names of ``ids``; on 404 the batch is split in halves to find the unknown ids."""
    try:
        # force: django-esi caches POST answers under a key without the body
        rows = gateway.fetch("PostUniverseNames", body=ids, force=True).data
    except gateway.NotFound:
        if len(ids) == 1:
            unknown.add(ids[0])
            return
        middle = len(ids) // 2
        _ask_names(ids[:middle], names, unknown)
        _ask_names(ids[middle:], names, unknown)
        return
    for row in rows or []:
        names[int(row["id"])] = (str(row["name"]), str(row["category"]))


def _store_entities(names: dict[int, tuple[str, str]], unknown: set[int], unnamed: set[int]) -> None:
    """Write the answers: new rows in bulk, named rows updated in bulk, unknown ones touched."""
    now = timezone.now()
    new = [
        EveEntity(id=i, name=name, category=category)
        for i, (name, category) in names.items()
        if i not in unnamed
    ]
    if new:
        EveEntity.objects.bulk_create(new, ignore_conflicts=True)
    named = [
        EveEntity(id=i, name=name, category=category, last_updated=now)
        for i, (name, category) in names.items()
        if i in unnamed
    ]
    if named:
        EveEntity.objects.bulk_update(named, ["name", "category", "last_updated"])
    if new_unknown := [EveEntity(id=i, name="") for i in sorted(unknown - unnamed)]:
        EveEntity.objects.bulk_create(new_unknown, ignore_conflicts=True)
    if still_unknown := unknown & unnamed:
        EveEntity.objects.filter(id__in=still_unknown).update(last_updated=now)
    if unknown:
        logger.info(
            "ESI cannot name %d ids, asking again in %s: %s",
            len(unknown),
            UNKNOWN_ID_RETRY,
            sorted(unknown)[:20],
        )


# --- types -------------------------------------------------------------------------------------


def resolve_types(ids: Iterable[int]) -> int:
    """Load the types not stored yet, with their groups and categories; returns how many.

    Stored types cost one query and no ESI call. ESI has no bulk route for types, so each
    new type is one request; its group and category are asked for once per batch (not once
    per type), and everything is written in one transaction with three bulk inserts. A type
    ESI answers 404 for (or whose group it cannot find) is not asked for again for
    ``UNKNOWN_ID_RETRY``; one unknown type does not stop the others, a server error stops
    the batch (what is complete is stored, the rest waits for a later run).

    When the site makes django-eveuniverse load optional type sections (dogmas, graphics,
    market groups, ...: ``EVEUNIVERSE_LOAD_*``), types are loaded one by one through
    ``update_or_create_esi``, which knows how to store those.
    """
    from eveuniverse.models.base import determine_effective_sections

    ids = {int(i) for i in ids if i}
    missing = ids - set(EveType.objects.filter(id__in=ids).values_list("id", flat=True))
    if not missing:
        return 0
    backing_off = cache.get_many([_UNKNOWN_TYPE_KEY.format(i) for i in missing])
    wanted = sorted(i for i in missing if _UNKNOWN_TYPE_KEY.format(i) not in backing_off)
    if not wanted:
        return 0
    esi_client.share_ssl_context_with_eveuniverse()
    if determine_effective_sections():
        return _load_types_one_by_one(wanted)
    return _TypeBatch().load(wanted)


def _remember_unknown_types(type_ids: Iterable[int]) -> None:
    """Types ESI cannot give us: left alone for ``UNKNOWN_ID_RETRY`` (one cache round trip)."""
    keys = {_UNKNOWN_TYPE_KEY.format(i): True for i in type_ids}
    if keys:
        cache.set_many(keys, timeout=int(UNKNOWN_ID_RETRY.total_seconds()))
        logger.info("ESI does not know types %s, asking again in %s", sorted(type_ids)[:20], UNKNOWN_ID_RETRY)


def _load_types_one_by_one(type_ids: list[int]) -> int:
    """django-eveuniverse's own path (type, then group, then category; one request each)."""
    loaded = 0
    for type_id in type_ids:
        budget.check()  # eveuniverse's own client does not look at our budgets
        try:
            EveType.objects.update_or_create_esi(id=type_id)  # known missing: no lookup first
        except ESIErrorLimitException as exc:
            raise EsiPaused(float(exc.reset or 60), "ESI error limit reached (420)") from exc
        except HTTPClientError as exc:
            if exc.status_code != 404:
                raise
            _remember_unknown_types([type_id])
        else:
            loaded += 1
    return loaded


class _BatchStopped(Exception):
    """ESI failed in a way that asking for the next id would only repeat."""


class _TypeBatch:
    """Types, their groups and their categories, fetched through django-eveuniverse's ESI
    client and stored with its models and field mappings, in bulk."""

    def __init__(self) -> None:
        self.data: dict[type, dict[int, dict]] = {EveType: {}, EveGroup: {}, EveCategory: {}}
        self.unknown: dict[type, set[int]] = {EveType: set(), EveGroup: set(), EveCategory: set()}
        #: ids found stored already (so storing needs no second look)
        self.present: dict[type, set[int]] = {EveGroup: set(), EveCategory: set()}

    def load(self, type_ids: list[int]) -> int:
        try:
            self._fetch(EveType, type_ids)
            self._fetch_parents(EveType, "group_id", EveGroup)
            self._fetch_parents(EveGroup, "category_id", EveCategory)
        except _BatchStopped as exc:
            logger.warning("Stopped loading types (the rest waits for a later run): %s", exc)
        finally:  # keep what was learned, also when the budgets say stop
            loaded = self._store()
        return loaded

    def _fetch_parents(self, model: type, field: str, parent: type) -> None:
        """The parents the fetched ``model`` rows refer to: one query, then one request per new one."""
        wanted = {d[field] for d in self.data[model].values() if d.get(field)}
        self.present[parent] |= _stored(parent, wanted)
        self._fetch(parent, sorted(wanted - self.present[parent]))

    def _fetch(self, model: type, ids: list[int]) -> None:
        """One request per id; 404s are noted, other errors logged (the id is asked again later)."""
        category, method = model._esi_path_object()
        operation = getattr(getattr(eveuniverse_esi.client, category), method)
        pk_name = model._esi_pk()
        for object_id in ids:
            budget.check()  # eveuniverse's own client does not look at our budgets
            try:
                # static data: neither django-esi's ETag nor its response cache helps here
                answer = operation(**{pk_name: object_id}).result(
                    use_etag=False, use_cache=False, store_cache=False
                )
            except ESIErrorLimitException as exc:
                raise EsiPaused(float(exc.reset or 60), "ESI error limit reached (420)") from exc
            except ESIBucketLimitException as exc:
                raise EsiPaused(float(exc.reset or 60), str(exc)) from exc
            except HTTPClientError as exc:
                if exc.status_code != 404:
                    logger.warning("Could not load %s %s: %s", model.__name__, object_id, exc)
                    continue
                self.unknown[model].add(object_id)
            except Exception as exc:  # ESI in trouble (5xx, unreachable): stop, keep what is complete
                raise _BatchStopped(f"{model.__name__} {object_id}: {exc.__class__.__name__}: {exc}") from exc
            else:
                self.data[model][object_id] = answer.model_dump()

    def _store(self) -> int:
        """Write what is complete (a type needs its group, a group its category): one transaction."""
        categories = self.data[EveCategory]
        known_categories = set(categories) | self._present(EveCategory, EveGroup, "category_id")
        groups = {i: d for i, d in self.data[EveGroup].items() if d.get("category_id") in known_categories}
        known_groups = set(groups) | self._present(EveGroup, EveType, "group_id")
        types = {i: d for i, d in self.data[EveType].items() if d.get("group_id") in known_groups}
        # a type whose group (or its category) ESI cannot find cannot be stored: as unknown as
        # the type itself
        lost_groups = self.unknown[EveGroup] | {
            i for i, d in self.data[EveGroup].items() if d.get("category_id") in self.unknown[EveCategory]
        }
        orphans = {i for i, d in self.data[EveType].items() if d.get("group_id") in lost_groups}
        _remember_unknown_types(self.unknown[EveType] | orphans)
        if not (categories or groups or types):
            return 0
        with transaction.atomic():
            for model, rows in ((EveCategory, categories), (EveGroup, groups), (EveType, types)):
                if rows:
                    model.objects.bulk_create(_rows(model, rows), ignore_conflicts=True)
        return len(types)

    def _present(self, parent: type, model: type, field: str) -> set[int]:
        """Parents of the fetched ``model`` rows that are stored (a query only for ids not seen yet,
        e.g. when a pause stopped the batch before it looked)."""
        wanted = {d.get(field) for d in self.data[model].values()} - set(self.data[parent])
        unseen = wanted - self.present[parent] - self.unknown[parent]
        return (wanted & self.present[parent]) | _stored(parent, unseen)


def _stored(model: type, ids: set[int | None]) -> set[int]:
    ids = {i for i in ids if i}
    return set(model.objects.filter(id__in=ids).values_list("id", flat=True)) if ids else set()


def _rows(model: type, answers: dict[int, dict]) -> list:
    """Model instances from ESI answers, mapped as django-eveuniverse maps them.

    Its ``_defaults_from_esi_obj`` would read each parent with one query; here the parents
    are known to be stored (or stored in the same transaction), so the foreign key is the id.
    """
    mappings = model._esi_field_mappings()
    objects = []
    for object_id, data in answers.items():
        fields = {}
        for name, mapping in mappings.items():
            if mapping.is_pk:
                continue
            if isinstance(mapping.esi_name, tuple):
                value = (data.get(mapping.esi_name[0]) or {}).get(mapping.esi_name[1])
            else:
                value = data.get(mapping.esi_name)
            if value is None:
                continue
            fields[f"{name}_id" if mapping.is_fk else name] = value
        objects.append(model(id=object_id, **fields))
    return objects


# --- locations ---------------------------------------------------------------------------------


def resolve_locations(ids: set[int], character: Character | None) -> None:
    """Create or refresh stations and structures; a forbidden structure is remembered."""
    stale_before = timezone.now() - timedelta(hours=int(app_settings.get("MEMBERAUDIT_LOCATION_STALE_HOURS")))
    fresh = set(
        Location.objects.filter(id__in=ids, updated_at__gte=stale_before).values_list("id", flat=True)
    )
    token = find_token(character, (STRUCTURE_SCOPE,)) if character else None
    if token is not None and is_known_dead(token):
        token = None  # EVE SSO refused it: structures stay unresolved, no SSO call per location
    for location_id in sorted(ids - fresh):
        try:
            _resolve_location(location_id, token)
        except EsiPaused:
            raise
        except gateway.TokenRevoked as exc:
            assert character is not None and token is not None
            record_revoked_token(character, token, str(exc))
            token = None
        except Exception as exc:
            logger.warning("Could not resolve location %s: %s", location_id, exc)


def _resolve_location(location_id: int, token) -> None:
    now = timezone.now()
    if location_id < STATION_ID_MIN:
        if location_id >= 30_000_000:  # a solar system ("in space")
            system = EveSolarSystem.objects.get_or_create_esi(id=location_id)[0]
            Location.objects.update_or_create(
                id=location_id,
                defaults={"name": system.name, "eve_solar_system_id": location_id, "updated_at": now},
            )
        return
    if location_id < STRUCTURE_ID_MIN:
        data = gateway.fetch("GetUniverseStationsStationId", station_id=location_id).data
        if data is None:  # 304: what we have is current
            Location.objects.filter(id=location_id).update(updated_at=now)
            return
        Location.objects.update_or_create(
            id=location_id,
            defaults={
                "name": data["name"],
                "eve_solar_system_id": data["system_id"],
                "eve_type_id": data["type_id"],
                "owner_id": data.get("owner"),
                "is_forbidden": False,
                "updated_at": now,
            },
        )
        return
    if token is None:
        Location.objects.get_or_create(id=location_id, defaults={"updated_at": None})
        return
    try:
        data = gateway.fetch("GetUniverseStructuresStructureId", token=token, structure_id=location_id).data
    except gateway.NotFound:
        Location.objects.update_or_create(id=location_id, defaults={"is_forbidden": True, "updated_at": now})
        return
    if data is None:  # 304: what we have is current
        Location.objects.filter(id=location_id).update(updated_at=now)
        return
    Location.objects.update_or_create(
        id=location_id,
        defaults={
            "name": data["name"],
            "eve_solar_system_id": data["solar_system_id"],
            "eve_type_id": data.get("type_id"),
            "owner_id": data.get("owner_id"),
            "is_forbidden": False,
            "updated_at": now,
        },
    )
