"""Each analytics endpoint runs a fixed number of queries, however many tickets there are."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.models import Priority, TicketStatus
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

# Pinned: raise one only for a reason, never to hide a query per ticket, group or agent.
# Figures are grouped on ids; the labels of categories, departments or agents come from one
# small query per table. Resolution times by group: the total and the groups in one query on
# PostgreSQL (grouping sets), in two on SQLite.
CASES = [
    ("/api/analytics/trends/", {}, 2),
    ("/api/analytics/trends/", {"interval": "day"}, 2),
    ("/api/analytics/trends/", {"interval": "week", "days": 365}, 2),
    ("/api/analytics/mttr/", {}, 1),
    ("/api/analytics/mttr/", {"by": "category"}, {"postgresql": 2, "sqlite": 3}),
    ("/api/analytics/mttr/", {"by": "priority"}, {"postgresql": 1, "sqlite": 2}),
    ("/api/analytics/mttr/", {"by": "department"}, {"postgresql": 2, "sqlite": 3}),
    ("/api/analytics/mttr/", {"by": "agent"}, {"postgresql": 2, "sqlite": 3}),
    # First response: the figures, then the awaiting counts (plus the labels with a group).
    ("/api/analytics/first-response/", {}, 2),
    ("/api/analytics/first-response/", {"by": "category"}, {"postgresql": 3, "sqlite": 4}),
    ("/api/analytics/first-response/", {"by": "priority"}, {"postgresql": 2, "sqlite": 3}),
    ("/api/analytics/first-response/", {"by": "agent"}, {"postgresql": 3, "sqlite": 4}),
    ("/api/analytics/backlog/", {}, 3),
    ("/api/analytics/agents/", {}, 3),
    # The uncorrected decisions and the corrections, grouped; category labels; models.
    ("/api/analytics/triage/", {}, 4),
]


@pytest.fixture
def add_tickets(catalogue):
    """`add_tickets(n)`: n more tickets over every category (and none), agent, status,
    priority and age, with new agents each time."""
    categories = [catalogue[slug] for slug in ("billing", "bug", "account", "feature", "other")]

    def add(n: int) -> None:
        agents = [AgentFactory(department=c.department) for c in categories[:3]]
        combos = zip(
            range(n),
            itertools.cycle([*categories, None]),
            itertools.cycle([*agents, None]),
            itertools.cycle(TicketStatus.values),
            itertools.cycle(list(Priority)),
            itertools.cycle([0.1, 2, 5, 12, 40, 400]),
            strict=False,
        )
        for _, category, agent, status, priority, days in combos:
            resolved = ago(days=days / 2) if status in ("RESOLVED", "CLOSED") else None
            answered = ago(days=days / 3) if status != "OPEN" else None
            ticket_at(
                ago(days=days),
                category=category,
                department=category.department if category else None,
                assigned_to=agent.user if agent else None,
                status=status,
                priority=priority,
                resolved=resolved,
                first_response_at=answered,
            )

    return add


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(("url", "params", "expected"), CASES)
@pytest.mark.parametrize("viewer", ["staff", "agent"])
def test_query_count_does_not_grow_with_the_tickets(
    as_user, staff, billing_agent, add_tickets, frozen_now, url, params, expected, viewer
):
    client = as_user(staff if viewer == "staff" else billing_agent.user)
    client.get(url, params)  # the agent's profile is looked up once per request user

    none = queries_for(client, url, params)
    add_tickets(3)
    few = queries_for(client, url, params)
    add_tickets(30)
    many = queries_for(client, url, params)

    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    assert none == few == many == expected
    assert client.get("/api/analytics/trends/", {"days": 3650}).json()["total"] == (
        33 if viewer == "staff" else 6
    )
