"""EVE SSO v2 as the emulator serves it, on the same port as ESI.

Why it exists: django-esi talks to the real SSO for the code exchange after a login, for every
token refresh and for the JWKS it validates access tokens with. Without an SSO, tests had to
use access tokens that never expire and fake refresh tokens, so the paths users depend on
(expiry, refresh, a revoked app, a sold character, an SSO outage) were never exercised.

Endpoints (the paths of ``login.eveonline.com``; see the public "EVE SSO" docs):

``GET /.well-known/oauth-authorization-server``
    RFC 8414 metadata. The endpoint URLs point at this emulator (taken from the request's
    ``Host``); ``issuer`` stays ``https://login.eveonline.com`` because django-esi accepts
    only that issuer in the tokens.
``GET /oauth/jwks``
    The RS256 public key (``kid`` ``JWT-Signature-Key``), ``Cache-Control: max-age=300``.
``GET /v2/oauth/authorize?response_type=code&client_id=&redirect_uri=&scope=&state=``
    The login page: pick a character, see the scopes, press "Authorize". Unknown clients,
    missing redirect URIs and unknown scopes get a 400 error page. Any ``redirect_uri`` is
    accepted (the real SSO checks it against the application's registered callback).
``POST /v2/oauth/authorize`` (form) or ``GET`` with ``character_id``
    Redirects (302) to ``redirect_uri?code=...&state=...``; with ``action=cancel`` to
    ``redirect_uri?error=access_denied&state=...``. Codes are single use, live 5 minutes and
    belong to the client (and redirect URI) they were issued for.
``POST /v2/oauth/token`` (form, client auth by HTTP Basic or ``client_id``/``client_secret``)
    Grants ``authorization_code`` and ``refresh_token``; answers
    ``{"access_token", "expires_in", "token_type": "Bearer", "refresh_token"}``. Errors are
    OAuth errors: 400 ``invalid_grant`` / ``invalid_request`` / ``invalid_scope`` /
    ``unsupported_grant_type``, 401 ``invalid_client``. A refresh returns the same refresh token.
``POST /v2/oauth/revoke`` (form ``token_type_hint=refresh_token&token=...``, client auth)
    RFC 7009: revokes that refresh token; always 200 for a known client.

The login page, for headless browsers (stable names and ids):

- ``<form id="authorize-form" method="post">`` posting to the same path, with hidden inputs
  ``response_type``, ``client_id``, ``redirect_uri``, ``scope`` and ``state``;
- one radio per character: ``<input type="radio" name="character_id" value="ID"
  id="character-ID">`` with a ``<label for="character-ID">`` showing the name and the id
  (the first one is checked);
- the requested scopes as ``<li class="scope">`` items inside ``<ul id="scopes">``;
- ``<button type="submit" id="authorize" name="action" value="authorize">`` and
  ``<button type="submit" id="cancel" name="action" value="cancel">``.

Tokens: access tokens are JWTs signed RS256 with the claims the real SSO puts in them (``scp``
-- a plain string for one scope --, ``jti``, ``kid``, ``sub`` ``CHARACTER:EVE:<id>``, ``azp``,
``tenant``, ``tier``, ``region``, ``aud`` ``[client_id, "EVE Online"]``, ``name``, ``owner``,
``exp``, ``iat``, ``iss``); they live 20 minutes unless ``token_lifetime`` says otherwise.
Refresh tokens are opaque, HMAC-signed strings. The RSA key and the HMAC secret derive from the
emulator seed, so tokens survive a restart with the same seed (the demo keeps its database).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import html
import json
import math
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import rsa

from .handlers import ApiError

if TYPE_CHECKING:
    from .server import Faults

ISSUER = "https://login.eveonline.com"
ACCEPTED_ISSUERS = ("login.eveonline.com", ISSUER)  # what the SSO has put in ``iss`` over time
AUDIENCE = "EVE Online"
KEY_ID = "JWT-Signature-Key"
KEY_BITS = 2048
DEFAULT_TOKEN_LIFETIME = 1200  # 20 minutes, like the real SSO
CODE_LIFETIME = 300  # "a one use only authorization code that expires in 5 minutes"
JWKS_MAX_AGE = 300
DEFAULT_CLIENTS = {"memberaudit-test": "memberaudit-test"}  # the test project's ESI_SSO_CLIENT_ID/SECRET
EXTRA_SCOPES = ("publicData",)  # accepted by the SSO although no ESI route asks for it
MAX_VERIFIED_TOKENS = 50_000

METADATA_PATH = "/.well-known/oauth-authorization-server"
JWKS_PATH = "/oauth/jwks"
AUTHORIZE_PATH = "/v2/oauth/authorize"
TOKEN_PATH = "/v2/oauth/token"
REVOKE_PATH = "/v2/oauth/revoke"
ENDPOINTS = {
    METADATA_PATH: ("metadata", ("GET",)),
    JWKS_PATH: ("jwks", ("GET",)),
    AUTHORIZE_PATH: ("authorize", ("GET", "POST")),
    TOKEN_PATH: ("token", ("POST",)),
    REVOKE_PATH: ("revoke", ("POST",)),
}
_SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


# --- the signing key -------------------------------------------------------------------------
def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[:2] = b"\x00\x00"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytes(len(range(n * n, limit, n)))
    return [n for n in range(3, limit) if sieve[n]]


_SMALL_PRIMORIAL = math.prod(_small_primes(20000))


def _probably_prime(n: int, rng: random.Random, rounds: int) -> bool:
    """Miller-Rabin with bases from ``rng`` (deterministic for a seeded ``rng``)."""
    d, s = n - 1, 0
    while not d & 1:
        d >>= 1
        s += 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random, exponent: int) -> int:
    while True:
        # top two bits set: the product of two such primes has exactly 2 * bits bits
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (candidate - 1) % exponent == 0:
            continue
        # one gcd with the product of the small primes sieves out ~90% of the candidates
        if math.gcd(candidate, _SMALL_PRIMORIAL) != 1:
            continue
        # one round rejects almost every composite; more only for the survivor (FIPS 186-4 asks 5)
        if _probably_prime(candidate, rng, 1) and _probably_prime(candidate, rng, 5):
            return candidate


@functools.lru_cache(maxsize=16)
def signing_key(seed: int | str, bits: int = KEY_BITS) -> rsa.PrivateKey:
    """The emulator's RSA key for ``seed``: the same key for the same seed, in every process.

    ``rsa.newkeys`` draws from ``os.urandom``; tokens must survive a restart with the same seed,
    so the primes come from a ``random.Random`` seeded with it. Takes about a second for 2048
    bits in pure Python, hence the memo.
    """
    rng = random.Random(f"{seed}:sso-key")
    exponent = 65537
    p = _prime(bits // 2, rng, exponent)
    q = _prime(bits // 2, rng, exponent)
    while q == p:  # pragma: no cover - astronomically unlikely
        q = _prime(bits // 2, rng, exponent)
    d = pow(exponent, -1, (p - 1) * (q - 1))
    return rsa.PrivateKey(p * q, exponent, d, p, q)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    """Strict base64url: a token whose bytes re-encode differently is not the one we issued."""
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _int_b64(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def public_jwk(key: rsa.PrivateKey) -> dict[str, str]:
    """The JWK of the public half, as the JWKS lists it."""
    return {
        "alg": "RS256",
        "e": _int_b64(key.e),
        "kid": KEY_ID,
        "kty": "RSA",
        "n": _int_b64(key.n),
        "use": "sig",
    }


def encode_jwt(claims: dict[str, Any], key: rsa.PrivateKey) -> str:
    """A compact JWS signed RS256 (RSASSA-PKCS1-v1_5 with SHA-256)."""
    header = {"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    return f"{signing_input}.{_b64url(_sign_rs256(signing_input.encode('ascii'), key))}"


def _sign_rs256(message: bytes, key: rsa.PrivateKey) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256: what ``rsa.sign(message, key, "SHA-256")`` returns.

    ``rsa.sign`` exponentiates without the CRT (about 45 ms for 2048 bits here); the CRT
    makes it four times faster, and tests mint a token each. ``rsa.verify`` accepts the result.
    """
    size = (key.n.bit_length() + 7) // 8
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padded = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    m = int.from_bytes(padded, "big")
    s1 = pow(m, key.exp1, key.p)
    s2 = pow(m, key.exp2, key.q)
    signature = s2 + key.q * ((s1 - s2) * key.coef % key.p)
    return signature.to_bytes(size, "big")


