"""Reads about agents. An agent's load is its `open_load` column, which the database keeps
(tickets/load_triggers.py)."""

from django.db.models import QuerySet

from agents.models import Agent, Calendar, Department


def agent_list(*, include_retired: bool = True) -> QuerySet[Agent]:
    """Agents with user, department and calendars (theirs and their department's), in one
    query; without the retired ones unless asked."""
    agents = Agent.objects.select_related("user", "department__calendar", "calendar")
    return agents if include_retired else agents.filter(retired_at__isnull=True)


def agent_get_for_user(*, user) -> Agent | None:
    """The user's agent profile, or None for requesters (and anonymous users). A retired
    agent is a requester again: their row stays for history, their rights go."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_agent_profile", False)
    if cached is not False:
        return cached
    agent = Agent.objects.filter(user_id=user.pk, retired_at__isnull=True).first()
    user._agent_profile = agent
    return agent


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def calendar_list() -> QuerySet[Calendar]:
    return Calendar.objects.all()
