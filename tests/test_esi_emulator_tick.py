"""Time in the emulator: ticks change only what should change; same seed, same world."""

from __future__ import annotations

import pytest

from memberaudit.testing.esi_emulator import EsiEmulator
from memberaudit.testing.esi_emulator.rawclient import RawClient
from memberaudit.testing.esi_emulator.spec import default_router

pytestmark = pytest.mark.emulator

START = "2026-06-01T12:00:00Z"
# sections a tick may change; everything else must keep its bytes and ETag
MAY_CHANGE = {
    "GetCharactersCharacterIdLocation",
    "GetCharactersCharacterIdOnline",
    "GetCharactersCharacterIdPlanets",  # a colony the pilot viewed (its layout is not a list route)
    "GetCharactersCharacterIdMail",
    "GetCharactersCharacterIdMailLabels",
    "GetCharactersCharacterIdSkillqueue",
    "GetCharactersCharacterIdSkills",
    "GetCharactersCharacterIdWallet",
    "GetCharactersCharacterIdWalletJournal",
    "GetCharactersCharacterIdWalletTransactions",
}
LIST_ROUTES = sorted(
    op.path
    for op in default_router().operations.values()
    if op.method == "GET"
    and op.needs_token
    and op.path.startswith("/characters/{character_id}/")
    and "{" not in op.path[len("/characters/{character_id}") :]
)


def _snapshot(esi: EsiEmulator, character_id: int) -> dict[str, tuple[str, bytes]]:
    """ETag and body of every implemented character route (all pages)."""
    http = RawClient(esi.url)
    token = esi.mint_token(character_id)
    result = {}
    for template in LIST_ROUTES:
        path = template.replace("{character_id}", str(character_id))
        response = http.get(path, token)
        if response.status != 200:
            continue
        body = response.body
        for page in range(2, int(response.headers.get("x-pages", "1")) + 1):
            body += http.get(f"{path}?page={page}", token).body
        matched = esi.core.router.match("GET", path)
        assert matched is not None
        result[matched[0].operation_id] = (response.headers["etag"], body)
    return result


def test_a_tick_changes_only_the_sections_that_move_with_time():
    with EsiEmulator(characters=4, seed=21, start=START) as esi:
        character_id = next(c["character_id"] for c in esi.characters() if c["size"] == "huge")
        before = _snapshot(esi, character_id)
        assert len(before) >= 30
        esi.tick(2 * 3600)
        after = _snapshot(esi, character_id)
        changed = {op for op in before if before[op] != after[op]}
        assert changed <= MAY_CHANGE, changed - MAY_CHANGE
        assert {"GetCharactersCharacterIdWallet", "GetCharactersCharacterIdWalletJournal"} <= changed
        assert "GetCharactersCharacterIdMail" in changed
        for op in set(before) - changed:
            assert before[op] == after[op]  # byte-identical, same ETag


def test_the_wallet_balance_matches_the_journal_after_ticks():
    import json

    with EsiEmulator(characters=4, seed=22, start=START) as esi:
        http = RawClient(esi.url)
        character_id = next(c["character_id"] for c in esi.characters() if c["size"] == "large")
        token = esi.mint_token(character_id)
        for _ in range(3):
            esi.tick(3600)
            wallet = json.loads(http.get(f"/characters/{character_id}/wallet", token).body)
            journal = http.get(f"/characters/{character_id}/wallet/journal", token).json()
            assert journal[0]["balance"] == pytest.approx(wallet)
            newest_first = [e["date"] for e in journal]
            assert newest_first == sorted(newest_first, reverse=True)
            # running balance: each entry's balance = previous balance + amount
            for newer, older in zip(journal, journal[1:], strict=False):
                assert newer["balance"] == pytest.approx(older["balance"] + newer["amount"], abs=0.02)


def _set_online(esi: EsiEmulator, character_id: int, online: bool) -> None:
    data = esi.core.world.character(character_id)
    status = dict(data.get("online").data)
    status["online"] = online
    data.set("online", status, esi.now())


