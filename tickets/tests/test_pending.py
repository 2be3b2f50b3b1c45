"""PENDING (waiting on the requester): the ticket stays assigned, but out of the agent's load.

The load triggers (tickets/load_triggers.py), `recount_loads`, routing, a department move,
retirement and the list filter, each through the path a user takes. The concurrent moves are
in test_pending_concurrency.py (PostgreSQL).
"""

import pytest
from django.core.management import call_command

from agents.models import Agent
from tickets import services
from tickets.load_triggers import loads_repair
from tickets.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent, TicketStatus
from tickets.tests.api import ticket_url
from tickets.tests.factories import AgentFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

PENDING, OPEN = TicketStatus.PENDING, TicketStatus.OPEN


def load(agent: Agent) -> int:
    """The counter routing reads."""
    return Agent.objects.values_list("open_load", flat=True).get(pk=agent.pk)


def counted(agent: Agent) -> int:
    return Ticket.objects.filter(assigned_to=agent.user_id, status__in=OPEN_STATUSES).count()


@pytest.fixture
def colleague(catalogue):
    return AgentFactory(user__username="colleague", department=catalogue["billing"].department)


def test_pending_leaves_the_load_and_the_requesters_answer_brings_it_back(
    catalogue, staff, billing_agent
):
    ticket = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    assert load(billing_agent) == 2

    def move(status):
        services.ticket_transition(ticket=ticket, status=status, actor=staff)
        ticket.refresh_from_db()
        assert ticket.assigned_to_id == billing_agent.pk  # PENDING keeps the assignee
        return load(billing_agent)

    assert move(PENDING) == 1
    assert move(OPEN) == 2
    assert move(PENDING) == 1
    assert move(TicketStatus.IN_PROGRESS) == 2
    assert move(PENDING) == 1
    assert move(TicketStatus.RESOLVED) == 1  # resolved from PENDING: nothing to give back
    assert ticket.resolved_at is not None
    assert move(OPEN) == 2
    assert move(PENDING) == 1
    assert move(TicketStatus.CLOSED) == 1
    assert load(billing_agent) == counted(billing_agent)
    kinds = TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True)
    assert set(kinds) == {EventKind.STATUS_CHANGED} and len(kinds) == 9


def test_bulk_writes_and_deletes_of_pending_tickets_keep_the_counters(catalogue, billing_agent):
    requester = UserFactory()
    Ticket.objects.bulk_create(
        Ticket(title=f"t{i}", description="d", created_by=requester, assigned_to=billing_agent.user,
               status=status)
        for i, status in enumerate([OPEN, PENDING, PENDING, TicketStatus.IN_PROGRESS])
    )  # fmt: skip
    assert load(billing_agent) == 2

    Ticket.objects.filter(status=OPEN).update(status=PENDING)
    assert load(billing_agent) == 1
    Ticket.objects.filter(pk__in=Ticket.objects.filter(status=PENDING).values("pk")[:2]).update(
        status=OPEN
    )
    assert load(billing_agent) == 3
    Ticket.objects.filter(status=PENDING).delete()
    assert load(billing_agent) == 3 == counted(billing_agent)


def test_reassigning_a_pending_ticket_moves_no_load(catalogue, staff, billing_agent, colleague):
    ticket = TicketFactory(
        category=catalogue["billing"], assigned_to=billing_agent.user, status=PENDING
    )

    services.ticket_assign(ticket=ticket, user_id=colleague.pk, actor=staff)

    ticket.refresh_from_db()
    assert ticket.assigned_to_id == colleague.pk
    assert (load(billing_agent), load(colleague)) == (0, 0)
    services.ticket_transition(ticket=ticket, status=OPEN, actor=staff)
    assert (load(billing_agent), load(colleague)) == (0, 1)


def test_recount_loads_agrees_with_the_triggers(catalogue, staff, billing_agent, colleague, capsys):
    tickets = [
        TicketFactory(category=catalogue["billing"], assigned_to=agent.user)
        for agent in (billing_agent, colleague, billing_agent, colleague, billing_agent)
    ]
    targets = [PENDING, PENDING, OPEN, TicketStatus.RESOLVED, PENDING]
    for ticket, status in zip(tickets, targets, strict=True):
        if ticket.status != status:
            services.ticket_transition(ticket=ticket, status=status, actor=staff)
    services.ticket_transition(ticket=tickets[0], status=OPEN, actor=staff)

    assert (load(billing_agent), load(colleague)) == (2, 0)
    assert loads_repair(fix=False) == {}
    call_command("recount_loads", "--check")
    assert "exact" in capsys.readouterr().out

    Agent.objects.filter(pk=colleague.pk).update(open_load=5)  # a drift recount must undo
    call_command("recount_loads")
    assert (load(billing_agent), load(colleague)) == (2, 0)


