"""Celery tasks of the tickets app (autodiscovered). Each body imports its service when it
runs, so this module imports nothing of the write path at load time."""

from celery import shared_task


@shared_task(name="tickets.sla_sweep", ignore_result=True)
def sla_sweep() -> None:
    """One pass of the SLA sweep with its escalations, every minute from beat
    (SLA_SWEEP_CRON)."""
    from tickets.services.escalation import sla_check

    sla_check()
