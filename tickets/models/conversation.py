"""The conversation on a ticket: public replies, internal notes and their attachments."""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils import timezone

from tickets.models.ticket import Ticket


class AuthorRole(models.TextChoices):
    """What the author was on this ticket when they wrote: it decides nothing later, but the
    audit trail and the first-response clock need to know who spoke."""

    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"
    STAFF = "staff", "Staff"


class TicketMessage(models.Model):
    """One message of a ticket's conversation. A public reply is part of the record: it is
    never edited or deleted, only redacted by staff. An internal note (`internal`) is for
    agents and staff alone; a requester never learns it exists."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # Deleting a user keeps what they wrote.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_role = models.CharField(max_length=16, choices=AuthorRole.choices)
    internal = models.BooleanField(default=False)
    # Bounded by CONVERSATION_BODY_MAX_CHARS when written (a setting, so not a column limit).
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_time_idx"),
        ]

    def __str__(self) -> str:
        kind = "note" if self.internal else "reply"
        return f"{kind} {self.pk} on ticket {self.ticket_id}"


def attachment_path(instance, filename: str) -> str:
    """A random storage name: never the uploader's file name, never guessable."""
    return f"conversation/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class MessageAttachment(models.Model):
    """A file sent with a message, in the default storage (STORAGES["default"]); served only
    through the API to those who may see its message."""

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    # The uploader's file name, cleaned, with the extension of its detected type.
    name = models.CharField(max_length=255)
    # Detected from the content, not taken from the client.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def _attachment_file_delete(sender, instance: MessageAttachment, **kwargs) -> None:
    # Storage housekeeping, whatever deleted the row (a note's deletion, a ticket's cascade,
    # the admin): the file goes once the deletion has committed, never on a rollback.
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


post_delete.connect(_attachment_file_delete, sender=MessageAttachment)
