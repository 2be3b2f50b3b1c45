"""Helpers shared by the conversation's tests."""

from tickets.models import TicketEvent


def messages_url(ticket, message=None, action=None) -> str:
    """`/api/tickets/<id>/messages/[<message id>/[<action>/]]`."""
    url = f"/api/tickets/{getattr(ticket, 'pk', ticket)}/messages/"
    if message is not None:
        url += f"{getattr(message, 'pk', message)}/"
    if action:
        url += f"{action}/"
    return url


def send(client, ticket, body="Hello", **fields):
    """POST a JSON message; returns the response."""
    return client.post(messages_url(ticket), {"body": body, **fields}, format="json")


def trail(ticket) -> list[tuple[str, dict]]:
    """The ticket's events in the order they were written: (kind, payload)."""
    return [
        (e.kind, e.payload) for e in TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("id")
    ]
