"""The one place that writes audit events."""

from tickets.models import EventKind, Ticket, TicketEvent


def event_record(*, ticket: Ticket, kind: EventKind, actor=None, **payload) -> TicketEvent:
    """Append an audit row. Call it inside the transaction that makes the change."""
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        payload=payload,
    )
