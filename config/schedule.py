"""Cron-style schedules read from the environment for Celery beat."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured


def crontab_from_env(name: str, value: str) -> crontab | None:
    """``"m h dom mon dow"`` (as in a crontab line) as a Celery crontab; blank means off."""
    value = value.strip()
    if not value:
        return None
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"{name} must have 5 cron fields (minute hour day-of-month month day-of-week), "
            f"got {value!r}"
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid cron schedule: {error}") from None
