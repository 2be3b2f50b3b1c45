"""Who counts as an agent or staff for the API's permissions."""

from rest_framework.permissions import BasePermission

from agents.selectors import agent_get_for_user


def user_is_agent_or_staff(user) -> bool:
    return bool(user.is_staff or agent_get_for_user(user=user) is not None)


class IsAgentOrStaff(BasePermission):
    message = "Only agents and staff may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and user_is_agent_or_staff(
            request.user
        )
