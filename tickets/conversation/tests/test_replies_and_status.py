"""What replies do to the ticket: first response (once), PENDING in and out, reopening on a
requester's reply, closed tickets, and the events of each change."""

import pytest
import time_machine
from django.utils import timezone

from agents.models import Agent
from tickets.conversation import services
from tickets.conversation.tests.helpers import send, trail
from tickets.models import Ticket, TicketMessage, TicketStatus
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


def reload(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# First response


def test_first_public_agent_reply_sets_first_response_at_once(as_user, ticket, billing_agent):
    client = as_user(billing_agent.user)
    with time_machine.travel("2026-03-02 09:00:00Z", tick=False):
        first = send(client, ticket, "We are on it.")
    with time_machine.travel("2026-03-02 11:00:00Z", tick=False):
        second = send(client, ticket, "Still on it.")

    assert first.status_code == second.status_code == 201
    assert reload(ticket).first_response_at.isoformat() == "2026-03-02T09:00:00+00:00"
    added = [p for kind, p in trail(ticket) if kind == "message_added"]
    assert added[0]["first_response"] is True
    assert "first_response" not in added[1]
    shown = as_user(ticket.created_by).get(f"/api/tickets/{ticket.pk}/").json()
    assert shown["first_response_at"] == "2026-03-02T09:00:00Z"


def test_notes_and_requester_replies_do_not_count_as_first_response(
    as_user, ticket, requester, billing_agent, staff
):
    send(as_user(requester), ticket, "Hello?")
    send(as_user(billing_agent.user), ticket, "Internal: check the invoice", internal=True)
    assert reload(ticket).first_response_at is None

    send(as_user(staff), ticket, "Answered by staff")
    assert reload(ticket).first_response_at is not None


def test_a_note_leaves_the_ticket_untouched(as_user, ticket, billing_agent):
    before = reload(ticket)

    send(as_user(billing_agent.user), ticket, "note", internal=True)

    after = reload(ticket)
    assert (after.updated_at, after.status, after.first_response_at) == (
        before.updated_at,
        before.status,
        None,
    )


def test_a_public_message_marks_the_ticket_updated(as_user, ticket, requester):
    before = reload(ticket).updated_at

    send(as_user(requester), ticket, "News?")

    assert reload(ticket).updated_at > before


# PENDING: waiting on the requester


def test_agent_reply_sets_pending_and_requester_reply_reopens(
    as_user, ticket, billing_agent, requester
):
    agent = as_user(billing_agent.user)
    response = send(agent, ticket, "Which invoice number?", status="PENDING")
    assert response.status_code == 201, response.data
    assert reload(ticket).status == TicketStatus.PENDING
    assert Agent.objects.get(pk=billing_agent.pk).open_load == 0  # waiting: not in the load

    response = send(as_user(requester), ticket, "It is 2026-117.")

    assert response.status_code == 201, response.data
    assert reload(ticket).status == TicketStatus.OPEN
    assert Agent.objects.get(pk=billing_agent.pk).open_load == 1
    kinds = [(k, p.get("before"), p.get("after")) for k, p in trail(ticket)]
    assert kinds[-4:] == [
        ("message_added", None, None),
        ("status_changed", "OPEN", "PENDING"),
        ("message_added", None, None),
        ("status_changed", "PENDING", "OPEN"),
    ]
    # Each status change is the author's, right after their message.
    events = ticket.events.order_by("id")
    assert [e.actor_id for e in events][-2:] == [requester.pk, requester.pk]


def test_agent_reply_with_the_current_status_changes_nothing(as_user, ticket, billing_agent):
    response = send(as_user(billing_agent.user), ticket, "Hello", status="OPEN")

    assert response.status_code == 201
    assert [k for k, _ in trail(ticket)][-1] == "message_added"


def test_a_status_the_workflow_forbids_is_a_409_and_saves_nothing(as_user, ticket, billing_agent):
    ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=billing_agent.user)

    response = send(as_user(billing_agent.user), ticket, "Wait", status="PENDING")

    assert response.status_code == 409
    assert response.json()["allowed"] == ["CLOSED", "OPEN"]
    assert not TicketMessage.objects.exists()
    assert reload(ticket).status == TicketStatus.RESOLVED


def test_requester_cannot_set_the_status(as_user, ticket, requester):
    response = send(as_user(requester), ticket, "Done", status="RESOLVED")

    assert response.status_code == 403
    assert not TicketMessage.objects.exists()


def test_a_note_does_not_carry_a_status(as_user, ticket, billing_agent):
    response = send(as_user(billing_agent.user), ticket, "n", internal=True, status="PENDING")

    assert response.status_code == 400
    assert "status" in response.json()
    assert reload(ticket).status == TicketStatus.OPEN


# Reopen on reply, closed tickets


def test_requester_reply_reopens_a_resolved_ticket(as_user, ticket, requester, billing_agent):
    ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=billing_agent.user)
    assert reload(ticket).resolved_at is not None

    response = send(as_user(requester), ticket, "Still broken.")

    assert response.status_code == 201
    reopened = reload(ticket)
    assert (reopened.status, reopened.resolved_at) == (TicketStatus.OPEN, None)
    assert trail(ticket)[-1] == (
        "status_changed",
        {"before": "RESOLVED", "after": "OPEN"},
    )


def test_reopen_on_reply_can_be_switched_off(as_user, ticket, requester, billing_agent, settings):
    settings.CONVERSATION_REOPEN_ON_REPLY = False
    ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=billing_agent.user)

    response = send(as_user(requester), ticket, "Thanks!")

    assert response.status_code == 201
    assert reload(ticket).status == TicketStatus.RESOLVED


def test_an_agent_reply_does_not_reopen_a_resolved_ticket(as_user, ticket, billing_agent):
    ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=billing_agent.user)

    assert send(as_user(billing_agent.user), ticket, "You're welcome").status_code == 201
    assert reload(ticket).status == TicketStatus.RESOLVED


def test_requester_reply_on_a_closed_ticket_is_refused(as_user, ticket, requester, billing_agent):
    ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=billing_agent.user)

    response = send(as_user(requester), ticket, "Hello again")

    assert response.status_code == 409
    assert response.json() == {
        "status": ["This ticket is closed and takes no more replies; please open a new ticket."]
    }
    assert not TicketMessage.objects.exists()
    assert reload(ticket).status == TicketStatus.CLOSED


def test_agents_reopen_a_closed_ticket_with_a_reply_or_write_notes_on_it(
    as_user, ticket, billing_agent
):
    ticket_transition(ticket=ticket, status=TicketStatus.CLOSED, actor=billing_agent.user)
    client = as_user(billing_agent.user)

    assert send(client, ticket, "Reply").status_code == 409
    assert send(client, ticket, "Note", internal=True).status_code == 201
    assert send(client, ticket, "Reopening", status="OPEN").status_code == 201
    assert reload(ticket).status == TicketStatus.OPEN


def test_service_keeps_the_message_time_as_first_response(ticket, billing_agent):
    message = services.message_create(ticket=ticket, author=billing_agent.user, body="Hi")

    assert reload(ticket).first_response_at == message.created_at
    assert message.created_at <= timezone.now()
