"""Who gets a ticket: routing to the least-loaded eligible agent, and the one function that
changes a ticket's assignee (creation, routing, manual assignment, unassignment).

The agents' side (eligibility, loads, the department locks and the lock order) is in
agents/routing.py.
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from agents.routing import agents_by_load
from tickets.events import event_build, events_record
from tickets.models import AssignmentMode, EventKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)


def route_log(*, ticket: Ticket, candidates: list[Agent]) -> None:
    """The routing decision at INFO: where the ticket went, why, and the candidates' loads."""
    agent = candidates[0] if candidates else None
    logger.info(
        "routing ticket=%s department=%s category=%s classified_by=%s confidence=%s "
        "agent=%s load=%s candidates=%s",
        ticket.pk,
        ticket.department_id,
        ticket.category_id,
        ticket.classified_by,
        ticket.confidence,
        agent.user_id if agent else None,
        agent.open_load if agent else None,
        ",".join(f"{candidate.user_id}:{candidate.open_load}" for candidate in candidates),
    )


def assignment_change(
    *,
    ticket: Ticket,
    agent: Agent | None,
    actor=None,
    mode: AssignmentMode,
    persist: bool = True,
    **details,
) -> TicketEvent:
    """Give the ticket to an agent, or to nobody. Every assignment goes through here: creation,
    routing, manual assignment and reassignment, unassignment.

    Sets the assignee (saving the row when `persist`; a ticket about to be inserted passes
    False), stamps the agent's last_assigned_at (the routing tie-break) and returns the audit
    event, unsaved, for the caller to record with its others. The caller holds the locks:
    the ticket row, then the departments of the old and new assignee (agents/routing.py).
    """
    previous = ticket.assigned_to_id
    ticket.assigned_to = agent.user if agent is not None else None
    if persist:
        ticket.save(update_fields=["assigned_to", "updated_at"])
    if agent is None:
        return event_build(
            ticket=ticket,
            kind=EventKind.UNASSIGNED,
            actor=actor,
            before=previous,
            after=None,
            **details,
        )
    Agent.objects.filter(pk=agent.pk).update(last_assigned_at=timezone.now())
    return event_build(
        ticket=ticket,
        kind=EventKind.REASSIGNED if previous is not None else EventKind.ASSIGNED,
        actor=actor,
        before=previous,
        after=agent.user_id,
        mode=mode,
        **details,
    )


def ticket_route(
    *, ticket: Ticket, actor=None, exclude_user_ids: Iterable[int] = (), **details
) -> Agent | None:
    """Assign the ticket to its department's least-loaded eligible agent.

    Runs inside the caller's transaction, which must already hold the locks of the ticket's
    department and of the current assignee's department. With no eligible agent the ticket
    stays (or becomes) unassigned in its department's queue. `details` (say, the reason it
    is routed again) go to the assignment event.
    """
    assert transaction.get_connection().in_atomic_block, "ticket_route needs a transaction"
    if ticket.department_id is None:
        return None
    candidates = agents_by_load(
        department_id=ticket.department_id, exclude_user_ids=exclude_user_ids
    )
    agent = candidates[0] if candidates else None
    route_log(ticket=ticket, candidates=candidates)
    if (agent.user_id if agent else None) == ticket.assigned_to_id:
        return agent
    if agent is not None:
        details["load_before"] = agent.open_load
    events_record(
        [
            assignment_change(
                ticket=ticket, agent=agent, actor=actor, mode=AssignmentMode.AUTO, **details
            )
        ]
    )
    return agent
