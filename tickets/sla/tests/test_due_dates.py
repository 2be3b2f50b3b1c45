"""Due dates: computed at creation on business hours (weekends, holidays, DST), pushed out by
time spent in PENDING, computed again on a priority or department change. Time is frozen."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.tests.factories import CalendarFactory
from tickets import services
from tickets.models import Priority, TicketStatus
from tickets.sla.clock import pauses
from tickets.tests.factories import CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
UTC = dt.UTC


def rome(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


@pytest.fixture
def billing(db):
    return CategoryFactory(slug="sla-billing")


def open_ticket(category, priority=Priority.HIGH, at=None):
    with time_machine.travel(at, tick=False):
        return services.ticket_create(
            title="Invoice",
            description="Wrong amount.",
            priority=priority,
            created_by=UserFactory(),
            category=category,
        )


def test_due_dates_skip_the_night_the_weekend_and_a_holiday(billing, office_hours, make_policy):
    make_policy(department=billing.department, calendar=office_hours)
    # Thursday 24 December 2026, 16:00: one business hour left that day; Christmas (Friday) is
    # a holiday, then the weekend; business resumes Monday 28 at 09:00.
    ticket = open_ticket(billing, at=rome(2026, 12, 24, 16, 0))

    # HIGH: first response 2 h (at risk with a quarter left: after 1.5 h), resolution 16 h.
    assert ticket.first_response_due == rome(2026, 12, 28, 10, 0)
    assert ticket.first_response_risk_at == rome(2026, 12, 28, 9, 30)
    assert ticket.resolution_due == rome(2026, 12, 29, 16, 0)  # 1 h + 8 h + 7 h
    assert ticket.resolution_risk_at == rome(2026, 12, 29, 12, 0)  # 1 h + 8 h + 3 h
    ticket.refresh_from_db()
    assert ticket.resolution_due == rome(2026, 12, 29, 16, 0)


def test_due_dates_count_real_hours_across_a_daylight_saving_change(billing, make_policy):
    # Open round the clock at weekends in Rome: Sunday 29 March 2026 has 23 hours.
    weekend = CalendarFactory(
        time_zone="Europe/Rome", weekly_hours={"sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}
    )
    make_policy(
        department=billing.department,
        calendar=weekend,
        targets={"HIGH": {"first_response_minutes": 24 * 60, "resolution_minutes": 36 * 60}},
    )
    ticket = open_ticket(billing, at=rome(2026, 3, 28, 12, 0))

    # 12 h on Saturday, then 12 real hours of Sunday: 13:00 on the clock, 11:00 UTC.
    assert ticket.first_response_due == dt.datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    # 36 h: Saturday's 12 and Sunday's 23, then closed until Saturday 4 April, 01:00.
    assert ticket.resolution_due == rome(2026, 4, 4, 1, 0)


def test_around_the_clock_without_a_calendar(billing, make_policy):
    make_policy(department=billing.department)
    at = dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    ticket = open_ticket(billing, priority=Priority.URGENT, at=at)

    assert ticket.first_response_due == at + dt.timedelta(hours=1)
    assert ticket.first_response_risk_at == at + dt.timedelta(minutes=45)
    assert ticket.resolution_due == at + dt.timedelta(hours=4)


def test_the_default_policy_covers_departments_without_their_own(billing, make_policy):
    make_policy(name="Default", is_default=True)
    other = CategoryFactory(slug="sla-other")
    make_policy(
        department=other.department,
        targets={"HIGH": {"first_response_minutes": 10, "resolution_minutes": None}},
    )
    at = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)

    by_default = open_ticket(billing, at=at)
    own = open_ticket(other, at=at)

    assert by_default.resolution_due == at + dt.timedelta(hours=16)
    assert own.first_response_due == at + dt.timedelta(minutes=10)
    assert own.resolution_due is None  # no resolution target for HIGH there


def test_no_policy_no_due_dates(billing):
    ticket = open_ticket(billing, at=dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC))

    assert ticket.first_response_due is None
    assert ticket.resolution_due is None
    assert ticket.sla_check_at is None


def test_pending_stops_the_clock_and_moves_the_due_dates_out(billing, office_hours, make_policy):
    make_policy(department=billing.department, calendar=office_hours)
    staff = StaffFactory()
    ticket = open_ticket(billing, at=rome(2026, 11, 6, 16, 0))  # a Friday
    assert ticket.resolution_due == rome(2026, 11, 10, 16, 0)

    # Waiting on the requester from Friday 16:30 to Monday 10:00: 1.5 business hours.
    with time_machine.travel(rome(2026, 11, 6, 16, 30), tick=False):
        services.ticket_transition(ticket=ticket, status=TicketStatus.PENDING, actor=staff)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == rome(2026, 11, 6, 16, 30)
    assert ticket.sla_check_at is None  # nothing can be breached while it waits
    with time_machine.travel(rome(2026, 11, 9, 10, 0), tick=False):
        services.ticket_transition(ticket=ticket, status=TicketStatus.OPEN, actor=staff)
    ticket.refresh_from_db()

    assert ticket.sla_paused_at is None
    assert pauses(ticket) == [(rome(2026, 11, 6, 16, 30), rome(2026, 11, 9, 10, 0))]
    assert ticket.first_response_due == rome(2026, 11, 9, 11, 30)  # was Monday 10:00
    # Was Tuesday 16:00: the last business hour of Tuesday, then half an hour on Wednesday.
    assert ticket.resolution_due == rome(2026, 11, 11, 9, 30)
    assert ticket.resolution_risk_at == rome(2026, 11, 10, 13, 30)


def test_resolving_stops_the_clock_and_reopening_starts_it(billing, make_policy):
    make_policy(department=billing.department)
    staff = StaffFactory()
    at = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    ticket = open_ticket(billing, at=at)
    with time_machine.travel(at + dt.timedelta(hours=1), tick=False):
        services.ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=staff)
    with time_machine.travel(at + dt.timedelta(hours=5), tick=False):
        services.ticket_transition(ticket=ticket, status=TicketStatus.OPEN, actor=staff)
    ticket.refresh_from_db()

    assert ticket.resolution_due == at + dt.timedelta(hours=16 + 4)


def test_a_priority_change_computes_the_due_dates_again(billing, office_hours, make_policy):
    make_policy(department=billing.department, calendar=office_hours)
    staff = StaffFactory()
    ticket = open_ticket(billing, priority=Priority.LOW, at=rome(2026, 11, 9, 9, 0))  # Monday
    assert ticket.resolution_due == rome(2026, 11, 13, 17, 0)  # 40 h: the whole week

    with time_machine.travel(rome(2026, 11, 9, 10, 0), tick=False):
        services.ticket_update(ticket=ticket, actor=staff, priority=Priority.URGENT)
    ticket.refresh_from_db()

    # Counted from creation: URGENT answers within 1 h and resolves within 4 h.
    assert ticket.first_response_due == rome(2026, 11, 9, 10, 0)
    assert ticket.resolution_due == rome(2026, 11, 9, 13, 0)
    assert ticket.sla_check_at == rome(2026, 11, 9, 9, 45)


def test_a_move_to_another_department_applies_its_policy(billing, office_hours, make_policy):
    make_policy(department=billing.department, calendar=office_hours)
    around_the_clock = CategoryFactory(slug="sla-night")
    policy = make_policy(department=around_the_clock.department)
    staff = StaffFactory()
    ticket = open_ticket(billing, at=rome(2026, 11, 6, 16, 0))

    with time_machine.travel(rome(2026, 11, 6, 17, 0), tick=False):
        services.ticket_update(ticket=ticket, actor=staff, category=around_the_clock)
    ticket.refresh_from_db()

    assert ticket.sla_policy_id == policy.pk
    assert ticket.resolution_due == rome(2026, 11, 7, 8, 0)  # 16 h round the clock


def test_the_ticket_shows_its_service_levels(as_user, billing, office_hours, make_policy):
    make_policy(name="Billing hours", department=billing.department, calendar=office_hours)
    staff = StaffFactory()
    ticket = open_ticket(billing, at=rome(2026, 11, 9, 9, 0))  # Monday

    with time_machine.travel(rome(2026, 11, 9, 10, 40), tick=False):
        body = as_user(staff).get(f"/api/tickets/{ticket.pk}/").json()

    sla = body["sla"]
    assert sla["policy"]["name"] == "Billing hours"
    assert sla["paused"] is False
    assert sla["first_response"]["state"] == "at_risk"
    assert sla["first_response"]["seconds_left"] == 20 * 60
    assert sla["resolution"]["state"] == "running"
    assert sla["resolution"]["seconds_left"] == (16 * 60 - 100) * 60

    with time_machine.travel(rome(2026, 11, 9, 17, 30), tick=False):  # after hours
        body = as_user(staff).get(f"/api/tickets/{ticket.pk}/").json()
    assert body["sla"]["first_response"]["state"] == "breached"
    assert body["sla"]["first_response"]["seconds_left"] == -6 * 3600


def test_a_first_reply_settles_the_first_response_target(billing, make_policy):
    from tickets.sla.clock import FIRST_RESPONSE, target_state
    from tickets.sla.policies import policy_get
    from tickets.sla.services import sla_first_response_record

    make_policy(department=billing.department)
    at = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    ticket = open_ticket(billing, at=at)
    fields = sla_first_response_record(ticket, at + dt.timedelta(minutes=30))
    ticket.save(update_fields=fields)
    ticket.refresh_from_db()

    assert ticket.sla_check_at == ticket.resolution_risk_at
    rules = policy_get(ticket.sla_policy_id)
    later = at + dt.timedelta(days=3)
    assert target_state(ticket, FIRST_RESPONSE, rules, later).state == "met"
