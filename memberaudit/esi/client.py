"""The django-esi client, built once per process from the bundled ESI spec (no download)."""

from __future__ import annotations

import functools
import hashlib
import json
import ssl
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from esi.openapi_clients import ESIClient, ESIClientProvider

from memberaudit import __version__

COMPATIBILITY_DATE = "2025-12-16"

_lock = threading.Lock()
_provider: ESIClientProvider | None = None


def bundled_spec_path() -> Path:
    """The ESI OpenAPI spec that django-eveuniverse ships."""
    import eveuniverse

    return Path(eveuniverse.__file__).parent / f"openapi_{COMPATIBILITY_DATE}.json"


@functools.cache
def _bundled_spec() -> dict:
    return json.loads(bundled_spec_path().read_text(encoding="utf-8"))


@functools.cache
def operation_tags() -> dict[str, str]:
    """operationId -> the tag under which the client exposes it."""
    tags = {}
    for path_item in _bundled_spec()["paths"].values():
        for _method, op in path_item.items():
            if isinstance(op, dict) and "operationId" in op:
                tags[op["operationId"]] = op["tags"][0]
    return tags


def operation_info(operation_id: str) -> dict:
    """The spec entry of an operation (x-rate-limit, x-cache-age, security, ...). Read only."""
    try:
        return _operations()[operation_id]
    except KeyError:
        raise KeyError(operation_id) from None


@functools.cache
def _operations() -> dict[str, dict]:
    """operationId -> spec entry with its path and method, indexed once (it is read per ESI call)."""
    found = {}
    for path, path_item in _bundled_spec()["paths"].items():
        for method, op in path_item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = {**op, "path": path, "method": method}
    return found


def esi_base_url() -> str:
    """Where ESI is: ``ESI_API_URL`` (django-esi's setting) without a trailing slash."""
    return str(getattr(settings, "ESI_API_URL", "https://esi.evetech.net/")).rstrip("/")


def spec_file_for(base_url: str) -> Path:
    """A spec whose server is ``base_url``: the bundled file itself, or a copy pointing elsewhere.

    django-esi sends requests to the spec's ``servers[0].url``. When ``ESI_API_URL`` names
    another server (a staging ESI or our emulator) we write a copy of the spec that points there.
    """
    spec = _bundled_spec()
    if urlsplit(spec["servers"][0]["url"]).netloc == urlsplit(base_url).netloc:
        return bundled_spec_path()
    digest = hashlib.sha1(base_url.encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"memberaudit-esi-spec-{digest}.json"
    if not target.exists():
        patched = {**spec, "servers": [{"url": base_url}]}
        tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(patched), encoding="utf-8")
        tmp.replace(target)
    return target


def _our_operations() -> list[str]:
    from memberaudit.intel import OPERATIONS as INTEL_OPERATIONS
    from memberaudit.sections import registry

    return sorted(registry.operation_ids() | INTEL_OPERATIONS | {"GetMetaStatus", "GetStatus"})


def provider() -> ESIClientProvider:
    """The process-wide client provider (built lazily, thread-safe)."""
    global _provider
    with _lock:
        if _provider is None:
            base_url = esi_base_url()
            spec_file = spec_file_for(base_url)
            _provider = ESIClientProvider(
                compatibility_date=COMPATIBILITY_DATE,
                ua_appname="MemberAudit",
                ua_version=__version__,
                spec_file=str(spec_file),
                operations=_our_operations(),
            )
            _point_eveuniverse_at(spec_file)
        return _provider


def client() -> ESIClient:
    esi = provider().client
    _share_ssl_context(esi)
    return esi


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every request of this process (certifi's CA bundle, read once)."""
    import httpx2

    return httpx2.create_ssl_context()


def _share_ssl_context(esi: ESIClient) -> None:
    """Give every HTTP session django-esi opens the same TLS context.

    aiopenapi3 opens a new httpx client for every request (django-esi's ``session_factory``),
    and each one builds a TLS context and loads the CA bundle again: about 20 ms of CPU per
    ESI call, most of what a 304 costs us (``docs/performance.md``). The context is the same
    every time, so one built once serves all of them.
    """
    api = esi.api
    factory = api._session_factory
    if getattr(factory, "shares_ssl_context", False):
        return

    def session_factory(**kwargs):
        kwargs.setdefault("verify", shared_ssl_context())
        return factory(**kwargs)

    session_factory.shares_ssl_context = True  # type: ignore[attr-defined]
    api._session_factory = session_factory


def share_ssl_context_with_eveuniverse() -> None:
    """The same for django-eveuniverse's client (the resolver loads types through it)."""
    provider()  # points eveuniverse at our server first
    from eveuniverse import providers

    _share_ssl_context(providers.esi.client)


def _point_eveuniverse_at(spec_file: Path) -> None:
    """Make django-eveuniverse's own client follow ``ESI_API_URL`` as ours does."""
    from eveuniverse import providers

    if Path(str(providers.esi._spec_file)) != spec_file:
        providers.esi._spec_file = spec_file
        providers.esi._client = None


def reset() -> None:
    """Forget the client (tests that switch ``ESI_API_URL`` call this)."""
    global _provider
    with _lock:
        _provider = None
