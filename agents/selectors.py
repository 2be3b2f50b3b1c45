"""Reads about agents. An agent's load is its `open_load` column, which the database keeps
(tickets/load_triggers.py)."""

from django.db.models import QuerySet

from agents.models import Agent, Department


def agent_list() -> QuerySet[Agent]:
    """Every agent with user and department, in one query."""
    return Agent.objects.select_related("user", "department")


def agent_get_for_user(*, user) -> Agent | None:
    """The user's agent profile, or None for requesters (and anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_agent_profile", False)
    if cached is not False:
        return cached
    agent = Agent.objects.filter(user_id=user.pk).first()
    user._agent_profile = agent
    return agent


def department_list() -> QuerySet[Department]:
    return Department.objects.all()
