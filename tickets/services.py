"""The write path: every state change of a ticket is one function here.

Each function classifies (when needed) before taking any lock, then makes its change,
routes and writes the audit events inside one small transaction.
"""

from django.db import transaction

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Department
from agents.routing import agent_department_id, agents_by_load, departments_lock
from config.api.exceptions import ConflictError, DomainError
from ml.types import SOURCE_MODEL, Prediction
from tickets.events import event_build, event_record, events_record
from tickets.models import (
    ALLOWED_TRANSITIONS,
    AssignmentMode,
    Category,
    ClassifiedBy,
    EventKind,
    Priority,
    Ticket,
    TicketStatus,
)
from tickets.routing import assignment_change, route_log, ticket_route
from tickets.triage.classification import ticket_triage
from tickets.triage.registry import active_model


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


def _agent_or_error(user_id: int, *, field: str) -> Agent:
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    if agent is None:
        raise DomainError(f"User {user_id} is not an agent.", field=field)
    if agent.retired_at is not None:
        raise DomainError(f"Agent {user_id} is retired.", field=field)
    return agent


def _agent_confirm(agent: Agent, *, field: str) -> None:
    """Under the lock of the department the agent was read in: still there, still active
    (a retirement or a move may have committed between the read and the lock)."""
    row = Agent.objects.filter(pk=agent.pk).values_list("department_id", "retired_at").first()
    if row is None or row[1] is not None:
        raise ConflictError(f"Agent {agent.pk} was retired meanwhile.", field=field)
    if row[0] != agent.department_id:
        raise ConflictError(
            f"Agent {agent.pk} moved to another department meanwhile; try again.", field=field
        )


def ticket_create(
    *,
    title: str,
    description: str,
    priority: int = Priority.MEDIUM,
    created_by,
    category: Category | None = None,
) -> Ticket:
    """Open a ticket: classify it, then in one transaction create, route and audit it.

    A ``category`` given (manual triage by staff or an agent, authorised by the caller) is
    kept as it is, recorded as classified_by=manual, and routes to its department.

    The ticket comes back with its category, department, creator and assignee attached,
    ready to render without reading it again."""
    if category is None:
        decision = ticket_triage(title=title, description=description)
        category, prediction, classifier = decision.category, decision.prediction, None
        confidence = prediction.confidence
    else:
        prediction = Prediction(label=category.slug, confidence=1.0, source=ClassifiedBy.MANUAL)
        classifier, confidence = created_by, None
    department = category.department if category else department_general()

    with transaction.atomic():
        # Lock and pick the agent before the ticket exists (see below).
        departments_lock([department.pk])
        candidates = agents_by_load(department_id=department.pk)
        agent = candidates[0] if candidates else None
        ticket = Ticket(
            title=title,
            description=description,
            priority=priority,
            category=category,
            department=department,
            created_by=created_by,
            classified_by=prediction.source,
            confidence=confidence if category else None,
            model_version=prediction.model_version,
        )
        events = [
            event_build(
                ticket=ticket,
                kind=EventKind.CREATED,
                actor=created_by,
                title=title,
                priority=Priority(priority).name,
            ),
            event_build(
                ticket=ticket,
                kind=EventKind.CLASSIFIED,
                actor=classifier,
                category=category.slug if category else None,
                department=department.slug,
                classified_by=prediction.source,
                confidence=confidence,
                model_version=prediction.model_version,
                top=[[label, p] for label, p in prediction.top],
            ),
        ]
        if agent is not None:
            events.append(
                assignment_change(
                    ticket=ticket,
                    agent=agent,
                    mode=AssignmentMode.AUTO,
                    persist=False,
                    load_before=agent.open_load,
                )
            )
        # Inserted already assigned (no UPDATE after the INSERT); its events in one INSERT.
        ticket.save(force_insert=True)
        events_record(events)
        route_log(ticket=ticket, candidates=candidates)
    return ticket


# The state changes themselves, written once. Each assumes the caller holds the locks in the
# documented order (agents/routing.py): the ticket row, then the departments involved.


