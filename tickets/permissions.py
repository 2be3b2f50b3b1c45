"""Who may act on a ticket. Visibility itself lives in tickets.selectors."""

from rest_framework.permissions import BasePermission

from agents.permissions import IsAgentOrStaff, user_is_agent_or_staff
from config.api.permissions import IsStaff


class IsAgentOrStaffOnTicket(BasePermission):
    """Agents and staff, decided once the ticket has been found among those the caller may see:
    a ticket out of their sight is a 404 like any unknown id, never a 403 confirming that it
    exists."""

    message = IsAgentOrStaff.message

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        return user_is_agent_or_staff(request.user)


class IsStaffOnTicket(IsAgentOrStaffOnTicket):
    """Staff only, decided like IsAgentOrStaffOnTicket (404 before 403)."""

    message = IsStaff.message

    def has_object_permission(self, request, view, obj) -> bool:
        return bool(request.user.is_staff)
