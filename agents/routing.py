"""Who may take a ticket, and the locks that keep agents' loads exact under concurrency.

Lock order, the same for every writer (docs/architecture.md):
  1. the ticket row (`SELECT ... FOR UPDATE OF` the ticket), when the change is to a ticket;
  2. the department rows involved, in id order (`departments_lock`);
  3. agent rows, last: the last_assigned_at stamp and the load triggers' counter updates.
Routing reads the loads (`Agent.open_load`, kept by the database's triggers on the tickets
table) after taking the department lock, so under READ COMMITTED it sees every committed
change, and two simultaneous creations in one department run one after the other.
SQLite has no row locks: there the lock is skipped, and IMMEDIATE transactions serialise
writers instead.
"""

import functools
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q, QuerySet

from agents.models import Agent, Department

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
    # One fixed statement: building and compiling a queryset per creation cost more CPU than
    # PostgreSQL's work for it (docs/performance.md).
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [ids])


def agent_department_id(user_id: int | None) -> int | None:
    """The department of the agent with this user id (None for none, or a non-agent)."""
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
