"""Reads about agents, with their current load computed by the database."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from agents.models import Agent, Department


def open_load_expression():
    """An agent's load: their OPEN + IN_PROGRESS tickets, counted by one correlated subquery.

    A subquery (not a JOIN + GROUP BY) keeps the outer query free of aggregates, so it can be
    filtered and ordered on, and it is served by the (assigned_to, status) index alone:
    COUNT(*), not COUNT(id), which would read every row from the table.
    """
    from tickets.models import OPEN_STATUSES, Ticket

    counts = (
        Ticket.objects.filter(assigned_to=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def agent_list() -> QuerySet[Agent]:
    """Every agent with user, department and `open_load`, in one query."""
    return Agent.objects.select_related("user", "department").annotate(
        open_load=open_load_expression()
    )


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
