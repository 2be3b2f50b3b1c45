"""The write path: every state change of a ticket is one function here.

Each function classifies (when needed) before taking any lock, then makes its change,
routes and writes the audit events inside one small transaction.
"""

from django.db import transaction

from agents.models import GENERAL_DEPARTMENT_SLUG, Agent, Department
from config.api.exceptions import ConflictError, DomainError
from ml.types import Prediction
from tickets.events import event_build, event_record, events_record
from tickets.models import (
    ALLOWED_TRANSITIONS,
    Category,
    ClassifiedBy,
    EventKind,
    Priority,
    Ticket,
    TicketStatus,
)
from tickets.routing import (
    agent_department_id,
    agents_by_load,
    assignment_event,
    departments_lock,
    route_log,
    ticket_route,
)
from tickets.triage.classification import ticket_triage


def department_general() -> Department:
    """The catch-all department for tickets no rule can place."""
    department, _ = Department.objects.get_or_create(
        slug=GENERAL_DEPARTMENT_SLUG, defaults={"name": "General"}
    )
    return department


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's current row, locked until the end of the transaction."""
    try:
        return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise ConflictError("The ticket was deleted meanwhile.", field="ticket") from None


def _agent_or_error(user_id: int, *, field: str) -> Agent:
    agent = Agent.objects.select_related("user").filter(user_id=user_id).first()
    if agent is None:
        raise DomainError(f"User {user_id} is not an agent.", field=field)
    return agent


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
        # Lock and pick the agent first, so that the ticket is inserted already assigned
        # (no UPDATE after the INSERT) and its three events go in one INSERT.
        departments_lock([department.pk])
        candidates = agents_by_load(department_id=department.pk)
        agent = candidates[0] if candidates else None
        ticket = Ticket.objects.create(
            title=title,
            description=description,
            priority=priority,
            category=category,
            department=department,
            created_by=created_by,
            assigned_to=agent.user if agent else None,
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
                assignment_event(
                    ticket=ticket,
                    agent=agent,
                    previous=None,
                    mode="auto",
                    load_before=agent.open_load,
                )
            )
        events_record(events)
        route_log(ticket=ticket, candidates=candidates)
    return ticket


def ticket_transition(*, ticket: Ticket, status: str, actor) -> Ticket:
    """Move a ticket through the workflow; resolved_at follows the status (see the model).
    A move the workflow forbids from the current status is a ConflictError (409) listing the
    allowed ones: the request is valid, the ticket's state refuses it."""
    with transaction.atomic():
        ticket = _locked(ticket)
        allowed = ALLOWED_TRANSITIONS[ticket.status]
        if status not in allowed:
            raise ConflictError(
                f"Cannot go from {ticket.status} to {status}; allowed: {', '.join(allowed)}.",
                field="status",
                allowed=list(allowed),
            )
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        before = ticket.status
        ticket.status = status
        ticket.save(update_fields=["status"])
        event_record(
            ticket=ticket, kind=EventKind.STATUS_CHANGED, actor=actor, before=before, after=status
        )
    return ticket


def _assign(*, ticket: Ticket, agent: Agent, actor) -> Ticket:
    """Manual assignment; may exceed the agent's capacity or availability on purpose."""
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError("The ticket is closed; reopen it first.", field="status")
        if ticket.assigned_to_id == agent.user_id:
            return ticket
        departments_lock([agent.department_id, agent_department_id(ticket.assigned_to_id)])
        before = ticket.assigned_to_id
        ticket.assigned_to_id = agent.user_id
        ticket.save(update_fields=["assigned_to", "updated_at"])
        assignment_event(
            ticket=ticket, agent=agent, previous=before, actor=actor, mode="manual"
        ).save(force_insert=True)
    return ticket


def ticket_assign(*, ticket: Ticket, user_id: int, actor) -> Ticket:
    """Assign a ticket to the given agent (a user id); a non-agent is refused."""
    agent = _agent_or_error(user_id, field="assigned_to")
    return _assign(ticket=ticket, agent=agent, actor=actor)


def ticket_reassign(*, ticket: Ticket, actor, user_id: int | None = None) -> Ticket:
    """Give the ticket to the given agent, or, without one, route it again leaving out
    the current agent. Refused (409) when no other agent is eligible, leaving it as it was."""
    if user_id is not None:
        agent = _agent_or_error(user_id, field="agent")
        return _assign(ticket=ticket, agent=agent, actor=actor)

    with transaction.atomic():
        ticket = _locked(ticket)
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
    category=None,
) -> Ticket:
    """Edit text, priority or category; each change is an event.

    A category set by hand is recorded as classified_by=manual. When it moves the ticket to
    another department whose agents do not include the current assignee, the ticket is routed
    again there.
    """
    with transaction.atomic():
        ticket = _locked(ticket)
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

        department_moved = False
        if category is not None and category.pk != ticket.category_id:
            before = {
                "category": ticket.category.slug if ticket.category else None,
                "department": ticket.department.slug if ticket.department else None,
            }
            department_moved = category.department_id != ticket.department_id
            ticket.category = category
            ticket.department_id = category.department_id
            ticket.classified_by = ClassifiedBy.MANUAL
            ticket.confidence = None
            ticket.model_version = ""
            changed += ["category", "department", "classified_by", "confidence", "model_version"]
            event_record(
                ticket=ticket,
                kind=EventKind.CATEGORY_CHANGED,
                actor=actor,
                before=before,
                after={"category": category.slug, "department": category.department.slug},
            )

        if changed:
            ticket.save(update_fields=[*changed, "updated_at"])
        if department_moved and ticket.is_open:
            assignee_department = agent_department_id(ticket.assigned_to_id)
            if assignee_department != ticket.department_id:
                departments_lock([ticket.department_id, assignee_department])
                ticket_route(ticket=ticket, actor=actor)
    return ticket


def ticket_delete(*, ticket: Ticket) -> None:
    """Delete a ticket and its audit trail (staff only, enforced by the API)."""
    with transaction.atomic():
        ticket = _locked(ticket)
        departments_lock([agent_department_id(ticket.assigned_to_id)])
        ticket.delete()
