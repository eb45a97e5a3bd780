"""The ESI OpenAPI spec that django-eveuniverse ships, and the route table built from it.

The spec is the contract: every route the emulator serves is looked up here, with its
scopes (``security``), rate-limit group (``x-rate-limit``), cache timer (``x-cache-age``)
and whether it is paged (a ``page`` query parameter).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

COMPATIBILITY_DATE = "2025-12-16"
SPEC_FILENAME = f"openapi_{COMPATIBILITY_DATE}.json"

_WINDOW_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def bundled_spec_path() -> Path:
    """Path of the spec file inside the installed django-eveuniverse package."""
    import eveuniverse

    return Path(eveuniverse.__file__).parent / SPEC_FILENAME


@functools.cache
def _spec_text() -> str:
    return bundled_spec_path().read_text(encoding="utf-8")


def load_spec() -> dict:
    """A fresh (deep) copy of the bundled spec as a dict."""
    return json.loads(_spec_text())


def spec_for_url(url: str) -> dict:
    """The bundled spec with ``servers`` pointing at ``url`` (trailing slash removed)."""
    spec = load_spec()
    spec["servers"] = [{"url": url.rstrip("/")}]
    return spec


def write_spec(url: str, path: str | Path) -> Path:
    """Write a copy of the bundled spec whose ``servers[0].url`` is ``url``.

    Pass the returned path as ``spec_file=`` to ``esi.openapi_clients.ESIClientProvider``
    to send the unmodified django-esi client to the emulator. ``path`` may be a directory,
    in which case the file is named like the bundled one.
    """
    target = Path(path)
    if target.is_dir():
        target = target / SPEC_FILENAME
    target.write_text(json.dumps(spec_for_url(url)), encoding="utf-8")
    return target


def window_seconds(window: str) -> int:
    """Convert a spec window like ``15m`` into seconds."""
    if window[:-1] == "":
        return _WINDOW_UNITS[window]
    return int(window[:-1]) * _WINDOW_UNITS[window[-1]]


@dataclass(frozen=True)
class RateLimit:
    """A rate-limit group from the spec's ``x-rate-limit``."""

    group: str
    max_tokens: int
    window: str
    window_seconds: int


@dataclass
class Operation:
    """One operation of the spec as the emulator needs it."""

    operation_id: str
    method: str
    path: str
    tag: str
    scopes: tuple[str, ...]
    cache_age: int | None
    rate_limit: RateLimit | None
    paged: bool
    query_params: tuple[str, ...]
    segments: tuple[str | None, ...] = field(default=())
    param_names: tuple[str, ...] = field(default=())

    @property
    def needs_token(self) -> bool:
        """Whether the operation is authenticated (has OAuth2 scopes)."""
        return bool(self.scopes)

    @property
    def character_bound(self) -> bool:
        """Whether the path names a character the token must belong to."""
        return self.path.startswith("/characters/{character_id}")


_PARAM_RE = re.compile(r"^\{(\w+)\}$")


class Router:
    """Matches ``(method, path)`` to an :class:`Operation` of the spec."""

    def __init__(self, spec: dict) -> None:
        self.operations: dict[str, Operation] = {}
        self._index: dict[tuple[str, int], list[Operation]] = {}
        for path, item in spec["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "put", "delete"):
                    continue
                operation = self._build(path, method.upper(), op)
                self.operations[operation.operation_id] = operation
                key = (operation.method, len(operation.segments))
                self._index.setdefault(key, []).append(operation)
        # literal segments first, so /characters/affiliation wins over /characters/{id}
        for ops in self._index.values():
            ops.sort(key=lambda o: sum(1 for s in o.segments if s is None))

    @staticmethod
    def _build(path: str, method: str, op: dict) -> Operation:
        scopes: tuple[str, ...] = ()
        for requirement in op.get("security") or []:
            scopes = tuple(requirement.get("OAuth2", []))
        rate = op.get("x-rate-limit")
        rate_limit = (
            RateLimit(
                group=rate["group"],
                max_tokens=int(rate["max-tokens"]),
                window=rate["window-size"],
                window_seconds=window_seconds(rate["window-size"]),
            )
            if rate
            else None
        )
        params = [p for p in op.get("parameters", []) if "name" in p]
        segments: list[str | None] = []
        names: list[str] = []
        for part in path.strip("/").split("/"):
            match = _PARAM_RE.match(part)
            if match:
                segments.append(None)
                names.append(match.group(1))
            else:
                segments.append(part)
        return Operation(
            operation_id=op["operationId"],
            method=method,
            path=path,
            tag=(op.get("tags") or ["Default"])[0],
            scopes=scopes,
            cache_age=op.get("x-cache-age"),
            rate_limit=rate_limit,
            paged=any(p["name"] == "page" for p in params),
            query_params=tuple(p["name"] for p in params if p.get("in") == "query"),
            segments=tuple(segments),
            param_names=tuple(names),
        )

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``path`` and its path parameters, or ``None``."""
        parts = [p for p in path.split("/") if p]
        for op in self._index.get((method, len(parts)), ()):
            values: list[str] = []
            for segment, part in zip(op.segments, parts, strict=True):
                if segment is None:
                    values.append(part)
                elif segment != part:
                    break
            else:
                return op, dict(zip(op.param_names, values, strict=True))
        return None


@functools.cache
def default_router() -> Router:
    """The router of the bundled spec (built once per process)."""
    return Router(load_spec())
