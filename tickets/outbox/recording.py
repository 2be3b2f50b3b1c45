"""Writing outbox rows, in the caller's transaction: tickets/events.py calls it for every
audit event, triage's model activation for events without a ticket."""

import threading
from collections import defaultdict

from django.db import connection
from django.utils.module_loading import import_string

from tickets.models import EventKind, OutboxEvent, OutboxSequence, Ticket, TicketEvent

# Named, not imported: every write path (SLA sweep included) records events through here,
# and the API's serializer reads the SLA state; importing it would make the lowest layer
# depend on the highest (an import cycle the layering contracts refuse).
SNAPSHOT_SERIALIZER = "tickets.serializers.TicketSerializer"
_RELATIONS = ("category", "department", "created_by", "assigned_to")


def ticket_snapshot(ticket: Ticket) -> dict:
    """The ticket as staff see it in the API (GET /api/tickets/{id}/), as it is in memory
    now. Relations not loaded yet come in one query, not one each."""
    missing = [
        name
        for name in _RELATIONS
        if getattr(ticket, f"{name}_id") is not None
        and not Ticket._meta.get_field(name).is_cached(ticket)
    ]
    if len(missing) > 1:
        stored = Ticket.objects.select_related(*missing).only("pk", *missing).get(pk=ticket.pk)
        for name in missing:
            if getattr(stored, f"{name}_id") == getattr(ticket, f"{name}_id"):
                setattr(ticket, name, getattr(stored, name))
    return dict(_snapshot_serializer().to_representation(ticket))


_serializers = threading.local()


def _snapshot_serializer():
    """One serializer per thread, its fields built once: building them for every event cost
    more than rendering the ticket (about half of the snapshot's time on the hot path)."""
    serializer = getattr(_serializers, "ticket", None)
    if serializer is None:
        serializer = _serializers.ticket = import_string(SNAPSHOT_SERIALIZER)()
    return serializer


def _sequence_reserve(ticket_id: int, count: int) -> int:
    """Reserve `count` sequence numbers for the ticket; returns the last one. One statement,
    safe under concurrent writers: the counter row stays locked until the transaction ends,
    and a ticket's first counter starts after the events it already has (its creation's)."""
    table = OutboxSequence._meta.db_table
    events = OutboxEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, last) "  # noqa: S608 - our table names
            f"VALUES (%s, (SELECT COALESCE(MAX(sequence), 0) FROM {events} "
            f"WHERE ticket_id = %s) + %s) "
            f"ON CONFLICT (ticket_id) DO UPDATE SET last = {table}.last + %s RETURNING last",
            [ticket_id, ticket_id, count, count],
        )
        return cursor.fetchone()[0]


def outbox_record_ticket_events(events: list[TicketEvent]) -> None:
    """One outbox row per audit event (in one INSERT), with the ticket's next sequence
    numbers and its snapshot. Inside the transaction of the change."""
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in events:
        by_ticket[event.ticket_id].append(event)
    rows = []
    for ticket_events in by_ticket.values():
        ticket = ticket_events[0].ticket
        # A ticket created in this batch has no earlier events: no counter to ask.
        if any(event.kind == EventKind.CREATED for event in ticket_events):
            last = len(ticket_events)
        else:
            last = _sequence_reserve(ticket.pk, len(ticket_events))
        snapshot = ticket_snapshot(ticket)
        first = last - len(ticket_events) + 1
        for offset, event in enumerate(ticket_events):
            rows.append(
                OutboxEvent(
                    kind=event.kind,
                    ticket_id=ticket.pk,
                    sequence=first + offset,
                    occurred_at=event.created_at,
                    actor_id=event.actor_id,
                    payload=event.payload,
                    snapshot=snapshot,
                )
            )
    OutboxEvent.objects.bulk_create(rows)


def outbox_record(*, kind: str, actor=None, **payload) -> OutboxEvent:
    """An event that is not about a ticket (a model activated), inside its transaction."""
    return OutboxEvent.objects.create(
        kind=kind,
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        payload=payload,
    )
