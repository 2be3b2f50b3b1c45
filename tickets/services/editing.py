"""Editing a ticket: text, priority, category (by hand or by the model) and, in the same
transaction, status and assignee through the workflow's own code."""

from django.db import transaction

from agents.routing import agent_department_id, departments_lock
from config.api.exceptions import ConflictError, DomainError
from ml.types import SOURCE_MODEL, Prediction
from tickets.events import event_record
from tickets.models import Category, ClassifiedBy, EventKind, Priority, Ticket
from tickets.routing import ticket_route
from tickets.services.common import agent_or_error, ticket_lock
from tickets.services.workflow import assignee_change, status_change
from tickets.triage.registry import active_model


def ticket_update(
    *,
    ticket: Ticket,
    actor,
    title: str | None = None,
    description: str | None = None,
    priority: int | None = None,
    category=...,
    status: str | None = None,
    assigned_to=...,
) -> Ticket:
    """Edit text, priority, category, status and assignee in one transaction: everything
    given applies, or nothing does. A value equal to the current one is no change (no event,
    no refusal). Each change is written by the same code, with the same rules and events,
    as its own endpoint's: category_apply, status_change (as transition/), assignee_change
    (as assign/; `assigned_to` None unassigns).

    Locks: the ticket row, then at once, in id order, the departments of the current
    assignee, of the new one, and of the new category (for routing). A category set by hand
    is recorded as classified_by=manual; when it moves an open ticket to another department
    whose agents do not include the assignee, and no assignee is given, the ticket is routed
    again there. The status changes before the assignee (reopen and assign in one request).
    """
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        if category is None:
            if ticket.category_id is not None:
                raise DomainError(
                    "A category cannot be removed; choose another one.", field="category"
                )
            category = ...
        if category is not ... and category.pk == ticket.category_id:
            category = ...
        if status == ticket.status:
            status = None
        if assigned_to is not ... and assigned_to == ticket.assigned_to_id:
            assigned_to = ...
        agent = None
        if assigned_to is not ... and assigned_to is not None:
            agent = agent_or_error(assigned_to, field="assigned_to")

        department_moves = category is not ... and category.department_id != ticket.department_id
        assignee_department = agent_department_id(ticket.assigned_to_id)
        if status is not None or assigned_to is not ... or department_moves:
            departments_lock(
                [
                    assignee_department,
                    agent.department_id if agent else None,
                    category.department_id if department_moves else None,
                ]
            )

        changed: list[str] = []
        text_changes = {}
        for field, value in (("title", title), ("description", description)):
            if value is not None and value != getattr(ticket, field):
                text_changes[field] = {"before": getattr(ticket, field), "after": value}
                setattr(ticket, field, value)
                changed.append(field)
        if text_changes:
            event_record(ticket=ticket, kind=EventKind.UPDATED, actor=actor, changes=text_changes)

        if priority is not None and priority != ticket.priority:
            before = ticket.priority
            ticket.priority = priority  # first: the event's snapshot shows the new priority
            event_record(
                ticket=ticket,
                kind=EventKind.PRIORITY_CHANGED,
                actor=actor,
                before=Priority(before).name,
                after=Priority(priority).name,
            )
            changed.append("priority")

        if category is not ...:
            changed += category_apply(ticket=ticket, category=category, actor=actor)
        if changed:
            ticket.save(update_fields=[*changed, "updated_at"])
        if status is not None:
            status_change(ticket=ticket, status=status, actor=actor)
        if assigned_to is not ...:
            assignee_change(ticket=ticket, agent=agent, actor=actor, field="assigned_to")
        elif department_moves and ticket.is_open and assignee_department != ticket.department_id:
            ticket_route(ticket=ticket, actor=actor)
    return ticket


def category_apply(
    *,
    ticket: Ticket,
    category: Category,
    actor,
    classified_by: str = ClassifiedBy.MANUAL,
    confidence: float | None = None,
    model_version: str = "",
    **details,
) -> list[str]:
    """Set a ticket's category (and so its department) and record the event: every category
    change goes through here (a person's PATCH or admin edit, the model's ml_predict, any
    re-triage). By hand it is a `category_changed` event; by the model a `classified` event
    with the model's figures.

    The caller holds the ticket's row lock, saves the fields returned, and routes the ticket
    again if it must (after locking the departments, agents/routing.py)."""
    before = {
        "category": ticket.category.slug if ticket.category else None,
        "department": ticket.department.slug if ticket.department else None,
    }
    if classified_by != ClassifiedBy.MANUAL:
        before["classified_by"] = ticket.classified_by
    after = {"category": category.slug, "department": category.department.slug}
    ticket.category = category
    ticket.department_id = category.department_id
    ticket.classified_by = classified_by
    ticket.confidence = confidence
    ticket.model_version = model_version
    if classified_by == ClassifiedBy.MANUAL:
        event_record(
            ticket=ticket, kind=EventKind.CATEGORY_CHANGED, actor=actor, before=before, after=after
        )
    else:
        event_record(
            ticket=ticket,
            kind=EventKind.CLASSIFIED,
            actor=actor,
            before=before,
            after=after,
            classified_by=classified_by,
            confidence=confidence,
            model_version=model_version,
            **details,
        )
    return ["category", "department", "classified_by", "confidence", "model_version"]


def ticket_predict(*, ticket: Ticket, actor, reroute: bool = False) -> tuple[Ticket, Prediction]:
    """Classify a ticket with the active model and write the category (and its department)
    to it, recorded as classified_by=model with an event; optionally route it again."""
    model = active_model()
    if model is None:
        raise ConflictError(
            "No trained model is active. Train one with POST /api/ml/train/ "
            "or `python manage.py train`.",
            field="model",
        )
    prediction = model.predict(ticket.title, ticket.description)
    category = Category.objects.select_related("department").filter(slug=prediction.label).first()
    if category is None:
        raise ConflictError(
            f"The model predicted '{prediction.label}', which is no longer a category.",
            field="category",
        )
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        changed = category_apply(
            ticket=ticket,
            category=category,
            actor=actor,
            classified_by=SOURCE_MODEL,
            confidence=prediction.confidence,
            model_version=prediction.model_version,
            top=[[label, p] for label, p in prediction.top],
        )
        ticket.save(update_fields=[*changed, "updated_at"])
        if reroute and ticket.is_open:
            departments_lock([ticket.department_id, agent_department_id(ticket.assigned_to_id)])
            ticket_route(ticket=ticket, actor=actor)
    return ticket, prediction
