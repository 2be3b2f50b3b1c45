"""Changes to agents that reach their tickets: a move to another department, going away or
unavailable with their OPEN tickets sent back to routing (`?reroute=open`), and retirement.

They live here, above agents/ (which imports nothing of tickets), and are reached through the
agents' endpoints that config/urls.py registers from tickets/agents_api.py.

The rules:
- Retiring an agent (DELETE /api/agents/{id}/) keeps the row (history, reports) but routes
  to it no more; their OPEN tickets go back through routing in their own department, leaving
  the agent out (unassigned in the department's queue when nobody is eligible); their
  IN_PROGRESS tickets stay with them for staff to reassign, and the answer lists them.
- Moving an agent to another department sends their OPEN tickets of other departments back
  through routing in those departments (the agent is no longer theirs); IN_PROGRESS tickets,
  work under way, stay with them.
- `?reroute=open` with a change that makes the agent unavailable or away sends all their OPEN
  tickets back through routing.
Each rerouted ticket gets its assignment event, with the reason, in the same transaction.

Locks, in the documented order (agents/routing.py): the agent's OPEN tickets' rows (in id
order), then every department involved (the agent's, the new one, the tickets') at once in id
order, then the agent and load counters. A ticket given to the agent between the first two
steps is seen once the departments are locked; then the department locks are let go (the
savepoint is rolled back) and taken again with that ticket's row locked first.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.services import agent_changes_apply, agent_locked
from config.api.exceptions import ConflictError, DomainError
from tickets.events import events_record
from tickets.models import AssignmentMode, Ticket, TicketStatus
from tickets.routing import assignment_change, ticket_route

logger = logging.getLogger(__name__)

_ATTEMPTS = 5


@dataclass
class AgentChange:
    agent: Agent
    rerouted: list[Ticket] = field(default_factory=list)
    in_progress: list[Ticket] = field(default_factory=list)


class _TicketsChanged(Exception):
    """A ticket was given to the agent while the department locks were being taken."""


def agent_update(
    *,
    agent: Agent,
    actor,
    department=...,
    is_available: bool | None = None,
    max_open_tickets=...,
    away_until=...,
    calendar=...,
    reroute_open: bool = False,
) -> AgentChange:
    """Change an agent (any of department, availability, capacity, absence, working hours)
    and send the OPEN tickets the change takes from them back through routing: those of other
    departments on a move, all of them with `reroute_open` when the change leaves them
    unavailable or away."""
    moving = department is not ... and department.pk != agent.department_id
    changes = {
        "department": department,
        "is_available": ... if is_available is None else is_available,
        "max_open_tickets": max_open_tickets,
        "away_until": away_until,
        "calendar": calendar,
    }

    def leaving(agent: Agent, ticket: Ticket) -> str | None:
        if reroute_open and _unavailable(agent):
            return "agent_unavailable"
        if moving and ticket.department_id != agent.department_id:
            return "agent_moved"
        return None

    return _with_open_tickets(
        agent=agent,
        actor=actor,
        department_ids=[department.pk] if moving else [],
        reroute="unavailable" if reroute_open else moving,
        change=lambda fresh: agent_changes_apply(agent=fresh, actor=actor, **changes),
        leaving=leaving,
    )


def agent_retire(*, agent: Agent, actor) -> AgentChange:
    """Retire the agent: routed to no more, their OPEN tickets routed again without them,
    their IN_PROGRESS tickets left with them (listed in the result)."""

    def retire(fresh: Agent) -> None:
        fresh.retired_at = timezone.now()
        fresh.save(update_fields=["retired_at"])
        logger.info("agent=%s retired by=%s", fresh.pk, getattr(actor, "pk", None))

    result = _with_open_tickets(
        agent=agent,
        actor=actor,
        department_ids=[],
        reroute=True,
        change=retire,
        leaving=lambda agent, ticket: "agent_retired",
    )
    result.in_progress = list(
        Ticket.objects.filter(assigned_to_id=agent.pk, status=TicketStatus.IN_PROGRESS).order_by(
            "pk"
        )
    )
    return result


def _unavailable(agent: Agent) -> bool:
    return not agent.is_available or (
        agent.away_until is not None and agent.away_until > timezone.now()
    )


def _with_open_tickets(*, agent, actor, department_ids, reroute, change, leaving) -> AgentChange:
    with transaction.atomic():
        locked: dict[int, Ticket] = {}
        for _ in range(_ATTEMPTS):
            if reroute:
                for ticket in _open_tickets(agent).select_for_update(of=("self",)):
                    locked.setdefault(ticket.pk, ticket)
            try:
                with transaction.atomic():  # a savepoint: rolled back, it lets go of the locks
                    return _apply(
                        agent=agent,
                        actor=actor,
                        tickets=[locked[pk] for pk in sorted(locked)],
                        department_ids=department_ids,
                        reroute=reroute,
                        change=change,
                        leaving=leaving,
                    )
            except _TicketsChanged:
                continue
        raise ConflictError("The agent's tickets kept changing; try again.", field="agent")


def _apply(*, agent, actor, tickets, department_ids, reroute, change, leaving) -> AgentChange:
    fresh = agent_locked(
        agent, department_ids=[*department_ids, *(t.department_id for t in tickets)]
    )
    if reroute and not set(_open_tickets(fresh).values_list("pk", flat=True)) <= {
        t.pk for t in tickets
    }:
        raise _TicketsChanged
    change(fresh)
    if reroute == "unavailable" and not _unavailable(fresh):
        raise DomainError(
            "reroute=open sends back the tickets of an agent who becomes unavailable or "
            "away; this change leaves them available.",
            field="reroute",
        )
    result = AgentChange(agent=fresh)
    for ticket in tickets:
        if ticket.status != TicketStatus.OPEN or ticket.assigned_to_id != fresh.pk:
            continue  # changed before its row was locked
        reason = leaving(fresh, ticket)
        if reason is None:
            continue
        ticket_route(ticket=ticket, actor=actor, exclude_user_ids=[fresh.pk], reason=reason)
        if ticket.assigned_to_id == fresh.pk:  # no department to route in: to nobody
            events_record(
                [
                    assignment_change(
                        ticket=ticket,
                        agent=None,
                        actor=actor,
                        mode=AssignmentMode.AUTO,
                        reason=reason,
                    )
                ]
            )
        result.rerouted.append(ticket)
    return result


def _open_tickets(agent: Agent):
    return Ticket.objects.filter(assigned_to_id=agent.pk, status=TicketStatus.OPEN).order_by("pk")
