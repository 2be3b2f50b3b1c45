"""Routing skips agents who are away, retired or off shift (agents.routing.agents_by_load), with
the time from Python (frozen here by time-machine), never from the database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agents.models import Calendar
from agents.routing import ROUTING_CANDIDATES, agents_by_load, departments_lock
from agents.tests.factories import AgentFactory, CalendarFactory, DepartmentFactory
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
WEDNESDAY_10 = dt.datetime(2025, 3, 5, 10, 0, tzinfo=ROME)
WEDNESDAY_NIGHT = dt.datetime(2025, 3, 5, 23, 0, tzinfo=ROME)
SATURDAY_10 = dt.datetime(2025, 3, 8, 10, 0, tzinfo=ROME)


def pick(department, **kwargs) -> list[int]:
    with transaction.atomic():
        departments_lock([department.pk])
        return [agent.user_id for agent in agents_by_load(department_id=department.pk, **kwargs)]


def loaded(agent, tickets: int):
    """Give the agent that many open tickets (their load, kept by the database)."""
    TicketFactory.create_batch(tickets, assigned_to=agent.user, department=agent.department)
    return agent


@pytest.fixture
def department():
    return DepartmentFactory()


def test_an_away_agent_is_skipped_until_their_return(department):
    away = AgentFactory(department=department, away_until=WEDNESDAY_10 + dt.timedelta(hours=2))
    busy = loaded(AgentFactory(department=department), 3)

    with time_machine.travel(WEDNESDAY_10, tick=False):
        assert pick(department) == [busy.pk]
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(hours=2), tick=False):
        assert pick(department) == [away.pk, busy.pk]


def test_away_is_compared_with_pythons_clock_not_the_databases():
    """Frozen in 2040, an absence until 2039 is over, though the database's clock says
    otherwise; frozen in 2000, an absence until 2001 is not."""
    department = DepartmentFactory()
    agent = AgentFactory(department=department, away_until=dt.datetime(2039, 1, 1, tzinfo=dt.UTC))

    with time_machine.travel(dt.datetime(2040, 1, 1, tzinfo=dt.UTC), tick=False):
        assert pick(department) == [agent.pk]
    agent.away_until = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    agent.save(update_fields=["away_until"])
    with time_machine.travel(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), tick=False):
        assert pick(department) == []


def test_a_retired_agent_is_never_picked(department):
    retired = AgentFactory(department=department, retired_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    active = loaded(AgentFactory(department=department), 5)

    assert pick(department) == [active.pk]
    assert retired.pk not in pick(department)


@pytest.mark.parametrize(
    ("instant", "on_shift"),
    [
        (WEDNESDAY_10, True),
        (WEDNESDAY_NIGHT, False),
        (SATURDAY_10, False),
        (dt.datetime(2025, 3, 5, 8, 30, tzinfo=dt.UTC), True),  # 09:30 in Rome
        (dt.datetime(2025, 3, 5, 7, 30, tzinfo=dt.UTC), False),  # 08:30 in Rome
    ],
)
def test_an_agent_off_shift_is_skipped(department, instant, on_shift):
    office = AgentFactory(department=department, calendar=CalendarFactory())
    always = loaded(AgentFactory(department=department), 4)

    with time_machine.travel(instant, tick=False):
        picked = pick(department)

    assert picked == ([office.pk, always.pk] if on_shift else [always.pk])


def test_holidays_close_the_calendar(department):
    christmas = AgentFactory(
        department=department, calendar=CalendarFactory(holidays=["2025-03-05"])
    )
    italy = AgentFactory(department=department, calendar=CalendarFactory(holiday_country="IT"))

    with time_machine.travel(WEDNESDAY_10, tick=False):
        assert pick(department) == [italy.pk]
    # 25 April, Liberation Day in Italy.
    with time_machine.travel(dt.datetime(2025, 4, 25, 10, 0, tzinfo=ROME), tick=False):
        assert pick(department) == [christmas.pk]


def test_the_departments_calendar_is_the_default_and_an_agents_own_wins():
    nights = CalendarFactory(weekly_hours={"wed": ["22:00-24:00"], "thu": ["00:00-06:00"]})
    department = DepartmentFactory(calendar=CalendarFactory())
    by_department = AgentFactory(department=department)
    night_owl = AgentFactory(department=department, calendar=nights)

    with time_machine.travel(WEDNESDAY_10, tick=False):
        assert pick(department) == [by_department.pk]
    with time_machine.travel(WEDNESDAY_NIGHT, tick=False):
        assert pick(department) == [night_owl.pk]


def test_time_zones_of_two_calendars(department):
    new_york = CalendarFactory(time_zone="America/New_York")
    rome = AgentFactory(department=department, calendar=CalendarFactory())
    ny = AgentFactory(department=department, calendar=new_york)

    # 16:00 in Rome is 10:00 in New York: both on shift; 19:00 in Rome, New York only.
    with time_machine.travel(dt.datetime(2025, 3, 5, 16, 0, tzinfo=ROME), tick=False):
        assert sorted(pick(department)) == sorted([rome.pk, ny.pk])
    with time_machine.travel(dt.datetime(2025, 3, 5, 19, 0, tzinfo=ROME), tick=False):
        assert pick(department) == [ny.pk]


def test_eleven_agents_off_shift_with_lower_loads_do_not_hide_one_on_shift(department):
    nights = CalendarFactory(weekly_hours={"wed": ["22:00-24:00"]})
    off_shift = [AgentFactory(department=department, calendar=nights) for _ in range(11)]
    on_shift = loaded(AgentFactory(department=department, calendar=CalendarFactory()), 2)
    assert len(off_shift) > ROUTING_CANDIDATES

    with time_machine.travel(WEDNESDAY_10, tick=False):
        with CaptureQueriesContext(connection) as first:
            assert pick(department) == [on_shift.pk]
        # Now known to be closed, the night calendar is left out of the query itself.
        with CaptureQueriesContext(connection) as second:
            assert pick(department) == [on_shift.pk]

    def picks(captured) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if 'FROM "agents_agent"' in q["sql"]]

    assert len(picks(first)) == 2  # the page of 10 off shift, then the page without them
    assert len(picks(second)) == 1
    with time_machine.travel(WEDNESDAY_NIGHT, tick=False):
        picked = pick(department)
    assert picked == [agent.pk for agent in off_shift][:ROUTING_CANDIDATES]


def test_one_query_when_everyone_is_on_shift(department):
    calendar = CalendarFactory()
    for _ in range(3):
        AgentFactory(department=department, calendar=calendar)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        pick(department)  # reads the calendar once
        with CaptureQueriesContext(connection) as captured:
            assert len(pick(department)) == 3

    reads = [q["sql"] for q in captured.captured_queries if 'FROM "agents_' in q["sql"]]
    assert len(reads) == 1  # the pick; the calendar is not read again


def test_a_calendar_changed_is_seen_at_once(department):
    calendar = CalendarFactory()
    agent = AgentFactory(department=department, calendar=calendar)

    with time_machine.travel(WEDNESDAY_NIGHT, tick=False):
        assert pick(department) == []
        calendar.weekly_hours = {"wed": ["09:00-24:00"]}
        calendar.save()
        assert pick(department) == [agent.pk]
        # And shortened again, through a fresh instance, as another request would.
        Calendar.objects.get(pk=calendar.pk).save()  # same hours, new revision
        fresh = Calendar.objects.get(pk=calendar.pk)
        fresh.weekly_hours = {"wed": ["09:00-12:00"]}
        fresh.save()
        assert pick(department) == []


def test_a_calendar_changed_elsewhere_is_seen_by_its_revision(department):
    """Another process saves the calendar: this one notices by the revision its rows bring."""
    calendar = CalendarFactory(weekly_hours={"wed": ["09:00-24:00"]})
    agent = AgentFactory(department=department, calendar=calendar)
    with time_machine.travel(WEDNESDAY_NIGHT, tick=False):
        assert pick(department) == [agent.pk]
        # An update this process's save() does not see (as from another process).
        Calendar.objects.filter(pk=calendar.pk).update(
            weekly_hours={"wed": ["09:00-12:00"]}, revision="00000000-0000-0000-0000-000000000001"
        )
        assert pick(department) == []
