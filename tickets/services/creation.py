"""Opening a ticket: classify outside any lock, then create, route and audit it in one
small transaction."""

from django.db import transaction
from django.utils import timezone

from agents.routing import agents_by_load, departments_lock
from ml.types import Prediction
from tickets.events import event_build, events_record
from tickets.models import AssignmentMode, Category, ClassifiedBy, EventKind, Priority, Ticket
from tickets.routing import assignment_change, route_log
from tickets.services.common import department_general
from tickets.sla.services import sla_ticket_open
from tickets.triage.classification import ticket_triage


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
            created_at=timezone.now(),
        )
        sla_ticket_open(ticket)  # its due instants, from the policy kept per process
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
                explanation=prediction.explanation,
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
