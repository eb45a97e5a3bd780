"""Time headers like real ESI: ``Date``/``Expires`` on the wall clock, even after ticks.

django-esi 10 keeps a response in its cache for ``Date + max-age - now`` seconds
(``esi.http_utils.unpack_cache_control``). If ``Date`` followed the emulator's moving clock, a
response fetched after a 6-hour tick would stay cached six hours too long. The emulator's clock
drives the data only; ``Last-Modified`` is the data's age mapped onto the wall clock.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from allianceauth.eveonline.models import EveCharacter
from esi.http_utils import unpack_cache_control
from esi.models import Scope, Token
from esi.openapi_clients import ESIClientProvider

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient

pytestmark = pytest.mark.emulator

SEED = 42
START = "2026-01-01T12:00:00Z"  # pinned: far from the wall clock on purpose
SIX_HOURS = 6 * 3600
LOCATION = "esi-location.read_location.v1"


def _max_age(headers: dict[str, str]) -> int:
    match = re.search(r"max-age=(\d+)", headers["cache-control"])
    assert match
    return int(match.group(1))


def _when(value: str) -> datetime:
    return parsedate_to_datetime(value)


@pytest.fixture(params=[None, START], ids=["start-now", "start-pinned"])
def ticked(request):
    """An emulator whose clock moved six hours past its start (now, or pinned in the past)."""
    with EsiEmulator(characters=2, seed=SEED, start=request.param) as esi:
        esi.tick(SIX_HOURS)
        yield esi


def test_after_a_tick_date_is_the_wall_clock_and_expires_is_date_plus_max_age(ticked):
    http = RawClient(ticked.url)
    character_id = ticked.characters()[0]["id"]
    token = ticked.mint_token(character_id)
    for path in (f"/characters/{character_id}/location", f"/characters/{character_id}/assets", "/status"):
        response = http.get(path, token)
        assert response.status == 200, path
        date = _when(response.headers["date"])
        assert abs(date.timestamp() - time.time()) < 5, path
        assert _when(response.headers["expires"]) == date + timedelta(seconds=_max_age(response.headers))
        assert _when(response.headers["last-modified"]) <= date
        # what django-esi makes of these headers: at most max-age, not six hours more
        assert unpack_cache_control(response.headers) <= _max_age(response.headers)


def test_errors_carry_a_wall_clock_date_too(ticked):
    response = RawClient(ticked.url).get("/characters/1/skills")
    assert response.status == 401
    assert abs(_when(response.headers["date"]).timestamp() - time.time()) < 5


def test_last_modified_is_the_data_age_on_the_wall_clock(ticked):
    http = RawClient(ticked.url)
    character_id = ticked.characters()[0]["id"]
    token = ticked.mint_token(character_id)
    now = time.time()

    unchanged = http.get(f"/characters/{character_id}/implants", token)  # as of the start
    changed = http.get(f"/characters/{character_id}/wallet", token)  # moved with the tick

    # emulator: start -> start + 6 h (+ the seconds this test has run); wall clock: the same ages
    assert (
        now - SIX_HOURS - 60 <= _when(unchanged.headers["last-modified"]).timestamp() <= now - SIX_HOURS + 1
    )
    assert now - 60 <= _when(changed.headers["last-modified"]).timestamp() <= now + 1


def test_if_modified_since_is_read_on_the_wall_clock(ticked):
    http = RawClient(ticked.url)
    character_id = ticked.characters()[0]["id"]
    token = ticked.mint_token(character_id)
    path = f"/characters/{character_id}/implants"
    modified = _when(http.get(path, token).headers["last-modified"])

    def status(since: datetime) -> int:
        return http.get(
            path, token, headers={"If-Modified-Since": format_datetime(since, usegmt=True)}
        ).status

    assert status(modified) == 304
    assert status(datetime.now(timezone.utc)) == 304
    assert status(modified - timedelta(seconds=1)) == 200
    ticked.tick(3600)  # nothing changes the implants: the mapped date stays the same second
    assert status(modified) == 304


@pytest.mark.django_db
@pytest.mark.parametrize("ticked", [None], indirect=True, ids=["start-now"])
def test_django_esi_s_cache_expires_by_wall_clock_max_age_after_a_tick(ticked, tmp_path):
    info = ticked.characters()[0]
    character_id = info["id"]
    EveCharacter.objects.get_or_create(
        character_id=character_id,
        defaults={
            "character_name": info["name"],
            "corporation_id": info["corporation_id"],
            "corporation_name": "Corp",
            "corporation_ticker": "CORP",
        },
    )
    issued = ticked.issue_tokens(character_id, [LOCATION])
    token = Token.objects.create(
        character_id=character_id,
        character_name=info["name"],
        character_owner_hash=issued["owner_hash"],
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        token_type=Token.TOKEN_TYPE_CHARACTER,
    )
    token.scopes.add(Scope.objects.get_or_create(name=LOCATION, defaults={"help_text": LOCATION})[0])
    client = ESIClientProvider(
        compatibility_date="2025-12-16",
        ua_appname="MemberAuditTests",
        ua_version="0.1",
        spec_file=str(ticked.spec_file(tmp_path)),
        operations=["GetCharactersCharacterIdLocation"],
    ).client

    def fetch() -> None:
        client.Location.GetCharactersCharacterIdLocation(character_id=character_id, token=token).result(
            use_etag=False
        )

    def reached_emulator() -> int:
        return sum(ticked.stats()["by_route"].get("GetCharactersCharacterIdLocation", {}).values())

    fetch()
    fetch()
    assert reached_emulator() == 1  # the second one came from django-esi's cache

    time.sleep(5 + 1.2)  # x-cache-age of /location is 5 s (plus the second Date is rounded to)
    fetch()
    assert reached_emulator() == 2


def test_cache_scale_compresses_every_cache_time_and_one_is_production():
    """Time compression for long runs: ``cache_scale`` multiplies max-age and Expires alike."""
    with EsiEmulator(characters=1, seed=SEED) as esi:
        http = RawClient(esi.url)
        character_id = esi.characters()[0]["id"]
        token = esi.mint_token(character_id)
        path = f"/characters/{character_id}/assets"
        production = _max_age(http.get(path, token).headers)
        assert production == 3600, "assets are cached for an hour by real ESI"
        esi.set_faults(cache_scale=0.01)
        response = http.get(path, token)
        assert _max_age(response.headers) == 36
        expires = _when(response.headers["expires"]) - _when(response.headers["date"])
        assert expires == timedelta(seconds=36)
