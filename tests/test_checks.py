from django.test import override_settings

from memberaudit.checks import check_beat_schedule, check_data_retention


def test_no_warning_when_the_regular_update_task_is_scheduled():
    # the test project schedules it
    assert check_beat_schedule() == []


def test_warns_when_the_regular_update_task_is_missing_from_the_beat_schedule():
    with override_settings(CELERYBEAT_SCHEDULE={"other": {"task": "x.y", "schedule": 60}}):
        warnings = check_beat_schedule()
    assert [w.id for w in warnings] == ["memberaudit.W001"]


def test_warns_when_retention_is_below_the_minimum():
    with override_settings(MEMBERAUDIT_DATA_RETENTION_LIMIT=3):
        assert [w.id for w in check_data_retention()] == ["memberaudit.W002"]
    with override_settings(MEMBERAUDIT_DATA_RETENTION_LIMIT=None):
        assert check_data_retention() == []
