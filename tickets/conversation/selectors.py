"""Reads of the conversation, scoped to what the user may see: a requester sees public
replies only, and a note's id is as unknown to them as any other."""

from django.db.models import Q, QuerySet
from django.http import Http404

from tickets.conversation.access import user_sees_notes
from tickets.models import EventKind, MessageAttachment, Ticket, TicketEvent, TicketMessage
from tickets.selectors import ticket_event_list

# The events that speak of one message; those of a note are hidden with it.
MESSAGE_EVENT_KINDS = (
    EventKind.MESSAGE_ADDED,
    EventKind.MESSAGE_EDITED,
    EventKind.MESSAGE_DELETED,
    EventKind.MESSAGE_REDACTED,
)
NOTE_EVENTS = Q(kind__in=MESSAGE_EVENT_KINDS, payload__internal=True)


def message_list(*, ticket: Ticket, user) -> QuerySet[TicketMessage]:
    """The ticket's messages the user may see, oldest first, with what they render."""
    messages = (
        TicketMessage.objects.filter(ticket_id=ticket.pk)
        .select_related("author", "redacted_by")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    if not user_sees_notes(user=user, ticket=ticket):
        messages = messages.filter(internal=False)
    return messages


def message_get(*, ticket: Ticket, user, message_id: int) -> TicketMessage:
    """One message of the ticket the user may see; Http404 otherwise."""
    message = message_list(ticket=ticket, user=user).filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message.")
    message.ticket = ticket
    return message


def attachment_get(
    *, ticket: Ticket, user, message_id: int, attachment_id: int
) -> MessageAttachment:
    """One attachment of a message the user may see; Http404 otherwise."""
    attachments = MessageAttachment.objects.filter(
        pk=attachment_id, message_id=message_id, message__ticket_id=ticket.pk
    )
    if not user_sees_notes(user=user, ticket=ticket):
        attachments = attachments.filter(message__internal=False)
    attachment = attachments.first()
    if attachment is None:
        raise Http404("No such attachment.")
    return attachment


def event_list_visible(*, ticket: Ticket, user) -> QuerySet[TicketEvent]:
    """The ticket's audit trail as the user may see it: without the events of internal notes
    for a requester (every message event's payload says whether it is about a note)."""
    events = ticket_event_list(ticket=ticket)
    if not user_sees_notes(user=user, ticket=ticket):
        events = events.exclude(NOTE_EVENTS)
    return events
