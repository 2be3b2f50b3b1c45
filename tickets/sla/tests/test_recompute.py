"""Due dates computed again (a priority change, a move to another department) count the
clock's stops where they happened, also the stops of a time without a policy, and a warning or
breach whose instant moved ahead of the clock is recorded again when reached. Time is frozen."""

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps

from tickets import services
from tickets.models import EventKind, Priority, TicketEvent, TicketStatus
from tickets.services.escalation import sla_check
from tickets.sla.clock import pauses
from tickets.tests.factories import CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
ROME = ZoneInfo("Europe/Rome")
CREATED = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # a Monday; HIGH round the clock: 2 h / 16 h


def hours(n: float) -> dt.datetime:
    return CREATED + dt.timedelta(hours=n)


def rome(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


@pytest.fixture
def billing(db):
    return CategoryFactory(slug="sla-billing")


@pytest.fixture
def staff(db):
    return StaffFactory()


def open_ticket(category, priority=Priority.HIGH, at=CREATED):
    with time_machine.travel(at, tick=False):
        return services.ticket_create(
            title="Invoice",
            description="Wrong amount.",
            priority=priority,
            created_by=UserFactory(),
            category=category,
        )


def at(instant, action, **kwargs):
    with time_machine.travel(instant, tick=False):
        return action(**kwargs)


def transition(ticket, status, when, staff):
    at(when, services.ticket_transition, ticket=ticket, status=status, actor=staff)


def update(ticket, when, staff, **changes):
    at(when, services.ticket_update, ticket=ticket, actor=staff, **changes)
    ticket.refresh_from_db()


def sweep(when):
    return at(when, sla_check, now=when)


def sla_events(ticket, target="first_response"):
    events = TicketEvent.objects.filter(
        ticket=ticket, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED]
    ).order_by("id")
    return [(e.kind, e.payload["due"]) for e in events if e.payload["target"] == target]


def listed(client, state, when) -> list[int]:
    with time_machine.travel(when, tick=False):
        response = client.get("/api/tickets/", {"sla": state})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# A stop pushes out only the instants the clock had not reached when it began.


def test_a_priority_change_after_a_stop_keeps_a_due_instant_reached_before_it(
    as_user, billing, make_policy, staff
):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)  # HIGH: respond by 10:00
    transition(ticket, TicketStatus.PENDING, hours(3), staff)  # breached an hour ago
    transition(ticket, TicketStatus.OPEN, hours(13), staff)  # 10 h later

    update(ticket, hours(13.5), staff, priority=Priority.URGENT)

    # URGENT responds within 1 h: due at 09:00, before the stop, which does not move it.
    assert ticket.first_response_due == hours(1)
    assert ticket.first_response_risk_at == hours(0.75)
    # Resolve within 4 h: 3 h ran before the stop, the last one after it.
    assert ticket.resolution_due == hours(14)
    with time_machine.travel(hours(13.5), tick=False):
        body = as_user(staff).get(f"/api/tickets/{ticket.pk}/").json()
    assert body["sla"]["first_response"]["due"] == "2026-05-04T09:00:00Z"
    assert body["sla"]["first_response"]["state"] == "breached"


def test_a_move_to_another_clock_counts_the_stops_on_the_new_clock(
    as_user, billing, office_hours, make_policy, staff
):
    make_policy(department=billing.department)  # round the clock
    office = CategoryFactory(slug="sla-office")
    make_policy(department=office.department, calendar=office_hours)
    ticket = open_ticket(billing, at=rome(2026, 11, 9, 9, 0))  # Monday; respond by 11:00
    # Waiting overnight: 16 h round the clock, no office hour.
    transition(ticket, TicketStatus.PENDING, rome(2026, 11, 9, 17, 0), staff)
    transition(ticket, TicketStatus.OPEN, rome(2026, 11, 10, 9, 0), staff)

    update(ticket, rome(2026, 11, 10, 9, 30), staff, category=office)

    # Two office hours from Monday 09:00: 11:00 that day, long before the stop.
    assert ticket.first_response_due == rome(2026, 11, 9, 11, 0)
    # 16 office hours: Monday's 8 before the stop, Tuesday's 8 after it.
    assert ticket.resolution_due == rome(2026, 11, 10, 17, 0)
    breached = listed(as_user(staff), "breached", rome(2026, 11, 10, 9, 30))
    assert breached == [ticket.pk]


