"""Escalating a ticket whose service-level target was breached: the SLA sweep
(tickets/sla/sweep.py) records the breach, then this applies its policy's escalation through
the ordinary write path (ticket_update, ticket_reassign), so the change takes the same locks,
in the same order, and writes the same events as a person's."""

import datetime as dt
import logging

from django.db import transaction

from config.api.exceptions import DomainError
from tickets.models import EscalationAction, Priority, Ticket
from tickets.services.editing import ticket_update
from tickets.services.workflow import ticket_reassign
from tickets.sla import clock
from tickets.sla.policies import policy_get
from tickets.sla.sweep import SweepReport, sla_sweep

logger = logging.getLogger(__name__)


def sla_check(*, now: dt.datetime | None = None) -> SweepReport:
    """One pass of the sweep with its escalations (Celery beat's task, `manage.py sla_check`)."""
    return sla_sweep(now=now, escalate=sla_escalation_apply)


def sla_escalation_apply(ticket_id: int) -> str | None:
    """Apply the escalation a breach owes the ticket, once (under its row lock, two sweepers
    apply it once): raise the priority one step, or route it to another eligible agent of its
    department. Says what it did; None: nothing (flag only, URGENT already, no other agent)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id).first()
        if ticket is None or not ticket.sla_recorded & clock.ESCALATION_PENDING:
            return None
        ticket.sla_recorded &= ~clock.ESCALATION_PENDING
        ticket.sla_check_at = clock.next_check(ticket)
        ticket.save(update_fields=["sla_recorded", "sla_check_at"])
        rules = policy_get(ticket.sla_policy_id)
        action = rules.escalation if rules else EscalationAction.FLAG
        try:
            if action == EscalationAction.RAISE_PRIORITY and ticket.priority < Priority.URGENT:
                higher = min(p for p in Priority if p > ticket.priority)
                ticket_update(ticket=ticket, actor=None, priority=higher)
                return f"priority {higher.name}"
            if action == EscalationAction.REASSIGN:
                ticket_reassign(ticket=ticket, actor=None)
                return "reassigned"
        except DomainError as error:  # no other eligible agent: the breach stays flagged
            logger.info("sla escalation of ticket %s not applied: %s", ticket_id, error)
    return None
