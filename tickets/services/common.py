"""Helpers every write path shares: the ticket's row lock, the catch-all department, and
the checks an agent given by hand must pass."""

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Department
from config.api.exceptions import ConflictError, DomainError
from tickets.models import Ticket


def department_general() -> Department:
    """The catch-all department for tickets no rule can place."""
    department, _ = Department.objects.get_or_create(
        slug=GENERAL_DEPARTMENT_SLUG, defaults={"name": "General"}
    )
    return department


def ticket_lock(ticket: Ticket) -> Ticket:
    """The ticket's current row, locked until the end of the transaction: the first lock
    of every change to a ticket (lock order: agents/routing.py)."""
    try:
        return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise ConflictError("The ticket was deleted meanwhile.", field="ticket") from None


def agent_or_error(user_id: int, *, field: str) -> Agent:
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    if agent is None:
        raise DomainError(f"User {user_id} is not an agent.", field=field)
    if agent.retired_at is not None:
        raise DomainError(f"Agent {user_id} is retired.", field=field)
    return agent


def agent_confirm(agent: Agent, *, field: str) -> None:
    """Under the lock of the department the agent was read in: still there, still active
    (a retirement or a move may have committed between the read and the lock)."""
    row = Agent.objects.filter(pk=agent.pk).values_list("department_id", "retired_at").first()
    if row is None or row[1] is not None:
        raise ConflictError(f"Agent {agent.pk} was retired meanwhile.", field=field)
    if row[0] != agent.department_id:
        raise ConflictError(
            f"Agent {agent.pk} moved to another department meanwhile; try again.", field=field
        )
