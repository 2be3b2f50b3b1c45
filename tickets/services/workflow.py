"""The workflow and the assignee: status moves, assignment, reassignment, deletion.

The state changes themselves are written once (`status_change`, `assignee_change`). Each
assumes the caller holds the locks in the documented order (agents/routing.py): the ticket
row, then the departments involved."""

from django.db import transaction

from agents.models import Agent
from agents.routing import agent_department_id, departments_lock
from config.api.exceptions import ConflictError
from tickets.events import event_record, events_record
from tickets.models import ALLOWED_TRANSITIONS, AssignmentMode, EventKind, Ticket, TicketStatus
from tickets.routing import assignment_change, ticket_route
from tickets.services.common import agent_confirm, agent_or_error, ticket_lock


def status_change(*, ticket: Ticket, status: str, actor) -> None:
    """Move a locked ticket through the workflow (a move it forbids is a 409); the caller
    holds the assignee's department lock (the load triggers move their counter)."""
    allowed = ALLOWED_TRANSITIONS[ticket.status]
    if status not in allowed:
        raise ConflictError(
            f"Cannot go from {ticket.status} to {status}; allowed: {', '.join(allowed)}.",
            field="status",
            allowed=list(allowed),
        )
    before = ticket.status
    ticket.status = status
    ticket.save(update_fields=["status"])
    event_record(
        ticket=ticket, kind=EventKind.STATUS_CHANGED, actor=actor, before=before, after=status
    )


def assignee_change(*, ticket: Ticket, agent: Agent | None, actor, field: str) -> None:
    """Give a locked ticket to the agent by hand (past their capacity or availability, on
    purpose), or to nobody; a CLOSED ticket keeps its assignee. The caller holds the
    departments of the old and the new assignee."""
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError("The ticket is closed; reopen it first.", field="status")
    if agent is not None:
        agent_confirm(agent, field=field)
    events_record(
        [assignment_change(ticket=ticket, agent=agent, actor=actor, mode=AssignmentMode.MANUAL)]
    )


def ticket_transition(*, ticket: Ticket, status: str, actor) -> Ticket:
    """Move a ticket through the workflow; resolved_at follows the status (see the model).
    A move the workflow forbids from the current status is a ConflictError (409) listing the
    allowed ones: the request is valid, the ticket's state refuses it."""
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        status_change(ticket=ticket, status=status, actor=actor)
    return ticket


def _assign(*, ticket: Ticket, agent: Agent, actor, field: str) -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError("The ticket is closed; reopen it first.", field="status")
        if ticket.assigned_to_id == agent.user_id:
            return ticket
        departments_lock([agent.department_id, agent_department_id(ticket.assigned_to_id)])
        assignee_change(ticket=ticket, agent=agent, actor=actor, field=field)
    return ticket


def ticket_assign(*, ticket: Ticket, user_id: int, actor) -> Ticket:
    """Assign a ticket to the given agent (a user id); a non-agent or a retired agent is
    refused. May exceed the agent's capacity or availability on purpose."""
    agent = agent_or_error(user_id, field="assigned_to")
    return _assign(ticket=ticket, agent=agent, actor=actor, field="assigned_to")


def ticket_reassign(*, ticket: Ticket, actor, user_id: int | None = None) -> Ticket:
    """Give the ticket to the given agent, or, without one, route it again leaving out
    the current agent. Refused (409) when no other agent is eligible, leaving it as it was."""
    if user_id is not None:
        agent = agent_or_error(user_id, field="agent")
        return _assign(ticket=ticket, agent=agent, actor=actor, field="agent")

    with transaction.atomic():
        ticket = ticket_lock(ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError("The ticket is closed; reopen it first.", field="status")
        departments_lock([ticket.department_id, agent_department_id(ticket.assigned_to_id)])
        exclude = [ticket.assigned_to_id] if ticket.assigned_to_id else []
        agent = ticket_route(ticket=ticket, actor=actor, exclude_user_ids=exclude)
        if agent is None:
            raise ConflictError(
                "No other available agent under capacity in this department.", field="agent"
            )
    return ticket


def ticket_delete(*, ticket: Ticket) -> None:
    """Delete a ticket and its audit trail (staff only, enforced by the API)."""
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        ticket.delete()