# The stops of a time without a policy count once the ticket has one.


def test_a_stop_without_a_policy_counts_after_a_move_into_one(as_user, billing, make_policy, staff):
    make_policy(department=billing.department)
    ticket = open_ticket(CategoryFactory(slug="sla-none"))
    transition(ticket, TicketStatus.PENDING, hours(1), staff)
    transition(ticket, TicketStatus.OPEN, hours(11), staff)
    ticket.refresh_from_db()
    assert pauses(ticket) == [(hours(1), hours(11))]

    update(ticket, hours(11.5), staff, category=billing)

    # 1 h ran before the stop: the first response is due 1 h after it, at risk from 19:30.
    assert ticket.first_response_due == hours(12)
    assert ticket.first_response_risk_at == hours(11.5)
    assert ticket.resolution_due == hours(26)
    client = as_user(staff)
    assert listed(client, "breached", hours(11.5)) == []
    assert listed(client, "at_risk", hours(11.5)) == [ticket.pk]


def test_a_move_into_a_policy_while_stopped_counts_the_stop(billing, make_policy, staff):
    make_policy(department=billing.department)
    ticket = open_ticket(CategoryFactory(slug="sla-none"))
    transition(ticket, TicketStatus.PENDING, hours(1), staff)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == hours(1)

    update(ticket, hours(4), staff, category=billing)
    assert ticket.sla_check_at is None  # stopped: nothing to record
    transition(ticket, TicketStatus.OPEN, hours(11), staff)
    ticket.refresh_from_db()

    assert ticket.first_response_due == hours(12)
    assert ticket.resolution_due == hours(26)
    assert ticket.sla_check_at == hours(11.5)


# A warning or breach recorded is recorded again when its instant moved ahead of the clock.


def test_a_priority_lowered_after_a_breach_warns_and_breaches_again(billing, make_policy, staff):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)  # HIGH: respond by 10:00
    sweep(hours(1.5))
    sweep(hours(2))
    assert sla_events(ticket) == [
        ("sla_warning", hours(2).isoformat()),
        ("sla_breached", hours(2).isoformat()),
    ]

    update(ticket, hours(2.5), staff, priority=Priority.LOW)  # respond within 8 h

    assert ticket.first_response_due == hours(8)
    assert ticket.sla_check_at == hours(6)  # at risk again
    sweep(hours(6))
    sweep(hours(8))
    assert sla_events(ticket)[2:] == [
        ("sla_warning", hours(8).isoformat()),
        ("sla_breached", hours(8).isoformat()),
    ]


def test_a_move_to_a_more_lenient_policy_breaches_again_when_its_due_comes(
    billing, make_policy, staff
):
    make_policy(department=billing.department)
    lenient = CategoryFactory(slug="sla-lenient")
    make_policy(
        department=lenient.department,
        targets={"HIGH": {"first_response_minutes": 8 * 60, "resolution_minutes": 40 * 60}},
    )
    ticket = open_ticket(billing)
    sweep(hours(3))  # late: the breach alone
    assert sla_events(ticket) == [("sla_breached", hours(2).isoformat())]

    update(ticket, hours(4), staff, category=lenient)

    assert ticket.sla_check_at == hours(6)
    assert sweep(hours(6)).warnings == 1
    assert sweep(hours(8)).breaches == 1
    assert sla_events(ticket)[1:] == [
        ("sla_warning", hours(8).isoformat()),
        ("sla_breached", hours(8).isoformat()),
    ]


