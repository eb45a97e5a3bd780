"""The emulator core (ESI behaviours) and its stdlib HTTP front end.

:class:`EmulatorCore` turns a request into a response: routing by the spec, auth with
access tokens of the emulated EVE SSO (:mod:`.sso`, served on the same port), ETag/304,
paging, cache headers, the error limit (420), per-group token buckets (429), fault injection
and accounting. :class:`EmulatorHTTPServer` is a ``ThreadingHTTPServer`` that feeds it real
HTTP/1.1 requests on 127.0.0.1.

Two clocks: the emulator's moving clock (start + real time + ticks) drives the data; the
wall clock drives what clients cache by. ``Date`` and ``Expires`` are wall-clock times, as
real ESI sends them, because django-esi computes its cache expiry as ``Date + max-age - now``;
``Last-Modified`` is the data's age mapped onto the wall clock (``If-Modified-Since`` is
compared the same way). Access tokens expire by the wall clock too.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
import traceback
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .handlers import HANDLERS, ApiError, Call, Payload
from .spec import Operation, Router, default_router, load_spec, spec_for_url
from .sso import DEFAULT_TOKEN_LIFETIME, Reply, Sso, SsoStats, TokenRejected
from .world import JsonRows, Section, World, json_default

ERROR_LIMIT = 100
ERROR_WINDOW = 60
DEFAULT_PAGE_SIZE = 1000
PAGE_SIZES = {
    "GetCharactersCharacterIdAssets": 1000,
    "GetCharactersCharacterIdWalletJournal": 2500,
    "GetCharactersCharacterIdContacts": 1000,
    "GetCharactersCharacterIdContracts": 1000,
    "GetCharactersCharacterIdMining": 1000,
    "GetCharactersCharacterIdBlueprints": 1000,
    "GetCharactersCharacterIdOrdersHistory": 1000,
    "GetCharactersCharacterIdKillmailsRecent": 1000,
}
DEFAULT_CACHE_AGE = 3600
_VOLATILE = {"GetStatus", "GetMetaStatus"}
TOKEN_COST = {2: 2, 3: 1, 4: 5, 5: 0}
MAX_HANG_SECONDS = 120.0
SERVER_ERROR_MESSAGES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "The datasource tranquility is temporarily unavailable",
    504: "Timeout contacting tranquility",
}


def _now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class Clock:
    """Emulator time: ``start`` plus real elapsed time plus all ticks.

    It also maps emulator instants onto the wall clock (same distance from "now" in both),
    for the headers clients cache by.
    """

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        self.offset = 0.0

    def seconds(self) -> float:
        """Seconds since the start, as a float (for windows and buckets)."""
        return time.monotonic() - self._t0 + self.offset

    def now(self) -> datetime:
        """Current emulator time."""
        return self.start + timedelta(seconds=self.seconds())

    def advance(self, seconds: float) -> None:
        """Jump forward."""
        self.offset += seconds

    @staticmethod
    def wall_now() -> datetime:
        """The real time now, to the second (what ``Date`` says)."""
        return datetime.fromtimestamp(int(time.time()), timezone.utc)

    def to_wall(self, moment: datetime) -> datetime:
        """The wall-clock second that is as far before the real now as ``moment`` is before
        emulator now; never in the future.

        Computed from fixed anchors (not from two "now"s read a moment apart), so the same
        ``moment`` maps to the same second on every request: ``If-Modified-Since`` keeps matching.
        """
        elapsed = (moment - self.start).total_seconds() - self.offset
        return min(datetime.fromtimestamp(int(self._wall0 + elapsed), timezone.utc), self.wall_now())


@dataclass
class Faults:
    """Fault injection settings (all off by default).

    - ``error_rate``: share of requests to spec routes answered with a 5xx from
      ``error_statuses``; ``route_error_rates`` sets it per operation id.
    - ``latency_ms`` + up to ``latency_jitter_ms`` (uniform) on every response; with
      ``slow_rate``, that share of responses takes ``slow_ms`` more (a long tail).
    - ``hang_rate``: share of requests that hang ``hang_seconds`` (max 120) and then get a 504.
    - ``malformed_rate``: share of 200 responses with a truncated JSON body.
    - ``forbidden_structures``: structure ids answered with 403 (``structure_403_rate``
      makes a deterministic share of all structures forbidden).
    - ``downtime``: everything 503 and ``/meta/status`` all Down; ``downtime_seconds``
      makes it a window starting now.
    - ``down_routes`` / ``degraded_routes``: operation ids reported as Down (and answered
      with 503) or Degraded in ``/meta/status``.
    - ``rate_limits``: override the ``max-tokens`` of rate-limit groups (for tests).
    - ``error_limit``: override the error budget per window (default 100).
    - ``cache_scale``: multiplies every route's cache time (``max-age``/``Expires``). Not a
      fault: time compression for long runs (soak, worker check) that want sections to fall
      due every minute or so. 1 (the default) is production's cache times.

    SSO faults touch only the SSO endpoints (and ESI faults never touch those):

    - ``sso_error_rate``: share of SSO requests answered with a 5xx (HTML body, like a load
      balancer) from ``sso_error_statuses``.
    - ``sso_down``: every SSO endpoint answers 503.
    - ``sso_latency_ms``: added to every SSO response.
    - ``jwks_down``: only the JWKS answers 503 (token validation fails, refreshes do not).
    """

    error_rate: float = 0.0
    route_error_rates: dict[str, float] = field(default_factory=dict)
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503, 504])
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    slow_rate: float = 0.0
    slow_ms: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    malformed_rate: float = 0.0
    forbidden_structures: list[int] = field(default_factory=list)
    structure_403_rate: float = 0.0
    downtime: bool = False
    downtime_seconds: float = 0.0
    down_routes: list[str] = field(default_factory=list)
    degraded_routes: list[str] = field(default_factory=list)
    rate_limits: dict[str, int] = field(default_factory=dict)
    error_limit: int = ERROR_LIMIT
    sso_error_rate: float = 0.0
    sso_error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503, 504])
    sso_down: bool = False
    sso_latency_ms: float = 0.0
    jwks_down: bool = False
    cache_scale: float = 1.0

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Faults:
        """Build from keyword values; unknown names raise ``ValueError``."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
        faults = cls(**values)
        faults.hang_seconds = min(float(faults.hang_seconds), MAX_HANG_SECONDS)
        for status in [*faults.error_statuses, *faults.sso_error_statuses]:
            if status not in SERVER_ERROR_MESSAGES:
                raise ValueError(f"error status must be one of {sorted(SERVER_ERROR_MESSAGES)}")
        return faults

    def as_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return asdict(self)


