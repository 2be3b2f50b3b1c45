"""Inbound mail (tickets/mail/): one row per message received at either door, with what became
of it. Ignored mail (auto-replies, bounces, loops) and refused mail are kept here too, so
staff can see in the admin why a message made no ticket."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tickets.models.conversation import TicketMessage
from tickets.models.ticket import Ticket


class InboundDoor(models.TextChoices):
    SMTP = "smtp", "SMTP listener"
    HTTP = "http", "HTTP endpoint"


class InboundOutcome(models.TextChoices):
    TICKET_OPENED = "ticket_opened", "Opened a ticket"
    REPLY_ADDED = "reply_added", "Added a reply"
    AUTO_REPLY = "auto_reply", "Ignored: auto-reply"
    BOUNCE = "bounce", "Ignored: bounce"
    LOOP = "loop", "Ignored: our own mail coming back"
    REFUSED = "refused", "Refused (oversize, malformed, undecodable, empty)"


IGNORED_OUTCOMES = (InboundOutcome.AUTO_REPLY, InboundOutcome.BOUNCE, InboundOutcome.LOOP)


class InboundMail(models.Model):
    """One message received, and what it became. The message itself is not kept: the ticket
    or reply it made is the record; for the others the headers below say enough."""

    received_at = models.DateTimeField(default=timezone.now)
    door = models.CharField(max_length=8, choices=InboundDoor.choices)
    outcome = models.CharField(max_length=16, choices=InboundOutcome.choices)
    # Why it was ignored or refused, or a note on what was done (e.g. attachments left out).
    reason = models.TextField(blank=True, default="")
    message_id = models.CharField(max_length=998, blank=True, default="")
    sender = models.CharField(max_length=320, blank=True, default="")
    subject = models.CharField(max_length=998, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The message it made: the reply, or the first message holding a new ticket's attachments.
    ticket_message = models.ForeignKey(
        TicketMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A user made for an unknown sender (no usable password): for staff to review.
    sender_created = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["outcome", "received_at"], name="inbound_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.subject[:60]}"
