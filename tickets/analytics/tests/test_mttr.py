"""GET /api/analytics/mttr/: mean, median and 90th percentile of the time to resolve."""

from datetime import timedelta
from unittest import mock

import pytest

from tickets import services
from tickets.analytics.tests.conftest import DAY, HOUR, ago, ticket_at
from tickets.models import Priority, TicketStatus
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/mttr/"
EMPTY = {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}


def figures(body: dict) -> dict:
    return {key: body[key] for key in EMPTY}


def resolved_after(hours: float, *, resolved_days_ago: float = 1, **fields):
    """A ticket resolved `resolved_days_ago` days ago, `hours` after it was created."""
    resolved = ago(days=resolved_days_ago)
    return ticket_at(resolved - timedelta(hours=hours), resolved=resolved, **fields)


def test_empty_window(staff_client):
    body = staff_client.get(URL, {"by": "category"}).json()

    assert figures(body) == EMPTY
    assert body["by"] == "category"
    assert body["groups"] == []
    assert body["since"] == "2025-02-10T15:00:00Z"


def test_single_ticket(staff_client):
    resolved_after(2)

    body = staff_client.get(URL).json()

    assert figures(body) == {
        "count": 1,
        "mean_seconds": 2 * HOUR,
        "median_seconds": 2 * HOUR,
        "p90_seconds": 2 * HOUR,
    }
    assert body["by"] is None
    assert body["groups"] == []


def test_mean_median_and_interpolated_90th_percentile(staff_client):
    for hours in (10, 1, 4, 2, 3):
        resolved_after(hours)

    body = staff_client.get(URL).json()

    # Sorted 1, 2, 3, 4, 10 h; p90 at position 0.9 * 4 = 3.6: 4 h + 0.6 * (10 h - 4 h).
    assert figures(body) == {
        "count": 5,
        "mean_seconds": 4 * HOUR,
        "median_seconds": 3 * HOUR,
        "p90_seconds": 27360.0,
    }


def test_median_of_an_even_count_interpolates(staff_client):
    for hours in (1, 2, 4, 8):
        resolved_after(hours)

    body = staff_client.get(URL).json()

    assert body["median_seconds"] == 3 * HOUR
    assert body["p90_seconds"] == 24480.0  # position 2.7: 4 h + 0.7 * (8 h - 4 h) = 6.8 h


def test_window_is_by_resolved_at_and_counts_closed_but_not_open_tickets(staff_client):
    ticket_at(ago(days=40), resolved=ago(days=2))  # created long ago: counted (38 days)
    ticket_at(ago(days=3), resolved=ago(days=1), status=TicketStatus.CLOSED)  # 2 days
    ticket_at(ago(days=45), resolved=ago(days=31))  # resolved before the window
    ticket_at(ago(days=3))  # open
    ticket_at(ago(days=3), status=TicketStatus.CLOSED)  # closed without being resolved

    body = staff_client.get(URL, {"days": 30}).json()

    assert body["count"] == 2
    assert body["mean_seconds"] == 20 * DAY
    assert staff_client.get(URL, {"days": 1}).json()["count"] == 1


def test_by_category_lists_uncategorised_last(staff_client, catalogue):
    resolved_after(1, category=catalogue["bug"])
    resolved_after(3, category=catalogue["bug"])
    resolved_after(5, category=catalogue["billing"])
    resolved_after(8)

    groups = staff_client.get(URL, {"by": "category"}).json()["groups"]

    assert groups == [
        {
            "key": "billing",
            "label": "Billing & payments",
            "count": 1,
            "mean_seconds": 5 * HOUR,
            "median_seconds": 5 * HOUR,
            "p90_seconds": 5 * HOUR,
        },
        {
            "key": "bug",
            "label": "Technical issue",
            "count": 2,
            "mean_seconds": 2 * HOUR,
            "median_seconds": 2 * HOUR,
            "p90_seconds": 10080.0,
        },  # 1 h + 0.9 * 2 h
        {
            "key": "uncategorised",
            "label": "Uncategorised",
            "count": 1,
            "mean_seconds": 8 * HOUR,
            "median_seconds": 8 * HOUR,
            "p90_seconds": 8 * HOUR,
        },
    ]


def test_by_priority_in_order_of_urgency(staff_client):
    resolved_after(1, priority=Priority.URGENT)
    resolved_after(6, priority=Priority.LOW)
    resolved_after(2, priority=Priority.URGENT)

    groups = staff_client.get(URL, {"by": "priority"}).json()["groups"]

    assert [(g["key"], g["label"], g["count"], g["median_seconds"]) for g in groups] == [
        ("LOW", "Low", 1, 6 * HOUR),
        ("URGENT", "Urgent", 2, 1.5 * HOUR),
    ]


def test_by_department_and_by_agent_name_the_missing_ones(staff_client, catalogue):
    agent = AgentFactory(user__username="zoe", department=catalogue["billing"].department)
    resolved_after(2, category=catalogue["billing"], assigned_to=agent.user)
    resolved_after(4, department=None)

    departments = staff_client.get(URL, {"by": "department"}).json()["groups"]
    agents = staff_client.get(URL, {"by": "agent"}).json()["groups"]

    assert [(g["key"], g["label"], g["mean_seconds"]) for g in departments] == [
        ("billing", "Billing", 2 * HOUR),
        ("none", "No department", 4 * HOUR),
    ]
    assert [(g["key"], g["label"], g["mean_seconds"]) for g in agents] == [
        ("zoe", "zoe", 2 * HOUR),
        ("unassigned", "Unassigned", 4 * HOUR),
    ]


def test_a_reopened_ticket_counts_only_its_latest_resolution(staff_client, staff):
    ticket = ticket_at(ago(days=10))

    def transition(status, when):
        with mock.patch("django.utils.timezone.now", return_value=when):
            services.ticket_transition(ticket=ticket, status=status, actor=staff)

    transition(TicketStatus.RESOLVED, ago(days=9))
    assert staff_client.get(URL).json()["mean_seconds"] == 1 * DAY

    transition(TicketStatus.OPEN, ago(days=5))
    assert staff_client.get(URL).json()["count"] == 0

    transition(TicketStatus.RESOLVED, ago(days=2))
    transition(TicketStatus.CLOSED, ago(days=1))
    body = staff_client.get(URL).json()
    assert figures(body) == {
        "count": 1,
        "mean_seconds": 8 * DAY,
        "median_seconds": 8 * DAY,
        "p90_seconds": 8 * DAY,
    }
    # The first resolution (9 days ago) is gone: a 3-day window still sees the ticket once,
    # a 1-day window not at all.
    assert staff_client.get(URL, {"days": 3}).json()["count"] == 1
    assert staff_client.get(URL, {"days": 1}).json()["count"] == 0
