"""GET/PATCH /api/agents/me/: an agent's availability, absence (back automatically) and
working hours, and `?reroute=open` when going away."""

import datetime as dt

import pytest
import time_machine

from agents.models import Agent
from agents.tests.factories import AgentFactory, CalendarFactory
from tickets import services
from tickets.models import TicketEvent, TicketStatus
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

ME = "/api/agents/me/"
NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


def test_an_agent_reads_their_own_state(as_user, billing_agent):
    response = as_user(billing_agent.user).get(ME)

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["accepts_tickets"]) == (billing_agent.pk, True)


def test_staff_who_are_not_agents_get_a_404_and_requesters_a_403(as_user, staff, requester):
    assert as_user(staff).get(ME).status_code == 404
    assert as_user(requester).get(ME).status_code == 403
    assert as_user(requester).patch(ME, {"is_available": False}, format="json").status_code == 403


def test_a_retired_agent_is_no_longer_an_agent(as_user, catalogue):
    retired = AgentFactory(department=catalogue["billing"].department, retired_at=NOW)

    assert as_user(retired.user).get(ME).status_code == 403


def test_away_until_keeps_tickets_away_then_they_come_back_by_themselves(
    as_user, requester, billing_agent, catalogue
):
    colleague = AgentFactory(department=catalogue["billing"].department)
    TicketFactory.create_batch(3, assigned_to=colleague.user)
    with time_machine.travel(NOW, tick=False):
        response = as_user(billing_agent.user).patch(
            ME, {"away_until": "2025-03-05T12:00:00+01:00"}, format="json"
        )
        assert response.status_code == 200, response.data
        assert response.json()["away"] is True
        away = services.ticket_create(title="Facture", description="x", created_by=requester)
    with time_machine.travel(dt.datetime(2025, 3, 5, 11, 0, tzinfo=dt.UTC), tick=False):
        back = services.ticket_create(title="Facture", description="x", created_by=requester)

    assert away.assigned_to_id == colleague.pk
    assert back.assigned_to_id == billing_agent.pk


def test_an_agent_goes_unavailable_and_picks_a_calendar(as_user, billing_agent):
    calendar = CalendarFactory(name="Mornings", weekly_hours={"mon": ["08:00-12:00"]})

    response = as_user(billing_agent.user).patch(
        ME, {"is_available": False, "calendar": {"id": calendar.pk, "name": "x"}}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json()["calendar"]["name"] == "Mornings"
    agent = Agent.objects.get(pk=billing_agent.pk)
    assert (agent.is_available, agent.calendar_id) == (False, calendar.pk)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"department": "technical"}, "department"),
        ({"max_open_tickets": 1000}, "max_open_tickets"),
        ({"away_until": "2025-03-10T09:00:00"}, "away_until"),
        ({"is_available": "no"}, "is_available"),
    ],
)
def test_what_an_agent_may_not_change_about_themselves(as_user, billing_agent, body, field):
    response = as_user(billing_agent.user).patch(ME, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_going_away_with_reroute_open_sends_open_tickets_back_to_routing(
    as_user, billing_agent, catalogue
):
    colleague = AgentFactory(department=catalogue["billing"].department)
    open_ticket = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    working = TicketFactory(
        category=catalogue["billing"],
        assigned_to=billing_agent.user,
        status=TicketStatus.IN_PROGRESS,
    )

    response = as_user(billing_agent.user).patch(
        f"{ME}?reroute=open", {"away_until": "2099-01-01T00:00:00Z"}, format="json"
    )

    assert response.status_code == 200, response.data
    open_ticket.refresh_from_db()
    working.refresh_from_db()
    assert open_ticket.assigned_to_id == colleague.pk
    assert working.assigned_to_id == billing_agent.pk
    event = TicketEvent.objects.get(ticket=open_ticket)
    assert (event.kind, event.actor_id) == ("reassigned", billing_agent.pk)
    assert event.payload["reason"] == "agent_unavailable"
    assert event.payload["mode"] == "auto"


def test_reroute_open_without_going_away_is_a_400(as_user, billing_agent, catalogue):
    ticket = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)

    response = as_user(billing_agent.user).patch(
        f"{ME}?reroute=open", {"calendar": None}, format="json"
    )

    assert response.status_code == 400
    assert "reroute" in response.json()
    ticket.refresh_from_db()
    assert ticket.assigned_to_id == billing_agent.pk
    assert (
        as_user(billing_agent.user).patch(f"{ME}?reroute=all", {}, format="json").status_code == 400
    )
