"""The append-only audit trail of tickets."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tickets.models.ticket import Ticket


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    CLASSIFIED = "classified", "Classified"
    ASSIGNED = "assigned", "Assigned"
    REASSIGNED = "reassigned", "Reassigned"
    UNASSIGNED = "unassigned", "Unassigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    CATEGORY_CHANGED = "category_changed", "Category changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    UPDATED = "updated", "Text updated"
    # The conversation (tickets/conversation/): payload names the message and whether it is
    # an internal note, which a requester never sees.
    MESSAGE_ADDED = "message_added", "Message added"
    MESSAGE_EDITED = "message_edited", "Message edited"
    MESSAGE_DELETED = "message_deleted", "Message deleted"
    MESSAGE_REDACTED = "message_redacted", "Message redacted"
    # Service levels (tickets/sla/): one of each per ticket and target.
    SLA_WARNING = "sla_warning", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"


class AssignmentMode(models.TextChoices):
    """How an assignment was made, recorded on its event."""

    AUTO = "auto", "Routing"
    MANUAL = "manual", "By hand"


class TicketEvent(models.Model):
    """Append-only audit row, written in the same transaction as the change it records."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    # Empty actor: the system did it (routing, classification).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"
