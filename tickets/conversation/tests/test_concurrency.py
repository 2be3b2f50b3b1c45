"""Concurrent messages on one ticket, on PostgreSQL: the ticket row lock makes them run one
after the other, so first_response_at is set by exactly one of them, the waiting status
moves once per message that asks, and loads stay exact."""

import pytest
from django.db import connection

from agents.models import Agent
from tickets import services as ticket_services
from tickets.conversation import services
from tickets.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent, TicketStatus
from tickets.tests.factories import AgentFactory, UserFactory
from tickets.tests.test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 16


def test_concurrent_first_replies_set_first_response_once(catalogue):
    agents = [AgentFactory(department=catalogue["billing"].department) for _ in range(4)]
    ticket = ticket_services.ticket_create(
        title="Invoice overdue", description="Please check.", created_by=UserFactory()
    )

    errors = run_concurrently(
        lambda i: services.message_create(
            ticket=Ticket.objects.get(pk=ticket.pk), author=agents[i % 4].user, body=f"Reply {i}"
        ),
        THREADS,
    )

    assert errors == []
    added = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.MESSAGE_ADDED)
    firsts = [e for e in added if e.payload.get("first_response")]
    assert added.count() == THREADS
    assert len(firsts) == 1
    ticket.refresh_from_db()
    first_message = ticket.messages.order_by("created_at", "id").first()
    assert firsts[0].payload["message"] == first_message.pk
    assert ticket.first_response_at == first_message.created_at


def test_concurrent_pending_and_requester_replies_keep_the_chain_and_the_load(catalogue):
    agent = AgentFactory(department=catalogue["billing"].department)
    requester = UserFactory()
    ticket = ticket_services.ticket_create(
        title="Invoice overdue", description="Please check.", created_by=requester
    )
    assert ticket.assigned_to_id == agent.user_id

    def work(i):
        if i % 2:
            services.message_create(
                ticket=Ticket.objects.get(pk=ticket.pk), author=requester, body="Me"
            )
        else:
            services.message_create(
                ticket=Ticket.objects.get(pk=ticket.pk),
                author=agent.user,
                body="You?",
                status="PENDING",
            )

    errors = run_concurrently(work, THREADS)

    assert errors == []
    changes = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).order_by("id")
    )
    current = TicketStatus.OPEN
    for event in changes:  # each change starts where the previous one ended
        assert event.payload["before"] == current
        current = event.payload["after"]
    ticket.refresh_from_db()
    assert ticket.status == current
    counted = Ticket.objects.filter(assigned_to=agent.user, status__in=OPEN_STATUSES).count()
    assert Agent.objects.get(pk=agent.pk).open_load == counted
