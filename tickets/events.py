"""The one place that writes audit events."""

from tickets.models import EventKind, Ticket, TicketEvent


def event_build(*, ticket: Ticket, kind: EventKind, actor=None, **payload) -> TicketEvent:
    """An audit row, not saved yet: see events_record."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        payload=payload,
    )


def event_record(*, ticket: Ticket, kind: EventKind, actor=None, **payload) -> TicketEvent:
    """Append an audit row. Call it inside the transaction that makes the change."""
    event = event_build(ticket=ticket, kind=kind, actor=actor, **payload)
    event.save(force_insert=True)
    return event


def events_record(events: list[TicketEvent]) -> None:
    """Append several audit rows in one INSERT, in this order (inside the transaction)."""
    TicketEvent.objects.bulk_create(events)
