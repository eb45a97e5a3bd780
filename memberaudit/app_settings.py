"""Every setting of Member Audit, with its default and one line of documentation.

Settings are read from Django's settings on access (not at import), so tests can
override them with ``override_settings``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: name -> (default, documentation)
DEFAULTS: dict[str, tuple[Any, str]] = {
    "MEMBERAUDIT_APP_NAME": ("Member Audit", "Name of the app as shown in the sidebar and page titles."),
    "MEMBERAUDIT_DATA_RETENTION_LIMIT": (
        360,
        "Days to keep mails, contracts and wallet history (minimum 7; None keeps everything).",
    ),
    "MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD": (
        25,
        "Pause all ESI work when fewer ESI errors than this remain in the error window.",
    ),
    "MEMBERAUDIT_BULK_METHODS_BATCH_SIZE": (500, "Rows per batch for bulk inserts, updates and deletes."),
    "MEMBERAUDIT_LOCATION_STALE_HOURS": (
        24,
        "Hours after which a resolved station or structure is looked up again.",
    ),
    "MEMBERAUDIT_LOG_UPDATE_STATS": (
        False,
        "Log the statistics of the last update run when a new run starts.",
    ),
    "MEMBERAUDIT_MAX_MAILS": (250, "Maximum number of mails fetched and kept per character."),
    "MEMBERAUDIT_TASKS_MAX_ASSETS_PER_PASS": (
        2500,
        "Assets stored per pass when a character's assets are synced.",
    ),
    "MEMBERAUDIT_TASKS_TIME_LIMIT": (7200, "Hard time limit in seconds for one update task."),
    "MEMBERAUDIT_TASKS_MAX_RETRIES": (
        5,
        "Retries of a task that waits for an ESI pause; then the section is marked and waits for the next run.",
    ),
    "MEMBERAUDIT_TASKS_RETRY_BACKOFF": (
        60,
        "Seconds of the first retry's back-off; it doubles per retry, with full jitter, on top of the pause.",
    ),
    "MEMBERAUDIT_TASKS_RETRY_BACKOFF_MAX": (
        900,
        "Longest back-off in seconds between two retries of a task.",
    ),
    "MEMBERAUDIT_REGULAR_UPDATES_TIME_LIMIT": (
        600,
        "Hard time limit in seconds of the periodic task; its lock against overlapping runs is renewed for at most this long.",
    ),
    "MEMBERAUDIT_UPDATE_RETRY_MINUTES": (
        5,
        "Minutes after which a failed section is due again; doubles per failure in a row, capped by its ring.",
    ),
    "MEMBERAUDIT_UPDATE_SPREAD_SECONDS": (
        600,
        "Seconds over which the periodic task spreads the updates it queues (a copy waiting longer may be queued twice).",
    ),
    "MEMBERAUDIT_UPDATE_STALE_RING_1": (
        55,
        "Minutes after which ring 1 sections (location, online, ship, skill queue) are stale.",
    ),
    "MEMBERAUDIT_UPDATE_STALE_RING_2": (
        235,
        "Minutes after which ring 2 sections (most sections) are stale.",
    ),
    "MEMBERAUDIT_UPDATE_STALE_RING_3": (
        475,
        "Minutes after which ring 3 sections (assets and other slow data) are stale.",
    ),
    "MEMBERAUDIT_UPDATE_STALE_OVERRIDES": (
        {},
        "Per-section staleness in minutes, e.g. {'wallet_journal': 120}; overrides the section's ring.",
    ),
    "MEMBERAUDIT_UPDATE_BACKOFF_MAX": (
        6,
        "Most stale times a section that has not changed for long may wait between two checks (one per 6 unchanged ones); 1 turns the back-off off.",
    ),
    "MEMBERAUDIT_UPDATE_BACKOFF_MAX_MINUTES": (
        1440,
        "Longest wait in minutes between two checks of a backed-off section, whatever its ring (None: only MEMBERAUDIT_UPDATE_BACKOFF_MAX); also the longest location, ship, skills and skill queue go without asking ESI while their character stays logged out.",
    ),
    "MEMBERAUDIT_HEALTH_GRACE_MINUTES": (
        120,
        "Minutes a section may be overdue beyond its stale time (stretched by the back-off) before its character counts as unhealthy.",
    ),
    "MEMBERAUDIT_SHARING_TIMEOUT": (
        0,
        "Days a shared character stays shared before it is unshared and its owner told; 0 shares until unshared.",
    ),
    "MEMBERAUDIT_EVE_IMAGE_URL": (
        "https://images.evetech.net",
        "Base URL of EVE's image server for portraits, logos and item icons (a mirror or proxy may stand in).",
    ),
    "APP_UTILS_NOTIFY_THROTTLED_TIMEOUT": (
        86400,
        "Seconds during which the same notification is not sent again.",
    ),
}

DATA_RETENTION_MINIMUM_DAYS = 7


def get(name: str) -> Any:
    """Return the configured value of setting ``name`` or its default."""
    default, _doc = DEFAULTS[name]
    return getattr(settings, name, default)


def data_retention_days() -> int | None:
    """The effective retention limit in days, clamped to the minimum; None when off."""
    value = get("MEMBERAUDIT_DATA_RETENTION_LIMIT")
    if value is None:
        return None
    return max(int(value), DATA_RETENTION_MINIMUM_DAYS)


def eve_image_url() -> str:
    """Base URL of EVE's image server, without a trailing slash (``MEMBERAUDIT_EVE_IMAGE_URL``)."""
    return str(get("MEMBERAUDIT_EVE_IMAGE_URL")).rstrip("/")


def stale_minutes_for_ring(ring: int) -> int:
    """Staleness in minutes for ring 1, 2 or 3."""
    return int(get(f"MEMBERAUDIT_UPDATE_STALE_RING_{ring}"))


def __getattr__(name: str) -> Any:
    """Allow ``app_settings.MEMBERAUDIT_X`` as a live read of the setting."""
    if name in DEFAULTS:
        return get(name)
    raise AttributeError(name)
