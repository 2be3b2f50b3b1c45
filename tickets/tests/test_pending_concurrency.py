"""Moves in and out of PENDING at the same time as routing, on PostgreSQL: the counters the
triggers keep end exact, and no new ticket went to an agent whose real load was higher."""

import pytest
from django.db import connection

from agents.models import Agent
from tickets import services
from tickets.load_triggers import loads_repair
from tickets.models import OPEN_STATUSES, Ticket, TicketStatus
from tickets.tests.factories import AgentFactory, StaffFactory, TicketFactory, UserFactory
from tickets.tests.test_concurrency import run_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

PER_AGENT = 8


def test_concurrent_moves_through_pending_and_creations_keep_loads_exact(catalogue):
    billing = catalogue["billing"]
    agents = [AgentFactory(department=billing.department) for _ in range(3)]
    staff, requester = StaffFactory(), UserFactory()
    # Per agent: PER_AGENT open tickets going to PENDING, PER_AGENT pending ones coming back
    # (half reopened, half resolved).
    to_pending, back = [], []
    for agent in agents:
        to_pending += TicketFactory.create_batch(
            PER_AGENT, category=billing, assigned_to=agent.user
        )
        back += TicketFactory.create_batch(
            PER_AGENT, category=billing, assigned_to=agent.user, status=TicketStatus.PENDING
        )
    moves = [(t.pk, TicketStatus.PENDING) for t in to_pending] + [
        (t.pk, TicketStatus.OPEN if i % 2 else TicketStatus.RESOLVED) for i, t in enumerate(back)
    ]
    creations = 12

    def act(i):
        if i < len(moves):
            pk, status = moves[i]
            services.ticket_transition(ticket=Ticket(pk=pk), status=status, actor=staff)
        else:
            services.ticket_create(
                title=f"Invoice overdue {i}", description="My invoice.", created_by=requester
            )

    errors = run_concurrently(act, len(moves) + creations)

    assert errors == []
    assert loads_repair(fix=False) == {}
    loads = [Agent.objects.get(pk=a.pk).open_load for a in agents]
    counts = [
        Ticket.objects.filter(assigned_to=a.user, status__in=OPEN_STATUSES).count() for a in agents
    ]
    assert loads == counts
    # Every agent: PER_AGENT / 2 reopened, plus their share of the new tickets.
    assert sum(loads) == len(agents) * PER_AGENT // 2 + creations
    assert Ticket.objects.filter(status=TicketStatus.PENDING).count() == len(to_pending)