def test_finished_skill_training_moves_from_the_queue_to_the_skills_while_logged_in():
    with EsiEmulator(characters=4, seed=23, start=START) as esi:
        http = RawClient(esi.url)
        character_id = next(c["character_id"] for c in esi.characters() if c["size"] == "large")
        token = esi.mint_token(character_id)
        queue = http.get(f"/characters/{character_id}/skillqueue", token).json()
        assert queue and "finish_date" in queue[0]
        first = queue[0]
        _set_online(esi, character_id, True)
        esi.tick(3 * 3600)  # the first item finishes within 2 hours of the start
        new_queue = http.get(f"/characters/{character_id}/skillqueue", token).json()
        assert len(new_queue) < len(queue)
        assert [q["queue_position"] for q in new_queue] == list(range(len(new_queue)))
        skills = {
            s["skill_id"]: s for s in http.get(f"/characters/{character_id}/skills", token).json()["skills"]
        }
        assert skills[first["skill_id"]]["trained_skill_level"] >= first["finished_level"]


def test_the_clock_moves_with_a_tick():
    with EsiEmulator(characters=2, seed=1, start=START) as esi:
        before = esi.now()
        response = RawClient(esi.url).post("/_emulator/tick?seconds=7200")
        assert response.status == 200
        assert (esi.now() - before).total_seconds() >= 7200


def test_the_same_seed_gives_the_same_world_and_another_seed_does_not():
    with (
        EsiEmulator(characters=5, seed=99, start=START) as a,
        EsiEmulator(characters=5, seed=99, start=START) as b,
    ):
        assert a.characters() == b.characters()
        for info in a.characters():
            assert _snapshot(a, info["character_id"]) == _snapshot(b, info["character_id"])
    with EsiEmulator(characters=5, seed=100, start=START) as c:
        assert [x["name"] for x in c.characters()] != [x["name"] for x in a.characters()]


def test_characters_first_touched_after_ticks_match_those_that_saw_them():
    with (
        EsiEmulator(characters=4, seed=31, start=START) as a,
        EsiEmulator(characters=4, seed=31, start=START) as b,
    ):
        character_id = a.characters()[2]["character_id"]
        _snapshot(a, character_id)  # generated before the ticks in a, after them in b
        for seconds in (1800, 5400):
            a.tick(seconds)
            b.tick(seconds)
        assert _snapshot(a, character_id) == _snapshot(b, character_id)


# a world and a span in which the old emulator changed the route of logged-out characters
# (skills finish rarely: 3 times offline in 24 h for these 8 characters)
@pytest.mark.parametrize(
    ("route", "characters", "seed", "hours"),
    [("location", 6, 24, 12), ("skillqueue", 8, 25, 24), ("skills", 8, 25, 24)],
)
def test_only_characters_online_during_a_tick_move_or_train(route, characters, seed, hours):
    """In the game a logged-out character stays where it logged out, and ESI shows its skills
    and queue as they were at logout: a tick that began and ended with the character offline
    (one login or logout at most per tick) changes none of them."""
    with EsiEmulator(characters=characters, seed=seed, start=START) as esi:
        http = RawClient(esi.url)
        watched = [(c["character_id"], esi.mint_token(c["character_id"])) for c in esi.characters()]

        def look() -> dict[int, tuple[bool, bytes]]:
            return {
                cid: (
                    http.get(f"/characters/{cid}/online", token).json()["online"],
                    http.get(f"/characters/{cid}/{route}", token).body,
                )
                for cid, token in watched
            }

        changes_offline = changes_online = 0
        state = look()
        for _ in range(hours):
            esi.tick(3600)
            new = look()
            for cid, (online, body) in new.items():
                was_online, was = state[cid]
                if body != was:
                    if was_online or online:
                        changes_online += 1
                    else:
                        changes_offline += 1
            state = new
        assert changes_offline == 0
        assert changes_online > 0  # the world still moves
