"""Analytics reads: a constant number of aggregate queries each, scoped to what the user may see.

Staff see every ticket and agent; an agent sees the tickets of their own department and the
agents of that department. Tickets are aggregated on ids, served by the covering indexes of
migration 0003 (index-only scans); Python only labels and reshapes the aggregated rows (a few
per category, bucket or agent), never loops over tickets.

Undated history (tickets imported without their dates, stamped at import time) is left out
of every figure: `dated_tickets()` is where each read starts.
"""

from collections import defaultdict
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from agents.models import Agent
from agents.selectors import agent_get_for_user, agent_list
from tickets.analytics import labels as L
from tickets.analytics.aggregates import resolution_stats, resolution_stats_with_total
from tickets.analytics.windows import (
    AGE_BUCKETS,
    Window,
    age_bucket_expression,
    bucket_date,
    bucket_dates,
    bucket_expression,
)
from tickets.models import OPEN_STATUSES, UNRESOLVED_STATUSES, Priority, Ticket, TicketStatus

# `?by=` of the resolution times: the field grouped on, its labels, the key when it is empty.
MTTR_GROUPS = {
    "category": ("category_id", L.category_labels, L.UNCATEGORISED),
    "priority": ("priority", L.priority_labels, None),
    "department": ("department_id", L.department_labels, L.NO_DEPARTMENT),
    "agent": ("assigned_to_id", L.user_labels, L.UNASSIGNED),
}


def analytics_department_id(*, user) -> int | None:
    """None for staff (everything); the agent's department otherwise."""
    if user.is_staff:
        return None
    agent = agent_get_for_user(user=user)
    if agent is None:
        raise PermissionDenied("Analytics are for agents and staff.")
    return agent.department_id


def dated_tickets() -> QuerySet[Ticket]:
    """Every ticket whose dates are real: the ones the analytics count (and the ones the
    partial indexes of the figures hold)."""
    return Ticket.objects.order_by().filter(is_undated_history=False)


def analytics_tickets(*, user) -> QuerySet[Ticket]:
    department_id = analytics_department_id(user=user)
    tickets = dated_tickets()
    return tickets if department_id is None else tickets.filter(department_id=department_id)


