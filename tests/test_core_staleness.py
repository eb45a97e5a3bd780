"""When a section is due: its ring, ESI's cache timer, errors and token problems."""

from memberaudit.core.staleness import (
    is_retry_due,
    is_stale,
    is_token_retry_due,
    retry_delay_minutes,
    spread_offset,
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
