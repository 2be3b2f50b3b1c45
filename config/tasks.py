"""Periodic maintenance run by Celery beat (schedules in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="config.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> None:
    """Delete blacklisted and outstanding refresh tokens that have expired anyway."""
    call_command("flushexpiredtokens")
