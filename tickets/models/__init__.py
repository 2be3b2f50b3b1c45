"""The tickets app's models, one module per capability; import them from here."""

from tickets.models.category import Category
from tickets.models.conversation import AuthorRole, MessageAttachment, TicketMessage
from tickets.models.corrections import TriageCorrection
from tickets.models.events import AssignmentMode, EventKind, TicketEvent
from tickets.models.inbound import (
    IGNORED_OUTCOMES,
    InboundDoor,
    InboundMail,
    InboundOutcome,
)
from tickets.models.outbox import (
    MODEL_ACTIVATED,
    DeliveryState,
    Notification,
    NotificationKind,
    NotificationLanguage,
    NotificationPreference,
    OutboxEvent,
    OutboxSequence,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
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
    ModelGate,
    TrainingJob,
    TrainingJobStatus,
)

__all__ = [
    "MODEL_ACTIVATED",
    "ALLOWED_TRANSITIONS",
    "OPEN_STATUSES",
    "UNRESOLVED_STATUSES",
    "AssignmentMode",
    "AuthorRole",
    "Category",
    "ClassifiedBy",
    "ClassifierArtifact",
    "ClassifierModel",
    "EscalationAction",
    "EventKind",
    "ModelGate",
    "MessageAttachment",
    "DeliveryState",
    "IGNORED_OUTCOMES",
    "InboundDoor",
    "InboundMail",
    "InboundOutcome",
    "Notification",
    "NotificationKind",
    "NotificationLanguage",
    "NotificationPreference",
    "OutboxEvent",
    "OutboxSequence",
    "Priority",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketStatus",
    "TrainingJob",
    "TrainingJobStatus",
    "TriageCorrection",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
