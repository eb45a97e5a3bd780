"""ESI behaviours of the emulator: auth, ETag/304, paging, cache headers, budgets, control API."""

from __future__ import annotations

import subprocess
import sys

import pytest

from django.core.cache import cache

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = pytest.mark.emulator

SKILLS = "esi-skills.read_skills.v1"
ASSETS = "esi-assets.read_assets.v1"


@pytest.fixture
def emulator():
    """A private emulator: these tests spend budgets and set limits."""
    with EsiEmulator(characters=6, seed=11) as esi:
        yield esi


@pytest.fixture
def http(emulator):
    client = RawClient(emulator.url)
    yield client
    client.close()


def _char(emulator: EsiEmulator, size: str) -> int:
    return next(c["character_id"] for c in emulator.characters() if c["size"] == size)


# --- auth ---------------------------------------------------------------------------------
def test_it_serves_a_character_route_with_a_minted_token(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id, [SKILLS])
    response = http.get(f"/characters/{character_id}/skills", token)
    assert response.status == 200
    assert response.json()["total_sp"] > 0


def test_it_mints_tokens_over_http_with_comma_or_space_separated_scopes(emulator, http):
    character_id = _char(emulator, "small")
    for raw in (f"{SKILLS},{ASSETS}", f"{SKILLS}%20{ASSETS}"):
        response = http.post(f"/_emulator/token/{character_id}?scopes={raw}")
        assert response.status == 200
        data = response.json()
        assert data["character_id"] == character_id
        assert data["scopes"] == sorted([SKILLS, ASSETS])
        assert http.get(f"/characters/{character_id}/assets", data["access_token"]).status == 200


def test_it_rejects_missing_and_unknown_tokens_with_401(emulator, http):
    character_id = _char(emulator, "small")
    missing = http.get(f"/characters/{character_id}/skills")
    assert missing.status == 401
    assert "error" in missing.json()
    unknown = http.get(f"/characters/{character_id}/skills", "not-a-token")
    assert unknown.status == 401
    forged = emulator.mint_token(character_id, [SKILLS])[:-2] + "00"
    assert http.get(f"/characters/{character_id}/skills", forged).status == 401


def test_it_answers_403_outside_the_tokens_scopes(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id, [SKILLS])
    response = http.get(f"/characters/{character_id}/assets", token)
    assert response.status == 403
    assert ASSETS in response.json()["error"]


def test_it_answers_403_for_another_characters_route(emulator, http):
    a, b = emulator.characters()[:2]
    token = emulator.mint_token(a["character_id"])
    response = http.get(f"/characters/{b['character_id']}/skills", token)
    assert response.status == 403


