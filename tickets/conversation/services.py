"""The conversation's write path: one function per change, each in one transaction that takes
the documented locks (agents/routing.py: the ticket row, then the assignee's department) and
writes its audit events.

Every message event's payload names the message, whether it is an internal note and the
author's role, so that readers (the requester's view of the trail, notifications) can leave
notes out without reading the message."""

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from agents.routing import agent_department_id, departments_lock
from config.api.exceptions import ConflictError, DomainError
from tickets.conversation.access import conversation_role
from tickets.conversation.attachments import CheckedAttachment
from tickets.events import event_record
from tickets.models import (
    AuthorRole,
    EventKind,
    MessageAttachment,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.models.conversation import attachment_path
from tickets.services import ticket_lock
from tickets.services.workflow import status_change
from tickets.sla.services import sla_first_response_record

NOTES_ARE_STAFF_ONLY = "Only agents and staff write internal notes."
STATUS_IS_STAFF_ONLY = "Only agents and staff set the status with a message."
NOTE_KEEPS_STATUS = (
    "A note does not change the status: send it with a public reply, or use "
    "POST /api/tickets/{id}/transition/."
)
CLOSED_FOR_REQUESTER = "This ticket is closed and takes no more replies; please open a new ticket."
CLOSED_FOR_AGENT = 'The ticket is closed; reopen it first (or send "status": "OPEN" with it).'
PUBLIC_IS_RECORD = (
    "Public replies are part of the record: they are never edited or deleted (staff may "
    "redact their text)."
)
NOTE_AUTHOR_ONLY = "Only the author of a note may edit or delete it."


def _role_or_refuse(*, user, ticket: Ticket) -> AuthorRole:
    role = conversation_role(user=user, ticket=ticket)
    if role is None:  # e.g. an agent moved out of the ticket's department meanwhile
        raise PermissionDenied("You no longer take part in this ticket's conversation.")
    return role


def _status_after(
    *, ticket: Ticket, role: AuthorRole, internal: bool, status: str | None
) -> str | None:
    """The status this message moves the ticket to (None: it stays), or the refusal."""
    requester = role == AuthorRole.REQUESTER
    if internal and requester:
        raise PermissionDenied(NOTES_ARE_STAFF_ONLY)
    if status is not None:
        if requester:
            raise PermissionDenied(STATUS_IS_STAFF_ONLY)
        if internal:
            raise DomainError(NOTE_KEEPS_STATUS, field="status")
    if internal:
        return None
    if ticket.status == TicketStatus.CLOSED and (requester or status is None):
        raise ConflictError(CLOSED_FOR_REQUESTER if requester else CLOSED_FOR_AGENT, field="status")
    if not requester:
        return status if status is not None and status != ticket.status else None
    # The requester answered: a ticket waiting on them goes back to the agents, and a
    # resolved one is reopened (CONVERSATION_REOPEN_ON_REPLY).
    if ticket.status == TicketStatus.PENDING:
        return TicketStatus.OPEN
    if ticket.status == TicketStatus.RESOLVED and settings.CONVERSATION_REOPEN_ON_REPLY:
        return TicketStatus.OPEN
    return None


def message_create(
    *,
    ticket: Ticket,
    author,
    body: str,
    internal: bool = False,
    status: str | None = None,
    attachments: Sequence[CheckedAttachment] = (),
) -> TicketMessage:
    """Add a public reply or an internal note, with its attachments, and the status change it
    causes, all or nothing.

    A public reply by an agent or staff sets the ticket's first_response_at (once) and may
    move the ticket (`status`, e.g. PENDING: waiting on the requester); the requester's reply
    moves a PENDING ticket back to OPEN and reopens a RESOLVED one; nobody replies on a
    CLOSED ticket without reopening it. Status changes go through the workflow
    (tickets.services.workflow.status_change) and write their own event after
    `message_added`. Files are written to the storage before the transaction (no lock held
    during the I/O) and removed again if it fails."""
    # Refuse early what the ticket as read already refuses, before writing any file.
    _status_after(
        ticket=ticket,
        role=_role_or_refuse(user=author, ticket=ticket),
        internal=internal,
        status=status,
    )
    stored = [default_storage.save(attachment_path(None, a.name), a.file) for a in attachments]
    try:
        with transaction.atomic():
            ticket = ticket_lock(ticket)
            role = _role_or_refuse(user=author, ticket=ticket)
            new_status = _status_after(ticket=ticket, role=role, internal=internal, status=status)
            if new_status is not None:
                departments_lock([agent_department_id(ticket.assigned_to_id)])
            message = TicketMessage.objects.create(
                ticket=ticket, author=author, author_role=role, internal=internal, body=body
            )
            MessageAttachment.objects.bulk_create(
                MessageAttachment(
                    message=message,
                    file=name,
                    name=a.name,
                    content_type=a.content_type,
                    size=a.size,
                    created_at=message.created_at,
                )
                for name, a in zip(stored, attachments, strict=True)
            )
            payload = {"message": message.pk, "internal": internal, "author_role": role.value}
            if attachments:
                payload["attachments"] = len(attachments)
            if not internal:
                # A note leaves no trace a requester could see, not even updated_at.
                fields = ["updated_at"]
                if role != AuthorRole.REQUESTER and ticket.first_response_at is None:
                    # Sets first_response_at and moves the SLA sweep's next look (tickets/sla/).
                    fields += sla_first_response_record(ticket, message.created_at)
                    payload["first_response"] = True
                ticket.save(update_fields=fields)
            event_record(ticket=ticket, kind=EventKind.MESSAGE_ADDED, actor=author, **payload)
            if new_status is not None:
                status_change(ticket=ticket, status=new_status, actor=author)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    message.ticket = ticket
    return message


def _message_lock(message: TicketMessage) -> TicketMessage:
    """The message as it is once its ticket's row is locked (the first lock of any change to
    a ticket, so changes to one conversation run one after the other)."""
    ticket_lock(message.ticket)
    current = TicketMessage.objects.select_related("ticket").filter(pk=message.pk).first()
    if current is None:
        raise ConflictError("The message was deleted meanwhile.", field="message")
    return current


def _note_check(*, message: TicketMessage, actor) -> None:
    if not message.internal:
        raise PermissionDenied(PUBLIC_IS_RECORD)
    if message.author_id is None or message.author_id != actor.pk:
        raise PermissionDenied(NOTE_AUTHOR_ONLY)
    if message.redacted_at is not None:
        raise ConflictError("The note was redacted by staff.", field="message")
    minutes = settings.CONVERSATION_NOTE_EDIT_MINUTES
    if timezone.now() > message.created_at + timedelta(minutes=minutes):
        raise ConflictError(
            f"A note can be edited or deleted for {minutes} minutes after it was written.",
            field="message",
        )


def _message_payload(message: TicketMessage) -> dict:
    return {
        "message": message.pk,
        "internal": message.internal,
        "author_role": message.author_role,
    }


def message_edit(*, message: TicketMessage, actor, body: str | None) -> TicketMessage:
    """Change the text of an internal note: by its author, within
    CONVERSATION_NOTE_EDIT_MINUTES of writing it (no body: nothing changes)."""
    with transaction.atomic():
        message = _message_lock(message)
        _note_check(message=message, actor=actor)
        if body is None or body == message.body:
            return message
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        event_record(
            ticket=message.ticket,
            kind=EventKind.MESSAGE_EDITED,
            actor=actor,
            **_message_payload(message),
        )
    return message


def message_delete(*, message: TicketMessage, actor) -> None:
    """Delete an internal note and its attachments: by its author, within
    CONVERSATION_NOTE_EDIT_MINUTES of writing it. The files go once the deletion commits."""
    with transaction.atomic():
        message = _message_lock(message)
        _note_check(message=message, actor=actor)
        payload = _message_payload(message)
        message.delete()
        event_record(ticket=message.ticket, kind=EventKind.MESSAGE_DELETED, actor=actor, **payload)


def message_redact(*, message: TicketMessage, actor, attachments: bool = False) -> TicketMessage:
    """Blank a message's text (staff only, enforced by the API), and with `attachments` also
    remove its files: for what should never have been written, public or not. The event says
    who and when; the text is not kept anywhere."""
    with transaction.atomic():
        message = _message_lock(message)
        if message.redacted_at is not None:
            raise ConflictError("The message was already redacted.", field="message")
        message.body = ""
        message.redacted_at = timezone.now()
        message.redacted_by = actor
        message.save(update_fields=["body", "redacted_at", "redacted_by"])
        removed = 0
        if attachments:
            # Each row's deletion schedules its file's (tickets/models/conversation.py).
            removed, _ = message.attachments.all().delete()
        event_record(
            ticket=message.ticket,
            kind=EventKind.MESSAGE_REDACTED,
            actor=actor,
            attachments_removed=removed,
            **_message_payload(message),
        )
    return message
