"""Agents' changes that reach their tickets (tickets/agent_changes.py): retirement (DELETE
/api/agents/{id}/) and a move to another department (PATCH), with their tickets' events."""

import threading

import pytest
from django.db import connection

from agents import routing
from agents.models import Agent
from tickets import agent_changes
from tickets.models import Ticket, TicketEvent, TicketStatus
from tickets.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

AGENTS = "/api/agents/"


@pytest.fixture
def colleague(catalogue):
    return AgentFactory(user__username="colleague", department=catalogue["billing"].department)


def assigned(ticket) -> int | None:
    return Ticket.objects.values_list("assigned_to_id", flat=True).get(pk=ticket.pk)


def test_retiring_routes_open_tickets_again_and_lists_those_in_progress(
    as_user, staff, catalogue, billing_agent, colleague
):
    billing = catalogue["billing"]
    open_tickets = TicketFactory.create_batch(2, category=billing, assigned_to=billing_agent.user)
    working = TicketFactory(
        category=billing, assigned_to=billing_agent.user, status=TicketStatus.IN_PROGRESS
    )
    resolved = TicketFactory(
        category=billing, assigned_to=billing_agent.user, status=TicketStatus.RESOLVED
    )

    response = as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/")

    assert response.status_code == 200, response.data
    body = response.json()
    assert body["agent"]["retired_at"] is not None
    assert [t["id"] for t in body["rerouted"]] == [t.pk for t in open_tickets]
    assert all(t["assigned_to"]["id"] == colleague.pk for t in body["rerouted"])
    assert [t["id"] for t in body["in_progress"]] == [working.pk]
    assert body["in_progress"][0]["assigned_to"]["id"] == billing_agent.pk
    assert [assigned(t) for t in (*open_tickets, working, resolved)] == [
        colleague.pk,
        colleague.pk,
        billing_agent.pk,
        billing_agent.pk,
    ]
    event = TicketEvent.objects.get(ticket=open_tickets[0])
    assert (event.kind, event.actor) == ("reassigned", staff)
    assert event.payload["reason"] == "agent_retired"
    assert event.payload["before"] == billing_agent.pk
    # The row and the user stay; routing and the agent's rights go.
    agent = Agent.objects.get(pk=billing_agent.pk)
    assert agent.retired_at is not None and agent.user.is_active
    assert agent.open_load == 1  # the IN_PROGRESS ticket, still theirs
    assert as_user(billing_agent.user).get(f"{AGENTS}me/").status_code == 403


def test_open_load_after_retirement_counts_what_stays(as_user, staff, catalogue, billing_agent):
    TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    TicketFactory(
        category=catalogue["billing"],
        assigned_to=billing_agent.user,
        status=TicketStatus.IN_PROGRESS,
    )

    as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/")

    assert Agent.objects.get(pk=billing_agent.pk).open_load == 1


def test_retiring_the_last_agent_leaves_open_tickets_in_the_queue(
    as_user, staff, catalogue, billing_agent
):
    ticket = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    orphan = TicketFactory(assigned_to=billing_agent.user)  # no department to route in

    response = as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/")

    assert response.status_code == 200
    assert assigned(ticket) is None and assigned(orphan) is None
    kinds = TicketEvent.objects.filter(ticket__in=[ticket, orphan]).values_list("kind", "payload")
    assert [(k, p["reason"]) for k, p in kinds] == [("unassigned", "agent_retired")] * 2


def test_a_retired_agent_is_not_routed_to_or_assigned(
    as_user, staff, requester, catalogue, billing_agent
):
    from tickets import services

    as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/")
    ticket = services.ticket_create(title="Facture", description="x", created_by=requester)

    assert ticket.assigned_to_id is None
    response = as_user(staff).post(
        f"/api/tickets/{ticket.pk}/assign/", {"assigned_to": billing_agent.pk}, format="json"
    )
    assert response.status_code == 400
    assert "retired" in response.json()["assigned_to"][0]


def test_retiring_twice_is_a_409_and_only_staff_retire(as_user, staff, billing_agent, colleague):
    assert as_user(colleague.user).delete(f"{AGENTS}{billing_agent.pk}/").status_code == 403
    assert as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/").status_code == 200
    assert as_user(staff).delete(f"{AGENTS}{billing_agent.pk}/").status_code == 409


def test_a_move_routes_the_old_departments_open_tickets_again(
    as_user, staff, catalogue, billing_agent, colleague, tech_agent
):
    billing, bug = catalogue["billing"], catalogue["bug"]
    old_open = TicketFactory(category=billing, assigned_to=billing_agent.user)
    old_working = TicketFactory(
        category=billing, assigned_to=billing_agent.user, status=TicketStatus.IN_PROGRESS
    )
    new_open = TicketFactory(category=bug, assigned_to=billing_agent.user)  # assigned by hand

    response = as_user(staff).patch(
        f"{AGENTS}{billing_agent.pk}/", {"department": "technical"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.json()["department"]["slug"] == "technical"
    assert [assigned(t) for t in (old_open, old_working, new_open)] == [
        colleague.pk,
        billing_agent.pk,
        billing_agent.pk,
    ]
    event = TicketEvent.objects.get(ticket=old_open)
    assert event.payload["reason"] == "agent_moved"
    assert not TicketEvent.objects.filter(ticket__in=[old_working, new_open]).exists()


def test_a_move_without_open_tickets_and_to_the_same_department(as_user, staff, billing_agent):
    client = as_user(staff)
    url = f"{AGENTS}{billing_agent.pk}/"

    assert client.patch(url, {"department": "billing"}, format="json").status_code == 200
    assert client.patch(url, {"department": {"id": 999_999}}, format="json").status_code == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_a_ticket_given_to_the_agent_while_retiring_is_routed_again_too(catalogue, monkeypatch):
    """Another transaction gives the agent a ticket after retirement locked the agent's
    tickets but before it locked the departments: it is seen, and routed again with the
    others (the department locks are let go and taken again after its row)."""
    billing = catalogue["billing"]
    agent = AgentFactory(department=billing.department)
    colleague = AgentFactory(department=billing.department)
    first = TicketFactory(category=billing, assigned_to=agent.user)
    late: list[Ticket] = []
    real_lock = routing.departments_lock

    def lock_after_a_late_assignment(ids):
        if not late:

            def assign_elsewhere():
                late.append(TicketFactory(category=billing, assigned_to=agent.user))
                connection.close()

            thread = threading.Thread(target=assign_elsewhere)
            thread.start()
            thread.join()
        return real_lock(ids)

    monkeypatch.setattr("agents.services.departments_lock", lock_after_a_late_assignment)

    result = agent_changes.agent_retire(agent=agent, actor=None)

    assert sorted(t.pk for t in result.rerouted) == sorted([first.pk, late[0].pk])
    assert assigned(first) == colleague.pk and assigned(late[0]) == colleague.pk
