"""Service-level figures: compliance per priority, department and agent over a window,
breaches per day, and the tickets at risk now (docs/sla.md). Same scope and windows as the
other figures (staff: every ticket; an agent: their department's; undated history left out).

A target counts in the window when its verdict fell in it: met when the first public reply
(or the resolution) came before the due instant, at that reply (or resolution); breached at
its due instant, once the ticket's clock passed it. Everything is read from the stored
instants: no business-time arithmetic in SQL.
"""

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from tickets.analytics import labels as L
from tickets.analytics.selectors import analytics_tickets
from tickets.analytics.windows import Window, bucket_date, bucket_dates, bucket_expression
from tickets.models import Priority, Ticket, TicketStatus
from tickets.sla.selectors import sla_at_risk_q, sla_breached_q, sla_clock, tickets_by_sla_state

SLA_GROUPS = {
    "priority": ("priority", L.priority_labels, None),
    "department": ("department_id", L.department_labels, L.NO_DEPARTMENT),
    "agent": ("assigned_to_id", L.user_labels, L.UNASSIGNED),
}
AT_RISK_LISTED = 20


def verdict_conditions(window: Window) -> dict[str, tuple[Q, str | None]]:
    """Each verdict's condition (needs `sla_clock`), and for a breach the instant it is dated
    by. Each condition is bounded by one indexed column's range, whose covering index holds
    every column the count reads (tickets/models/ticket.py)."""
    in_window = window.lookup
    return {
        "first_response_met": (
            Q(
                first_response_due__isnull=False,
                first_response_at__lt=F("first_response_due"),
                **in_window("first_response_at"),
            ),
            None,
        ),
        "first_response_breached": (
            Q(**in_window("first_response_due"))
            & (
                Q(first_response_at__isnull=False, first_response_at__gte=F("first_response_due"))
                | Q(first_response_at__isnull=True, sla_clock__gte=F("first_response_due"))
            ),
            "first_response_due",
        ),
        "resolution_met": (
            Q(
                resolution_due__isnull=False,
                resolved_at__isnull=False,
                sla_paused_at__lt=F("resolution_due"),
                **in_window("resolved_at"),
            ),
            None,
        ),
        "resolution_breached": (
            Q(sla_clock__gte=F("resolution_due"), **in_window("resolution_due")),
            "resolution_due",
        ),
    }


def _figures(row: dict) -> dict:
    figures = {}
    for target in ("first_response", "resolution"):
        met, breached = row[f"{target}_met"], row[f"{target}_breached"]
        figures[target] = {
            "met": met,
            "breached": breached,
            "share": met / (met + breached) if met + breached else None,
        }
    return figures


def verdict_counts(tickets: QuerySet, verdicts: dict) -> dict[str, tuple[QuerySet, str | None]]:
    """Per verdict, its count per priority, department and agent (and day, for a breach)."""
    counts = {}
    for name, (condition, dated_by) in verdicts.items():
        rows = tickets.filter(condition)
        fields = ["priority", "department_id", "assigned_to_id"]
        if dated_by:
            rows = rows.annotate(bucket=bucket_expression(dated_by, "day"))
            fields.append("bucket")
        counts[name] = (rows.values(*fields).annotate(count=Count("*")).order_by(), dated_by)
    return counts


def analytics_sla(*, user, days: int, now: datetime | None = None) -> dict:
    """Compliance over the window (overall, per priority, department and agent) and the
    breaches per local day. One grouped count per verdict (four queries), then the labels."""
    window = Window.ending(days=days, now=now)
    verdicts = verdict_conditions(window)
    tickets = analytics_tickets(user=user).alias(sla_clock=sla_clock(window.until))

    total = dict.fromkeys(verdicts, 0)
    groups: dict[str, dict] = {
        by: defaultdict(lambda: dict.fromkeys(verdicts, 0)) for by in SLA_GROUPS
    }
    dates = bucket_dates(window, "day")
    breaches: dict[str, dict] = {}
    for name, (rows, dated_by) in verdict_counts(tickets, verdicts).items():
        if dated_by:
            breaches[dated_by.removesuffix("_due")] = per_day = defaultdict(int)
        for row in rows:
            total[name] += row["count"]
            for by, (field, _lookup, _missing) in SLA_GROUPS.items():
                groups[by][row[field]][name] += row["count"]
            if dated_by:
                per_day[bucket_date(row["bucket"])] += row["count"]

    result = {"days": days, "since": window.since, "until": window.until, **_figures(total)}
    for by, (_field, lookup, missing) in SLA_GROUPS.items():
        names = lookup(list(groups[by]))
        listed = []
        for key, counts in groups[by].items():
            group_key, label = (
                (Priority(key).name, Priority(key).label)
                if by == "priority"
                else L.label(names, key, missing)
            )
            listed.append({"key": group_key, "label": label, **_figures(counts), "_sort": key})
        if by == "priority":
            listed.sort(key=lambda g: g["_sort"])
        else:
            listed.sort(key=lambda g: (g["_sort"] is None, g["label"]))
        for group in listed:
            del group["_sort"]
        result[f"by_{by}"] = listed
    result["breaches"] = {
        "buckets": dates,
        **{target: [per_day.get(day, 0) for day in dates] for target, per_day in breaches.items()},
    }
    return result


def analytics_sla_at_risk(*, user, now: datetime | None = None) -> dict:
    """How many unresolved tickets are at risk now (none of their targets breached) and how
    many breached; the at-risk ones listed, soonest first response due first. Three queries."""
    now = now or timezone.now()
    unresolved = analytics_tickets(user=user).filter(
        status__in=[TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.PENDING]
    )
    # The first ones at risk, then their rows: both counts and the order are read from the
    # backlog index alone (it includes the instants and the id), the rows by primary key.
    first_ids = list(
        tickets_by_sla_state(unresolved, "at_risk", now=now)
        .order_by(F("first_response_due").asc(nulls_last=True), "resolution_due", "pk")
        .values_list("pk", flat=True)[:AT_RISK_LISTED]
    )
    rows = Ticket.objects.select_related("department", "assigned_to").in_bulk(first_ids)
    listed = [rows[pk] for pk in first_ids if pk in rows]
    counts = unresolved.alias(sla_clock=sla_clock(now)).aggregate(
        at_risk=Count("pk", filter=sla_at_risk_q() & ~sla_breached_q()),
        breached=Count("pk", filter=sla_breached_q()),
    )
    return {
        "as_of": now,
        "at_risk": counts["at_risk"],
        "breached": counts["breached"],
        "tickets": [
            {
                "id": ticket.pk,
                "title": ticket.title,
                "priority": Priority(ticket.priority).name,
                "status": ticket.status,
                "department": ticket.department.slug if ticket.department else None,
                "assigned_to": ticket.assigned_to.get_username() if ticket.assigned_to else None,
                "first_response_due": ticket.first_response_due
                if ticket.first_response_at is None
                else None,
                "resolution_due": ticket.resolution_due,
            }
            for ticket in listed
        ],
    }
