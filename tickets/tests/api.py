"""Small helpers shared by the API tests."""

from tickets.models import TicketEvent

TICKETS = "/api/tickets/"


def ticket_url(ticket, action: str | None = None, *, root: str = TICKETS) -> str:
    """`/api/tickets/<id>/` or `/api/tickets/<id>/<action>/`; `ticket` is a ticket or an id."""
    pk = getattr(ticket, "pk", ticket)
    return f"{root}{pk}/{action}/" if action else f"{root}{pk}/"


def event_kinds(ticket) -> list[str]:
    """The ticket's audit trail as stored, oldest first."""
    return list(
        TicketEvent.objects.filter(ticket_id=ticket.pk)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def last_event(ticket) -> TicketEvent:
    return TicketEvent.objects.filter(ticket_id=ticket.pk).order_by("created_at", "id").last()