@dataclass
class Response:
    """A response of the core."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class _Bucket:
    """Tokens spent in a sliding window: (time, cost) entries and their running sum."""

    __slots__ = ("entries", "used")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int]] = deque()
        self.used = 0

    def expire(self, horizon: float) -> None:
        """Drop spending at or before ``horizon``."""
        entries = self.entries
        while entries and entries[0][0] <= horizon:
            self.used -= entries.popleft()[1]

    def spend(self, moment: float, cost: int) -> None:
        """Record spending."""
        self.entries.append((moment, cost))
        self.used += cost


class Stats:
    """Request accounting of ESI, with the SSO's own accounting as its ``sso`` part."""

    def __init__(self) -> None:
        self.sso = SsoStats()
        self.reset()

    def reset(self) -> None:
        """Forget everything counted so far (ESI and SSO)."""
        self.sso.reset()
        self.by_route: dict[str, dict[str, int]] = {}
        self.by_status: dict[str, int] = {}
        self.tokens_by_group: dict[str, int] = {}
        self.requests = 0
        self.faults: dict[str, int] = {}

    def count(self, route: str, status: int, group: str | None, tokens: int) -> None:
        """Count one response."""
        self.requests += 1
        key = str(status)
        route_stats = self.by_route.setdefault(route, {})
        route_stats[key] = route_stats.get(key, 0) + 1
        self.by_status[key] = self.by_status.get(key, 0) + 1
        if group:
            self.tokens_by_group[group] = self.tokens_by_group.get(group, 0) + tokens

    def fault(self, kind: str) -> None:
        """Count an injected fault."""
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of ``GET /_emulator/stats``."""
        ok = sum(n for s, n in self.by_status.items() if s.startswith("2"))
        not_modified = self.by_status.get("304", 0)
        return {
            "requests": self.requests,
            "by_status": dict(sorted(self.by_status.items())),
            "by_route": {k: dict(sorted(v.items())) for k, v in sorted(self.by_route.items())},
            "tokens_by_group": dict(sorted(self.tokens_by_group.items())),
            "not_modified": not_modified,
            "not_modified_share": round(not_modified / (ok + not_modified), 4) if ok + not_modified else 0.0,
            "error_limited": self.by_status.get("420", 0),
            "rate_limited": self.by_status.get("429", 0),
            "faults": dict(sorted(self.faults.items())),
            "sso": self.sso.as_dict(),
        }


class EmulatorCore:
    """ESI behaviour independent of the transport."""

    def __init__(
        self,
        characters: int = 6,
        seed: int = 1,
        start: datetime | None = None,
        page_sizes: dict[str, int] | None = None,
        clients: dict[str, str] | None = None,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        start = start or _now_utc()
        if start.tzinfo is None:  # a naive start is UTC, like every ESI date
            start = start.replace(tzinfo=timezone.utc)
        start = start.astimezone(timezone.utc).replace(microsecond=0)
        self.seed = seed
        self.clock = Clock(start)
        self.world = World(characters, seed, start)
        self.router: Router = default_router()
        self.page_sizes = {**PAGE_SIZES, **(page_sizes or {})}
        self.faults = Faults()
        self.stats = Stats()
        self.base_url = "http://127.0.0.1/"
        self._lock = threading.Lock()
        self._fault_rng = random.Random(f"{seed}:faults")
        self._downtime_until: float | None = None
        self._errors: dict[str, tuple[int, int]] = {}  # app -> (window index, errors)
        self._buckets: dict[tuple[str, str, int], _Bucket] = {}
        self._static_memo: dict[tuple, Payload] = {}
        self._spec_body: bytes | None = None
        spec = load_spec()
        self.all_scopes = sorted(
            spec["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]["scopes"]
        )
        self.sso = Sso(
            seed,
            self.world.profiles,
            self.all_scopes,
            lambda: self.faults,
            clients=clients,
            token_lifetime=token_lifetime,
            stats=self.stats.sso,
        )

    # --- control API (also used by the HTTP control routes) --------------------------
    def issue_tokens(
        self, character_id: int, scopes: list[str] | None = None, client_id: str | None = None
    ) -> dict[str, Any]:
        """Access and refresh token as a code exchange would give them, without the browser.

        Keys: ``access_token``, ``refresh_token``, ``expires_in``, ``token_type``,
        ``owner_hash``, ``character_id``, ``character_name``, ``scopes`` (all if None).
        """
        return self.sso.issue_tokens(character_id, scopes, client_id)

    def mint_token(self, character_id: int, scopes: list[str] | None = None) -> str:
        """Just a new access token (a JWT) for a character with ``scopes`` (all scopes if None)."""
        return self.issue_tokens(character_id, scopes)["access_token"]

    def revoke(self, character_id: int) -> None:
        """The player revokes the app: access tokens issued so far are answered 401 and refresh
        tokens ``invalid_grant`` (also those of earlier runs); tokens issued later work."""
        self.sso.revoke(character_id)

    def transfer(self, character_id: int) -> str:
        """The character moves to another account: returns its new owner hash."""
        return self.sso.transfer(character_id)

    def owner_hash(self, character_id: int) -> str:
        """The character's current owner hash (the ``owner`` claim)."""
        if character_id not in self.world.profiles:
            raise ApiError(404, f"Unknown character {character_id}")
        return self.sso.owner_hash(character_id)

    def set_token_lifetime(self, seconds: float) -> float:
        """Lifetime of access tokens issued from now on (default 1200 s, like the real SSO)."""
        return self.sso.set_token_lifetime(seconds)

    def tick(self, seconds: float) -> datetime:
        """Advance the clock; data changes plausibly (see :func:`world.apply_tick`)."""
        if seconds <= 0:
            raise ApiError(400, "seconds must be positive")
        self.world.tick(seconds)
        self.clock.advance(seconds)
        return self.clock.now()

    def set_faults(self, **values: Any) -> Faults:
        """Replace the fault settings (no arguments clears them)."""
        try:
            faults = Faults.from_dict(values)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, str(exc)) from None
        with self._lock:
            self.faults = faults
            if faults.downtime_seconds > 0:
                self._downtime_until = self.clock.seconds() + faults.downtime_seconds
            else:
                self._downtime_until = None
        return faults

    def reset_limits(self) -> None:
        """Forget spent error budget and rate-limit tokens."""
        with self._lock:
            self._errors.clear()
            self._buckets.clear()

    def characters(self) -> list[dict]:
        """Registrable characters (id, name, corporation, alliance, size class, owner hash)."""
        return [
            {**p.as_dict(), "owner_hash": self.sso.owner_hash(p.character_id)}
            for p in self.world.profiles.values()
        ]

    # --- helpers -------------------------------------------------------------------
    def in_downtime(self) -> bool:
        """Whether the downtime fault is active now."""
        if self.faults.downtime:
            return True
        return self._downtime_until is not None and self.clock.seconds() < self._downtime_until

    def route_status(self, operation: Operation) -> str:
        """Status of a route as ``/meta/status`` reports it."""
        if self.in_downtime() or operation.operation_id in self.faults.down_routes:
            return "Down"
        if operation.operation_id in self.faults.degraded_routes:
            return "Degraded"
        return "OK"

    def _app(self, headers: dict[str, str]) -> str:
        agent = headers.get("user-agent", "")
        return agent.split("/", 1)[0].split(" ", 1)[0] or "anonymous"

    def _error_state(self, app: str) -> tuple[int, int]:
        """(remaining errors, seconds to reset) of the current window."""
        now = self.clock.seconds()
        window = int(now // ERROR_WINDOW)
        reset = max(1, int(math.ceil((window + 1) * ERROR_WINDOW - now)))
        current_window, errors = self._errors.get(app, (window, 0))
        if current_window != window:
            errors = 0
        return max(0, self.faults.error_limit - errors), reset

    def _add_error(self, app: str) -> None:
        window = int(self.clock.seconds() // ERROR_WINDOW)
        current_window, errors = self._errors.get(app, (window, 0))
        if current_window != window:
            errors = 0
        self._errors[app] = (window, errors + 1)

    def _bucket(self, key: tuple[str, str, int], window: int) -> tuple[_Bucket, int]:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket()
        bucket.expire(self.clock.seconds() - window)
        return bucket, bucket.used

    def _rate_limited(self, app: str, operation: Operation, character_key: int) -> int:
        """Seconds until the bucket has tokens again (0 when it has some now)."""
        assert operation.rate_limit is not None
        window = operation.rate_limit.window_seconds
        with self._lock:
            bucket, used = self._bucket((app, operation.rate_limit.group, character_key), window)
            if used < self._max_tokens(operation):
                return 0
            oldest = bucket.entries[0][0] if bucket.entries else self.clock.seconds()
            return max(1, int(math.ceil(oldest + window - self.clock.seconds())))

    def _max_tokens(self, operation: Operation) -> int:
        assert operation.rate_limit is not None
        return self.faults.rate_limits.get(operation.rate_limit.group, operation.rate_limit.max_tokens)

    # --- request handling ---------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        """Answer one request (``headers`` with lower-case names)."""
        split = urlsplit(target)
        path = "/" + "/".join(p for p in split.path.split("/") if p)
        query = parse_qs(split.query)
        if path.startswith("/_emulator"):
            return self._control(method, path, query, body)
        if self.sso.serves(path):
            reply: Reply = self.sso.handle(method, path, query, headers, body, self._request_base(headers))
            return Response(reply.status, reply.headers, reply.body)
        if path == "/meta/openapi.json" and method == "GET":
            return self._spec(headers)
        if path.startswith(IMAGES_PREFIX + "/") and method in ("GET", "HEAD"):
            return eve_image(path[len(IMAGES_PREFIX) :])
        matched = self.router.match(method, path)
        if matched is None:
            return self._finish(None, headers, 404, {"error": "Not found"}, {}, count_route="unknown")
        operation, path_params = matched
        return self._handle_operation(operation, path_params, query, headers, body)

    def _request_base(self, headers: dict[str, str]) -> str:
        """Base URL as the client reached us (the SSO metadata points there)."""
        host = headers.get("host")
        return f"http://{host}/" if host else self.base_url

    def _handle_operation(
        self,
        operation: Operation,
        path_params: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        app = self._app(headers)
        faults = self.faults
        with self._lock:
            remaining, _ = self._error_state(app)
        if remaining <= 0:
            return self._finish(
                operation,
                headers,
                420,
                {
                    "error": "This software has exceeded the error limit for ESI. Wait for the error limit to reset."
                },
                {},
                charge=False,
            )
        if operation.operation_id == "GetMetaStatus":
            return self._ok(operation, headers, Payload(self._meta_status()), {}, 0)
        if self.in_downtime() or operation.operation_id in faults.down_routes:
            self._count_fault("downtime" if self.in_downtime() else "down_route")
            return self._finish(operation, headers, 503, {"error": SERVER_ERROR_MESSAGES[503]}, {})

        # auth
        character = None
        character_key = 0
        if operation.needs_token:
            auth = headers.get("authorization", "")
            if not auth.lower().startswith("bearer "):
                return self._finish(operation, headers, 401, {"error": "Authentication required"}, {})
            try:
                info = self.sso.authenticate(auth[7:].strip())
            except TokenRejected as exc:
                return self._finish(operation, headers, exc.status, exc.body, {})
            if info.character_id not in self.world.profiles:
                return self._finish(operation, headers, 401, {"error": "Invalid token"}, {})
            character_key = info.character_id
            missing = [s for s in operation.scopes if s not in info.scopes]
            if missing:
                return self._finish(
                    operation,
                    headers,
                    403,
                    {"error": f"Token is not valid for scope(s): {', '.join(missing)}"},
                    {},
                    character_key=character_key,
                )
            if operation.character_bound and path_params.get("character_id") != str(info.character_id):
                return self._finish(
                    operation,
                    headers,
                    403,
                    {"error": "Token is not valid for this character"},
                    {},
                    character_key=character_key,
                )
            if operation.character_bound:
                character = self.world.character(info.character_id)

        # rate limit
        if operation.rate_limit:
            retry = self._rate_limited(app, operation, character_key)
            if retry:
                return self._finish(
                    operation,
                    headers,
                    429,
                    {"error": "Too many requests"},
                    {"Retry-After": str(retry)},
                    character_key=character_key,
                    charge=False,
                )

        # injected faults
        self._sleep_latency()
        if faults.hang_rate and self._chance(faults.hang_rate):
            self._count_fault("hang")
            time.sleep(min(faults.hang_seconds, MAX_HANG_SECONDS))
            return self._finish(
                operation,
                headers,
                504,
                {"error": SERVER_ERROR_MESSAGES[504]},
                {},
                character_key=character_key,
            )
        rate = faults.route_error_rates.get(operation.operation_id, faults.error_rate)
        if rate and self._chance(rate):
            with self._lock:
                status = self._fault_rng.choice(faults.error_statuses)
            self._count_fault(f"error_{status}")
            return self._finish(
                operation,
                headers,
                status,
                {"error": SERVER_ERROR_MESSAGES[status]},
                {},
                character_key=character_key,
            )
        if operation.operation_id == "GetUniverseStructuresStructureId" and self._structure_forbidden(
            path_params
        ):
            self._count_fault("structure_403")
            return self._finish(
                operation, headers, 403, {"error": "Forbidden"}, {}, character_key=character_key
            )

        # the data
        handler = HANDLERS.get(operation.operation_id)
        if handler is None:
            return self._finish(
                operation,
                headers,
                404,
                {"error": "Not implemented by the ESI emulator"},
                {},
                character_key=character_key,
            )
        parsed_body = None
        if body:
            try:
                parsed_body = json.loads(body)
            except ValueError:
                return self._finish(
                    operation, headers, 400, {"error": "Invalid JSON body"}, {}, character_key=character_key
                )
        # public GET data never changes with time (except /status): keep it with its bytes
        static_key = None
        if character is None and operation.method == "GET" and operation.operation_id not in _VOLATILE:
            query_key = tuple(sorted((k, tuple(v)) for k, v in query.items() if k != "page"))
            static_key = (operation.operation_id, tuple(sorted(path_params.items())), query_key)
            cached = self._static_memo.get(static_key)
            if cached is not None:
                return self._ok(operation, headers, cached, query, character_key)
        call = Call(self.world, operation.operation_id, path_params, query, parsed_body, character)
        try:
            payload = handler(call)
            if static_key is not None and payload.section is None:
                payload = Payload(payload.data, Section(payload.data, self.clock.start))
                self._static_memo[static_key] = payload
        except ApiError as exc:
            return self._finish(
                operation,
                headers,
                exc.status,
                {"error": exc.message},
                exc.headers,
                character_key=character_key,
            )
        return self._ok(operation, headers, payload, query, character_key)

    def _ok(
        self, operation: Operation, headers: dict[str, str], payload: Payload, query: dict, character_key: int
    ) -> Response:
        extra: dict[str, str] = {}
        page = 1
        if operation.paged:
            try:
                page = int((query.get("page") or ["1"])[0])
            except ValueError:
                return self._finish(
                    operation, headers, 400, {"error": "Invalid page"}, {}, character_key=character_key
                )
            size = self.page_sizes.get(operation.operation_id, DEFAULT_PAGE_SIZE)
            pages = max(1, math.ceil(len(payload.data) / size))
            if page < 1 or page > pages:
                return self._finish(
                    operation,
                    headers,
                    404,
                    {"error": "Requested page does not exist"},
                    {"X-Pages": str(pages)},
                    character_key=character_key,
                )
            extra["X-Pages"] = str(pages)
        etag = self._etag(operation, payload, page)
        extra["Last-Modified"] = format_datetime(self._last_modified(payload), usegmt=True)
        extra["ETag"] = etag
        if self._etag_matches(headers.get("if-none-match"), etag) or (
            "if-none-match" not in headers
            and self._not_modified_since(headers.get("if-modified-since"), payload)
        ):
            return self._finish(operation, headers, 304, None, extra, character_key=character_key)
        body = self._body(operation, payload, page)
        if self.faults.malformed_rate and self._chance(self.faults.malformed_rate):
            self._count_fault("malformed")
            body = body[: max(1, len(body) // 2)]
        return self._finish(operation, headers, 200, body, extra, character_key=character_key)

    def _etag(self, operation: Operation, payload: Payload, page: int) -> str:
        """The ETag of a page (memoized with the section)."""
        memo = payload.section.memo if payload.section is not None else None
        key = ("etag", operation.operation_id, payload.key, page)
        if memo is not None and key in memo:
            return memo[key]
        etag = '"' + hashlib.blake2b(self._body(operation, payload, page), digest_size=16).hexdigest() + '"'
        if memo is not None:
            memo[key] = etag
        return etag

    def _body(self, operation: Operation, payload: Payload, page: int) -> bytes:
        """The JSON bytes of a page; memoized, except for rows stored as JSON already."""
        memo = payload.section.memo if payload.section is not None else None
        key = ("body", operation.operation_id, payload.key, page)
        if memo is not None and key in memo:
            return memo[key]
        data = payload.data
        if operation.paged:
            size = self.page_sizes.get(operation.operation_id, DEFAULT_PAGE_SIZE)
            data = data[(page - 1) * size : page * size]
        if isinstance(payload.data, JsonRows):
            return b"[" + b",".join(data) + b"]"  # cheap to rebuild, costly to keep twice
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=json_default).encode()
        if memo is not None:
            memo[key] = body
        return body

    def _last_modified(self, payload: Payload) -> datetime:
        """The section's last change on the wall clock (data without a section: the start)."""
        modified = payload.section.last_modified if payload.section is not None else self.clock.start
        return self.clock.to_wall(modified)

    def _not_modified_since(self, header: str | None, payload: Payload) -> bool:
        """``If-Modified-Since`` (wall clock) at or after the section's last change.

        Comparing in wall-clock seconds is mapping the header back onto the emulator clock,
        without the rounding of doing it per request.
        """
        if not header:
            return False
        try:
            since = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and self._last_modified(payload) <= since

    @staticmethod
    def _etag_matches(header: str | None, etag: str) -> bool:
        if not header:
            return False
        candidates = [c.strip() for c in header.split(",")]
        return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)

    def _finish(
        self,
        operation: Operation | None,
        headers: dict[str, str],
        status: int,
        body: Any,
        extra: dict[str, str],
        character_key: int = 0,
        charge: bool = True,
        count_route: str | None = None,
    ) -> Response:
        """Add ESI headers, charge budgets and count the response."""
        app = self._app(headers)
        now = self.clock.wall_now()  # real ESI's Date; clients anchor max-age on it
        if isinstance(body, bytes):
            data = body
        elif body is None:
            data = b""
        else:
            data = json.dumps(body, separators=(",", ":")).encode()
        out: dict[str, str] = {"Content-Type": "application/json; charset=utf-8"}
        age: int | None = DEFAULT_CACHE_AGE
        if operation is not None and operation.cache_age is not None:
            age = int(operation.cache_age)
        elif operation is not None and operation.method.lower() == "post":
            # POSTs the spec gives no cache age (/universe/names, /universe/ids, ...) are not
            # cacheable: an answer depends on the body, which django-esi's cache key leaves out
            age = None
        if age is not None and self.faults.cache_scale != 1.0:
            age = max(1, round(age * self.faults.cache_scale))
        if status in (200, 304) and age is None:
            out["Cache-Control"] = "no-cache, no-store"
        elif status in (200, 304):
            out["Cache-Control"] = f"public, max-age={age}"
            out["Expires"] = format_datetime(now + timedelta(seconds=age), usegmt=True)
            out.setdefault(
                "Last-Modified", format_datetime(self.clock.to_wall(self.clock.start), usegmt=True)
            )
        out["Date"] = format_datetime(now, usegmt=True)
        out.update(extra)
        group = None
        cost = TOKEN_COST.get(status // 100, 0)
        with self._lock:
            if status >= 400 and status not in (420, 429):
                self._add_error(app)
            remaining, reset = self._error_state(app)
            if operation is not None and operation.rate_limit:
                group = operation.rate_limit.group
                key = (app, group, character_key)
                bucket, used = self._bucket(key, operation.rate_limit.window_seconds)
                if charge and cost:
                    bucket.spend(self.clock.seconds(), cost)
                    used += cost
                limit = self._max_tokens(operation)
                out["X-Ratelimit-Group"] = group
                out["X-Ratelimit-Limit"] = f"{limit}/{operation.rate_limit.window}"
                out["X-Ratelimit-Remaining"] = str(max(0, limit - used))
                out["X-Ratelimit-Used"] = str(cost if charge else 0)
            out["X-ESI-Error-Limit-Remain"] = str(remaining)
            out["X-ESI-Error-Limit-Reset"] = str(reset)
            if status == 420:
                out["Retry-After"] = str(reset)
            route = count_route or (operation.operation_id if operation else "unknown")
            self.stats.count(route, status, group, cost if charge else 0)
        return Response(status, out, data)

    def _count_fault(self, kind: str) -> None:
        with self._lock:
            self.stats.fault(kind)

    def _chance(self, rate: float) -> bool:
        with self._lock:
            return self._fault_rng.random() < rate

    def _sleep_latency(self) -> None:
        faults = self.faults
        delay = faults.latency_ms
        with self._lock:
            if faults.latency_jitter_ms:
                delay += self._fault_rng.uniform(0, faults.latency_jitter_ms)
            if faults.slow_rate and self._fault_rng.random() < faults.slow_rate:
                delay += faults.slow_ms
        if delay > 0:
            time.sleep(min(delay / 1000, MAX_HANG_SECONDS))

    def _structure_forbidden(self, path_params: dict[str, str]) -> bool:
        try:
            structure_id = int(path_params.get("structure_id", "0"))
        except ValueError:
            return False
        if structure_id in self.faults.forbidden_structures:
            return True
        rate = self.faults.structure_403_rate
        return bool(rate) and random.Random(f"{self.seed}:structure:{structure_id}").random() < rate

    def _meta_status(self) -> dict:
        return {
            "routes": [
                {"method": op.method, "path": op.path, "status": self.route_status(op)}
                for op in self.router.operations.values()
            ]
        }

    def _spec(self, headers: dict[str, str]) -> Response:
        if self._spec_body is None:
            self._spec_body = json.dumps(spec_for_url(self.base_url)).encode()
        etag = '"' + hashlib.blake2b(self._spec_body, digest_size=16).hexdigest() + '"'
        if self._etag_matches(headers.get("if-none-match"), etag):
            return Response(304, {"ETag": etag, "Content-Type": "application/json"}, b"")
        return Response(
            200,
            {"ETag": etag, "Content-Type": "application/json", "Cache-Control": "public, max-age=300"},
            self._spec_body,
        )

    # --- control routes -----------------------------------------------------------------
    def _control(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        parts = path.split("/")[2:]
        try:
            result = self._control_dispatch(method, parts, query, body)
        except ApiError as exc:
            return _json_response(exc.status, {"error": exc.message})
        except (ValueError, TypeError) as exc:
            return _json_response(400, {"error": str(exc)})
        if result is None:
            return _json_response(404, {"error": "Unknown emulator control route"})
        return _json_response(200, result)

    def _control_dispatch(
        self, method: str, parts: list[str], query: dict[str, list[str]], body: bytes
    ) -> Any:
        head = parts[0] if parts else ""
        if head == "token" and method == "POST" and len(parts) == 2:
            raw = " ".join(query.get("scopes", []))
            scopes = [s for s in raw.replace(",", " ").split() if s]
            client_id = (query.get("client_id") or [None])[0]
            return self.sso.issue_tokens(int(parts[1]), scopes or None, client_id)
        if head == "revoke" and method == "POST" and len(parts) == 2:
            self.revoke(int(parts[1]))
            return {"revoked": int(parts[1])}
        if head == "transfer" and method == "POST" and len(parts) == 2:
            character_id = int(parts[1])
            return {"character_id": character_id, "owner_hash": self.transfer(character_id)}
        if head == "token-lifetime" and len(parts) == 1:
            if method == "POST":
                self.set_token_lifetime(float((query.get("seconds") or [""])[0]))
            if method in ("GET", "POST"):
                return {"token_lifetime": self.sso.token_lifetime}
        if head == "tick" and method == "POST":
            seconds = float((query.get("seconds") or ["3600"])[0])
            now = self.tick(seconds)
            return {"now": now.isoformat(), "data_time": self.world.data_time.isoformat()}
        if head == "faults":
            if method == "DELETE":
                return self.set_faults().as_dict()
            if method == "POST":
                values = json.loads(body or b"{}")
                if not isinstance(values, dict):
                    raise ApiError(400, "faults must be a JSON object")
                return self.set_faults(**values).as_dict()
            if method == "GET":
                return self.faults.as_dict()
        if head == "characters" and method == "GET":
            return self.characters()
        if head == "stats":
            if method == "GET" and len(parts) == 1:
                return self.stats.as_dict()
            if method == "POST" and parts[1:] == ["reset"]:
                self.stats.reset()
                return {"reset": True}
        if head == "limits" and method == "POST" and parts[1:] == ["reset"]:
            self.reset_limits()
            return {"reset": True}
        if head == "clock" and method == "GET":
            return {
                "now": self.clock.now().isoformat(),
                "start": self.clock.start.isoformat(),
                "data_time": self.world.data_time.isoformat(),
            }
        return None


# --- EVE's image server (images.evetech.net), under /images -------------------------------------

#: where the stand-in of EVE's image server lives (``MEMBERAUDIT_EVE_IMAGE_URL`` = base + this)
IMAGES_PREFIX = "/images"
_IMAGE_VARIANTS = {
    "characters": ("portrait",),
    "corporations": ("logo",),
    "alliances": ("logo",),
    "types": ("icon", "render", "bp", "bpc"),
}


def eve_image(path: str) -> Response:
    """A stand-in image for ``/<kind>/<id>/<variant>`` of EVE's image server: a small SVG
    whose colour follows the id, so that pages look alike offline (any ``?size=`` is fine)."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] not in _IMAGE_VARIANTS or parts[2] not in _IMAGE_VARIANTS[parts[0]]:
        return _json_response(404, {"error": "Not found"})
    kind, entity_id, _variant = parts
    if not entity_id.isdigit():
        return _json_response(404, {"error": "Not found"})
    hue = int(hashlib.blake2b(f"{kind}{entity_id}".encode(), digest_size=2).hexdigest(), 16) % 360
    radius = 32 if kind == "characters" else 6
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="{radius}" fill="hsl({hue},45%,42%)"/>'
        f'<circle cx="32" cy="25" r="11" fill="hsl({hue},45%,72%)"/>'
        f'<rect x="13" y="40" width="38" height="17" rx="8" fill="hsl({hue},45%,72%)"/></svg>'
    ).encode()
    headers = {"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"}
    return Response(200, headers, svg)


def _json_response(status: int, data: Any) -> Response:
    return Response(status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode())


class _Handler(BaseHTTPRequestHandler):
    """Adapts http.server to :class:`EmulatorCore` (HTTP/1.1, keep-alive)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "ESI-Emulator/1.0"
    sys_version = ""
    core: EmulatorCore

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            response = self.server.core.handle(self.command, self.path, headers, body)  # type: ignore[attr-defined]
        except Exception as exc:  # an emulator bug must not look like a network failure
            traceback.print_exc()
            response = _json_response(500, {"error": f"ESI emulator error: {exc!r}"})
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}", f"Server: {self.server_version}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        lines.append(f"Content-Length: {len(response.body)}")
        # one write for status, headers and body: no Nagle / delayed-ACK stalls on keep-alive
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += response.body
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the emulator is used by tests and benchmarks."""


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`EmulatorCore`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, core: EmulatorCore, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.core = core
        core.base_url = f"http://{host}:{self.server_address[1]}/"