def _status_change(*, ticket: Ticket, status: str, actor) -> None:
    """Move a locked ticket through the workflow (a move it forbids is a 409); the caller
    holds the assignee's department lock (the load triggers move their counter)."""
    allowed = ALLOWED_TRANSITIONS[ticket.status]
    if status not in allowed:
        raise ConflictError(
            f"Cannot go from {ticket.status} to {status}; allowed: {', '.join(allowed)}.",
            field="status",
            allowed=list(allowed),
        )
    before = ticket.status
    ticket.status = status
    ticket.save(update_fields=["status"])
    event_record(
        ticket=ticket, kind=EventKind.STATUS_CHANGED, actor=actor, before=before, after=status
    )


def _assignee_change(*, ticket: Ticket, agent: Agent | None, actor, field: str) -> None:
    """Give a locked ticket to the agent by hand (past their capacity or availability, on
    purpose), or to nobody; a CLOSED ticket keeps its assignee. The caller holds the
    departments of the old and the new assignee."""
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError("The ticket is closed; reopen it first.", field="status")
    if agent is not None:
        _agent_confirm(agent, field=field)
    assignment_change(ticket=ticket, agent=agent, actor=actor, mode=AssignmentMode.MANUAL).save(
        force_insert=True
    )


def ticket_transition(*, ticket: Ticket, status: str, actor) -> Ticket:
    """Move a ticket through the workflow; resolved_at follows the status (see the model).
    A move the workflow forbids from the current status is a ConflictError (409) listing the
    allowed ones: the request is valid, the ticket's state refuses it."""
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        _status_change(ticket=ticket, status=status, actor=actor)
    return ticket


def _assign(*, ticket: Ticket, agent: Agent, actor, field: str) -> Ticket:
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError("The ticket is closed; reopen it first.", field="status")
        if ticket.assigned_to_id == agent.user_id:
            return ticket
        departments_lock([agent.department_id, agent_department_id(ticket.assigned_to_id)])
        _assignee_change(ticket=ticket, agent=agent, actor=actor, field=field)
    return ticket


def ticket_assign(*, ticket: Ticket, user_id: int, actor) -> Ticket:
    """Assign a ticket to the given agent (a user id); a non-agent or a retired agent is
    refused. May exceed the agent's capacity or availability on purpose."""
    agent = _agent_or_error(user_id, field="assigned_to")
    return _assign(ticket=ticket, agent=agent, actor=actor, field="assigned_to")


def ticket_reassign(*, ticket: Ticket, actor, user_id: int | None = None) -> Ticket:
    """Give the ticket to the given agent, or, without one, route it again leaving out
    the current agent. Refused (409) when no other agent is eligible, leaving it as it was."""
    if user_id is not None:
        agent = _agent_or_error(user_id, field="agent")
        return _assign(ticket=ticket, agent=agent, actor=actor, field="agent")

    with transaction.atomic():
        ticket = ticket_lock(ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError("The ticket is closed; reopen it first.", field="status")
        departments_lock([ticket.department_id, agent_department_id(ticket.assigned_to_id)])
        exclude = [ticket.assigned_to_id] if ticket.assigned_to_id else []
        agent = ticket_route(ticket=ticket, actor=actor, exclude_user_ids=exclude)
        if agent is None:
            raise ConflictError(
                "No other available agent under capacity in this department.", field="agent"
            )
    return ticket


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
    as its own endpoint's: category_apply, _status_change (as transition/), _assignee_change
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
            agent = _agent_or_error(assigned_to, field="assigned_to")

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
            event_record(
                ticket=ticket,
                kind=EventKind.PRIORITY_CHANGED,
                actor=actor,
                before=Priority(ticket.priority).name,
                after=Priority(priority).name,
            )
            ticket.priority = priority
            changed.append("priority")

        if category is not ...:
            changed += category_apply(ticket=ticket, category=category, actor=actor)
        if changed:
            ticket.save(update_fields=[*changed, "updated_at"])
        if status is not None:
            _status_change(ticket=ticket, status=status, actor=actor)
        if assigned_to is not ...:
            _assignee_change(ticket=ticket, agent=agent, actor=actor, field="assigned_to")
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


def ticket_delete(*, ticket: Ticket) -> None:
    """Delete a ticket and its audit trail (staff only, enforced by the API)."""
    with transaction.atomic():
        ticket = ticket_lock(ticket)
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        ticket.delete()
