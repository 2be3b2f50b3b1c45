"""Who may do what. Visibility itself lives in tickets.selectors."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from agents.selectors import agent_get_for_user


def user_is_agent_or_staff(user) -> bool:
    return bool(user.is_staff or agent_get_for_user(user=user) is not None)


class IsAgentOrStaff(BasePermission):
    message = "Only agents and staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and user_is_agent_or_staff(
            request.user
        )


class IsStaff(BasePermission):
    message = "Only staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


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


class ReadAnyWriteStaff(BasePermission):
    """Any authenticated user may read; only staff may write."""

    message = "Only staff may change this."
    schema_allows_reads = True  # config.api.openapi.ApiAutoSchema: no 403 documented on reads

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or request.user.is_staff
