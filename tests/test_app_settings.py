import pytest

from django.test import override_settings

from memberaudit import app_settings

SPEC_DEFAULTS = {
    "MEMBERAUDIT_APP_NAME": "Member Audit",
    "MEMBERAUDIT_DATA_RETENTION_LIMIT": 360,
    "MEMBERAUDIT_ESI_ERROR_LIMIT_THRESHOLD": 25,
    "MEMBERAUDIT_BULK_METHODS_BATCH_SIZE": 500,
    "MEMBERAUDIT_LOCATION_STALE_HOURS": 24,
    "MEMBERAUDIT_LOG_UPDATE_STATS": False,
    "MEMBERAUDIT_MAX_MAILS": 250,
    "MEMBERAUDIT_TASKS_MAX_ASSETS_PER_PASS": 2500,
    "MEMBERAUDIT_TASKS_TIME_LIMIT": 7200,
    "MEMBERAUDIT_UPDATE_STALE_RING_1": 55,
    "MEMBERAUDIT_UPDATE_STALE_RING_2": 235,
    "MEMBERAUDIT_UPDATE_STALE_RING_3": 475,
}


@pytest.mark.parametrize(("name", "default"), SPEC_DEFAULTS.items())
def test_defaults_match_the_spec(name, default):
    assert app_settings.get(name) == default
    assert app_settings.DEFAULTS[name][1], "every setting has one line of documentation"


def test_a_configured_value_wins_over_the_default():
    with override_settings(MEMBERAUDIT_MAX_MAILS=10):
        assert app_settings.MEMBERAUDIT_MAX_MAILS == 10


@pytest.mark.parametrize(("configured", "effective"), [(None, None), (3, 7), (7, 7), (8, 8), (360, 360)])
def test_data_retention_is_clamped_to_seven_days_and_none_turns_it_off(configured, effective):
    with override_settings(MEMBERAUDIT_DATA_RETENTION_LIMIT=configured):
        assert app_settings.data_retention_days() == effective


def test_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError):
        app_settings.MEMBERAUDIT_DOES_NOT_EXIST  # noqa: B018
