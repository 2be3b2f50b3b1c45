"""The outbox: domain events written in the transaction of their change, and their delivery
to webhooks and by email (tickets/outbox/)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# The one event kind that is not about a ticket (the others are EventKind's, tickets/events.py).
MODEL_ACTIVATED = "model_activated"


class OutboxEvent(models.Model):
    """One domain event, written in the same transaction as the change that caused it.

    `ticket_id` is a plain number, not a foreign key: the event outlives a deleted ticket
    (and its audit rows), and a model activation has no ticket at all."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    # 1, 2, 3 ... per ticket, in the order the events were written; empty without a ticket.
    sequence = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # The ticket as staff see it in the API, when the event was written.
    snapshot = models.JSONField(null=True, blank=True)
    # Set once the dispatcher has made this event's deliveries and notifications.
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_id", "sequence"],
                condition=models.Q(ticket_id__isnull=False),
                name="outbox_ticket_sequence_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(routed_at__isnull=True), name="outbox_unrouted"
            ),
            models.Index(fields=["ticket_id", "sequence"], name="outbox_ticket_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


class OutboxSequence(models.Model):
    """The last sequence number given to a ticket's events (tickets/outbox/recording.py)."""

    ticket_id = models.BigIntegerField(primary_key=True)
    last = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"ticket {self.ticket_id}: {self.last}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookEndpoint(models.Model):
    """A URL that receives the events of the kinds it asks for, signed with its secret."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    # Event kinds wanted; ["*"] for every kind.
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)
    # Why the dispatcher disabled it (empty when staff did, or when active).
    disabled_reason = models.TextField(blank=True, default="")
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last success (empty while it succeeds).
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return "*" in self.event_types or kind in self.event_types


class WebhookDelivery(models.Model):
    """One event to one endpoint: pending until delivered, or failed after a day of retries.

    `next_attempt_at` is also the lease: a dispatcher that claims the delivery moves it
    OUTBOX_LEASE_SECONDS ahead, so a dispatcher killed mid-delivery gives it back then."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Retries stop (failed) once this passes: the first try plus WEBHOOK_RETRY_HOURS.
    give_up_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_event_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error[:40]} in {self.latency_ms} ms"


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", "A ticket assigned to me"
    PUBLIC_REPLY = "public_reply", "A public reply on my ticket"
    RESOLVED = "resolved", "My ticket resolved"
    SLA_WARNING = "sla_warning", "A ticket of my department about to breach its SLA"


class NotificationLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    ITALIAN = "it", "Italiano"
    GERMAN = "de", "Deutsch"


class NotificationPreference(models.Model):
    """A user's language for notifications and the kinds they switched off (no row: English,
    everything on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(
        max_length=8, choices=NotificationLanguage.choices, default=NotificationLanguage.ENGLISH
    )
    # NotificationKind values the user does not want.
    muted = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class Notification(models.Model):
    """One email to one user about one event, sent by the dispatcher (never in a request)."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # Unguessable: in the Reply-To address and the Message-ID, for inbound mail to find it.
    reply_token = models.CharField(max_length=64, unique=True)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    give_up_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient", "kind"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending"),
                name="notification_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.state})"
