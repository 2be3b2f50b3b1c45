"""GET /api/analytics/first-response/: time from creation to the first public reply by an
agent or staff (first_response_at), of the tickets created in the window; and how many of
them still await one. first_response_at is set directly here, on known timestamps (the
conversation's service sets it in real use)."""

from datetime import timedelta

import pytest

from tickets.analytics.tests.conftest import DAY, HOUR, ago, ticket_at
from tickets.models import Priority, TicketStatus
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/first-response/"
MINUTE = 60
EMPTY = {
    "count": 0,
    "mean_seconds": None,
    "median_seconds": None,
    "p90_seconds": None,
    "awaiting": 0,
}


def figures(body: dict) -> dict:
    return {key: body[key] for key in EMPTY}


def answered_after(minutes: float, *, created_days_ago: float = 1, **fields):
    """A ticket created `created_days_ago` days ago, first answered `minutes` later."""
    created = ago(days=created_days_ago)
    return ticket_at(created, first_response_at=created + timedelta(minutes=minutes), **fields)


def test_empty_window(staff_client):
    body = staff_client.get(URL, {"by": "priority"}).json()

    assert figures(body) == EMPTY
    assert (body["by"], body["groups"], body["days"]) == ("priority", [], 30)
    assert (body["since"], body["until"]) == ("2025-02-10T15:00:00Z", "2025-03-12T15:00:00Z")


def test_mean_median_and_interpolated_90th_percentile(staff_client):
    for minutes in (10, 120, 30, 20, 60):
        answered_after(minutes)

    body = staff_client.get(URL).json()

    # Sorted 10, 20, 30, 60, 120 min; p90 at position 0.9 * 4 = 3.6: 60 + 0.6 * 60 = 96 min.
    assert figures(body) == {
        "count": 5,
        "mean_seconds": 48 * MINUTE,
        "median_seconds": 30 * MINUTE,
        "p90_seconds": 96 * MINUTE,
        "awaiting": 0,
    }
    assert (body["by"], body["groups"]) == (None, [])


def test_the_window_is_by_created_at_and_awaiting_counts_unresolved_tickets_only(staff_client):
    answered_after(90, created_days_ago=29)  # counted: created in the window
    ticket_at(ago(days=40), first_response_at=ago(days=20))  # created before the window
    ticket_at(ago(days=2), first_response_at=ago(days=1), resolved=ago(hours=1))  # 1 day
    ticket_at(ago(days=3))  # open, no response: awaiting
    ticket_at(ago(hours=1), status=TicketStatus.PENDING)  # pending, no response: awaiting
    ticket_at(ago(days=3), resolved=ago(days=2))  # resolved without a reply: neither
    ticket_at(ago(days=3), status=TicketStatus.CLOSED)  # closed without a reply: neither
    ticket_at(ago(days=45))  # open and unanswered, but created before the window

    body = staff_client.get(URL).json()
    week = staff_client.get(URL, {"days": 7}).json()

    assert figures(body) == {
        "count": 2,
        "mean_seconds": (90 * MINUTE + DAY) / 2,
        "median_seconds": (90 * MINUTE + DAY) / 2,
        "p90_seconds": 90 * MINUTE + 0.9 * (DAY - 90 * MINUTE),
        "awaiting": 2,
    }
    assert (week["count"], week["mean_seconds"], week["awaiting"]) == (1, DAY, 2)


def test_by_priority_in_order_of_urgency_with_groups_that_only_wait(staff_client):
    answered_after(10, priority=Priority.URGENT)
    answered_after(30, priority=Priority.URGENT)
    answered_after(4 * 60, priority=Priority.MEDIUM)
    ticket_at(ago(days=2), priority=Priority.URGENT)
    ticket_at(ago(days=2), priority=Priority.LOW)
    ticket_at(ago(days=5), priority=Priority.LOW, status=TicketStatus.IN_PROGRESS)

    body = staff_client.get(URL, {"by": "priority"}).json()

    assert (body["count"], body["awaiting"], body["median_seconds"]) == (3, 3, 30 * MINUTE)
    assert body["groups"] == [
        {"key": "LOW", "label": "Low", **EMPTY, "awaiting": 2},
        {
            "key": "MEDIUM",
            "label": "Medium",
            "count": 1,
            "mean_seconds": 4 * HOUR,
            "median_seconds": 4 * HOUR,
            "p90_seconds": 4 * HOUR,
            "awaiting": 0,
        },
        {
            "key": "URGENT",
            "label": "Urgent",
            "count": 2,
            "mean_seconds": 20 * MINUTE,
            "median_seconds": 20 * MINUTE,
            "p90_seconds": 28 * MINUTE,  # 10 + 0.9 * 20
            "awaiting": 1,
        },
    ]


def test_by_department_and_by_agent_name_the_missing_ones(staff_client, catalogue):
    zoe = AgentFactory(user__username="zoe", department=catalogue["billing"].department)
    ada = AgentFactory(user__username="ada", department=catalogue["bug"].department)
    answered_after(15, category=catalogue["billing"], assigned_to=zoe.user)
    answered_after(45, category=catalogue["billing"], assigned_to=zoe.user)
    answered_after(60, category=catalogue["bug"], assigned_to=ada.user)
    answered_after(5, department=None)
    ticket_at(ago(days=1), category=catalogue["bug"])  # awaiting, unassigned

    departments = staff_client.get(URL, {"by": "department"}).json()["groups"]
    agents = staff_client.get(URL, {"by": "agent"}).json()["groups"]

    assert [(g["key"], g["label"], g["count"], g["mean_seconds"], g["awaiting"])
            for g in departments] == [
        ("billing", "Billing", 2, 30 * MINUTE, 0),
        ("technical", "Technical Support", 1, 60 * MINUTE, 1),
        ("none", "No department", 1, 5 * MINUTE, 0),
    ]  # fmt: skip
    assert [(g["key"], g["count"], g["median_seconds"], g["awaiting"]) for g in agents] == [
        ("ada", 1, 60 * MINUTE, 0),
        ("zoe", 2, 30 * MINUTE, 0),
        ("unassigned", 1, 5 * MINUTE, 1),
    ]


def test_an_agent_sees_their_department_only(as_user, catalogue, billing_agent, frozen_now):
    answered_after(20, category=catalogue["billing"], assigned_to=billing_agent.user)
    answered_after(600, category=catalogue["bug"])
    ticket_at(ago(days=1), category=catalogue["bug"])

    body = as_user(billing_agent.user).get(URL, {"by": "agent"}).json()

    assert figures(body) == {
        "count": 1,
        "mean_seconds": 20 * MINUTE,
        "median_seconds": 20 * MINUTE,
        "p90_seconds": 20 * MINUTE,
        "awaiting": 0,
    }
    assert [g["key"] for g in body["groups"]] == ["billing-agent"]


def test_undated_history_is_left_out(staff_client):
    answered_after(30)
    ticket_at(ago(hours=1), first_response_at=ago(), is_undated_history=True)
    ticket_at(ago(hours=1), is_undated_history=True)

    body = staff_client.get(URL, {"by": "category"}).json()

    assert (body["count"], body["mean_seconds"], body["awaiting"]) == (1, 30 * MINUTE, 0)
    assert [(g["key"], g["count"]) for g in body["groups"]] == [("uncategorised", 1)]
