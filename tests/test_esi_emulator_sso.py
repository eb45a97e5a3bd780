"""The emulated EVE SSO v2: login page, code exchange, refresh, revocation, faults, accounting.

Real HTTP against an ``EsiEmulator`` on 127.0.0.1, and the unmodified django-esi 10 on the
client side (its ``sso`` module, ``TokenManager.validate_access_token`` and ``Token.refresh``).
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from jose import jwt

from django.core.cache import cache

from allianceauth.eveonline.models import EveCharacter
from esi import app_settings as esi_settings
from esi.errors import SSOUnavailableError, TokenInvalidError
from esi.models import Token
from esi.sso import JWKS_CACHE_KEY

from memberaudit.testing.esi_emulator import EmulatorCore, EsiEmulator
from memberaudit.testing.esi_emulator.__main__ import build_parser, clients_from_args, faults_from_args
from memberaudit.testing.esi_emulator.rawclient import RawClient
from memberaudit.testing.esi_emulator.sso import TokenRejected

pytestmark = pytest.mark.emulator

SEED = 42  # the session emulator's seed: its signing key is built once per process
CLIENT = ("memberaudit-test", "memberaudit-test")
CALLBACK = "http://127.0.0.1:8000/sso/callback"
SKILLS = "esi-skills.read_skills.v1"
WALLET = "esi-wallet.read_character_wallet.v1"


@pytest.fixture(scope="module")
def emulator():
    with EsiEmulator(characters=4, seed=SEED) as esi:
        yield esi


@pytest.fixture
def sso(emulator, monkeypatch):
    """django-esi pointed at the emulated SSO; faults and accounting cleared around each test."""
    urls = emulator.sso_urls()
    monkeypatch.setattr(esi_settings, "ESI_TOKEN_URL", urls["token"])
    monkeypatch.setattr(esi_settings, "ESI_TOKEN_JWK_SET_URL", urls["jwks"])
    monkeypatch.setattr(esi_settings, "ESI_OAUTH_LOGIN_URL", urls["authorize"])
    monkeypatch.setattr(esi_settings, "ESI_SSO_CALLBACK_URL", CALLBACK)
    monkeypatch.setattr(esi_settings, "ESI_SSO_MAX_RETRIES", 1)  # no back-off sleeps on 503s
    cache.delete(JWKS_CACHE_KEY)
    emulator.set_faults()
    emulator.reset_stats()
    yield emulator
    emulator.set_faults()
    cache.delete(JWKS_CACHE_KEY)


@pytest.fixture
def http(emulator):
    client = RawClient(emulator.url)
    yield client
    client.close()


def _character(emulator: EsiEmulator, index: int = 0) -> dict:
    return emulator.characters()[index]


def _authorize_query(scopes: list[str], state: str = "s-123", client_id: str = CLIENT[0]) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": " ".join(scopes),
        "state": state,
    }
    return "/v2/oauth/authorize/?" + urlencode(params)


def _login(http: RawClient, character_id: int, scopes: list[str], state: str = "s-123") -> str:
    """Submit the login page's form as a browser would; returns the code of the redirect."""
    page = http.get(_authorize_query(scopes, state))
    assert page.status == 200
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.body.decode()))
    form = {k: html.unescape(v) for k, v in form.items()}
    form.update({"character_id": str(character_id), "action": "authorize"})
    answer = http.post("/v2/oauth/authorize", form=form)
    assert answer.status == 302
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert query["state"] == [state]
    return query["code"][0]


def _token_request(http: RawClient, form: dict, auth: tuple[str, str] = CLIENT):
    return http.post("/v2/oauth/token", form=form, auth=auth)


