"""The sweep records each warning and breach once per ticket and target, even with two
sweepers at once (PostgreSQL, SKIP LOCKED), and applies the policy's escalation through the
ordinary write path."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from tickets import services
from tickets.models import EscalationAction, EventKind, Priority, TicketEvent, TicketStatus
from tickets.services.escalation import sla_check as sla_sweep
from tickets.tests.factories import AgentFactory, CategoryFactory, StaffFactory, UserFactory

UTC = dt.UTC
CREATED = dt.datetime(2026, 5, 4, 8, 0, tzinfo=UTC)  # HIGH: respond by 10:00, resolve by 24:00


def hours(n: float) -> dt.datetime:
    return CREATED + dt.timedelta(hours=n)


@pytest.fixture
def billing(db):
    return CategoryFactory(slug="sla-billing")


def open_ticket(category, priority=Priority.HIGH):
    with time_machine.travel(CREATED, tick=False):
        return services.ticket_create(
            title="Invoice",
            description="Wrong amount.",
            priority=priority,
            created_by=UserFactory(),
            category=category,
        )


def sla_events(ticket=None):
    events = TicketEvent.objects.filter(kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED])
    if ticket is not None:
        events = events.filter(ticket=ticket)
    return [(e.kind, e.payload["target"]) for e in events.order_by("id")]


@pytest.mark.django_db
def test_nothing_due_nothing_recorded(billing, make_policy):
    make_policy(department=billing.department)
    open_ticket(billing)

    report = sla_sweep(now=hours(1))

    assert (report.warnings, report.breaches) == (0, 0)
    assert sla_events() == []


@pytest.mark.django_db
def test_a_warning_then_a_breach_each_once(billing, make_policy):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)

    sla_sweep(now=hours(1.5))  # first response at risk (a quarter of 2 h left)
    sla_sweep(now=hours(1.6))
    assert sla_events(ticket) == [("sla_warning", "first_response")]

    sla_sweep(now=hours(2))
    sla_sweep(now=hours(3))
    assert sla_events(ticket) == [
        ("sla_warning", "first_response"),
        ("sla_breached", "first_response"),
    ]
    breach = TicketEvent.objects.get(ticket=ticket, kind=EventKind.SLA_BREACHED)
    assert breach.actor is None
    assert breach.payload == {
        "target": "first_response",
        "due": hours(2).isoformat(),
        "escalation": "flag",
    }
    ticket.refresh_from_db()
    assert ticket.sla_check_at == hours(12)  # the resolution's at-risk instant


@pytest.mark.django_db
def test_a_sweep_that_comes_late_records_the_breach_alone(billing, make_policy):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)

    sla_sweep(now=hours(13))

    assert sla_events(ticket) == [
        ("sla_breached", "first_response"),
        ("sla_warning", "resolution"),
    ]


@pytest.mark.django_db
def test_a_reply_in_time_records_nothing_a_late_one_a_breach(billing, make_policy):
    from tickets.sla.services import sla_first_response_record

    make_policy(department=billing.department)
    on_time, late = open_ticket(billing), open_ticket(billing)
    for ticket, at in ((on_time, hours(1.8)), (late, hours(2.5))):
        ticket.save(update_fields=sla_first_response_record(ticket, at))

    sla_sweep(now=hours(3))

    assert sla_events(on_time) == []
    assert sla_events(late) == [("sla_breached", "first_response")]


@pytest.mark.django_db
def test_a_pending_ticket_is_not_swept(billing, make_policy):
    make_policy(department=billing.department)
    ticket = open_ticket(billing)
    with time_machine.travel(hours(1), tick=False):
        services.ticket_transition(ticket=ticket, status=TicketStatus.PENDING, actor=StaffFactory())

    sla_sweep(now=hours(30))

    assert sla_events(ticket) == []


@pytest.mark.django_db
def test_escalation_raises_the_priority(billing, make_policy):
    make_policy(department=billing.department, escalation=EscalationAction.RAISE_PRIORITY)
    ticket = open_ticket(billing, priority=Priority.LOW)  # respond within 8 h

    with time_machine.travel(hours(8), tick=False):
        report = sla_sweep()
        sla_sweep()
    ticket.refresh_from_db()

    assert ticket.priority == Priority.MEDIUM
    assert report.escalations == [(ticket.pk, "priority MEDIUM")]
    kinds = list(ticket.events.values_list("kind", "payload__after"))
    assert kinds[-2:] == [("sla_breached", None), ("priority_changed", "MEDIUM")]
    # Due dates of MEDIUM now: resolve within 24 h of creation.
    assert ticket.resolution_due == hours(24)


@pytest.mark.django_db
def test_escalation_reroutes_to_another_agent(billing, make_policy):
    make_policy(department=billing.department, escalation=EscalationAction.REASSIGN)
    first = AgentFactory(department=billing.department)
    ticket = open_ticket(billing)
    assert ticket.assigned_to_id == first.user_id
    second = AgentFactory(department=billing.department)
    AgentFactory(department=CategoryFactory().department)  # elsewhere: never chosen

    with time_machine.travel(hours(2), tick=False):
        sla_sweep()
    ticket.refresh_from_db()

    assert ticket.assigned_to_id == second.user_id
    event = ticket.events.filter(kind=EventKind.REASSIGNED).get()
    assert (event.payload["before"], event.payload["after"]) == (first.user_id, second.user_id)


@pytest.mark.django_db
def test_escalation_without_another_agent_leaves_it_flagged(billing, make_policy):
    make_policy(department=billing.department, escalation=EscalationAction.REASSIGN)
    only = AgentFactory(department=billing.department)
    ticket = open_ticket(billing)

    with time_machine.travel(hours(2), tick=False):
        sla_sweep()
        sla_sweep()
    ticket.refresh_from_db()

    assert ticket.assigned_to_id == only.user_id
    assert sla_events(ticket) == [("sla_breached", "first_response")]
    assert ticket.sla_check_at == hours(12)


@pytest.mark.django_db
def test_the_command_runs_one_pass(billing, make_policy, capsys):
    make_policy(department=billing.department)
    open_ticket(billing)

    with time_machine.travel(hours(2), tick=False):
        call_command("sla_check")

    assert "0 warnings, 1 breaches, 0 escalations" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_record_and_escalate_each_once(settings, billing, make_policy):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.SLA_SWEEP_BATCH = 5  # several batches each, interleaved
    make_policy(department=billing.department, escalation=EscalationAction.RAISE_PRIORITY)
    tickets = [open_ticket(billing, priority=Priority.LOW) for _ in range(40)]
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            sla_sweep(now=hours(8))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for ticket in tickets:
        assert sla_events(ticket) == [("sla_breached", "first_response")]
        ticket.refresh_from_db()
        assert ticket.priority == Priority.MEDIUM  # raised once, not twice
        assert ticket.events.filter(kind=EventKind.PRIORITY_CHANGED).count() == 1


@pytest.mark.django_db
def test_a_reply_through_the_conversation_meets_the_first_response_target(billing, make_policy):
    from tickets.conversation.services import message_create

    make_policy(department=billing.department)
    ticket = open_ticket(billing)
    with time_machine.travel(hours(1.5), tick=False):
        message_create(ticket=ticket, author=StaffFactory(), body="Looking into it.")
    ticket.refresh_from_db()
    assert ticket.first_response_at == hours(1.5)
    # The sweep's next look is the resolution's at-risk instant, no longer the first response's.
    assert ticket.sla_check_at > ticket.first_response_due

    sla_sweep(now=hours(3))

    assert sla_events(ticket) == []
