"""Who gets a ticket, and the locking discipline that keeps loads exact under concurrency.

Every change to an agent's load (routing, manual assignment, status change, deletion) first
locks the department rows involved, in id order, with SELECT ... FOR UPDATE. Routing then
reads the loads (`Agent.open_load`, kept by the database's triggers: tickets/load_triggers.py)
*after* taking the lock, so under READ COMMITTED it always sees every committed change, and
two simultaneous creations in one department run one after the other.
(SQLite has no row locks: there the lock is skipped, and IMMEDIATE transactions serialise
writers instead.)
"""

import functools
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agents.models import Agent, Department
from tickets.events import event_build, event_record
from tickets.models import EventKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)


# PostgreSQL; built from the table's name only.
_DEPARTMENTS = Department._meta.db_table
_LOCK_SQL = f"SELECT id FROM {_DEPARTMENTS} WHERE id = ANY(%s) ORDER BY id FOR UPDATE"  # noqa: S608


def departments_lock(department_ids: Iterable[int | None]) -> None:
    """Take the routing lock of each department, always in id order so no two can deadlock."""
    ids = sorted({pk for pk in department_ids if pk is not None})
    if not ids:
        return
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        # SQLite has no row locks: the IMMEDIATE transaction already holds its write lock.
        return
    # One fixed statement instead of a queryset: building and compiling the queryset on
    # every creation cost more CPU than PostgreSQL's work for it.
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [ids])


def agent_department_id(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return Agent.objects.filter(user_id=user_id).values_list("department_id", flat=True).first()


# How many eligible agents a routing decision reads: the one chosen and the runners-up that
# the routing log shows with their loads.
ROUTING_CANDIDATES = 10


def agents_by_load(*, department_id: int, exclude_user_ids: Iterable[int] = ()) -> list[Agent]:
    """The department's available agents under capacity, best first: fewest open tickets,
    then assigned least recently (never assigned first), then the lowest id. The first is the
    one to route to; at most ROUTING_CANDIDATES are read.

    The caller must hold the department's lock (see departments_lock).
    """
    candidates = _eligible_agents().filter(department_id=department_id)
    excluded = list(exclude_user_ids)
    if excluded:
        candidates = candidates.exclude(user_id__in=excluded)
    return list(candidates[:ROUTING_CANDIDATES])


@functools.cache
def _eligible_agents() -> QuerySet[Agent]:
    # Built once per process and cloned by each call (a queryset is lazy: this reads nothing
    # here): building it per call cost as much CPU as running it.
    # With its user (the new ticket's assignee is rendered in the response), not its
    # department, which the caller knows.
    return (
        Agent.objects.select_related("user")
        .filter(is_available=True)
        .filter(Q(max_open_tickets__isnull=True) | Q(open_load__lt=F("max_open_tickets")))
        .order_by("open_load", F("last_assigned_at").asc(nulls_first=True), "user_id")
    )


def route_log(*, ticket: Ticket, candidates: list[Agent]) -> None:
    """The routing decision at INFO: where the ticket went, why, and the candidates' loads."""
    agent = candidates[0] if candidates else None
    logger.info(
        "routing ticket=%s department=%s category=%s classified_by=%s confidence=%s "
        "agent=%s load=%s candidates=%s",
        ticket.pk,
        ticket.department_id,
        ticket.category_id,
        ticket.classified_by,
        ticket.confidence,
        agent.user_id if agent else None,
        agent.open_load if agent else None,
        ",".join(f"{candidate.user_id}:{candidate.open_load}" for candidate in candidates),
    )


def assignment_event(
    *, ticket: Ticket, agent: Agent, previous: int | None, actor=None, mode: str, **details
) -> TicketEvent:
    """Giving a ticket to an agent: stamps the agent's last_assigned_at (the routing
    tie-break) and returns the audit event, unsaved, for the caller to record with its others.
    Every assignment goes through here: routing, creation, manual assignment."""
    Agent.objects.filter(pk=agent.pk).update(last_assigned_at=timezone.now())
    return event_build(
        ticket=ticket,
        kind=EventKind.REASSIGNED if previous is not None else EventKind.ASSIGNED,
        actor=actor,
        before=previous,
        after=agent.user_id,
        mode=mode,
        **details,
    )


def ticket_route(
    *, ticket: Ticket, actor=None, exclude_user_ids: Iterable[int] = ()
) -> Agent | None:
    """Assign the ticket to its department's least-loaded eligible agent.

    Runs inside the caller's transaction, which must already hold the locks of the ticket's
    department and of the current assignee's department. With no eligible agent the ticket
    stays (or becomes) unassigned in its department's queue.
    """
    assert transaction.get_connection().in_atomic_block, "ticket_route needs a transaction"
    if ticket.department_id is None:
        return None
    candidates = agents_by_load(
        department_id=ticket.department_id, exclude_user_ids=exclude_user_ids
    )
    agent = candidates[0] if candidates else None
    previous = ticket.assigned_to_id
    new = agent.user_id if agent else None
    route_log(ticket=ticket, candidates=candidates)
    if new == previous:
        return agent
    ticket.assigned_to_id = new
    ticket.save(update_fields=["assigned_to", "updated_at"])
    if agent is not None:
        assignment_event(
            ticket=ticket,
            agent=agent,
            previous=previous,
            actor=actor,
            mode="auto",
            load_before=agent.open_load,
        ).save(force_insert=True)
    else:
        event_record(
            ticket=ticket, kind=EventKind.UNASSIGNED, actor=actor, before=previous, after=None
        )
    return agent
