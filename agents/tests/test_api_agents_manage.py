"""Staff manage agents over the API: POST (an existing user or a new one), PATCH of calendar and
absence, and the state GET /api/agents/ shows (available, away, on shift, load, capacity)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import Agent
from agents.tests.factories import AgentFactory, CalendarFactory, UserFactory
from tickets import services
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

AGENTS = "/api/agents/"
ROME = ZoneInfo("Europe/Rome")
WEDNESDAY_10 = dt.datetime(2025, 3, 5, 10, 0, tzinfo=ROME)
STRONG = "correct-horse-battery-staple-42"


def post(client, body):
    return client.post(AGENTS, body, format="json")


def test_staff_make_a_new_user_an_agent_who_then_gets_tickets(
    as_user, staff, requester, catalogue, api_client
):
    body = {"username": "zoe", "email": "zoe@example.com", "password": STRONG}

    response = post(as_user(staff), {**body, "department": "billing", "max_open_tickets": 5})

    assert response.status_code == 201, response.data
    row = response.json()
    assert (row["username"], row["department"]["slug"], row["max_open_tickets"]) == (
        "zoe",
        "billing",
        5,
    )
    assert row["accepts_tickets"] is True
    user = get_user_model().objects.get(username="zoe")
    assert user.check_password(STRONG) and user.email == "zoe@example.com"
    assert not user.is_staff
    ticket = services.ticket_create(title="Facture", description="x", created_by=requester)
    assert ticket.assigned_to_id == user.pk
    # The new agent can sign in with the initial password.
    token = api_client.post("/api/token/", {"username": "zoe", "password": STRONG}, format="json")
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "zoe", "email": "zoe@example.com", "password": "123"}, "password"),
        ({"username": "zoe", "email": "zoe@example.com", "password": "84621973055"}, "password"),
        ({"username": "zoe", "email": "zoe@example.com", "password": "password123"}, "password"),
        ({"username": "zoe", "password": STRONG}, "email"),
        ({"username": "zoe", "email": "zoe@example.com"}, "password"),
        ({"username": "zoe", "email": "not-an-email", "password": STRONG}, "email"),
        ({"username": "zo e!", "email": "zoe@example.com", "password": STRONG}, "username"),
        ({"user": 999_999}, "user"),
        ({}, "user"),
        ({"user": 1, "username": "zoe"}, "user"),
        ({"username": "zoe", "email": "zoe@example.com", "password": STRONG, "x": 1}, "x"),
    ],
)
def test_invalid_creation_is_a_400_naming_the_field(as_user, staff, catalogue, body, field):
    response = post(as_user(staff), {"department": "billing", **body})

    assert response.status_code == 400, response.data
    assert field in response.json()
    assert not get_user_model().objects.filter(username="zoe").exists()
    assert not Agent.objects.exists()


@pytest.mark.parametrize("department", ["no-such", 12, {"slug": "no-such"}, None])
def test_an_unknown_department_is_a_400(as_user, staff, requester, department):
    response = post(as_user(staff), {"user": requester.pk, "department": department})

    assert response.status_code == 400
    assert "department" in response.json()


@pytest.mark.parametrize("by", ["user", "username", "object"])
def test_an_existing_user_becomes_an_agent(as_user, staff, requester, catalogue, by):
    reference = {
        "user": {"user": requester.pk},
        "username": {"username": "requester"},
        "object": {"user": requester.pk},
    }[by]
    department = {"id": catalogue["bug"].department_id} if by == "object" else "technical"

    response = post(as_user(staff), {**reference, "department": department})

    assert response.status_code == 201, response.data
    assert Agent.objects.get(pk=requester.pk).department.slug == "technical"
    requester.refresh_from_db()
    assert requester.check_password("pass-1234-word")  # untouched


def test_an_existing_username_with_a_password_is_refused(as_user, staff, requester, catalogue):
    body = {"username": "requester", "password": STRONG, "department": "billing"}

    response = post(as_user(staff), body)

    assert response.status_code == 400
    assert "password" in response.json()
    assert not Agent.objects.filter(pk=requester.pk).exists()


def test_an_agent_already_is_a_409(as_user, staff, billing_agent):
    response = post(as_user(staff), {"user": billing_agent.pk, "department": "technical"})

    assert response.status_code == 409
    assert Agent.objects.get(pk=billing_agent.pk).department.slug == "billing"


def test_a_retired_agent_comes_back_into_service(as_user, staff, catalogue):
    agent = AgentFactory(department=catalogue["billing"].department, retired_at=WEDNESDAY_10)

    response = post(as_user(staff), {"user": agent.pk, "department": "technical"})

    assert response.status_code == 201, response.data
    agent.refresh_from_db()
    assert (agent.retired_at, agent.department.slug) == (None, "technical")


@pytest.mark.parametrize("who", ["billing_agent", "requester"])
def test_only_staff_create_agents(request, as_user, catalogue, who):
    user = request.getfixturevalue(who)
    body = {"username": "zoe", "email": "zoe@example.com", "password": STRONG}

    response = post(as_user(getattr(user, "user", user)), {**body, "department": "billing"})

    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="zoe").exists()


# PATCH: absence and calendar (moves and ?reroute=open: tickets/tests/test_agent_changes.py)


def test_staff_set_an_absence_and_a_calendar(as_user, staff, billing_agent):
    calendar = CalendarFactory(name="Office")
    body = {"away_until": "2025-03-10T09:00:00+01:00", "calendar": calendar.pk}

    response = as_user(staff).patch(f"{AGENTS}{billing_agent.pk}/", body, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["calendar"] == {"id": calendar.pk, "name": "Office"}
    billing_agent.refresh_from_db()
    assert billing_agent.away_until == dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert billing_agent.calendar == calendar


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"away_until": "2025-03-10T09:00:00"}, "away_until"),  # no offset
        ({"away_until": "next week"}, "away_until"),
        ({"calendar": 999_999}, "calendar"),
        ({"calendar": "Office"}, "calendar"),
        ({"department": "no-such"}, "department"),
    ],
)
def test_invalid_agent_patch_is_a_400(as_user, staff, billing_agent, body, field):
    response = as_user(staff).patch(f"{AGENTS}{billing_agent.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_retired_agent_cannot_be_patched(as_user, staff, catalogue):
    agent = AgentFactory(department=catalogue["billing"].department, retired_at=WEDNESDAY_10)

    response = as_user(staff).patch(f"{AGENTS}{agent.pk}/", {"is_available": False}, format="json")

    assert response.status_code == 409


# The state of each agent


def test_the_list_shows_each_agents_state_now(as_user, staff, catalogue):
    department = catalogue["billing"].department
    office = CalendarFactory(name="Office")
    on_shift = AgentFactory(user__username="on", department=department, calendar=office)
    night = CalendarFactory(name="Nights", weekly_hours={"wed": ["22:00-24:00"]})
    off_shift = AgentFactory(user__username="off", department=department, calendar=night)
    away = AgentFactory(
        user__username="away", department=department, away_until=WEDNESDAY_10 + dt.timedelta(1)
    )
    full = AgentFactory(user__username="full", department=department, max_open_tickets=1)
    TicketFactory(assigned_to=full.user)

    with time_machine.travel(WEDNESDAY_10, tick=False):
        rows = {row["username"]: row for row in as_user(staff).get(AGENTS).json()["results"]}

    assert rows["on"]["on_shift"] is True and rows["on"]["accepts_tickets"] is True
    assert rows["on"]["shift_calendar"] == {"id": office.pk, "name": "Office"}
    assert rows["off"]["on_shift"] is False and rows["off"]["accepts_tickets"] is False
    assert rows["off"]["off_shift_until"] == "2025-03-05T21:00:00Z"  # 22:00 in Rome
    assert rows["away"]["away"] is True and rows["away"]["accepts_tickets"] is False
    assert rows["full"]["open_tickets"] == 1 and rows["full"]["accepts_tickets"] is False
    for username in ("on", "off", "away", "full"):
        assert rows[username]["id"] in {on_shift.pk, off_shift.pk, away.pk, full.pk}


def test_a_departments_calendar_shows_on_its_agents(as_user, staff, catalogue):
    department = catalogue["billing"].department
    department.calendar = CalendarFactory(name="Billing hours")
    department.save()
    agent = AgentFactory(department=department)

    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(hours=10), tick=False):
        row = as_user(staff).get(f"{AGENTS}{agent.pk}/").json()

    assert row["calendar"] is None
    assert row["shift_calendar"]["name"] == "Billing hours"
    assert (row["on_shift"], row["off_shift_until"]) == (False, "2025-03-06T08:00:00Z")


def test_retired_agents_are_listed_only_on_request_by_staff(as_user, staff, billing_agent):
    retired = AgentFactory(department=billing_agent.department, retired_at=WEDNESDAY_10)
    client = as_user(staff)

    default = {row["id"] for row in client.get(AGENTS).json()["results"]}
    everyone = {
        row["id"] for row in client.get(AGENTS, {"include_retired": "true"}).json()["results"]
    }

    assert default == {billing_agent.pk}
    assert everyone == {billing_agent.pk, retired.pk}
    assert client.get(f"{AGENTS}{retired.pk}/").json()["retired_at"] is not None
    agent_client = as_user(billing_agent.user)
    assert agent_client.get(AGENTS, {"include_retired": "true"}).status_code == 403
    assert agent_client.get(f"{AGENTS}{retired.pk}/").status_code == 404
    assert client.get(AGENTS, {"include_retired": "maybe"}).status_code == 400


def test_the_list_reads_calendars_without_a_query_per_agent(as_user, staff, catalogue):
    client = as_user(staff)
    calendars = [CalendarFactory() for _ in range(3)]

    def add(n):
        for i in range(n):
            AgentFactory(department=catalogue["billing"].department, calendar=calendars[i % 3])

    add(2)
    client.get(AGENTS)
    with CaptureQueriesContext(connection) as few:
        client.get(AGENTS)
    add(9)
    with CaptureQueriesContext(connection) as many:
        assert client.get(AGENTS).json()["count"] == 11

    assert len(few) == len(many) <= 3


def test_a_users_own_factory_password_is_left_alone(db):
    """Guard for the tests above: the factories' users have a known password."""
    assert UserFactory().check_password("pass-1234-word")
