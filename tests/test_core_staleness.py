from memberaudit.core.staleness import is_stale, spread_offset

NOW = 1_800_000_000.0


def test_never_checked_is_stale():
    assert is_stale(NOW, None, None, 55)


def test_checked_recently_is_fresh_and_old_check_is_stale():
    assert not is_stale(NOW, NOW - 54 * 60, None, 55)
    assert is_stale(NOW, NOW - 55 * 60, None, 55)


def test_never_stale_before_esi_cache_timer_expires():
    assert not is_stale(NOW, None, NOW + 1, 55)
    assert not is_stale(NOW, NOW - 999 * 60, NOW + 30, 55)
    assert is_stale(NOW, NOW - 999 * 60, NOW - 1, 55)


def test_spread_offset_is_stable_within_window_and_spreads():
    offsets = {spread_offset(90000000 + i, "assets", 600) for i in range(200)}
    assert all(0 <= o < 600 for o in offsets)
    assert len(offsets) > 150, "offsets should differ between characters"
    assert spread_offset(1, "skills", 600) == spread_offset(1, "skills", 600)
    assert spread_offset(1, "skills", 0) == 0
