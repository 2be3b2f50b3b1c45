"""Concurrent changes of the same ticket on PostgreSQL: one consistent final state, exactly one
event per change actually applied (each event starts where the previous one ended), loads
exact and capacities kept."""

import random

import pytest
from django.db import connection

from agents.selectors import agent_list
from config.api.exceptions import ConflictError, DomainError
from tickets import services
from tickets.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent, TicketStatus
from tickets.tests.factories import AgentFactory, StaffFactory, TicketFactory, UserFactory
from tickets.tests.test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 24
ASSIGNMENT_KINDS = (EventKind.ASSIGNED, EventKind.REASSIGNED, EventKind.UNASSIGNED)


def chain(ticket, kinds) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind__in=kinds).order_by("id"))


def assert_chain_is_unbroken(events, *, start, end):
    """Each change starts where the previous one ended and changes something."""
    current = start
    for event in events:
        assert event.payload["before"] == current, [e.payload for e in events]
        assert event.payload["after"] != event.payload["before"]
        current = event.payload["after"]
    assert current == end


def assert_loads_exact():
    for agent in agent_list():
        counted = Ticket.objects.filter(assigned_to=agent.user_id, status__in=OPEN_STATUSES).count()
        assert agent.open_load == counted, agent


def test_concurrent_manual_assignments_leave_one_assignee_and_one_event_per_change(catalogue):
    billing = catalogue["billing"].department
    agents = [AgentFactory(department=billing) for _ in range(4)]
    staff = StaffFactory()
    ticket = services.ticket_create(
        title="Invoice overdue", description="Please check.", created_by=UserFactory()
    )
    start = ticket.assigned_to_id
    others = [TicketFactory(category=catalogue["billing"], assigned_to=a.user) for a in agents]
    targets = [agents[i % len(agents)].user_id for i in range(THREADS)]

    errors = run_concurrently(
        lambda i: services.ticket_assign(
            ticket=Ticket(pk=ticket.pk), user_id=targets[i], actor=staff
        ),
        THREADS,
    )

    assert errors == []
    ticket.refresh_from_db()
    events = chain(ticket, ASSIGNMENT_KINDS)
    assert 2 <= len(events) <= THREADS + 1  # routing at creation, then the changes applied
    assert_chain_is_unbroken(events[1:], start=start, end=ticket.assigned_to_id)
    assert events[0].payload == {**events[0].payload, "before": None, "after": start}
    assert all(e.payload["mode"] == "manual" for e in events[1:])
    assert_loads_exact()
    assert sum(a.open_load for a in agent_list()) == len(others) + 1


def test_concurrent_transitions_apply_in_one_order_with_one_event_each(catalogue):
    AgentFactory(department=catalogue["billing"].department)
    ticket = services.ticket_create(
        title="Invoice overdue", description="Please check.", created_by=UserFactory()
    )
    staff = StaffFactory()
    rng = random.Random(7)
    targets = [rng.choice(list(TicketStatus.values)) for _ in range(THREADS)]
    applied: list[str] = []

    def transition(i):
        try:
            services.ticket_transition(ticket=Ticket(pk=ticket.pk), status=targets[i], actor=staff)
            applied.append(targets[i])
        except DomainError:
            pass  # not allowed from the status it found: refused, nothing written

    errors = run_concurrently(transition, THREADS)

    assert errors == []
    ticket.refresh_from_db()
    events = chain(ticket, (EventKind.STATUS_CHANGED,))
    assert len(events) == len(applied) >= 1
    assert sorted(e.payload["after"] for e in events) == sorted(applied)
    assert_chain_is_unbroken(events, start=TicketStatus.OPEN, end=ticket.status)
    if ticket.status == TicketStatus.RESOLVED:
        assert ticket.resolved_at is not None
    elif ticket.status in OPEN_STATUSES:
        assert ticket.resolved_at is None
    assert_loads_exact()


def test_mixed_changes_of_one_ticket_stay_consistent(catalogue):
    billing = catalogue["billing"].department
    agents = [AgentFactory(department=billing, max_open_tickets=3) for _ in range(3)]
    staff = StaffFactory()
    ticket = services.ticket_create(
        title="Invoice overdue", description="Please check.", created_by=UserFactory()
    )
    start_agent = ticket.assigned_to_id
    rng = random.Random(11)
    plan = [rng.choice(["assign", "reassign", "transition"]) for _ in range(THREADS)]
    statuses = [rng.choice(list(TicketStatus.values)) for _ in range(THREADS)]
    applied_statuses: list[str] = []

    def act(i):
        current = Ticket(pk=ticket.pk)
        try:
            if plan[i] == "assign":
                services.ticket_assign(ticket=current, user_id=agents[i % 3].user_id, actor=staff)
            elif plan[i] == "reassign":
                services.ticket_reassign(ticket=current, actor=staff)
            else:
                services.ticket_transition(ticket=current, status=statuses[i], actor=staff)
                applied_statuses.append(statuses[i])
        except (DomainError, ConflictError):
            pass  # refused by the state it found (closed, no other agent, workflow)

    errors = run_concurrently(act, THREADS)

    assert errors == []
    ticket.refresh_from_db()
    assert_chain_is_unbroken(chain(ticket, ASSIGNMENT_KINDS), start=None, end=ticket.assigned_to_id)
    assert start_agent is not None
    status_events = chain(ticket, (EventKind.STATUS_CHANGED,))
    assert len(status_events) == len(applied_statuses)
    assert_chain_is_unbroken(status_events, start=TicketStatus.OPEN, end=ticket.status)
    assert_loads_exact()


def test_concurrent_automatic_reassignments_never_exceed_capacity(catalogue):
    billing = catalogue["billing"].department
    holder = AgentFactory(department=billing)
    small = [AgentFactory(department=billing, max_open_tickets=3) for _ in range(2)]
    staff = StaffFactory()
    tickets = [
        TicketFactory(category=catalogue["billing"], assigned_to=holder.user) for _ in range(10)
    ]
    moved: list[int] = []

    def reassign(i):
        try:
            services.ticket_reassign(ticket=Ticket(pk=tickets[i].pk), actor=staff)
            moved.append(tickets[i].pk)
        except ConflictError:
            pass  # nobody else under capacity: the ticket stays with its agent

    errors = run_concurrently(reassign, len(tickets))

    assert errors == []
    loads = {a.user_id: a.open_load for a in agent_list()}
    assert [loads[a.user_id] for a in small] == [3, 3]
    assert loads[holder.user_id] == 4
    assert len(moved) == 6
    assert TicketEvent.objects.filter(kind=EventKind.REASSIGNED).count() == 6
    assert_loads_exact()