def test_routing_picks_by_load_ignoring_pending_tickets(catalogue, billing_agent, colleague):
    # The colleague waits on three requesters and has one ticket to act on; billing-agent has two.
    TicketFactory.create_batch(
        3, category=catalogue["billing"], assigned_to=colleague.user, status=PENDING
    )
    TicketFactory(category=catalogue["billing"], assigned_to=colleague.user)
    TicketFactory.create_batch(2, category=catalogue["billing"], assigned_to=billing_agent.user)

    ticket = services.ticket_create(
        title="Invoice overdue", description="My invoice is unpaid.", created_by=UserFactory()
    )

    assert ticket.department_id == catalogue["billing"].department_id
    assert ticket.assigned_to_id == colleague.pk
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert event.payload["load_before"] == 1


def test_pending_tickets_do_not_fill_a_capacity(catalogue):
    full = AgentFactory(department=catalogue["billing"].department, max_open_tickets=2)
    TicketFactory.create_batch(
        5, category=catalogue["billing"], assigned_to=full.user, status=PENDING
    )

    ticket = services.ticket_create(
        title="Invoice overdue", description="My invoice is unpaid.", created_by=UserFactory()
    )

    assert ticket.assigned_to_id == full.pk
    assert load(full) == 1


def test_a_pending_ticket_moved_to_another_department_is_routed_there(
    as_user, catalogue, staff, billing_agent
):
    """Routed like an open one: the requester's answer will reopen it, and it must then be
    with an agent of its new department. It stays PENDING and weighs on no load."""
    tech = AgentFactory(user__username="tech", department=catalogue["bug"].department)
    ticket = TicketFactory(
        category=catalogue["billing"], assigned_to=billing_agent.user, status=PENDING
    )

    response = as_user(staff).patch(ticket_url(ticket), {"category": "bug"}, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["status"] == "PENDING"
    assert response.json()["assigned_to"]["id"] == tech.pk
    assert (load(billing_agent), load(tech)) == (0, 0)
    event = TicketEvent.objects.filter(ticket=ticket).order_by("id").last()
    assert (event.kind, event.payload["before"], event.payload["after"]) == (
        EventKind.REASSIGNED,
        billing_agent.pk,
        tech.pk,
    )


def test_a_resolved_ticket_moved_to_another_department_keeps_its_assignee(
    as_user, catalogue, staff, billing_agent
):
    AgentFactory(department=catalogue["bug"].department)
    ticket = TicketFactory(
        category=catalogue["billing"], assigned_to=billing_agent.user, status="RESOLVED"
    )

    response = as_user(staff).patch(ticket_url(ticket), {"category": "bug"}, format="json")

    assert response.status_code == 200, response.data
    assert response.json()["assigned_to"]["id"] == billing_agent.pk


def test_retiring_an_agent_lists_their_pending_tickets_and_leaves_them(
    as_user, catalogue, staff, billing_agent, colleague
):
    billing = catalogue["billing"]
    opened = TicketFactory(category=billing, assigned_to=billing_agent.user)
    waiting = TicketFactory(category=billing, assigned_to=billing_agent.user, status=PENDING)

    body = as_user(staff).delete(f"/api/agents/{billing_agent.pk}/").json()

    assert [t["id"] for t in body["rerouted"]] == [opened.pk]
    assert body["in_progress"] == []
    assert [(t["id"], t["status"], t["assigned_to"]["id"]) for t in body["pending"]] == [
        (waiting.pk, "PENDING", billing_agent.pk)
    ]
    assert load(colleague) == 1


def test_moving_an_agent_or_sending_them_away_leaves_their_pending_tickets(
    as_user, catalogue, staff, billing_agent, colleague
):
    waiting = TicketFactory(
        category=catalogue["billing"], assigned_to=billing_agent.user, status=PENDING
    )
    opened = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)

    response = as_user(staff).patch(
        f"/api/agents/{billing_agent.pk}/?reroute=open", {"is_available": False}, format="json"
    )

    assert response.status_code == 200, response.data
    assert Ticket.objects.get(pk=opened.pk).assigned_to_id == colleague.pk
    assert Ticket.objects.get(pk=waiting.pk).assigned_to_id == billing_agent.pk
    assert response.json()["open_tickets"] == 0


def test_the_list_filters_pending_tickets_and_the_agent_sees_their_load(
    as_user, catalogue, billing_agent
):
    mine = TicketFactory(category=catalogue["billing"], assigned_to=billing_agent.user)
    waiting = TicketFactory(
        category=catalogue["billing"], assigned_to=billing_agent.user, status=PENDING
    )
    client = as_user(billing_agent.user)

    pending = client.get("/api/tickets/", {"status": "PENDING", "assigned_to": "me"}).json()
    unresolved = client.get(
        "/api/tickets/", {"status": ["OPEN", "IN_PROGRESS", "PENDING"], "assigned_to": "me"}
    ).json()
    me = client.get("/api/agents/me/").json()

    assert [t["id"] for t in pending["results"]] == [waiting.pk]
    assert {t["id"] for t in unresolved["results"]} == {mine.pk, waiting.pk}
    assert me["open_tickets"] == 1
