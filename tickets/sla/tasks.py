"""Celery task of the service levels: the sweep, every minute from beat (SLA_SWEEP_CRON)."""

from celery import shared_task


@shared_task(name="tickets.sla_sweep", ignore_result=True)
def sla_sweep() -> None:
    """One pass of the sweep (tickets/sla/sweep.py)."""
    from tickets.sla.sweep import sla_sweep as sweep

    sweep()
