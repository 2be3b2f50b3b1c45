"""Who a user is on a ticket's conversation: the one rule deciding who sees internal notes."""

from agents.selectors import agent_get_for_user
from tickets.models import AuthorRole, Ticket


def conversation_role(*, user, ticket: Ticket) -> AuthorRole | None:
    """Staff; an agent of the ticket's department or its assignee (agents and staff write
    notes and see them); its requester; or None for anyone else. An agent who opened a ticket
    in another department is its requester there: they see no notes."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff:
        return AuthorRole.STAFF
    agent = agent_get_for_user(user=user)
    if agent is not None and (
        agent.department_id == ticket.department_id or ticket.assigned_to_id == user.pk
    ):
        return AuthorRole.AGENT
    if ticket.created_by_id == user.pk:
        return AuthorRole.REQUESTER
    return None


def user_sees_notes(*, user, ticket: Ticket) -> bool:
    """Whether internal notes (and every trace of them) are shown to this user."""
    return conversation_role(user=user, ticket=ticket) in (AuthorRole.AGENT, AuthorRole.STAFF)
