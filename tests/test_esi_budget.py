import pytest

from django.test import override_settings

from memberaudit.esi import budget
from memberaudit.esi.budget import EsiPaused


def test_no_pause_with_healthy_headers():
    budget.observe({"X-ESI-Error-Limit-Remain": "100", "X-ESI-Error-Limit-Reset": "30"})
    budget.check()


@override_settings(MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD=25)
def test_error_limit_below_threshold_pauses_everything_until_reset():
    budget.observe({"X-ESI-Error-Limit-Remain": "24", "X-ESI-Error-Limit-Reset": "40"})
    with pytest.raises(EsiPaused) as info:
        budget.check("char-detail", 1)
    assert 30 <= info.value.retry_in <= 42
    with pytest.raises(EsiPaused):
        budget.check()


def test_429_pauses_only_that_group_and_owner_for_retry_after():
    budget.observe({"X-Ratelimit-Group": "char-wallet", "Retry-After": "17"}, owner=7, status=429)
    with pytest.raises(EsiPaused) as info:
        budget.check("char-wallet", 7)
    assert 15 <= info.value.retry_in <= 19
    budget.check("char-wallet", 8)
    budget.check("char-detail", 7)


def test_nearly_empty_group_pauses_before_esi_says_429():
    headers = {
        "X-Ratelimit-Group": "char-asset",
        "X-Ratelimit-Limit": "1800/15m",
        "X-Ratelimit-Remaining": "50",
    }
    budget.observe(headers, owner=3)
    with pytest.raises(EsiPaused):
        budget.check("char-asset", 3)


def test_plenty_left_in_group_does_not_pause():
    headers = {
        "X-Ratelimit-Group": "char-asset",
        "X-Ratelimit-Limit": "1800/15m",
        "X-Ratelimit-Remaining": "1500",
    }
    budget.observe(headers, owner=3)
    budget.check("char-asset", 3)


def test_django_esi_420_marker_pauses_us_too():
    from django.core.cache import cache

    cache.set("esi_error_limit_reset", 12, timeout=12)
    with pytest.raises(EsiPaused):
        budget.check()
    budget.clear()
    budget.check()


def test_countdown_is_jittered_and_after_the_pause():
    exc = EsiPaused(10, "test")
    countdowns = {exc.countdown() for _ in range(30)}
    assert min(countdowns) >= 11
    assert len(countdowns) > 1
