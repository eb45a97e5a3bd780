"""Which ESI routes ``/meta/status`` reports as down.

Read at most once a minute and shared through the cache. If the status itself cannot be
read, nothing counts as down: updates go ahead rather than silently skipping everything.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from . import client as esi_client

logger = logging.getLogger(__name__)

_CACHE_KEY = "memberaudit:esi:routes_down"
_CACHE_SECONDS = 60
DOWN_STATES = {"Down"}


CACHE_KEY = _CACHE_KEY
_UNREAD = object()


def routes_down(cached: object = _UNREAD) -> frozenset[tuple[str, str]]:
    """``(METHOD, path)`` of every route ESI reports as down (empty when unknown).

    ``cached``: the value of :data:`CACHE_KEY` when the caller read it already (the gateway
    reads it with the budgets, in one round trip); None when the cache did not have it.
    """
    if cached is _UNREAD:
        cached = cache.get(_CACHE_KEY)
    if cached is not None:
        return frozenset(tuple(item) for item in cached)
    try:
        data = esi_client.client().Meta.GetMetaStatus().result(use_etag=False, use_cache=False)
        routes = [
            (_value(route.method).upper(), route.path)
            for route in data.routes
            if _value(route.status) in DOWN_STATES
        ]
    except Exception as exc:  # any failure: proceed as if all routes were up
        logger.warning("Could not read ESI's /meta/status, assuming all routes are up: %s", exc)
        routes = []
        cache.set(_CACHE_KEY, routes, timeout=_CACHE_SECONDS // 2)
        return frozenset()
    cache.set(_CACHE_KEY, routes, timeout=_CACHE_SECONDS)
    return frozenset(routes)


def _value(value) -> str:

    return value if isinstance(value, str) else str(getattr(value, "value", value))


def is_down(operation_id: str, cached: object = _UNREAD) -> bool:
    info = esi_client.operation_info(operation_id)
    return (info["method"].upper(), info["path"]) in routes_down(cached)
