"""The one place that writes audit events, and with them the outbox (tickets/outbox/):
whatever kind of event a change writes here also goes out to webhooks and by email."""

from tickets.models import EventKind, Ticket, TicketEvent
from tickets.outbox.recording import outbox_record_ticket_events


def event_build(*, ticket: Ticket, kind: EventKind, actor=None, **payload) -> TicketEvent:
    """An audit row, not saved yet: see events_record."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        payload=payload,
    )


def event_record(*, ticket: Ticket, kind: EventKind, actor=None, **payload) -> TicketEvent:
    """Append an audit row and its outbox row. Call it inside the transaction that makes the
    change, once the ticket in memory shows the change (its snapshot goes out)."""
    event = event_build(ticket=ticket, kind=kind, actor=actor, **payload)
    events_record([event])
    return event


def events_record(events: list[TicketEvent]) -> None:
    """Append several audit rows in one INSERT, in this order, and their outbox rows in
    another (inside the transaction)."""
    TicketEvent.objects.bulk_create(events)
    outbox_record_ticket_events(events)
