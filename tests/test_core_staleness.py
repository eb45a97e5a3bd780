"""When a section is due: its ring, its learned back-off, ESI's cache timer, errors and token problems."""

from memberaudit.core.staleness import (
    BACKOFF_PATIENCE,
    backoff_factor,
    backoff_levels,
    check_interval_minutes,
    is_retry_due,
    is_stale,
    is_token_retry_due,
    retry_delay_minutes,
    spread_offset,
    unchanged_minutes,
)

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


def test_retry_delay_doubles_per_failure_in_a_row_and_is_capped_by_the_ring():
    assert [retry_delay_minutes(n, 5, 235) for n in range(1, 8)] == [5, 10, 20, 40, 80, 160, 235]
    assert retry_delay_minutes(0, 5, 55) == 5, "an unknown count (cache lost) is a first failure"
    assert retry_delay_minutes(10_000, 5, 55) == 55


def test_a_failed_section_is_due_after_its_back_off_not_after_its_ring():
    failed_at = NOW - 4 * 60
    assert not is_retry_due(NOW, failed_at, 1, 5, 475)
    assert is_retry_due(NOW + 60, failed_at, 1, 5, 475)
    assert not is_retry_due(NOW + 60, failed_at, 3, 5, 475), "third failure in a row: 20 minutes"
    assert is_retry_due(NOW + 16 * 60, failed_at, 3, 5, 475)
    assert is_retry_due(NOW, None, 1, 5, 475), "no attempt recorded: try now"


def test_a_token_problem_is_retried_only_with_a_token_newer_than_the_failure():
    assert not is_token_retry_due(NOW, None), "no token at all"
    assert not is_token_retry_due(NOW, NOW - 3600), "the token that failed"
    assert not is_token_retry_due(NOW, NOW)
    assert is_token_retry_due(NOW, NOW + 1)
    assert is_token_retry_due(None, NOW)


# --- the learned back-off: sections that do not change are checked less often ----------------


def test_a_section_that_changed_recently_stays_on_its_ring():
    assert backoff_factor(None, 235, 4) == 1, "unknown change time: no back-off"
    assert backoff_factor(0, 235, 4) == 1
    assert backoff_factor(BACKOFF_PATIENCE * 235 * 2 - 1, 235, 4) == 1
    assert check_interval_minutes(60, 55, 4, 1440) == 55


def test_the_back_off_grows_with_the_quiet_time_up_to_its_ceiling():
    ring = 235
    quiet = BACKOFF_PATIENCE * ring
    assert [backoff_factor(quiet * n, ring, 4) for n in (2, 3, 4, 5, 100)] == [2, 3, 4, 4, 4]
    # never longer than a quarter of the time the section has been quiet
    for minutes in range(0, 40 * ring, 17):
        interval = check_interval_minutes(minutes, ring, 4, None)
        assert interval == ring or interval <= minutes / BACKOFF_PATIENCE
    assert check_interval_minutes(10**9, ring, 4, None) == 4 * ring


def test_the_absolute_ceiling_caps_long_rings_but_never_goes_below_the_ring():
    assert check_interval_minutes(10**9, 475, 4, 1440) == 1440
    assert check_interval_minutes(10**9, 2000, 4, 1440) == 2000, "the ring itself is never cut"
    assert check_interval_minutes(10**9, 55, 4, 1440) == 220


def test_a_max_of_one_turns_the_back_off_off():
    assert check_interval_minutes(10**9, 235, 1, None) == 235
    assert backoff_levels(235, 1, None) == [(0.0, 235.0)]


def test_the_steps_say_the_same_as_the_rule():
    for ring, factor, cap in ((55, 4, 1440), (235, 4, 1440), (475, 4, 1440), (475, 6, None), (60, 3, 100)):
        levels = backoff_levels(ring, factor, cap)
        assert levels[0] == (0.0, float(ring))
        for minutes in range(0, 30 * ring * factor, 7):
            expected = max(interval for quiet, interval in levels if minutes >= quiet)
            assert check_interval_minutes(minutes, ring, factor, cap) == expected, (ring, minutes)


def test_unchanged_minutes():
    assert unchanged_minutes(None, NOW) is None
    assert unchanged_minutes(NOW, None) is None
    assert unchanged_minutes(NOW, NOW - 3600) == 60
    assert unchanged_minutes(NOW, NOW + 5) == 0, "a change stored after the check counts as none"
