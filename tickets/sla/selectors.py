"""Reads by service-level state, on the stored instants only (no business-time arithmetic in
SQL): the clock's "now" is `sla_paused_at` while the ticket's clock is stopped, else Python's
now. The same verdicts as the ticket's `sla` field (tickets/sla/clock.py)."""

import datetime as dt

from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from tickets.models import UNRESOLVED_STATUSES, Ticket

SLA_STATES = ("breached", "at_risk", "ok")


def sla_clock(now: dt.datetime):
    """The instant each ticket's clock shows: stopped at sla_paused_at, else now."""
    return Coalesce(F("sla_paused_at"), Value(now, output_field=DateTimeField()))


def sla_breached_q() -> Q:
    """Either target breached; needs the `sla_clock` alias."""
    # Every comparison guarded by IS NOT NULL: in exclude(), NULL must read as false.
    first_response = Q(first_response_due__isnull=False) & (
        Q(first_response_at__isnull=False, first_response_at__gte=F("first_response_due"))
        | Q(first_response_at__isnull=True, sla_clock__gte=F("first_response_due"))
    )
    resolution = Q(resolution_due__isnull=False, sla_clock__gte=F("resolution_due"))
    return first_response | resolution


def sla_at_risk_q() -> Q:
    """Either target past its at-risk instant while still owed (breached ones included; the
    filter leaves them out); needs the `sla_clock` alias."""
    owed = Q(status__in=UNRESOLVED_STATUSES)
    first_response = Q(
        first_response_at__isnull=True,
        first_response_risk_at__isnull=False,
        sla_clock__gte=F("first_response_risk_at"),
    )
    resolution = Q(resolution_risk_at__isnull=False, sla_clock__gte=F("resolution_risk_at"))
    return owed & (first_response | resolution)


def tickets_by_sla_state(tickets: QuerySet[Ticket], state: str, *, now: dt.datetime) -> QuerySet:
    """`breached`: a target breached; `at_risk`: at risk and none breached; `ok`: neither
    (tickets without a policy included)."""
    tickets = tickets.alias(sla_clock=sla_clock(now))
    if state == "breached":
        return tickets.filter(sla_breached_q())
    if state == "at_risk":
        return tickets.filter(sla_at_risk_q()).exclude(sla_breached_q())
    return tickets.exclude(sla_breached_q()).exclude(sla_at_risk_q())
