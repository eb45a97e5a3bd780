"""Every URL of the app with bad values in every parameter it reads: never a 500.

The URLs come from the resolver (namespace ``memberaudit``), so a new URL is fuzzed without
an edit here, or fails loudly when one of its path parameters has no value (``SLUG_VALUES``
and the world's ``ids``). Slug parameters are expanded over everything they can name (every
section, table, detail kind, chart and export topic); id parameters get ids of objects that
exist (a character filled from the ESI emulator through the real engine, a watch list, ...).

Which query parameters a view reads is recorded while it answers a normal request (every
``QueryDict`` lookup is noted), then they get each of ``BAD_VALUES`` (all at once first, one
by one when that answers 400 or 500; see ``_fuzz``), as a superuser and as a plain member
who owns the character. DataTables' parameters are always sent to the table endpoints, since
some are only read when others are present. The path gets a huge and a zero id and an
overlong slug. Any answer but a 500 is fine (400, 403, 404, a redirect, an empty page). The
admin's changelists of the app get the same values in their search, paging, sorting and
filter parameters.

A 500 in a file owned elsewhere is listed in ``KNOWN_500``: that (endpoint, parameter, user)
is then fuzzed in a test of its own marked ``xfail(strict=True)`` (so fixing it fails the
test until the entry is removed) and left out of the endpoint's main test.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from helpers import create_member

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import get_resolver, reverse

from memberaudit import exports
from memberaudit.esi import client as esi_client
from memberaudit.models import Character, WatchList, WatchListEntry
from memberaudit.models.calendar import CharacterCalendarEvent
from memberaudit.models.mail import CharacterMail
from memberaudit.sections import registry
from memberaudit.sections.engine import update_section
from memberaudit.testing.registration import register_character
from memberaudit.views import tabs

NAMESPACE = "memberaudit"

#: what is sent in every parameter, one at a time
BAD_VALUES = {
    "huge": "99999999999999999999",
    "negative": "-7",
    "text": "abc",
    "empty": "",
    "long": "9" * 3000,
}
#: read by the DataTables endpoints (some only when an order is given)
DATATABLES_PARAMS = (
    "draw",
    "start",
    "length",
    "search[value]",
    "search",
    "order[0][column]",
    "order[0][dir]",
    "order[0][name]",
    "columns[0][data]",
)
#: a normal DataTables request: sent with every fuzzed value of a table endpoint, so the
#: parameters that are only read in combination (``columns[i][data]``) are read
DATATABLES_BASE = {
    "draw": "1",
    "start": "0",
    "length": "10",
    "order[0][column]": "0",
    "order[0][dir]": "asc",
    "columns[0][data]": "",
}
#: endpoints answering the DataTables protocol (URL names)
DATATABLES_URLS = {
    "character_table",
    "finder_data",
    "report_user_compliance_data",
    "report_corporation_compliance_data",
    "report_skill_sets_data",
    "intel_report_data",
    "intel_investigate_data",
    "intel_assets_data",
    "intel_where_data",
}
USERS = ("superuser", "member")

#: (endpoint id, parameter, user) -> why it answers 500 today, and in which file (owned elsewhere).
#: Empty: the intel endpoints that took ids beyond 64 bits now bound them like ``queries.parse_id``.
KNOWN_500: dict[tuple[str, str, str], str] = {}


# --- the endpoints ------------------------------------------------------------------------------


def _model_of_detail(kind: str):
    """The model behind a detail kind: ``calendar_event`` -> ``CharacterCalendarEvent``."""
    wanted = "character" + kind.replace("_", "")
    return next(m for m in apps.get_app_config("memberaudit").get_models() if m._meta.model_name == wanted)


#: slug path parameters: every value they can take
SLUG_VALUES = {
    "section": lambda: registry.names(),
    "table": lambda: [table.name for table in tabs.all_tables()],
    "kind": lambda: tabs.detail_kinds(),
    "chart": lambda: tabs.chart_names(),
    "topic": lambda: list(exports.TOPICS),
}


@dataclass(frozen=True)
class Endpoint:
    """One concrete URL: a URL name and its slug arguments (ids are filled at run time)."""

    name: str
    slugs: tuple[tuple[str, str], ...]
    params: tuple[str, ...]  # every path parameter, in order
    first_of_pattern: bool = True

    @property
    def id(self) -> str:
        return self.name + "".join(f"[{value}]" for _, value in self.slugs)


def _patterns():
    _prefix, resolver = get_resolver().namespace_dict[NAMESPACE]
    return resolver.url_patterns


def endpoints() -> list[Endpoint]:
    result = []
    for pattern in _patterns():
        params = tuple(pattern.pattern.converters)
        slugs = [name for name in params if name in SLUG_VALUES]
        combos: list[tuple[tuple[str, str], ...]] = [()]
        for slug in slugs:
            combos = [combo + ((slug, value),) for combo in combos for value in SLUG_VALUES[slug]()]
        result += [Endpoint(pattern.name, combo, params, i == 0) for i, combo in enumerate(combos)]
    return result


ENDPOINTS = endpoints()


# --- the world ----------------------------------------------------------------------------------


#: sections whose update takes most of the fixture's time (per-object ESI calls)
SLOW_SECTIONS = {"mail", "location", "calendar"}


def _fill(esi_emulator) -> Character:
    """A small emulator character with every section updated through the engine."""
    info = next(i for i in esi_emulator.characters() if i.get("size") == "small")
    scopes = sorted(registry.all_scopes())
    character = register_character(info, esi_emulator.issue_tokens(info["id"], scopes), scopes)
    esi_emulator.reset_limits()
    for name in registry.names():
        if name not in SLOW_SECTIONS:
            update_section(character, name)
    # the slow sections' objects, made by hand (a detail is fuzzed with an object that exists)
    CharacterMail.objects.create(character=character, mail_id=1, subject="Fuzz", body="<b>Hello</b>")
    CharacterCalendarEvent.objects.create(character=character, event_id=1, title="Fuzz")
    return character


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker, esi_emulator):
    with django_db_blocker.unblock(), override_settings(ESI_API_URL=esi_emulator.url):
        esi_client.reset()
        esi_emulator.set_faults()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            character = _fill(esi_emulator)
            member = create_member("Fuzz Member", "basic_access")
            # the member owns the character (the plain member sees their own tables)
            ownership = character.eve_character.character_ownership
            ownership.user = member
            ownership.save()
            superuser = create_member("Fuzz Admin")
            superuser.is_superuser = True
            superuser.save()
            watch_list = WatchList.objects.create(name="Fuzz list")
            entry = WatchListEntry.objects.create(
                watch_list=watch_list, entity_id=99_000_001, kind="alliance"
            )
            yield {
                "users": {"superuser": superuser.pk, "member": member.pk},
                "ids": {"character_pk": character.pk, "list_pk": watch_list.pk, "entry_pk": entry.pk},
                "character": character.pk,
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            esi_client.reset()


@pytest.fixture
def world(_module_world, db):
    return _module_world


def _path_kwargs(endpoint: Endpoint, world: dict) -> dict:
    kwargs = dict(endpoint.slugs)
    for name in endpoint.params:
        if name in kwargs:
            continue
        if name == "pk" and "kind" in kwargs:  # a detail: an object of that kind of the character
            model = _model_of_detail(kwargs["kind"])
            row = model.objects.filter(character_id=world["character"]).order_by("pk").first()
            kwargs[name] = row.pk if row else 1
        elif name in world["ids"]:
            kwargs[name] = world["ids"][name]
        else:
            raise AssertionError(f"{endpoint.name}: no value for path parameter {name!r}; add one")
    return kwargs


# --- requests -----------------------------------------------------------------------------------


@contextmanager
def recording_reads() -> Iterator[set[str]]:
    """Note every key looked up in any QueryDict (request.GET / request.POST) meanwhile."""
    keys: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def wrap(name):
        original = originals[name]

        def method(self, key, *args, **kwargs):
            if isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)

        return method

    for name in originals:
        setattr(QueryDict, name, wrap(name))
    try:
        yield keys
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


def _send(client: Client, method: str, url: str, data: dict) -> tuple[int, str | None]:
    """Status of one request (inside a rolled-back savepoint), or 500 with the traceback."""
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, data)
            if response.streaming:
                b"".join(response.streaming_content)  # a download fails while it streams
            transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001 - a crash of the view is what we are looking for
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/memberaudit/" in f.filename] or frames
        where = f"{ours[-1].filename.split('/work/main/')[-1]}:{ours[-1].lineno}"
        return 500, f"{type(exc).__name__}: {str(exc)[:200]} at {where}"
    return response.status_code, None


def _methods(client: Client, url: str) -> dict[str, tuple[int, set[str]]]:
    """The methods the view accepts, each with its status and the parameters it read."""
    accepted = {}
    for method in ("get", "post"):
        base = DATATABLES_BASE if method == "get" else {}
        with recording_reads() as keys:
            status, error = _send(client, method, url, base)
        assert error is None, f"{method.upper()} {url} fails without any bad value: {error}"
        if status != 405:
            accepted[method] = (status, keys)
    return accepted


def _fuzz(client: Client, endpoint: Endpoint, user: str, url: str, only: str | None) -> list[str]:
    """Every (method, parameter, bad value) that answered 500.

    To stay fast, each bad value is first sent in every parameter at once (and, for a
    DataTables endpoint, once more beside a valid order, which makes the column parameters
    read). Only when that answers 400 (a filter refused the value and may hide a crash of
    another parameter) or 500 is every parameter sent alone to find which one it was.
    """
    problems = []
    for method, (status, read) in _methods(client, url).items():
        params = set(read)
        base: dict[str, str] = {}
        refused = status in (302, 403, 404)  # refused before any parameter was read
        if method == "get" and endpoint.name in DATATABLES_URLS and not refused:
            params |= set(DATATABLES_PARAMS)
            base = DATATABLES_BASE
        params = {only} & params if only else {p for p in params if (endpoint.id, p, user) not in KNOWN_500}
        if not params:
            continue
        for label, value in BAD_VALUES.items():
            together = [{p: value for p in params}]
            if base:
                keep = {"order[0][column]", "order[0][name]"}
                together.append({**base, **{p: value for p in params - keep}})
            statuses = [_send(client, method, url, data)[0] for data in together]
            if all(status not in (400, 500) for status in statuses):
                continue
            for param in sorted(params):
                status, error = _send(client, method, url, {**base, param: value})
                if status >= 500:
                    problems.append(f"{method.upper()} {url} {param}={label}: {error or status}")
    return problems


def _fuzz_path(client: Client, endpoint: Endpoint, kwargs: dict) -> list[str]:
    """Bad values in the path itself: a huge or zero id, an overlong slug."""
    problems = []
    for name in endpoint.params:
        bad = ["99999999999999999999", "0"] if name not in SLUG_VALUES else ["x" * 300]
        for value in bad:
            url = reverse(f"{NAMESPACE}:{endpoint.name}", kwargs={**kwargs, name: value})
            status, error = _send(client, "get", url, {})
            if status >= 500:
                problems.append(f"GET {url}: {error or status}")
    return problems


def _cases():
    for endpoint in ENDPOINTS:
        for user in USERS:
            yield pytest.param(endpoint, user, None, id=f"{endpoint.id}-{user}")
            for (endpoint_id, param, known_user), reason in KNOWN_500.items():
                if (endpoint_id, known_user) == (endpoint.id, user):
                    yield pytest.param(
                        endpoint,
                        user,
                        param,
                        id=f"{endpoint.id}-{user}-{param}",
                        marks=pytest.mark.xfail(strict=True, reason=reason),
                    )


@pytest.mark.parametrize(("endpoint", "user", "only"), list(_cases()))
def test_no_url_answers_500_to_bad_parameters(world, endpoint: Endpoint, user: str, only: str | None):
    client = Client()
    client.force_login(User.objects.get(pk=world["users"][user]))
    kwargs = _path_kwargs(endpoint, world)
    url = reverse(f"{NAMESPACE}:{endpoint.name}", kwargs=kwargs)
    problems = _fuzz(client, endpoint, user, url, only)
    if only is None and user == "superuser" and endpoint.first_of_pattern:
        # the path is read before any permission check, once per URL pattern
        problems += _fuzz_path(client, endpoint, kwargs)
    assert not problems, "\n" + "\n".join(problems)


def test_every_url_of_the_app_is_fuzzed():
    assert {pattern.name for pattern in _patterns()} == {endpoint.name for endpoint in ENDPOINTS}


def test_every_detail_kind_is_fuzzed_with_an_existing_object(world):
    missing = [
        kind
        for kind in tabs.detail_kinds()
        if not _model_of_detail(kind).objects.filter(character_id=world["character"]).exists()
    ]
    assert not missing, f"the fuzzed character has no {missing}: its detail is only fuzzed as a 404"


# --- the admin ----------------------------------------------------------------------------------


def _admin_models() -> list:
    from django.contrib import admin

    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == NAMESPACE),
        key=lambda model: model._meta.model_name,
    )


def _changelist_params(model) -> list[str]:
    """What the changelist reads: search, page, sort, and each filter's parameter(s)."""
    from django.contrib import admin

    model_admin = admin.site._registry[model]
    params = ["q", "p", "o"]
    for spec in model_admin.list_filter:
        if isinstance(spec, str):
            field = model._meta.get_field(spec)
            params += [f"{spec}__exact", f"{spec}__id__exact"] if field.is_relation else [f"{spec}__exact"]
        elif isinstance(spec, type) and issubclass(spec, admin.SimpleListFilter):
            params.append(spec.parameter_name)
    return params


@pytest.mark.parametrize("model", _admin_models(), ids=lambda model: model._meta.model_name)
def test_no_admin_changelist_answers_500_to_bad_parameters(world, model):
    client = Client()
    client.force_login(User.objects.get(pk=world["users"]["superuser"]))
    url = reverse(f"admin:{NAMESPACE}_{model._meta.model_name}_changelist")
    problems = []
    for label, value in BAD_VALUES.items():
        for param in _changelist_params(model):
            status, error = _send(client, "get", url, {param: value})
            if status >= 500:
                problems.append(f"GET {url} {param}={label}: {error or status}")
    assert not problems, "\n" + "\n".join(problems)


def test_the_skill_set_import_page_takes_bad_input(world):
    client = Client()
    client.force_login(User.objects.get(pk=world["users"]["superuser"]))
    url = reverse("admin:memberaudit_skillset_import")
    problems = []
    for label, value in BAD_VALUES.items():
        with recording_reads() as read:
            _send(client, "post", url, {})
        for param in sorted(read - {"csrfmiddlewaretoken"}):
            status, error = _send(client, "post", url, {param: value})
            if status >= 500:
                problems.append(f"POST {url} {param}={label}: {error or status}")
    assert not problems, "\n" + "\n".join(problems)
