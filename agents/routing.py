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

import datetime as dt
import functools
from collections.abc import Iterable

from django.db import transaction
from django.db.models import BigIntegerField, BooleanField, F, Q, QuerySet, UUIDField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agents import shifts
from agents.models import Agent, Calendar, Department

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


def agents_by_load(
    *,
    department_id: int,
    exclude_user_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> list[Agent]:
    """The department's agents that may take a ticket now, best first: fewest open tickets,
    then assigned least recently (never assigned first), then the lowest id. The first is the
    one to route to; at most ROUTING_CANDIDATES are returned.

    Eligible: not retired, available, under capacity, not away (`away_until` passed, compared
    with Python's clock, never the database's) and on shift (their calendar, else their
    department's, open at `now`; no calendar: always). Whether a calendar is open is decided
    in Python, once per calendar (agents/shifts.py). The query leaves out the calendars this
    process knows to be closed now and returns each candidate's calendar id and revision;
    when the page still holds agents off shift (a calendar met for the first time, or
    changed), it runs again without their calendars, so agents off shift never hide one on
    shift beyond the first page. Everyone on shift, as usual: one query.

    The caller must hold the department's lock (see departments_lock).
    """
    now = now or timezone.now()
    in_department_and_back = RawSQL(  # noqa: S611 - fixed SQL, values as parameters
        _IN_DEPARTMENT_AND_BACK_SQL, (department_id, now), output_field=BooleanField()
    )
    candidates = _eligible_agents().filter(in_department_and_back)
    excluded = list(exclude_user_ids)
    if excluded:
        candidates = candidates.exclude(user_id__in=excluded)
    closed = set(shifts.calendars_closed_at(now))
    while True:
        page = candidates
        if closed:
            # The database knows nothing of the annotation's NULLs: say them (no calendar).
            page = page.filter(
                Q(shift_calendar_id__isnull=True) | ~Q(shift_calendar_id__in=sorted(closed))
            )
        agents = list(page[:ROUTING_CANDIDATES])
        off_shift = {
            agent.shift_calendar_id
            for agent in agents
            if not shifts.on_shift(agent.shift_calendar_id, agent.shift_revision, now)
        }
        if not off_shift:
            return agents
        closed |= off_shift


# The calendar of an agent's hours: their own, else their department's; and its revision.
# Written as SQL (from the tables' names only): the ORM's joins for them cost more CPU to
# compile on every routing than the rest of the query.
_AGENTS = Agent._meta.db_table
_CALENDARS = Calendar._meta.db_table
_SHIFT_CALENDAR_SQL = (
    f'COALESCE("{_AGENTS}"."calendar_id", (SELECT d."calendar_id" FROM "{_DEPARTMENTS}" d '  # noqa: S608
    f'WHERE d."id" = "{_AGENTS}"."department_id"))'
)
_SHIFT_REVISION_SQL = (
    f'(SELECT c."revision" FROM "{_CALENDARS}" c WHERE c."id" = {_SHIFT_CALENDAR_SQL})'  # noqa: S608
)


# The department's agents who are not away at a time given by Python (one fixed condition:
# two ORM filters per routing cost more CPU to compile than the query takes to run).
_IN_DEPARTMENT_AND_BACK_SQL = (
    f'"{_AGENTS}"."department_id" = %s AND '
    f'("{_AGENTS}"."away_until" IS NULL OR "{_AGENTS}"."away_until" <= %s)'
)


@functools.cache
def _eligible_agents() -> QuerySet[Agent]:
    # Built once per process and cloned by each call (a queryset is lazy: this reads nothing
    # here): building it per call cost as much CPU as running it.
    # With its user (the new ticket's assignee is rendered in the response), not its
    # department, which the caller knows; with the id and revision of the calendar of its
    # hours (its own, else its department's), not the calendar itself, kept per process.
    return (
        Agent.objects.select_related("user")
        .filter(is_available=True, retired_at__isnull=True)
        .filter(Q(max_open_tickets__isnull=True) | Q(open_load__lt=F("max_open_tickets")))
        .annotate(
            shift_calendar_id=RawSQL(  # noqa: S611 - no input
                _SHIFT_CALENDAR_SQL, (), output_field=BigIntegerField()
            ),
            shift_revision=RawSQL(  # noqa: S611
                _SHIFT_REVISION_SQL, (), output_field=UUIDField()
            ),
        )
        .order_by("open_load", F("last_assigned_at").asc(nulls_first=True), "user_id")
    )