def test_a_revoked_token_stops_working_and_a_new_one_works(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    assert http.get(f"/characters/{character_id}/skills", token).status == 200
    assert http.post(f"/_emulator/revoke/{character_id}").status == 200
    response = http.get(f"/characters/{character_id}/skills", token)
    assert response.status == 401
    assert "revoked" in response.json()["error"]
    fresh = emulator.mint_token(character_id)
    assert http.get(f"/characters/{character_id}/skills", fresh).status == 200


def test_tokens_survive_a_restart_with_the_same_seed():
    with EsiEmulator(characters=2, seed=5) as first:
        character_id = first.characters()[0]["character_id"]
        token = first.mint_token(character_id)
    with EsiEmulator(characters=2, seed=5) as second:
        http = RawClient(second.url)
        assert http.get(f"/characters/{character_id}/skills", token).status == 200
        second.revoke(character_id)  # also revokes tokens minted by the earlier run
        assert http.get(f"/characters/{character_id}/skills", token).status == 401
    with EsiEmulator(characters=2, seed=6) as other:
        assert RawClient(other.url).get(f"/characters/{character_id}/skills", token).status == 401


# --- ETag, cache headers, paging --------------------------------------------------------------
def test_it_answers_304_when_the_etag_matches(emulator, http):
    character_id = _char(emulator, "medium")
    token = emulator.mint_token(character_id)
    first = http.get(f"/characters/{character_id}/skills", token)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    second = http.get(f"/characters/{character_id}/skills", token, headers={"If-None-Match": etag})
    assert second.status == 304
    assert second.body == b""
    assert second.headers["etag"] == etag
    other = http.get(f"/characters/{character_id}/skills", token, headers={"If-None-Match": '"nope"'})
    assert other.status == 200


def test_cache_headers_follow_the_specs_cache_age(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    attributes = http.get(f"/characters/{character_id}/attributes", token)
    assert attributes.headers["cache-control"] == "public, max-age=120"  # x-cache-age of the spec
    assets = http.get(f"/characters/{character_id}/assets", token)
    assert assets.headers["cache-control"] == "public, max-age=3600"
    for name in ("expires", "last-modified", "date", "x-esi-error-limit-remain", "x-esi-error-limit-reset"):
        assert name in assets.headers


def test_paged_routes_split_by_the_esi_page_size(emulator, http):
    character_id = _char(emulator, "huge")
    token = emulator.mint_token(character_id)
    first = http.get(f"/characters/{character_id}/assets", token)
    pages = int(first.headers["x-pages"])
    assert pages >= 20
    items = first.json()
    assert len(items) == 1000
    for page in range(2, pages + 1):
        response = http.get(f"/characters/{character_id}/assets?page={page}", token)
        assert response.headers["x-pages"] == str(pages)
        items += response.json()
    assert len({i["item_id"] for i in items}) == len(items)
    assert all(i["item_id"] > 2**32 for i in items)  # 64-bit item ids
    beyond = http.get(f"/characters/{character_id}/assets?page={pages + 1}", token)
    assert beyond.status == 404


def test_page_sizes_can_be_overridden():
    with EsiEmulator(characters=4, seed=1, page_sizes={"GetCharactersCharacterIdWalletJournal": 10}) as esi:
        character_id = esi.characters()[1]["character_id"]
        response = RawClient(esi.url).get(
            f"/characters/{character_id}/wallet/journal", esi.mint_token(character_id)
        )
        assert len(response.json()) == 10
        assert int(response.headers["x-pages"]) > 1


def _django_esi(emulator: EsiEmulator, tmp_path, info: dict, scopes: list[str], operations: list[str]):
    """A django-esi client for the emulator and a Token of ``info``'s character."""
    from allianceauth.eveonline.models import EveCharacter
    from esi.models import Scope, Token
    from esi.openapi_clients import ESIClientProvider

    EveCharacter.objects.get_or_create(
        character_id=info["id"],
        defaults={
            "character_name": info["name"],
            "corporation_id": info["corporation_id"],
            "corporation_name": "Corp",
            "corporation_ticker": "CORP",
        },
    )
    token = Token.objects.create(
        character_id=info["id"],
        character_name=info["name"],
        access_token=emulator.mint_token(info["id"], scopes),
        refresh_token="emulated",
        token_type="character",
        character_owner_hash="hash",
    )
    token.scopes.add(*[Scope.objects.get_or_create(name=s, defaults={"help_text": s})[0] for s in scopes])
    provider = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        spec_file=str(emulator.spec_file(tmp_path)),
        operations=operations,
    )
    return provider.client, token


def test_the_django_esi_client_gets_a_304_for_unchanged_data(emulator, tmp_path, db):
    from esi.exceptions import HTTPNotModified

    info = next(c for c in emulator.characters() if c["size"] == "large")
    client, token = _django_esi(emulator, tmp_path, info, [ASSETS], ["GetCharactersCharacterIdAssets"])
    op = client.Assets.GetCharactersCharacterIdAssets
    assets = op(character_id=info["id"], token=token).results()
    assert len(assets) >= 3000
    emulator.reset_stats()
    with pytest.raises(HTTPNotModified):
        op(character_id=info["id"], token=token).results(use_cache=False)
    stats = emulator.stats()
    pages = stats["by_route"]["GetCharactersCharacterIdAssets"]["304"]
    assert pages >= 3
    assert stats["not_modified_share"] == 1.0
    assert stats["tokens_by_group"]["char-asset"] == pages  # a 304 costs 1 token


# --- error limit and rate limits ----------------------------------------------------------------
def test_it_answers_420_for_everything_once_the_error_budget_is_spent(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    remain = []
    for _ in range(100):
        response = http.get("/universe/types/999999999")
        remain.append(int(response.headers["x-esi-error-limit-remain"]))
    assert remain[0] == 99 and remain[-1] == 0
    blocked = http.get(f"/characters/{character_id}/skills", token)
    assert blocked.status == 420
    assert int(blocked.headers["x-esi-error-limit-reset"]) > 0
    assert emulator.stats()["error_limited"] == 1
    emulator.tick(60)  # the window resets
    assert http.get(f"/characters/{character_id}/skills", token).status == 200


def test_it_answers_429_with_retry_after_when_a_group_bucket_is_empty(emulator, http):
    a, b = emulator.characters()[:2]
    emulator.set_faults(rate_limits={"char-detail": 10})
    token_a = emulator.mint_token(a["character_id"])
    for n in range(5):  # 5 x 2 tokens
        response = http.get(f"/characters/{a['character_id']}/skills", token_a)
        assert response.status == 200
        assert response.headers["x-ratelimit-group"] == "char-detail"
        assert response.headers["x-ratelimit-limit"] == "10/15m"
        assert response.headers["x-ratelimit-used"] == "2"
        assert response.headers["x-ratelimit-remaining"] == str(10 - 2 * (n + 1))
    limited = http.get(f"/characters/{a['character_id']}/skills", token_a)
    assert limited.status == 429
    assert 0 < int(limited.headers["retry-after"]) <= 900
    # buckets are per character
    token_b = emulator.mint_token(b["character_id"])
    assert http.get(f"/characters/{b['character_id']}/skills", token_b).status == 200
    assert emulator.stats()["rate_limited"] == 1
    emulator.tick(900)  # the window slides past the spent tokens
    assert http.get(f"/characters/{a['character_id']}/skills", token_a).status == 200


def test_token_costs_follow_the_status_class(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    path = f"/characters/{character_id}/skills"
    ok = http.get(path, token)
    assert ok.headers["x-ratelimit-used"] == "2"
    not_modified = http.get(path, token, headers={"If-None-Match": ok.headers["etag"]})
    assert not_modified.headers["x-ratelimit-used"] == "1"
    emulator.set_faults(error_rate=1.0, error_statuses=[500])
    failed = http.get(path, token)
    assert failed.status == 500 and failed.headers["x-ratelimit-used"] == "0"
    emulator.set_faults()
    other = emulator.characters()[1]["character_id"]
    forbidden = http.get(f"/characters/{other}/skills", token)
    assert forbidden.status == 403 and forbidden.headers["x-ratelimit-used"] == "5"


# --- control API -------------------------------------------------------------------------------
def test_it_lists_generated_characters_with_size_classes(emulator, http):
    characters = http.get("/_emulator/characters").json()
    assert len(characters) == 6
    assert [c["size"] for c in characters[:4]] == ["small", "medium", "large", "huge"]
    for c in characters:
        assert {"id", "character_id", "name", "corporation_id", "alliance_id", "size"} <= set(c)


def test_stats_count_routes_statuses_and_can_be_reset(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    http.get(f"/characters/{character_id}/skills", token)
    http.get(f"/characters/{character_id}/assets", "bad")
    stats = http.get("/_emulator/stats").json()
    assert stats["by_route"]["GetCharactersCharacterIdSkills"] == {"200": 1}
    assert stats["by_route"]["GetCharactersCharacterIdAssets"] == {"401": 1}
    assert stats["tokens_by_group"]["char-detail"] == 2
    assert http.post("/_emulator/stats/reset").status == 200
    assert emulator.stats()["requests"] == 0


def test_the_command_line_prints_the_listening_line():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "memberaudit.testing.esi_emulator",
            "--port",
            "0",
            "--characters",
            "3",
            "--seed",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("ESI emulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1] + "/"
        characters = RawClient(url).get("/_emulator/characters").json()
        assert len(characters) == 3
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_if_modified_since_answers_304_for_unchanged_sections(emulator, http):
    character_id = _char(emulator, "small")
    token = emulator.mint_token(character_id)
    first = http.get(f"/characters/{character_id}/implants", token)
    since = first.headers["last-modified"]
    assert (
        http.get(f"/characters/{character_id}/implants", token, headers={"If-Modified-Since": since}).status
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        http.get(f"/characters/{character_id}/implants", token, headers={"If-Modified-Since": old}).status
        == 200
    )


def test_spending_the_shared_emulators_error_budget(esi_emulator):
    http = RawClient(esi_emulator.url)
    for _ in range(100):
        http.get("/universe/types/1")
    assert http.get("/universe/types/587").status == 420


def test_the_next_test_gets_a_fresh_error_budget_on_the_shared_emulator(esi_emulator):
    response = RawClient(esi_emulator.url).get("/universe/types/587")
    assert response.status == 200
    assert response.headers["x-esi-error-limit-remain"] == "100"


def test_the_django_esi_client_stops_on_420_and_follows_the_rate_limit_headers(emulator, tmp_path, db):
    from esi.exceptions import ESIBucketLimitException, ESIErrorLimitException

    info = emulator.characters()[0]
    client, token = _django_esi(emulator, tmp_path, info, [SKILLS], ["GetCharactersCharacterIdSkills"])
    op = client.Skills.GetCharactersCharacterIdSkills
    emulator.set_faults(rate_limits={"char-detail": 4})
    op(character_id=info["id"], token=token).result(use_cache=False, use_etag=False)
    op(character_id=info["id"], token=token).result(use_cache=False, use_etag=False)  # bucket now empty
    with pytest.raises(ESIBucketLimitException):  # django-esi believes X-Ratelimit-Remaining: 0
        op(character_id=info["id"], token=token).result(use_cache=False, use_etag=False)

    emulator.set_faults(error_limit=0)
    cache.clear()  # django-esi's bucket state
    with pytest.raises(ESIErrorLimitException):
        op(character_id=info["id"], token=token).result(use_cache=False, use_etag=False)


def test_asset_names_only_resolve_the_characters_own_items(emulator, http):
    a, b = emulator.characters()[:2]
    token = emulator.mint_token(a["character_id"])
    items = http.get(f"/characters/{a['character_id']}/assets", token).json()
    ids = [i["item_id"] for i in items]
    names = http.post(f"/characters/{a['character_id']}/assets/names", token, body=ids).json()
    assert [n["item_id"] for n in names] == ids
    assert any(n["name"] != "None" for n in names)  # ships and containers are named
    other = http.get(f"/characters/{b['character_id']}/assets", emulator.mint_token(b["character_id"])).json()
    foreign = http.post(f"/characters/{a['character_id']}/assets/names", token, body=[other[0]["item_id"]])
    assert foreign.status == 404
