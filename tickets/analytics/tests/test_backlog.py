"""GET /api/analytics/backlog/: open tickets now by age, priority, department, category."""

import pytest

from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.models import Priority, TicketStatus
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/backlog/"
AGES = ["lt_1d", "1_3d", "3_7d", "7_30d", "gt_30d"]


def counts(groups: list[dict]) -> dict:
    return {g["key"]: (g["count"], g["unassigned"]) for g in groups}


@pytest.fixture
def backlog(catalogue):
    billing, bug = catalogue["billing"], catalogue["bug"]
    agent = AgentFactory(department=billing.department)
    ticket_at(ago(hours=2), category=billing, assigned_to=agent.user)
    ticket_at(ago(days=1), category=billing)  # exactly one day old: 1-3 days
    ticket_at(ago(days=2), category=bug, assigned_to=agent.user, priority=Priority.HIGH)
    ticket_at(ago(days=5), department=catalogue["other"].department)
    ticket_at(
        ago(days=10),
        category=bug,
        status=TicketStatus.IN_PROGRESS,
        assigned_to=agent.user,
        priority=Priority.URGENT,
    )
    ticket_at(ago(days=45), category=billing, priority=Priority.LOW)
    # Not open: left out.
    ticket_at(ago(days=3), category=billing, resolved=ago(days=1))
    ticket_at(ago(days=3), category=bug, resolved=ago(days=1), status=TicketStatus.CLOSED)
    ticket_at(ago(days=3), category=bug, status=TicketStatus.CLOSED)


def test_empty_backlog_lists_every_age_and_priority_at_zero(staff_client):
    body = staff_client.get(URL).json()

    assert body["as_of"] == "2025-03-12T15:00:00Z"
    assert (body["total"], body["unassigned"]) == (0, 0)
    assert [g["key"] for g in body["by_age"]] == AGES
    assert [g["label"] for g in body["by_age"]] == [
        "< 1 day",
        "1-3 days",
        "3-7 days",
        "7-30 days",
        "> 30 days",
    ]
    assert counts(body["by_age"]) == dict.fromkeys(AGES, (0, 0))
    assert counts(body["by_priority"]) == dict.fromkeys(["LOW", "MEDIUM", "HIGH", "URGENT"], (0, 0))
    assert body["by_department"] == []
    assert body["by_category"] == []


def test_single_open_ticket(staff_client, catalogue):
    ticket_at(ago(days=8), category=catalogue["account"])

    body = staff_client.get(URL).json()

    assert (body["total"], body["unassigned"]) == (1, 1)
    assert counts(body["by_age"])["7_30d"] == (1, 1)
    assert body["by_department"] == [
        {
            "key": "accounts",
            "label": "Accounts & Access",
            "count": 1,
            "unassigned": 1,
            "pending": 0,
            "by_age": {"lt_1d": 0, "1_3d": 0, "3_7d": 0, "7_30d": 1, "gt_30d": 0},
        }
    ]
    assert body["by_category"] == [
        {"key": "account", "label": "Account & access", "count": 1, "unassigned": 1, "pending": 0}
    ]


def test_figures_by_age_priority_department_and_category(staff_client, backlog):
    body = staff_client.get(URL).json()

    assert (body["total"], body["unassigned"]) == (6, 3)
    assert counts(body["by_age"]) == {
        "lt_1d": (1, 0),
        "1_3d": (2, 1),
        "3_7d": (1, 1),
        "7_30d": (1, 0),
        "gt_30d": (1, 1),
    }
    assert counts(body["by_priority"]) == {
        "LOW": (1, 1),
        "MEDIUM": (3, 2),
        "HIGH": (1, 0),
        "URGENT": (1, 0),
    }
    assert [
        (g["key"], g["count"], g["unassigned"], g["by_age"]) for g in body["by_department"]
    ] == [
        ("billing", 3, 2, {"lt_1d": 1, "1_3d": 1, "3_7d": 0, "7_30d": 0, "gt_30d": 1}),
        ("technical", 2, 0, {"lt_1d": 0, "1_3d": 1, "3_7d": 0, "7_30d": 1, "gt_30d": 0}),
        ("general", 1, 1, {"lt_1d": 0, "1_3d": 0, "3_7d": 1, "7_30d": 0, "gt_30d": 0}),
    ]
    assert [(g["key"], g["label"], g["count"], g["unassigned"]) for g in body["by_category"]] == [
        ("billing", "Billing & payments", 3, 2),
        ("bug", "Technical issue", 2, 0),
        ("uncategorised", "Uncategorised", 1, 1),
    ]


def test_ticket_without_department_counts_under_none(staff_client):
    ticket_at(ago(hours=1), department=None)

    body = staff_client.get(URL).json()

    assert [(g["key"], g["label"]) for g in body["by_department"]] == [("none", "No department")]


def test_pending_tickets_are_counted_apart(staff_client, backlog, catalogue):
    """Waiting on the requester: in `pending`, never in the open figures or the ages."""
    billing, bug = catalogue["billing"], catalogue["bug"]
    agent = AgentFactory(department=billing.department)
    pending = {"status": TicketStatus.PENDING}
    ticket_at(ago(hours=3), category=billing, assigned_to=agent.user, **pending)
    ticket_at(ago(days=40), category=billing, priority=Priority.LOW, **pending)  # unassigned
    ticket_at(ago(days=4), category=bug, priority=Priority.URGENT, **pending)
    ticket_at(ago(days=2), department=catalogue["feature"].department, **pending)

    body = staff_client.get(URL).json()

    # The open figures are those of test_figures_by_age_priority_department_and_category.
    assert (body["total"], body["unassigned"], body["pending"]) == (6, 3, 4)
    assert {g["key"]: g["pending"] for g in body["by_age"]} == {
        "lt_1d": 1,
        "1_3d": 1,
        "3_7d": 1,
        "7_30d": 0,
        "gt_30d": 1,
    }
    assert counts(body["by_age"])["gt_30d"] == (1, 1)
    assert {g["key"]: g["pending"] for g in body["by_priority"]} == {
        "LOW": 1,
        "MEDIUM": 2,
        "HIGH": 0,
        "URGENT": 1,
    }
    assert [
        (g["key"], g["count"], g["unassigned"], g["pending"], g["by_age"]["lt_1d"])
        for g in body["by_department"]
    ] == [
        ("billing", 3, 2, 2, 1),
        ("technical", 2, 0, 1, 0),
        ("general", 1, 1, 0, 0),
        ("product", 0, 0, 1, 0),
    ]
    assert [(g["key"], g["count"], g["pending"]) for g in body["by_category"]] == [
        ("billing", 3, 2),
        ("bug", 2, 1),
        ("uncategorised", 1, 1),
    ]
