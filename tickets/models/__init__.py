"""The tickets app's models, one module per capability; import them from here."""

from tickets.models.category import Category
from tickets.models.conversation import AuthorRole, MessageAttachment, TicketMessage
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
    "DeliveryState",
    "EventKind",
    "IGNORED_OUTCOMES",
    "InboundDoor",
    "InboundMail",
    "InboundOutcome",
    "MessageAttachment",
    "Notification",
    "NotificationKind",
    "NotificationLanguage",
    "NotificationPreference",
    "OutboxEvent",
    "OutboxSequence",
    "Priority",
    "Ticket",
    "TicketEvent",
    "TicketMessage",
    "TicketStatus",
    "TrainingJob",
    "TrainingJobStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
