"""GET/PATCH /api/agents/ (and the /api/agent/ alias): load, availability and capacity, for
agents and staff only."""

import pytest

from agents.models import Agent
from tickets import services
from tickets.models import TicketStatus
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

AGENTS = "/api/agents/"


def agent_url(agent) -> str:
    return f"{AGENTS}{getattr(agent, 'pk', agent)}/"


def rows_by_id(client, url=AGENTS) -> dict[int, dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


@pytest.mark.parametrize("url", [AGENTS, "/api/agent/"])
def test_list_shows_every_agent_with_department_capacity_and_load(
    as_user, staff, billing_agent, tech_agent, url
):
    tech_agent.max_open_tickets = 5
    tech_agent.is_available = False
    tech_agent.save()
    for status in ["OPEN", "OPEN", "IN_PROGRESS", "RESOLVED", "RESOLVED", "CLOSED"]:
        TicketFactory(assigned_to=billing_agent.user, status=status)

    rows = rows_by_id(as_user(staff), url)

    assert set(rows) == {billing_agent.pk, tech_agent.pk}
    billing = rows[billing_agent.pk]
    assert billing["username"] == "billing-agent"
    assert billing["department"]["slug"] == "billing"
    assert billing["is_available"] is True
    assert billing["max_open_tickets"] is None
    assert billing["open_tickets"] == 3
    tech = rows[tech_agent.pk]
    assert (tech["is_available"], tech["max_open_tickets"], tech["open_tickets"]) == (False, 5, 0)


def test_load_follows_creation_and_closing(as_user, staff, requester, billing_agent):
    ticket = services.ticket_create(title="Facture", description="x", created_by=requester)
    client = as_user(staff)
    assert rows_by_id(client)[billing_agent.pk]["open_tickets"] == 1

    services.ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=staff)

    assert rows_by_id(client)[billing_agent.pk]["open_tickets"] == 0


def test_an_agent_sees_every_agent_and_retrieves_one(as_user, billing_agent, tech_agent):
    client = as_user(tech_agent.user)

    assert set(rows_by_id(client)) == {billing_agent.pk, tech_agent.pk}
    response = client.get(agent_url(billing_agent))
    assert response.status_code == 200
    assert response.json()["id"] == billing_agent.user_id


@pytest.mark.parametrize("url", [AGENTS, "/api/agent/", "detail", "alias-detail"])
def test_requesters_may_not_list_or_read_agents(as_user, requester, billing_agent, url):
    url = {
        "detail": agent_url(billing_agent),
        "alias-detail": f"/api/agent/{billing_agent.pk}/",
    }.get(url, url)

    response = as_user(requester).get(url)

    assert response.status_code == 403
    assert "billing-agent" not in response.content.decode()
    assert response.json() == {"detail": "Only agents and staff may do this."}


def test_a_requester_still_sees_the_agent_assigned_to_their_own_ticket(
    as_user, requester, billing_agent
):
    ticket = services.ticket_create(title="Facture", description="x", created_by=requester)

    response = as_user(requester).get(f"/api/tickets/{ticket.pk}/")

    assert response.status_code == 200
    assert response.json()["assigned_to"]["username"] == "billing-agent"


@pytest.mark.parametrize("url", [AGENTS, "/api/agent/", "/api/agents/me/", "/api/calendars/"])
def test_requesters_are_refused(as_user, requester, billing_agent, url):
    assert as_user(requester).get(url).status_code == 403
    assert as_user(requester).get(agent_url(billing_agent)).status_code == 403


@pytest.mark.parametrize("url", [AGENTS, "/api/agent/", "/api/agents/1/"])
def test_anonymous_is_a_401(api_client, url):
    assert api_client.get(url).status_code == 401


# PATCH


def patch(client, agent, body):
    return client.patch(agent_url(agent), body, format="json")


@pytest.mark.parametrize(
    ("body", "field", "stored"),
    [
        ({"is_available": False}, "is_available", False),
        ({"max_open_tickets": 7}, "max_open_tickets", 7),
        ({"max_open_tickets": 0}, "max_open_tickets", 0),
        ({"max_open_tickets": None}, "max_open_tickets", None),
    ],
)
def test_staff_change_availability_and_capacity(as_user, staff, catalogue, body, field, stored):
    agent = AgentFactory(department=catalogue["billing"].department, max_open_tickets=3)

    response = patch(as_user(staff), agent, body)

    assert response.status_code == 200, response.data
    assert response.json()[field] == stored
    assert getattr(Agent.objects.get(pk=agent.pk), field) == stored


def test_unavailable_agent_gets_no_new_ticket(as_user, staff, requester, billing_agent, catalogue):
    colleague = AgentFactory(department=catalogue["billing"].department)
    TicketFactory.create_batch(2, assigned_to=colleague.user)
    patch(as_user(staff), billing_agent, {"is_available": False})

    ticket = services.ticket_create(title="Facture", description="x", created_by=requester)

    assert ticket.assigned_to_id == colleague.user_id


def test_read_only_fields_echoed_back_are_ignored(as_user, staff, billing_agent):
    body = {"username": "mallory", "open_tickets": 99, "is_available": False}

    response = patch(as_user(staff), billing_agent, body)

    assert response.status_code == 200, response.data
    assert response.json()["username"] == "billing-agent"
    assert response.json()["open_tickets"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_open_tickets": -1}, "max_open_tickets"),
        ({"max_open_tickets": "many"}, "max_open_tickets"),
        ({"max_open_tickets": 2.5}, "max_open_tickets"),
        ({"is_available": "maybe"}, "is_available"),
        ({"is_available": None}, "is_available"),
        ({"salary": 1}, "salary"),
    ],
)
def test_invalid_patch_is_a_400_naming_the_field(as_user, staff, billing_agent, body, field):
    response = patch(as_user(staff), billing_agent, body)

    assert response.status_code == 400
    assert field in response.json()
    agent = Agent.objects.get(pk=billing_agent.pk)
    assert (agent.is_available, agent.max_open_tickets) == (True, None)


def test_non_object_patch_is_a_400(as_user, staff, billing_agent):
    response = as_user(staff).patch(agent_url(billing_agent), "[]", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("who", ["tech_agent", "requester"])
def test_only_staff_may_patch(request, as_user, billing_agent, who):
    user = request.getfixturevalue(who)

    response = patch(as_user(getattr(user, "user", user)), billing_agent, {"is_available": False})

    assert response.status_code == 403
    assert Agent.objects.get(pk=billing_agent.pk).is_available is True


def test_agent_cannot_patch_themselves(as_user, billing_agent):
    response = patch(as_user(billing_agent.user), billing_agent, {"max_open_tickets": 1000})

    assert response.status_code == 403


def test_patch_of_an_unknown_agent_is_a_404(as_user, staff, requester):
    assert patch(as_user(staff), 999999, {"is_available": False}).status_code == 404
    # A user who is not an agent is not an agent id either.
    assert patch(as_user(staff), requester.pk, {"is_available": False}).status_code == 404


def test_agents_are_not_replaced_whole(as_user, staff, billing_agent):
    """Created with POST, changed with PATCH, retired with DELETE (test_api_agents_manage.py);
    never PUT."""
    response = as_user(staff).put(agent_url(billing_agent), {}, format="json")

    assert response.status_code == 405
    assert Agent.objects.filter(pk=billing_agent.pk).exists()
