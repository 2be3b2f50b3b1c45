"""The dispatcher on Celery: beat queues `tickets.outbox_dispatch` every OUTBOX_POLL_SECONDS
and any number of workers run it at once (rows are claimed with SKIP LOCKED)."""

from celery import shared_task


@shared_task(name="tickets.outbox_dispatch", ignore_result=True)
def outbox_dispatch() -> None:
    """Deliver what is due, for at most about a minute (beat queues the next pass)."""
    from tickets.outbox.dispatch import dispatch_until_idle

    dispatch_until_idle(budget_seconds=50)