def _refresh(http: RawClient, refresh_token: str):
    return _token_request(http, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def _known_to_auth(emulator: EsiEmulator, character_id: int) -> None:
    """AA's EveCharacter, so that saving a Token does not look the character up on ESI."""
    info = next(i for i in emulator.characters() if i["id"] == character_id)
    EveCharacter.objects.get_or_create(
        character_id=character_id,
        defaults={
            "character_name": info["name"],
            "corporation_id": info["corporation_id"],
            "corporation_name": "Corp",
            "corporation_ticker": "CORP",
        },
    )


def _django_token(emulator: EsiEmulator, character_id: int, scopes: list[str]) -> Token:
    _known_to_auth(emulator, character_id)
    issued = emulator.issue_tokens(character_id, scopes)
    return Token.objects.create(
        character_id=character_id,
        character_name=issued["character_name"],
        character_owner_hash=issued["owner_hash"],
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        token_type=Token.TOKEN_TYPE_CHARACTER,
    )


# --- discovery ---------------------------------------------------------------------------------
def test_the_metadata_points_at_the_emulator(sso, http):
    response = http.get("/.well-known/oauth-authorization-server")
    assert response.status == 200
    data = response.json()
    urls = sso.sso_urls()
    assert data["issuer"] == "https://login.eveonline.com"  # what django-esi accepts in tokens
    assert data["authorization_endpoint"] == urls["authorize"]
    assert data["token_endpoint"] == urls["token"]
    assert data["jwks_uri"] == urls["jwks"]
    assert data["revocation_endpoint"] == urls["revoke"]
    assert "client_secret_basic" in data["token_endpoint_auth_methods_supported"]
    assert urls["metadata"].endswith("/.well-known/oauth-authorization-server")
    assert urls["base"].endswith("/v2/oauth")


def test_the_jwks_holds_the_rs256_key_and_is_cacheable_for_minutes(sso, http):
    response = http.get("/oauth/jwks")
    assert response.status == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    [key] = [k for k in response.json()["keys"] if k["alg"] == "RS256"]
    assert key["kid"] == "JWT-Signature-Key"
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"
    assert key["e"] == "AQAB"
    assert len(key["n"]) >= 342  # 2048 bits, base64url


# --- the login page ---------------------------------------------------------------------------
def test_the_login_page_lists_the_characters_and_the_requested_scopes(sso, http):
    page = http.get(_authorize_query([SKILLS, WALLET]))
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.body.decode()
    for info in sso.characters():
        assert f'id="character-{info["id"]}"' in text
        assert html.escape(info["name"]) in text
        assert str(info["id"]) in text
    assert f'<li class="scope">{SKILLS}</li>' in text
    assert f'<li class="scope">{WALLET}</li>' in text
    assert 'id="authorize"' in text
    assert "<script" not in text and "http" not in text.split("<body>")[1].replace(CALLBACK, "")


def test_authorizing_redirects_to_the_callback_with_a_code_and_the_state(sso, http):
    code = _login(http, _character(sso)["id"], [SKILLS], state="my-state")
    assert len(code) >= 16


def test_cancelling_redirects_with_access_denied(sso, http):
    answer = http.get(_authorize_query([SKILLS], state="st") + "&action=cancel&character_id=1")
    assert answer.status == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {
        "error": ["access_denied"],
        "state": ["st"],
    }


def test_an_unknown_client_gets_an_error_page(sso, http):
    page = http.get(_authorize_query([SKILLS], client_id="someone-else"))
    assert page.status == 400
    assert "client" in page.body.decode().lower()


def test_an_unknown_scope_gets_an_error_page(sso, http):
    assert http.get(_authorize_query(["esi-made-up.v1"])).status == 400


# --- code exchange ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_django_esi_exchanges_a_code_and_validates_the_jwt(sso, http):
    info = _character(sso)
    code = _login(http, info["id"], [SKILLS, WALLET])
    _known_to_auth(sso, info["id"])

    token = Token.objects.create_from_code(code)  # django-esi: exchange + validate_access_token

    assert token.character_id == info["id"]
    assert token.character_name == info["name"]
    assert token.character_owner_hash == sso.owner_hash(info["id"])
    assert sorted(token.scopes.values_list("name", flat=True)) == sorted([SKILLS, WALLET])
    data = Token.objects.validate_access_token(token.access_token)
    assert data["sub"] == f"CHARACTER:EVE:{info['id']}"
    assert data["owner"] == sso.owner_hash(info["id"])
    assert sorted(data["scp"]) == sorted([SKILLS, WALLET])
    assert data["aud"] == [CLIENT[0], "EVE Online"]
    assert data["azp"] == CLIENT[0]
    assert (data["tenant"], data["tier"], data["region"]) == ("tranquility", "live", "world")
    assert data["iss"] == "https://login.eveonline.com"
    assert 1199 <= data["exp"] - data["iat"] <= 1200
    assert jwt.get_unverified_header(token.access_token)["kid"] == "JWT-Signature-Key"


def test_the_token_response_looks_like_the_sso_s(sso, http):
    code = _login(http, _character(sso)["id"], [SKILLS])
    response = _token_request(http, {"grant_type": "authorization_code", "code": code})
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert 1199 <= body["expires_in"] <= 1200
    claims = jwt.get_unverified_claims(body["access_token"])
    assert claims["scp"] == SKILLS  # one scope: a plain string, like the real SSO


def test_a_code_works_only_once(sso, http):
    code = _login(http, _character(sso)["id"], [SKILLS])
    assert _token_request(http, {"grant_type": "authorization_code", "code": code}).status == 200
    again = _token_request(http, {"grant_type": "authorization_code", "code": code})
    assert again.status == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_code_expires_after_five_minutes(sso, http, monkeypatch):
    code = _login(http, _character(sso)["id"], [SKILLS])
    later = time.time() + 301
    monkeypatch.setattr(sso.core.sso, "clock", lambda: later)
    answer = _token_request(http, {"grant_type": "authorization_code", "code": code})
    assert answer.status == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_belongs_to_its_redirect_uri(sso, http):
    code = _login(http, _character(sso)["id"], [SKILLS])
    answer = _token_request(
        http, {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://evil.example/cb"}
    )
    assert answer.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(sso, http):
    code = _login(http, _character(sso)["id"], [SKILLS])
    answer = _token_request(
        http, {"grant_type": "authorization_code", "code": code}, auth=(CLIENT[0], "wrong")
    )
    assert answer.status == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"].startswith("Basic")


def test_an_unsupported_grant_type_is_refused(sso, http):
    answer = _token_request(http, {"grant_type": "password", "username": "x"})
    assert answer.status == 400
    assert answer.json()["error"] == "unsupported_grant_type"


# --- refresh ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_django_esi_refreshes_and_the_new_access_token_works_on_esi(sso, http):
    character_id = _character(sso)["id"]
    token = _django_token(sso, character_id, [SKILLS])
    old_access = token.access_token

    token.refresh()

    assert token.access_token != old_access
    assert http.get(f"/characters/{character_id}/skills", token.access_token).status == 200
    assert sso.stats()["sso"]["by_grant"] == {"refresh_token": {"200": 1}}


def test_a_refresh_may_narrow_the_scopes_but_not_widen_them(sso, http):
    issued = sso.issue_tokens(_character(sso)["id"], [SKILLS, WALLET])
    narrow = _token_request(
        http, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"], "scope": SKILLS}
    )
    assert jwt.get_unverified_claims(narrow.json()["access_token"])["scp"] == SKILLS
    wide = _token_request(
        http,
        {
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "scope": "esi-assets.read_assets.v1",
        },
    )
    assert wide.json()["error"] == "invalid_scope"


def test_a_refresh_token_belongs_to_its_client():
    core = EmulatorCore(characters=2, seed=SEED, clients={"a": "secret-a", "b": "secret-b"})
    issued = core.issue_tokens(next(iter(core.world.profiles)), [SKILLS], client_id="a")
    form = urlencode({"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}).encode()

    as_b = core.handle("POST", "/v2/oauth/token", {}, form + b"&client_id=b&client_secret=secret-b")
    as_a = core.handle("POST", "/v2/oauth/token", {}, form + b"&client_id=a&client_secret=secret-a")

    assert (as_b.status, as_b.body) == (
        400,
        b'{"error":"invalid_grant","error_description":"Invalid refresh token"}',
    )
    assert as_a.status == 200


def test_an_expired_access_token_is_refused_by_esi():
    with EsiEmulator(characters=2, seed=SEED, token_lifetime=1) as esi:
        http = RawClient(esi.url)
        character_id = esi.characters()[0]["id"]
        issued = esi.issue_tokens(character_id, [SKILLS])
        assert issued["expires_in"] <= 1
        assert http.get(f"/characters/{character_id}/skills", issued["access_token"]).status in (200, 403)
        expires = jwt.get_unverified_claims(issued["access_token"])["exp"]
        time.sleep(max(0.0, expires - time.time()) + 0.05)

        response = http.get(f"/characters/{character_id}/skills", issued["access_token"])

        assert response.status == 403
        assert response.json() == {"error": "token is expired", "sso_status": 200}
        refreshed = _refresh(http, issued["refresh_token"]).json()["access_token"]
        assert http.get(f"/characters/{character_id}/skills", refreshed).status == 200


def test_the_token_lifetime_can_be_changed_at_run_time(sso, http):
    try:
        assert http.post("/_emulator/token-lifetime?seconds=60").json() == {"token_lifetime": 60.0}
        assert sso.issue_tokens(_character(sso)["id"], [SKILLS])["expires_in"] in (59, 60)
    finally:
        sso.set_token_lifetime(1200)
    assert http.get("/_emulator/token-lifetime").json() == {"token_lifetime": 1200.0}


# --- revocation and transfer -----------------------------------------------------------------
@pytest.mark.django_db
def test_revoking_the_app_kills_access_and_refresh_tokens_issued_before(sso, http):
    character_id = _character(sso, 1)["id"]
    token = _django_token(sso, character_id, [SKILLS])
    assert http.post(f"/_emulator/revoke/{character_id}").status == 200

    assert http.get(f"/characters/{character_id}/skills", token.access_token).status == 401
    assert _refresh(http, token.refresh_token).json()["error"] == "invalid_grant"
    with pytest.raises(TokenInvalidError):
        token.refresh()

    fresh = sso.issue_tokens(character_id, [SKILLS])  # the player logs in again
    assert _refresh(http, fresh["refresh_token"]).status == 200
    assert http.get(f"/characters/{character_id}/skills", fresh["access_token"]).status == 200


def test_the_revocation_endpoint_revokes_a_refresh_token(sso, http):
    issued = sso.issue_tokens(_character(sso)["id"], [SKILLS])
    other = sso.issue_tokens(_character(sso)["id"], [SKILLS])
    form = {"token_type_hint": "refresh_token", "token": issued["refresh_token"]}
    assert http.post("/v2/oauth/revoke", form=form, auth=("memberaudit-test", "wrong")).status == 401
    assert http.post("/v2/oauth/revoke", form=form, auth=CLIENT).status == 200

    assert _refresh(http, issued["refresh_token"]).json()["error"] == "invalid_grant"
    assert _refresh(http, other["refresh_token"]).status == 200  # only that one
    unknown = http.post("/v2/oauth/revoke", form={"token": "nonsense"}, auth=CLIENT)
    assert unknown.status == 200  # RFC 7009


def test_a_transferred_character_s_refresh_tokens_die_and_new_logins_carry_the_new_owner(sso, http):
    character_id = _character(sso, 2)["id"]
    before = sso.issue_tokens(character_id, [SKILLS])

    answer = http.post(f"/_emulator/transfer/{character_id}").json()

    assert answer["owner_hash"] != before["owner_hash"]
    assert answer["owner_hash"] == sso.owner_hash(character_id)
    assert _refresh(http, before["refresh_token"]).json()["error"] == "invalid_grant"
    code = _login(http, character_id, [SKILLS])
    body = _token_request(http, {"grant_type": "authorization_code", "code": code}).json()
    assert jwt.get_unverified_claims(body["access_token"])["owner"] == answer["owner_hash"]
    assert _refresh(http, body["refresh_token"]).status == 200


# --- faults -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_sso_outage_is_unavailable_to_django_esi_and_the_refresh_token_survives(sso, http):
    character_id = _character(sso)["id"]
    token = _django_token(sso, character_id, [SKILLS])
    sso.set_faults(sso_down=True)

    with pytest.raises(SSOUnavailableError):
        token.refresh()
    assert http.get("/oauth/jwks").status == 503
    assert http.get(f"/characters/{character_id}/skills", token.access_token).status == 200  # ESI is fine

    sso.set_faults()
    token.refresh()
    assert http.get(f"/characters/{character_id}/skills", token.access_token).status == 200
    assert sso.stats()["sso"]["faults"] == {"sso_down": 2}


@pytest.mark.django_db
def test_a_jwks_outage_makes_token_validation_unavailable(sso, http):
    issued = sso.issue_tokens(_character(sso)["id"], [SKILLS])
    sso.set_faults(jwks_down=True)

    with pytest.raises(SSOUnavailableError):
        Token.objects.validate_access_token(issued["access_token"])
    assert _refresh(http, issued["refresh_token"]).status == 200  # the token endpoint is up

    sso.set_faults()
    assert Token.objects.validate_access_token(issued["access_token"])["name"] == issued["character_name"]


def test_esi_faults_leave_the_sso_alone(sso, http):
    issued = sso.issue_tokens(_character(sso)["id"], [SKILLS])
    sso.set_faults(downtime=True, error_rate=1.0)
    assert http.get("/status").status == 503
    assert _refresh(http, issued["refresh_token"]).status == 200
    assert http.get("/oauth/jwks").status == 200


def test_sso_error_rate_and_latency(sso, http):
    sso.set_faults(sso_error_rate=1.0, sso_error_statuses=[502], sso_latency_ms=50)
    started = time.perf_counter()
    answer = http.get("/oauth/jwks")
    assert answer.status == 502
    assert answer.headers["content-type"].startswith("text/html")
    assert time.perf_counter() - started >= 0.05
    assert sso.stats()["sso"]["faults"] == {"sso_error": 1}
    assert sso.stats()["requests"] == 0  # ESI saw nothing


# --- accounting -------------------------------------------------------------------------------
def test_stats_count_sso_requests_by_endpoint_grant_and_status(sso, http):
    assert sso.stats()["sso"]["total"] == 0
    issued = sso.issue_tokens(_character(sso)["id"], [SKILLS])  # Python API: no SSO request
    assert sso.stats()["sso"]["total"] == 0

    _refresh(http, issued["refresh_token"])
    _refresh(http, "garbage")
    http.get("/oauth/jwks")

    stats = sso.stats()["sso"]
    assert stats["total"] == 3
    assert stats["by_grant"] == {"refresh_token": {"200": 1, "400": 1}}
    assert stats["by_endpoint"] == {"jwks": {"200": 1}, "token": {"200": 1, "400": 1}}
    assert {"endpoint": "token", "grant": "refresh_token", "status": 200, "count": 1} in stats["requests"]
    assert sso.stats()["requests"] == 0  # SSO requests are not ESI requests
    sso.reset_stats()
    assert sso.stats()["sso"]["total"] == 0


# --- keys and the Python / control API --------------------------------------------------------
def test_the_signing_key_follows_the_seed():
    first = EmulatorCore(characters=2, seed=SEED)
    second = EmulatorCore(characters=2, seed=SEED)
    other = EmulatorCore(characters=2, seed=SEED + 1000)
    character_id = next(iter(first.world.profiles))
    issued = first.issue_tokens(character_id, [SKILLS])

    assert second.sso.authenticate(issued["access_token"]).character_id == character_id
    assert second.sso.jwks() == first.sso.jwks()
    with pytest.raises(TokenRejected) as rejected:
        other.sso.authenticate(issued["access_token"])
    assert rejected.value.status == 401
    refreshed = second.sso._refresh(CLIENT[0], {"refresh_token": issued["refresh_token"]})  # after a restart
    assert second.sso.authenticate(refreshed["access_token"]).character_id == character_id


def test_the_control_route_issues_what_a_login_gives(sso, http):
    character_id = _character(sso)["id"]
    data = http.post(f"/_emulator/token/{character_id}?scopes={SKILLS},{WALLET}").json()
    assert set(data) >= {
        "access_token",
        "refresh_token",
        "expires_in",
        "owner_hash",
        "character_id",
        "scopes",
    }
    assert data["scopes"] == sorted([SKILLS, WALLET])
    assert data["owner_hash"] == sso.owner_hash(character_id)
    assert _refresh(http, data["refresh_token"]).status == 200


def test_more_clients_can_be_registered_besides_the_default_one():
    core = EmulatorCore(characters=2, seed=SEED, clients={"other-app": "other-secret"})
    character_id = next(iter(core.world.profiles))
    assert jwt.get_unverified_claims(core.mint_token(character_id, [SKILLS]))["azp"] == "memberaudit-test"
    issued = core.issue_tokens(character_id, [SKILLS], client_id="other-app")
    assert jwt.get_unverified_claims(issued["access_token"])["azp"] == "other-app"
    form = urlencode({"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}).encode()

    def refresh(client_id: str, secret: str) -> int:
        return core.handle(
            "POST", "/v2/oauth/token", {}, form + f"&client_id={client_id}&client_secret={secret}".encode()
        ).status

    assert refresh("other-app", "other-secret") == 200
    assert refresh("memberaudit-test", "memberaudit-test") == 400  # registered, but not its token
    assert refresh("stranger", "x") == 401


def test_the_command_line_takes_clients_lifetime_and_sso_faults():
    args = build_parser().parse_args(
        [
            "--client",
            "app:secret",
            "--token-lifetime",
            "60",
            "--sso-down",
            "--jwks-down",
            "--sso-error-rate",
            "0.5",
        ]
    )
    assert clients_from_args(args) == {"app": "secret"}
    assert args.token_lifetime == 60
    assert faults_from_args(args) == {"sso_down": True, "jwks_down": True, "sso_error_rate": 0.5}