def analytics_trends(
    *, user, days: int, interval: str | None = None, now: datetime | None = None
) -> dict:
    """Tickets created per category in the window (by created_at), and with `interval` a
    series per category with every day or week present, empty ones at zero."""
    window = Window.ending(days=days, now=now)
    rows = analytics_tickets(user=user).filter(**window.lookup("created_at"))
    fields = ["category_id"]
    if interval:
        rows = rows.annotate(bucket=bucket_expression("created_at", interval))
        fields.append("bucket")
    rows = rows.values(*fields).annotate(count=Count("*"))
    categories = L.category_labels()

    totals: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    per_bucket: dict[tuple, int] = {}
    for row in rows:
        key, name = L.label(categories, row["category_id"], L.UNCATEGORISED)
        names[key] = name
        totals[key] += row["count"]
        if interval:
            per_bucket[key, bucket_date(row["bucket"])] = row["count"]

    ranked = [
        {"key": key, "label": names[key], "count": count}
        for key, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    result = {
        "days": days,
        "since": window.since,
        "until": window.until,
        "total": sum(totals.values()),
        "categories": ranked,
        "series": None,
    }
    if interval:
        dates = bucket_dates(window, interval)
        result["series"] = {
            "interval": interval,
            "buckets": dates,
            "categories": [
                {**group, "counts": [per_bucket.get((group["key"], d), 0) for d in dates]}
                for group in ranked
            ],
        }
    return result


def analytics_resolution_times(
    *, user, days: int, by: str | None = None, now: datetime | None = None
) -> dict:
    """Seconds from creation to resolution of the tickets resolved in the window (by
    resolved_at): count, mean, median, 90th percentile, overall and per `by` group.

    A reopened ticket has no resolved_at until it is resolved again, so only its latest
    resolution counts, and only if that falls in the window.
    """
    window = Window.ending(days=days, now=now)
    resolved = analytics_tickets(user=user).filter(**window.lookup("resolved_at"))
    groups = []
    if by:
        total, rows = resolution_stats_with_total(resolved, group_by={"key": MTTR_GROUPS[by][0]})
        groups = _labelled(by, rows)
    else:
        (total,) = resolution_stats(resolved)
    return {
        "days": days,
        "since": window.since,
        "until": window.until,
        "by": by,
        **total,
        "groups": groups,
    }


def analytics_first_response(
    *, user, days: int, by: str | None = None, now: datetime | None = None
) -> dict:
    """Seconds from creation to the first public reply by an agent or staff
    (first_response_at) of the tickets created in the window (by created_at) that have one:
    count, mean, median, 90th percentile, overall and per `by` group; and `awaiting`, how many
    of the window's tickets are unresolved (open or PENDING) with no first response yet.

    A ticket resolved or closed without any public reply is in neither figure. Two queries
    (the figures, then the awaiting counts), plus the labels with `by`.
    """
    window = Window.ending(days=days, now=now)
    created = analytics_tickets(user=user).filter(**window.lookup("created_at"))
    answered = created.filter(first_response_at__isnull=False)
    awaiting = created.filter(first_response_at__isnull=True, status__in=UNRESOLVED_STATUSES)
    groups = []
    if by:
        field = MTTR_GROUPS[by][0]
        total, rows = resolution_stats_with_total(
            answered, group_by={"key": field}, end="first_response_at"
        )
        waiting = dict(awaiting.values_list(field).annotate(n=Count("created_at")))
        for row in rows:
            row["awaiting"] = waiting.pop(row["key"], 0)
        rows += [{"key": key, **EMPTY_FIGURES, "awaiting": n} for key, n in waiting.items()]
        groups = _labelled(by, rows)
        total["awaiting"] = sum(row["awaiting"] for row in rows)
    else:
        (total,) = resolution_stats(answered, end="first_response_at")
        total["awaiting"] = awaiting.count()
    return {
        "days": days,
        "since": window.since,
        "until": window.until,
        "by": by,
        **total,
        "groups": groups,
    }


# The figures of a group without a ticket to measure (only tickets awaiting a response).
EMPTY_FIGURES = {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}


def _labelled(by: str, rows: list[dict]) -> list[dict]:
    """Rows grouped on ids, with their keys and labels: priorities in order of urgency, other
    groups by label, the tickets without one last."""
    _field, lookup, missing = MTTR_GROUPS[by]
    names = lookup([row["key"] for row in rows])
    if by == "priority":
        rows.sort(key=lambda row: row["key"])
    else:
        rows.sort(key=lambda row: (row["key"] is None, L.label(names, row["key"], missing)))
    groups = []
    for row in rows:
        key, name = L.label(names, row["key"], missing)
        groups.append({**row, "key": key, "label": name})
    return groups


def analytics_backlog(*, user, now: datetime | None = None) -> dict:
    """Open tickets (OPEN, IN_PROGRESS) now: by age bucket, priority, department and category,
    each with how many are unassigned, and apart from them how many are PENDING (waiting on
    the requester: not in anyone's load). One grouped query over the unresolved tickets."""
    now = now or timezone.now()
    is_open = Q(status__in=OPEN_STATUSES)
    rows = (
        analytics_tickets(user=user)
        .filter(status__in=UNRESOLVED_STATUSES)
        .annotate(age=age_bucket_expression(now=now))
        .values("age", "priority", "department_id", "category_id")
        .annotate(
            # created_at, never null, rather than the id: it is in the index, the id is not.
            count=Count("created_at", filter=is_open),
            unassigned=Count("created_at", filter=is_open & Q(assigned_to__isnull=True)),
            pending=Count("created_at", filter=Q(status=TicketStatus.PENDING)),
        )
    )
    departments, categories = L.department_labels(), L.category_labels()
    ages = {key: name for key, name, _lower in AGE_BUCKETS}
    by_age = {key: _group(key, name) for key, name in ages.items()}
    by_priority = {p.value: _group(p.name, p.label) for p in Priority}
    by_department: dict[str, dict] = {}
    by_category: dict[str, dict] = {}
    for row in rows:
        department = L.label(departments, row["department_id"], L.NO_DEPARTMENT)
        category = L.label(categories, row["category_id"], L.UNCATEGORISED)
        department_group = by_department.setdefault(
            department[0], _group(*department, by_age=dict.fromkeys(ages, 0))
        )
        department_group["by_age"][row["age"]] += row["count"]
        for group in (
            by_age[row["age"]],
            by_priority[row["priority"]],
            department_group,
            by_category.setdefault(category[0], _group(*category)),
        ):
            for figure in ("count", "unassigned", "pending"):
                group[figure] += row[figure]

    return {
        "as_of": now,
        "total": sum(group["count"] for group in by_age.values()),
        "unassigned": sum(group["unassigned"] for group in by_age.values()),
        "pending": sum(group["pending"] for group in by_age.values()),
        "by_age": list(by_age.values()),
        "by_priority": list(by_priority.values()),
        "by_department": _by_count(by_department),
        "by_category": _by_count(by_category),
    }


def _group(key: str, label: str, **extra) -> dict:
    return {"key": key, "label": label, "count": 0, "unassigned": 0, "pending": 0, **extra}


def _by_count(groups: dict[str, dict]) -> list[dict]:
    return sorted(groups.values(), key=lambda g: (-g["count"], -g["pending"], g["key"]))


def analytics_agents(*, user, days: int, now: datetime | None = None) -> dict:
    """Per agent: open load now, capacity, tickets assigned (now assigned to them and created
    in the window) and resolved (resolved_at in the window), median time to resolve.

    Three queries: the agents with their load (as in /api/agents/), then the window counts
    and the resolution figures, each grouped by agent.
    """
    window = Window.ending(days=days, now=now)
    department_id = analytics_department_id(user=user)
    agents = agent_list()
    tickets = dated_tickets().filter(assigned_to__isnull=False)
    if department_id is not None:
        agents = agents.filter(department_id=department_id)
        members = Agent.objects.filter(department_id=department_id).values("user_id")
        tickets = tickets.filter(assigned_to__in=members)

    assigned = dict(
        tickets.filter(**window.lookup("created_at"))
        .values_list("assigned_to")
        .annotate(n=Count("*"))
    )
    resolved = {
        row["agent"]: row
        for row in resolution_stats(
            tickets.filter(**window.lookup("resolved_at")), group_by={"agent": "assigned_to_id"}
        )
    }
    rows = []
    for agent in agents.order_by("department__name", "user__username"):
        stats = resolved.get(agent.user_id, {})
        rows.append(
            {
                "id": agent.user_id,
                "username": agent.user.get_username(),
                "department": agent.department.slug,
                "department_name": agent.department.name,
                "is_available": agent.is_available,
                "capacity": agent.max_open_tickets,
                "open_load": agent.open_load,
                "assigned": assigned.get(agent.user_id, 0),
                "resolved": stats.get("count", 0),
                "median_seconds": stats.get("median_seconds"),
            }
        )
    return {"days": days, "since": window.since, "until": window.until, "agents": rows}