# DER prefix of a SHA-256 DigestInfo (RFC 8017 section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def decode_jwt(token: str, key: rsa.PublicKey | rsa.PrivateKey) -> dict[str, Any] | None:
    """The claims of a JWT signed with ``key`` (RS256), or None; ``exp`` is not checked here."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        if header.get("alg") != "RS256" or header.get("kid") != KEY_ID:
            return None
        public = rsa.PublicKey(key.n, key.e)
        rsa.verify(f"{header_b64}.{claims_b64}".encode("ascii"), _b64url_decode(signature_b64), public)
        claims = json.loads(_b64url_decode(claims_b64))
    except (ValueError, TypeError, UnicodeError, rsa.VerificationError):
        return None
    return claims if isinstance(claims, dict) else None


# --- what tokens carry ------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token grants (ESI routes look at nothing else)."""

    character_id: int
    scopes: frozenset[str]
    jti: str
    iat: int
    exp: int
    owner: str
    client_id: str


@dataclass(frozen=True)
class RefreshClaims:
    """What an emulator refresh token carries."""

    character_id: int
    scopes: tuple[str, ...]
    owner: str
    client_id: str
    token_id: str
    issued_at: int


class TokenRejected(Exception):
    """ESI refuses an access token: ``status`` and JSON ``body`` as ESI answers."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error", ""))
        self.status = status
        self.body = body


@dataclass
class _Code:
    """An authorization code waiting for its exchange."""

    client_id: str
    redirect_uri: str
    character_id: int
    scopes: tuple[str, ...]
    expires: float


@dataclass
class Reply:
    """An SSO answer (the core wraps it into its own ``Response``)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


