"""Celery beat's schedule, read from cron lines in the environment."""

import os

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.celery import app
from config.schedule import crontab_from_env


def test_a_cron_line_becomes_a_celery_crontab():
    assert crontab_from_env("X", "40 2 * * 0") == crontab(
        minute="40", hour="2", day_of_month="*", month_of_year="*", day_of_week="0"
    )
    assert crontab_from_env("X", "  ") is None


@pytest.mark.parametrize("line", ["40 2 * *", "99 2 * * *", "a b c d e"])
def test_a_malformed_cron_line_stops_start_up_naming_the_variable(line):
    with pytest.raises(ImproperlyConfigured, match="ML_RETRAIN_CRON"):
        crontab_from_env("ML_RETRAIN_CRON", line)


def test_beat_flushes_tokens_and_fails_stale_jobs_and_retrains_weekly_by_default():
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["flush-expired-tokens"]["task"] == "config.flush_expired_tokens"
    assert schedule["fail-stale-training-jobs"]["task"] == "tickets.fail_stale_training_jobs"
    # Weekly unless ML_RETRAIN_CRON says otherwise (blank: off); .env is read into os.environ.
    line = os.environ.get("ML_RETRAIN_CRON", settings.ML_RETRAIN_CRON_DEFAULT).strip()
    assert ("retrain-model" in schedule) == bool(line)
    if line:
        assert schedule["retrain-model"]["task"] == "tickets.retrain_model"
    app.loader.import_default_modules()
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_the_retrain_default_is_weekly():
    assert settings.ML_RETRAIN_CRON_DEFAULT == "40 2 * * 0"
    assert crontab_from_env("ML_RETRAIN_CRON", settings.ML_RETRAIN_CRON_DEFAULT) == crontab(
        minute="40", hour="2", day_of_month="*", month_of_year="*", day_of_week="0"
    )