def test_a_priority_raised_past_the_clock_is_breached_at_the_next_sweep(
    billing, make_policy, staff
):
    make_policy(department=billing.department)
    ticket = open_ticket(billing, priority=Priority.LOW)  # respond by 16:00

    update(ticket, hours(3), staff, priority=Priority.HIGH)  # respond by 10:00: already past

    assert ticket.sla_check_at <= hours(3)
    assert sweep(hours(3)).breaches == 1
    assert sla_events(ticket) == [("sla_breached", hours(2).isoformat())]


def test_a_breach_forgotten_then_past_the_clock_again_is_recorded_again(
    billing, make_policy, staff
):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)
    sweep(hours(3))
    update(ticket, hours(3.5), staff, priority=Priority.LOW)  # due 16:00: not breached now

    update(ticket, hours(4), staff, priority=Priority.HIGH)  # due 10:00 again: breached

    assert ticket.sla_check_at <= hours(4)
    sweep(hours(4))
    assert sla_events(ticket) == [
        ("sla_breached", hours(2).isoformat()),
        ("sla_breached", hours(2).isoformat()),
    ]


def test_a_breach_still_behind_the_clock_is_not_recorded_again(billing, make_policy, staff):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)
    sweep(hours(3))

    update(ticket, hours(3.5), staff, priority=Priority.URGENT)  # due 09:00: still breached

    sweep(hours(3.5))  # the resolution's warning (at risk from 11:00) only
    assert sla_events(ticket) == [("sla_breached", hours(2).isoformat())]
    assert sla_events(ticket, "resolution") == [("sla_warning", hours(4).isoformat())]
    ticket.refresh_from_db()
    assert ticket.sla_check_at == hours(4)  # the resolution's due instant next


# The migration rebuilds the stops from the status changes recorded.


def test_the_migration_rebuilds_the_stops_from_the_status_events(staff):
    migration = importlib.import_module("tickets.migrations.0018_ticket_sla_pauses")
    ticket = open_ticket(CategoryFactory(slug="sla-none"))
    transition(ticket, TicketStatus.PENDING, hours(1), staff)
    transition(ticket, TicketStatus.OPEN, hours(11), staff)
    transition(ticket, TicketStatus.RESOLVED, hours(12), staff)
    ticket.refresh_from_db()
    events = list(ticket.events.filter(kind=EventKind.STATUS_CHANGED).order_by("created_at"))
    type(ticket).objects.filter(pk=ticket.pk).update(sla_pauses=[], sla_paused_at=None)

    migration.sla_pauses_rebuild(apps, None)
    ticket.refresh_from_db()

    assert pauses(ticket) == [(events[0].created_at, events[1].created_at)]
    assert ticket.sla_paused_at == events[2].created_at


def test_a_stop_without_business_time_moves_nothing_and_a_recomputation_agrees(
    billing, make_policy, office_hours, staff
):
    """Adding zero business seconds to a closing time gives the next opening: a night's stop
    moved a due instant on a closing time to the next morning, and a recomputation then moved
    it back."""
    make_policy(department=billing.department, calendar=office_hours)  # Rome, 09:00-17:00
    ticket = open_ticket(billing, at=rome(2026, 5, 4, 9, 0))  # Monday; HIGH: resolve in 16 h
    assert ticket.resolution_due == rome(2026, 5, 5, 17, 0)  # Tuesday's closing time

    transition(ticket, TicketStatus.PENDING, rome(2026, 5, 4, 17, 30), staff)  # the night
    transition(ticket, TicketStatus.OPEN, rome(2026, 5, 5, 8, 30), staff)
    ticket.refresh_from_db()
    assert ticket.resolution_due == rome(2026, 5, 5, 17, 0)

    update(ticket, rome(2026, 5, 5, 9, 30), staff, title="Invoice, again")  # nothing to move
    update(ticket, rome(2026, 5, 5, 9, 45), staff, priority=Priority.LOW)
    update(ticket, rome(2026, 5, 5, 10, 0), staff, priority=Priority.HIGH)
    assert ticket.resolution_due == rome(2026, 5, 5, 17, 0)
