"""The tickets app's models, one module per capability; import them from here."""

from tickets.models.category import Category
from tickets.models.events import AssignmentMode, EventKind, TicketEvent
from tickets.models.sla import EscalationAction, SlaPolicy
from tickets.models.ticket import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    UNRESOLVED_STATUSES,
    ClassifiedBy,
    Priority,
    Ticket,
    TicketStatus,
)
from tickets.models.triage import (
    ClassifierArtifact,
    ClassifierModel,
    TrainingJob,
    TrainingJobStatus,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "OPEN_STATUSES",
    "UNRESOLVED_STATUSES",
    "AssignmentMode",
    "Category",
    "ClassifiedBy",
    "ClassifierArtifact",
    "ClassifierModel",
    "EscalationAction",
    "EventKind",
    "Priority",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "TrainingJob",
    "TrainingJobStatus",
]
