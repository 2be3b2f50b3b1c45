"""The periodic sweep: record each ticket's `sla_warning` and `sla_breached` events, once per
ticket and target, and apply its policy's escalation on a breach.

It reads only the tickets whose `sla_check_at` (the next instant with something to record,
kept by every write, tickets/sla/clock.py) has passed: an index range scan that finds nothing
when nothing is due. On PostgreSQL each batch is claimed with `FOR UPDATE SKIP LOCKED`, so
sweepers on several hosts share the work and never record an event twice (a row another
sweeper changed meanwhile is checked again against `sla_check_at` when it is locked); on
SQLite the IMMEDIATE transactions let one sweeper write at a time.

Escalations run after their batch commits, one ticket per transaction through the ordinary
write path (tickets/services/escalation.py: ticket_update, ticket_reassign; the ticket row,
then the departments, in the documented order): a batch holding several tickets' locks never
waits for department locks.
An escalation owed is written down with the breach (a bit of `sla_recorded`), so one a
crash interrupted is applied by the next sweep.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tickets.events import event_build, events_record
from tickets.models import EscalationAction, EventKind, Ticket
from tickets.sla import clock
from tickets.sla.policies import policy_get

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    warnings: int = 0
    breaches: int = 0
    escalations: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, what)


def sla_sweep(
    *,
    now: dt.datetime | None = None,
    escalate: Callable[[int], str | None] | None = None,
) -> SweepReport:
    """One pass over every ticket with an at-risk or due instant passed; returns what it
    recorded. `now` defaults to Python's clock (tests freeze it). `escalate(ticket_id)`
    applies an escalation owed, in its own transaction, and says what it did (the write
    path's tickets.services.sla_escalation_apply: this room does not import the services,
    which call it)."""
    now = now or timezone.now()
    report = SweepReport()
    batch = settings.SLA_SWEEP_BATCH
    while True:
        with transaction.atomic():
            tickets = _claim(now=now, batch=batch)
            owed = [ticket.pk for ticket in tickets if _ticket_sweep(ticket, now, report)]
        for ticket_id in owed if escalate else ():
            done = escalate(ticket_id)
            if done:
                report.escalations.append((ticket_id, done))
        if len(tickets) < batch:
            return report


def _claim(*, now: dt.datetime, batch: int) -> list[Ticket]:
    tickets = Ticket.objects.filter(sla_check_at__lte=now).order_by("sla_check_at", "pk")
    if connection.vendor == "postgresql":
        tickets = tickets.select_for_update(of=("self",), skip_locked=True)
    return list(tickets[:batch])


def _ticket_sweep(ticket: Ticket, now: dt.datetime, report: SweepReport) -> bool:
    """Record what the ticket's clock has passed; True when it owes an escalation."""
    events = []
    for target in clock.TARGETS:
        due = getattr(ticket, clock.due_field(target))
        if due is None or ticket.sla_recorded & clock.BREACHED[target]:
            continue
        risk = getattr(ticket, clock.risk_field(target))
        answered = target == clock.FIRST_RESPONSE and ticket.first_response_at is not None
        reached = ticket.first_response_at if answered else now
        payload = {"target": target, "due": due.isoformat()}
        if reached >= due:
            ticket.sla_recorded |= clock.BREACHED[target] | clock.WARNED[target]
            rules = policy_get(ticket.sla_policy_id)
            # A reply that came late is breached, but there is nothing left to escalate.
            escalation = rules.escalation if rules and not answered else EscalationAction.FLAG
            if escalation != EscalationAction.FLAG:
                ticket.sla_recorded |= clock.ESCALATION_PENDING
            events.append(
                event_build(
                    ticket=ticket, kind=EventKind.SLA_BREACHED, escalation=escalation, **payload
                )
            )
            report.breaches += 1
        elif (
            not answered
            and risk is not None
            and now >= risk
            and not ticket.sla_recorded & clock.WARNED[target]
        ):
            ticket.sla_recorded |= clock.WARNED[target]
            events.append(
                event_build(
                    ticket=ticket,
                    kind=EventKind.SLA_WARNING,
                    at_risk_at=risk.isoformat(),
                    **payload,
                )
            )
            report.warnings += 1
        elif answered:
            # Answered in time: nothing will ever be recorded for this target.
            ticket.sla_recorded |= clock.BREACHED[target] | clock.WARNED[target]
    ticket.sla_check_at = clock.next_check(ticket)
    ticket.save(update_fields=["sla_recorded", "sla_check_at"])
    events_record(events)
    return bool(ticket.sla_recorded & clock.ESCALATION_PENDING)