class SsoStats:
    """SSO accounting, apart from ESI's: requests by endpoint, grant type and status; faults."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything counted so far."""
        self.counts: dict[tuple[str, str, int], int] = {}
        self.faults: dict[str, int] = {}

    def count(self, endpoint: str, status: int, grant: str | None) -> None:
        """Count one response."""
        key = (endpoint, grant or "", status)
        self.counts[key] = self.counts.get(key, 0) + 1

    def fault(self, kind: str) -> None:
        """Count an injected fault."""
        self.faults[kind] = self.faults.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of the ``sso`` part of ``GET /_emulator/stats``.

        ``requests`` lists one row per endpoint, grant type (token endpoint only) and status,
        easy to filter ("one refresh"); ``total``, ``by_endpoint`` and ``by_grant`` sum them up.
        """
        by_endpoint: dict[str, dict[str, int]] = {}
        by_grant: dict[str, dict[str, int]] = {}
        for (endpoint, grant, status), n in self.counts.items():
            row = by_endpoint.setdefault(endpoint, {})
            row[str(status)] = row.get(str(status), 0) + n
            if grant:
                row = by_grant.setdefault(grant, {})
                row[str(status)] = row.get(str(status), 0) + n
        return {
            "total": sum(self.counts.values()),
            "requests": [
                {"endpoint": endpoint, "grant": grant or None, "status": status, "count": n}
                for (endpoint, grant, status), n in sorted(self.counts.items())
            ],
            "by_endpoint": {k: dict(sorted(v.items())) for k, v in sorted(by_endpoint.items())},
            "by_grant": {k: dict(sorted(v.items())) for k, v in sorted(by_grant.items())},
            "faults": dict(sorted(self.faults.items())),
        }


class OAuthError(Exception):
    """An OAuth error answer of the token or revoke endpoint (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


class _PageError(Exception):
    """An error page of the authorize endpoint (the SSO shows these instead of redirecting)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# --- the SSO ----------------------------------------------------------------------------------
class Sso:
    """EVE SSO v2: authorization codes, tokens, revocation, JWKS, faults and accounting.

    ``clients`` registers applications besides the default ``memberaudit-test`` (secret
    ``memberaudit-test``, the test project's ``ESI_SSO_CLIENT_ID``/``SECRET``).
    ``profiles`` maps character ids to objects with a ``name`` (the world's profiles);
    ``faults`` returns the core's current :class:`~.server.Faults`. Time is the wall clock
    (``time.time``): tokens expire in real time, not in the emulator's moving data time.
    """

    def __init__(
        self,
        seed: int,
        profiles: Mapping[int, Any],
        scopes: Iterable[str],
        faults: Callable[[], Faults],
        clients: Mapping[str, str] | None = None,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        stats: SsoStats | None = None,
    ) -> None:
        self.seed = seed
        self.profiles = profiles
        self.known_scopes = frozenset(scopes) | frozenset(EXTRA_SCOPES)
        self._faults = faults
        self.clients: dict[str, str] = {**DEFAULT_CLIENTS, **(clients or {})}
        self.token_lifetime = self._valid_lifetime(token_lifetime)
        self.stats = stats if stats is not None else SsoStats()
        self.clock: Callable[[], float] = time.time
        self._secret = hashlib.sha256(f"memberaudit-esi-emulator:{seed}:sso".encode()).digest()
        self._lock = threading.Lock()
        self._fault_rng = random.Random(f"{seed}:sso-faults")
        self._codes: dict[str, _Code] = {}
        self._verified: dict[str, AccessClaims] = {}
        # character -> ids of the tokens issued since the player last revoked the app
        self._fresh_since_revoke: dict[int, set[str]] = {}
        self._revoked_refresh: set[str] = set()
        self._owner_generation: dict[int, int] = {}

    # --- key and identity --------------------------------------------------------------------
    @property
    def key(self) -> rsa.PrivateKey:
        """The signing key (built on first use, memoized per seed)."""
        return signing_key(self.seed)

    def jwks(self) -> dict[str, Any]:
        """The JWKS document (the real one also lists an ES256 key and this flag)."""
        return {"keys": [public_jwk(self.key)], "SkipUnresolvedJsonWebKeys": True}

    def owner_hash(self, character_id: int) -> str:
        """The character's owner hash: stable per seed, new after each :meth:`transfer`."""
        generation = self._owner_generation.get(character_id, 0)
        digest = hmac.new(self._secret, f"owner:{character_id}:{generation}".encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode("ascii")

    def transfer(self, character_id: int) -> str:
        """The character changes account: new owner hash; earlier refresh tokens die."""
        self._profile(character_id)
        with self._lock:
            self._owner_generation[character_id] = self._owner_generation.get(character_id, 0) + 1
        return self.owner_hash(character_id)

    def revoke(self, character_id: int) -> None:
        """The player revokes the app: every token issued so far (also by earlier runs) dies."""
        with self._lock:
            self._fresh_since_revoke[character_id] = set()

    def set_token_lifetime(self, seconds: float) -> float:
        """Lifetime of access tokens issued from now on."""
        self.token_lifetime = self._valid_lifetime(seconds)
        return self.token_lifetime

    @staticmethod
    def _valid_lifetime(seconds: float) -> float:
        seconds = float(seconds)
        if not seconds > 0:
            raise ApiError(400, "token lifetime must be positive")
        return seconds

    def _profile(self, character_id: int) -> Any:
        profile = self.profiles.get(character_id)
        if profile is None:
            raise ApiError(404, f"Unknown character {character_id}")
        return profile

    def _scopes(self, scopes: Iterable[str] | None) -> tuple[str, ...]:
        chosen = tuple(sorted(set(scopes))) if scopes is not None else ()
        unknown = [s for s in chosen if s not in self.known_scopes]
        if unknown:
            raise ApiError(400, f"invalid_scope: {', '.join(unknown)}")
        return chosen

    # --- issuing -------------------------------------------------------------------------------
    def default_client(self) -> str:
        """The client tokens are issued to when none is named (the first registered one)."""
        return next(iter(self.clients))

    def issue_tokens(
        self, character_id: int, scopes: Iterable[str] | None = None, client_id: str | None = None
    ) -> dict[str, Any]:
        """What an ``authorization_code`` grant answers, without the browser (all scopes if None)."""
        chosen = self._scopes(scopes) if scopes else tuple(sorted(self.known_scopes - set(EXTRA_SCOPES)))
        client_id = client_id or self.default_client()
        if client_id not in self.clients:
            raise ApiError(400, f"unknown client {client_id}")
        return self._grant(character_id, chosen, client_id, with_refresh=True)

    def _grant(
        self,
        character_id: int,
        scopes: tuple[str, ...],
        client_id: str,
        with_refresh: bool,
        refresh_token: str | None = None,
    ) -> dict[str, Any]:
        profile = self._profile(character_id)
        now = self.clock()
        iat = int(now)
        exp = iat + max(1, round(self.token_lifetime))
        owner = self.owner_hash(character_id)
        jti = str(uuid.uuid4())
        claims: dict[str, Any] = {}
        if scopes:
            claims["scp"] = scopes[0] if len(scopes) == 1 else list(scopes)
        claims.update(
            {
                "jti": jti,
                "kid": KEY_ID,
                "sub": f"CHARACTER:EVE:{character_id}",
                "azp": client_id,
                "tenant": "tranquility",
                "tier": "live",
                "region": "world",
                "aud": [client_id, AUDIENCE],
                "name": profile.name,
                "owner": owner,
                "exp": exp,
                "iat": iat,
                "iss": ISSUER,
            }
        )
        access_token = encode_jwt(claims, self.key)
        issued_ids = [jti]
        if refresh_token is None and with_refresh and scopes:
            # the real SSO only hands out a refresh token when scopes were granted
            token_id = secrets.token_hex(8)
            refresh_token = self._encode_refresh(
                RefreshClaims(character_id, scopes, owner, client_id, token_id, iat)
            )
            issued_ids.append(token_id)
        with self._lock:
            fresh = self._fresh_since_revoke.get(character_id)
            if fresh is not None:
                fresh.update(issued_ids)
        result: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": max(0, int(exp - now)),
            "token_type": "Bearer",
            "refresh_token": refresh_token,
            "character_id": character_id,
            "character_name": profile.name,
            "owner_hash": owner,
            "scopes": list(scopes),
        }
        return result

    def _encode_refresh(self, claims: RefreshClaims) -> str:
        payload = {
            "c": claims.character_id,
            "s": list(claims.scopes),
            "o": claims.owner,
            "a": claims.client_id,
            "i": claims.token_id,
            "t": claims.issued_at,
        }
        encoded = _b64url(json.dumps(payload, separators=(",", ":")).encode())
        return f"{encoded}.{self._mac(encoded)}"

    def _mac(self, encoded: str) -> str:
        return _b64url(hmac.new(self._secret, f"refresh:{encoded}".encode(), hashlib.sha256).digest()[:18])

    def _decode_refresh(self, token: str) -> RefreshClaims | None:
        try:
            encoded, mac = token.split(".")
            if not hmac.compare_digest(mac, self._mac(encoded)):
                return None
            data = json.loads(_b64url_decode(encoded))
            return RefreshClaims(
                int(data["c"]),
                tuple(data["s"]),
                str(data["o"]),
                str(data["a"]),
                str(data["i"]),
                int(data["t"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def _revoked(self, character_id: int, token_id: str) -> bool:
        fresh = self._fresh_since_revoke.get(character_id)
        return fresh is not None and token_id not in fresh

    # --- ESI's side: verifying access tokens ------------------------------------------------
    def authenticate(self, token: str) -> AccessClaims:
        """The claims of a valid access token, else :class:`TokenRejected` as ESI answers.

        The signature is checked once per token (memo); expiry and revocation every time,
        against the wall clock.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if claims is None:
                raise TokenRejected(401, {"error": "Invalid token"})
            if len(self._verified) >= MAX_VERIFIED_TOKENS:
                self._verified.clear()
            self._verified[token] = claims
        if claims.exp <= self.clock():
            # ESI has answered an expired token with 403 and this body since it validates
            # JWTs itself: esi-issues #83 ("all SSO errors will be returned as a 403"), the
            # body as reported by users (sso-issues #66 shows the same shape for
            # "token expiry is too far in the future").
            raise TokenRejected(403, {"error": "token is expired", "sso_status": 200})
        with self._lock:
            revoked = self._revoked(claims.character_id, claims.jti)
        if revoked:
            raise TokenRejected(401, {"error": "Token has been revoked"})
        return claims

    def _verify(self, token: str) -> AccessClaims | None:
        data = decode_jwt(token, self.key)
        if data is None or data.get("iss") not in ACCEPTED_ISSUERS:
            return None
        audience = data.get("aud")
        if AUDIENCE not in (audience if isinstance(audience, list) else [audience]):
            return None
        try:
            kind, _, character = str(data["sub"]).split(":")
            if kind != "CHARACTER":
                return None
            scopes = data.get("scp", [])
            return AccessClaims(
                character_id=int(character),
                scopes=frozenset([scopes] if isinstance(scopes, str) else scopes),
                jti=str(data["jti"]),
                iat=int(data["iat"]),
                exp=int(data["exp"]),
                owner=str(data.get("owner", "")),
                client_id=str(data.get("azp", "")),
            )
        except (KeyError, ValueError, TypeError):
            return None

    # --- HTTP ----------------------------------------------------------------------------------
    @staticmethod
    def serves(path: str) -> bool:
        """Whether ``path`` (normalized, no trailing slash) is an SSO endpoint."""
        return path in ENDPOINTS

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> Reply:
        """Answer one SSO request (``headers`` with lower-case names)."""
        endpoint, methods = ENDPOINTS[path]
        grant: str | None = None
        if method not in methods:
            reply = _json_reply(405, {"error": "invalid_request", "error_description": "Method not allowed"})
            reply.headers["Allow"] = ", ".join(methods)
        else:
            form = _form(body) if method == "POST" else {}
            if endpoint == "token":
                grant = form.get("grant_type") or None
            reply = self._faulted(endpoint) or self._dispatch(
                endpoint, method, query, form, headers, base_url
            )
        reply.headers.setdefault("Date", formatdate(self.clock(), usegmt=True))
        with self._lock:
            self.stats.count(endpoint, reply.status, grant)
        return reply

    def _faulted(self, endpoint: str) -> Reply | None:
        faults = self._faults()
        if faults.sso_latency_ms > 0:
            time.sleep(min(faults.sso_latency_ms / 1000, 120.0))
        kind = None
        status = 503
        if faults.sso_down:
            kind = "sso_down"
        elif endpoint == "jwks" and faults.jwks_down:
            kind = "jwks_down"
        elif faults.sso_error_rate:
            with self._lock:
                if self._fault_rng.random() < faults.sso_error_rate:
                    kind = "sso_error"
                    status = self._fault_rng.choice(faults.sso_error_statuses)
        if kind is None:
            return None
        with self._lock:
            self.stats.fault(kind)
        # what a load balancer in front of an SSO that is down sends: HTML, not an OAuth error
        text = f"{status} {_SERVER_ERRORS.get(status, 'Error')}"
        page = f"<!DOCTYPE html><html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>"
        return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, page.encode())

    def _dispatch(
        self,
        endpoint: str,
        method: str,
        query: dict[str, list[str]],
        form: dict[str, str],
        headers: dict[str, str],
        base_url: str,
    ) -> Reply:
        if endpoint == "metadata":
            return _json_reply(200, self.metadata(base_url), {"Cache-Control": "public, max-age=300"})
        if endpoint == "jwks":
            return _json_reply(200, self.jwks(), {"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"})
        if endpoint == "authorize":
            params = {k: v[0] for k, v in query.items()} if method == "GET" else form
            try:
                return self._authorize(method, params)
            except _PageError as exc:
                return _html_reply(exc.status, _error_page(str(exc)))
        try:
            client_id = self._client(headers, form)
            if endpoint == "revoke":
                self._revoke_token(client_id, form)
                return Reply(200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})
            return _json_reply(200, self._token(client_id, form), _NO_STORE)
        except OAuthError as exc:
            extra = dict(_NO_STORE)
            if exc.status == 401:
                extra["WWW-Authenticate"] = 'Basic realm="EVE SSO"'
            return _json_reply(exc.status, {"error": exc.error, "error_description": exc.description}, extra)

    def metadata(self, base_url: str) -> dict[str, Any]:
        """RFC 8414 metadata with this emulator's URLs."""
        base = base_url.rstrip("/")
        methods = ["client_secret_basic", "client_secret_post"]
        return {
            "issuer": ISSUER,
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "response_types_supported": ["code"],
            "jwks_uri": base + JWKS_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "revocation_endpoint_auth_methods_supported": methods,
            "token_endpoint_auth_methods_supported": methods,
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "scopes_supported": sorted(self.known_scopes),
        }

    # --- authorize -------------------------------------------------------------------------------
    def _authorize(self, method: str, params: dict[str, str]) -> Reply:
        client_id = params.get("client_id", "")
        if client_id not in self.clients:
            raise _PageError("Unknown client_id: this application is not registered.")
        if params.get("response_type") != "code":
            raise _PageError("Unsupported response_type: only 'code' is supported.")
        redirect_uri = params.get("redirect_uri", "")
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            raise _PageError("Missing or invalid redirect_uri.")
        scopes = tuple(sorted(set(params.get("scope", "").split())))
        unknown = [s for s in scopes if s not in self.known_scopes]
        if unknown:
            raise _PageError(f"Invalid scope(s): {', '.join(unknown)}")
        state = params.get("state", "")
        if method == "GET" and "character_id" not in params:
            return _html_reply(200, self._login_page(params, scopes))
        if params.get("action") == "cancel":
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        try:
            character_id = int(params.get("character_id", ""))
        except ValueError:
            raise _PageError("Choose a character.") from None
        if character_id not in self.profiles:
            raise _PageError(f"Unknown character {character_id}.")
        code = secrets.token_urlsafe(16)
        with self._lock:
            now = self.clock()
            for stale in [c for c, g in self._codes.items() if g.expires <= now]:
                del self._codes[stale]
            self._codes[code] = _Code(client_id, redirect_uri, character_id, scopes, now + CODE_LIFETIME)
        return _redirect(redirect_uri, {"code": code, "state": state})

    def _login_page(self, params: dict[str, str], scopes: tuple[str, ...]) -> str:
        esc = html.escape
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{esc(params.get(name, ""))}">'
            for name in ("response_type", "client_id", "redirect_uri", "scope", "state")
        )
        rows = []
        for index, (character_id, profile) in enumerate(sorted(self.profiles.items())):
            checked = " checked" if index == 0 else ""
            rows.append(
                f'<li><input type="radio" name="character_id" value="{character_id}" '
                f'id="character-{character_id}"{checked}> '
                f'<label for="character-{character_id}">{esc(profile.name)} '
                f"<small>({character_id})</small></label></li>"
            )
        scope_items = "".join(f'<li class="scope">{esc(s)}</li>' for s in scopes) or "<li>(no scopes)</li>"
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>EVE SSO (emulator) - Log in</title>"
            "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
            "ul{list-style:none;padding-left:0}li{margin:.3em 0}</style></head><body>"
            "<h1>EVE SSO (emulator)</h1>"
            f"<p>The application <strong>{esc(params.get('client_id', ''))}</strong> asks for access "
            "to one of your characters.</p>"
            f'<form id="authorize-form" method="post" action="{AUTHORIZE_PATH}">{hidden}'
            f'<h2>Character</h2><ul id="characters">{"".join(rows)}</ul>'
            f'<h2>Requested scopes</h2><ul id="scopes">{scope_items}</ul>'
            '<button type="submit" id="authorize" name="action" value="authorize">Authorize</button> '
            '<button type="submit" id="cancel" name="action" value="cancel">Cancel</button>'
            "</form></body></html>"
        )

    # --- token and revoke --------------------------------------------------------------------
    def _client(self, headers: dict[str, str], form: dict[str, str]) -> str:
        """The authenticated client id (HTTP Basic, or id and secret in the form)."""
        auth = headers.get("authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeError):
                raise OAuthError("invalid_client", "Client authentication failed", 401) from None
            client_id, _, secret = raw.partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        expected = self.clients.get(client_id)
        if expected is None or not hmac.compare_digest(expected.encode(), secret.encode()):
            raise OAuthError("invalid_client", "Client authentication failed", 401)
        return client_id

    def _token(self, client_id: str, form: dict[str, str]) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange_code(client_id, form)
        if grant_type == "refresh_token":
            return self._refresh(client_id, form)
        if not grant_type:
            raise OAuthError("invalid_request", "Missing grant_type")
        raise OAuthError("unsupported_grant_type", f"Grant type {grant_type} is not supported")

    def _exchange_code(self, client_id: str, form: dict[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        if not code:
            raise OAuthError("invalid_request", "Missing code")
        with self._lock:
            grant = self._codes.pop(code, None)  # single use, even when the exchange fails
        if grant is None:
            raise OAuthError("invalid_grant", "Authorization code not found or already used")
        if grant.expires <= self.clock():
            raise OAuthError("invalid_grant", "Authorization code has expired")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "Authorization code was issued to another client")
        if "redirect_uri" in form and form["redirect_uri"] != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        return self._public(self._grant(grant.character_id, grant.scopes, client_id, with_refresh=True))

    def _refresh(self, client_id: str, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        if not token:
            raise OAuthError("invalid_request", "Missing refresh_token")
        claims = self._decode_refresh(token)
        if claims is None or claims.client_id != client_id:
            raise OAuthError("invalid_grant", "Invalid refresh token")
        with self._lock:
            revoked = claims.token_id in self._revoked_refresh or self._revoked(
                claims.character_id, claims.token_id
            )
        if revoked:
            raise OAuthError("invalid_grant", "Refresh token has been revoked")
        if claims.character_id not in self.profiles or claims.owner != self.owner_hash(claims.character_id):
            raise OAuthError("invalid_grant", "Character owner has changed")
        scopes = claims.scopes
        if form.get("scope"):
            wanted = tuple(sorted(set(form["scope"].split())))
            if not set(wanted) <= set(scopes):
                raise OAuthError("invalid_scope", "Requested scopes exceed the original grant")
            scopes = wanted
        return self._public(
            self._grant(claims.character_id, scopes, client_id, with_refresh=True, refresh_token=token)
        )

    def _revoke_token(self, client_id: str, form: dict[str, str]) -> None:
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request", "Missing token")
        claims = self._decode_refresh(token)
        # RFC 7009: an unknown or foreign token is answered 200 as well; access tokens are JWTs
        # that stay valid until they expire
        if claims is not None and claims.client_id == client_id:
            with self._lock:
                self._revoked_refresh.add(claims.token_id)

    @staticmethod
    def _public(granted: dict[str, Any]) -> dict[str, Any]:
        """The token response body: only what the real SSO sends."""
        body = {
            "access_token": granted["access_token"],
            "expires_in": granted["expires_in"],
            "token_type": "Bearer",
        }
        if granted["refresh_token"]:
            body["refresh_token"] = granted["refresh_token"]
        return body


# --- small helpers ---------------------------------------------------------------------------
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 5.1


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def _json_reply(status: int, data: Any, extra: dict[str, str] | None = None) -> Reply:
    headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
    return Reply(status, headers, json.dumps(data, separators=(",", ":")).encode())


def _html_reply(status: int, page: str) -> Reply:
    return Reply(
        status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, page.encode()
    )


def _redirect(uri: str, params: dict[str, str]) -> Reply:
    separator = "&" if urlsplit(uri).query else "?"
    location = uri + separator + urlencode({k: v for k, v in params.items() if v})
    return Reply(302, {"Location": location, "Cache-Control": "no-store"})


def _error_page(message: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>EVE SSO (emulator) - Error</title>'
        f'</head><body><h1>An error has occurred</h1><p id="error">{html.escape(message)}</p></body></html>'
    )


__all__ = [
    "DEFAULT_CLIENTS",
    "DEFAULT_TOKEN_LIFETIME",
    "AccessClaims",
    "Reply",
    "Sso",
    "SsoStats",
    "TokenRejected",
    "decode_jwt",
    "encode_jwt",
    "public_jwk",
    "signing_key",
]
