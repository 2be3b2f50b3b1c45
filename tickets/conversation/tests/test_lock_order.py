"""A message that moves the ticket takes its locks in the documented order: the ticket row,
then the assignee's department, then (through the load triggers) the agent row."""

import pytest
from django.db import connection

from tickets.conversation import services
from tickets.models import TicketStatus
from tickets.tests.test_lock_order import DEPARTMENTS, TICKET, assert_in_order, recorded_locks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_a_reply_that_sets_pending_then_one_that_reopens(ticket, billing_agent, requester):
    with recorded_locks() as pending:
        services.message_create(
            ticket=ticket, author=billing_agent.user, body="Which one?", status="PENDING"
        )
    with recorded_locks() as reopening:
        services.message_create(ticket=ticket, author=requester, body="This one.")

    department = billing_agent.department_id
    for locks in (pending, reopening):
        assert_in_order(locks)
        assert locks[:2] == [(TICKET, []), (DEPARTMENTS, [department])]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_a_note_locks_the_ticket_only(ticket, billing_agent):
    with recorded_locks() as locks:
        services.message_create(ticket=ticket, author=billing_agent.user, body="n", internal=True)

    assert locks == [(TICKET, [])]
