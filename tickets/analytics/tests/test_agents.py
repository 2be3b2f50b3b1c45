"""GET /api/analytics/agents/: load against capacity, throughput and median time to resolve."""

import pytest

from tickets.analytics.tests.conftest import DAY, HOUR, ago, ticket_at
from tickets.models import TicketStatus
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/agents/"


@pytest.fixture
def team(catalogue):
    billing = catalogue["billing"]
    ada = AgentFactory(user__username="ada", department=billing.department, max_open_tickets=5)
    ben = AgentFactory(user__username="ben", department=billing.department, is_available=False)
    cy = AgentFactory(user__username="cy", department=catalogue["bug"].department)
    # ada: 2 open (one created long ago), 1 in progress, 3 resolved (1 h, 2 h, 9 h), 1 old.
    ticket_at(ago(days=1), category=billing, assigned_to=ada.user)
    ticket_at(ago(days=50), category=billing, assigned_to=ada.user)
    ticket_at(ago(days=2), category=billing, assigned_to=ada.user, status=TicketStatus.IN_PROGRESS)
    for hours in (1, 2, 9):
        ticket_at(
            ago(days=3, hours=hours), resolved=ago(days=3), category=billing, assigned_to=ada.user
        )
    ticket_at(ago(days=60), resolved=ago(days=40), category=billing, assigned_to=ada.user)
    # cy: one ticket created long ago, resolved in the window after 20 days.
    ticket_at(ago(days=25), resolved=ago(days=5), status=TicketStatus.CLOSED, assigned_to=cy.user)
    # Unassigned tickets belong to nobody.
    ticket_at(ago(days=1), category=billing)
    return ada, ben, cy


def test_figures_per_agent(staff_client, team):
    ada, ben, cy = team

    body = staff_client.get(URL, {"days": 30}).json()

    assert body["days"] == 30
    assert body["agents"] == [
        {
            "id": ada.user_id,
            "username": "ada",
            "department": "billing",
            "department_name": "Billing",
            "is_available": True,
            "capacity": 5,
            "open_load": 3,
            "assigned": 5,
            "resolved": 3,
            "median_seconds": 2 * HOUR,
        },
        {
            "id": ben.user_id,
            "username": "ben",
            "department": "billing",
            "department_name": "Billing",
            "is_available": False,
            "capacity": None,
            "open_load": 0,
            "assigned": 0,
            "resolved": 0,
            "median_seconds": None,
        },
        {
            "id": cy.user_id,
            "username": "cy",
            "department": "technical",
            "department_name": "Technical Support",
            "is_available": True,
            "capacity": None,
            "open_load": 0,
            "assigned": 1,
            "resolved": 1,
            "median_seconds": 20 * DAY,
        },
    ]


def test_a_shorter_window_counts_less_but_the_load_is_now(staff_client, team):
    rows = {a["username"]: a for a in staff_client.get(URL, {"days": 2}).json()["agents"]}

    assert (rows["ada"]["open_load"], rows["ada"]["assigned"], rows["ada"]["resolved"]) == (3, 2, 0)
    assert rows["ada"]["median_seconds"] is None
    assert rows["cy"]["assigned"] == rows["cy"]["resolved"] == 0


def test_no_agents(staff_client, db):
    assert staff_client.get(URL).json()["agents"] == []
