"""Reads of tickets, scoped in one place to what the user may see."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from agents.selectors import agent_get_for_user
from tickets.models import (
    Category,
    ClassifierArtifact,
    ClassifierModel,
    Ticket,
    TicketEvent,
    TrainingJob,
)


def ticket_visible_queryset(*, user) -> QuerySet[Ticket]:
    """Staff see everything; an agent their department's tickets, those assigned to them and
    their own; a requester only the tickets they opened."""
    tickets = Ticket.objects.all()
    if user.is_staff:
        return tickets
    agent = agent_get_for_user(user=user)
    if agent is not None:
        return tickets.filter(
            Q(department_id=agent.department_id) | Q(assigned_to=user) | Q(created_by=user)
        )
    return tickets.filter(created_by=user)


def ticket_list(*, user) -> QuerySet[Ticket]:
    """Visible tickets with everything the list renders, in a constant number of queries."""
    return ticket_visible_queryset(user=user).select_related(
        "category", "department", "created_by", "assigned_to"
    )


def ticket_detail(*, pk: int) -> Ticket:
    """One ticket with its relations, unscoped: only for rendering a change just authorised."""
    return Ticket.objects.select_related("category", "department", "created_by", "assigned_to").get(
        pk=pk
    )


def ticket_event_list(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("created_at", "id")


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("department")


def training_job_list() -> QuerySet[TrainingJob]:
    """Every training job, newest first, with its requester and model."""
    return TrainingJob.objects.select_related("requested_by", "model").order_by("-created_at", "pk")


def training_job_detail(*, job_id) -> TrainingJob:
    """One training job with its requester and model; DoesNotExist when unknown."""
    return TrainingJob.objects.select_related("requested_by", "model").get(pk=job_id)


def classifier_model_list() -> QuerySet[ClassifierModel]:
    """Every trained model, newest first, with its trainer and whether its artefact's bytes
    are still stored (`has_artifact`; pruned ones are not)."""
    return ClassifierModel.objects.select_related("trained_by").annotate(
        has_artifact=Exists(ClassifierArtifact.objects.filter(model_id=OuterRef("pk")))
    )
