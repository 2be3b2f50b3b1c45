"""History brought in in bulk (import_tickets, seed_tickets, setup_demo): due dates as if the
policy had applied since created_at; what had already happened is not announced by the sweep."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tickets.demo.seeding import demo_sla_install, tickets_seed
from tickets.models import SlaPolicy, Ticket, TicketEvent, TicketStatus
from tickets.sla import clock
from tickets.sla.services import sla_history_set
from tickets.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def at(hours_before_now: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours_before_now)


def history(catalogue, **fields) -> Ticket:
    fields.setdefault("status", TicketStatus.OPEN)
    ticket = Ticket(
        title="Old ticket",
        description="From the previous help desk.",
        department=catalogue["billing"].department,
        category=catalogue["billing"],
        **fields,
    )
    sla_history_set(ticket, now=NOW)
    return ticket


def test_a_recent_open_ticket_keeps_its_future_instants_for_the_sweep(catalogue, make_policy):
    make_policy(is_default=True)  # around the clock; MEDIUM: first response 4 h, resolution 24 h
    ticket = history(catalogue, created_at=at(1))

    assert ticket.first_response_due == at(1) + dt.timedelta(hours=4)
    assert ticket.first_response_risk_at == at(1) + dt.timedelta(hours=3)
    assert ticket.resolution_due == at(1) + dt.timedelta(hours=24)
    assert ticket.sla_recorded == 0
    assert ticket.sla_check_at == ticket.first_response_risk_at


def test_what_history_had_reached_is_marked_recorded(catalogue, make_policy):
    make_policy(is_default=True)
    # Open for 5 hours without a reply: first response breached (4 h), resolution running.
    late = history(catalogue, created_at=at(5))
    assert late.sla_recorded == clock.WARNED["first_response"] | clock.BREACHED["first_response"]
    assert late.sla_check_at == late.resolution_risk_at

    # Answered after 3.5 h (past the at-risk instant, before the due), then resolved in 30 h.
    resolved = history(
        catalogue,
        status=TicketStatus.RESOLVED,
        created_at=at(48),
        first_response_at=at(44.5),
        resolved_at=at(18),
    )
    assert resolved.first_response_due == at(44)  # computed although a reply was given
    assert resolved.sla_paused_at == at(18)  # the clock stopped at the resolution
    assert resolved.sla_recorded == (
        clock.WARNED["first_response"] | clock.WARNED["resolution"] | clock.BREACHED["resolution"]
    )
    assert resolved.sla_check_at is None


def test_a_closed_ticket_whose_first_reply_is_unknown_has_no_first_response_target(
    catalogue, make_policy
):
    """An import gives no reply times: counting every resolved ticket as a late reply would
    drive the first-response figure to zero with breaches that never happened."""
    make_policy(is_default=True)
    imported = history(
        catalogue, status=TicketStatus.RESOLVED, created_at=at(48), resolved_at=at(18)
    )
    assert (imported.first_response_due, imported.first_response_risk_at) == (None, None)
    assert imported.resolution_due == at(24)
    assert imported.sla_recorded == clock.WARNED["resolution"] | clock.BREACHED["resolution"]

    waiting = history(catalogue, created_at=at(1))  # open: the reply is owed
    assert waiting.first_response_due == at(1) + dt.timedelta(hours=4)


def test_undated_history_and_departments_without_a_policy_get_no_instants(catalogue, make_policy):
    assert history(catalogue, created_at=at(1)).resolution_due is None  # no policy at all
    closed = history(catalogue, status=TicketStatus.CLOSED, created_at=at(30), resolved_at=at(20))
    assert (closed.resolution_due, closed.sla_paused_at) == (None, at(20))  # the stop is kept
    make_policy(is_default=True)
    undated = history(catalogue, created_at=NOW, is_undated_history=True)
    assert undated.resolution_due is None
    assert undated.sla_check_at is None


def test_imported_tickets_get_due_dates_and_the_sweep_announces_only_the_future(
    tmp_path, catalogue, make_policy
):
    make_policy(is_default=True)
    path = tmp_path / "history.csv"
    path.write_text(
        "subject,body,label,opened\n"
        "Old invoice,Paid twice,billing,2026-06-01T09:00:00Z\n"
        "New invoice,Amount wrong,billing,2026-06-10T11:00:00Z\n",
        encoding="utf-8",
    )
    with time_machine.travel(NOW, tick=False):
        call_command(
            "import_tickets",
            str(path),
            "--title-col=subject",
            "--description-col=body",
            "--category-col=label",
            "--created-at-col=opened",
            "--status=OPEN",
            stdout=StringIO(),
        )
        old, new = Ticket.objects.order_by("created_at")
        assert old.resolution_due == dt.datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
        assert new.first_response_due == dt.datetime(2026, 6, 10, 15, 0, tzinfo=UTC)

        assert sla_sweep(now=NOW).breaches == 0  # the old ticket's breaches are history
    # The new ticket's first response, as it falls due: at risk at 14:00, breached at 15:00.
    report = sla_sweep(now=dt.datetime(2026, 6, 10, 14, 0, tzinfo=UTC))
    assert (report.warnings, report.breaches) == (1, 0)
    report = sla_sweep(now=dt.datetime(2026, 6, 10, 15, 0, tzinfo=UTC))
    assert (report.warnings, report.breaches) == (0, 1)
    assert set(TicketEvent.objects.values_list("ticket_id", flat=True)) == {new.pk}


def test_setup_demo_installs_a_default_business_hours_policy_once(catalogue, make_policy):
    call_command("setup_demo", "--tickets", "0", "--force", stdout=StringIO())
    call_command("setup_demo", "--tickets", "0", "--force", stdout=StringIO())
    policy = SlaPolicy.objects.get()
    assert policy.is_default
    assert policy.calendar.time_zone == "Europe/Rome"
    assert policy.calendar.holiday_country == "IT"

    # A team's own default policy is left as it is; so is the demo's, as staff left it.
    SlaPolicy.objects.all().delete()
    own = make_policy(name="Ours", is_default=True)
    assert demo_sla_install() is None
    assert list(SlaPolicy.objects.all()) == [own]
    own.delete()
    demo = make_policy(name="Demo service levels", department=catalogue["billing"].department)
    call_command("setup_demo", "--tickets", "0", "--force", stdout=StringIO())
    demo.refresh_from_db()
    assert (demo.is_default, SlaPolicy.objects.count()) == (False, 1)


def test_seeded_tickets_get_due_dates_and_no_events(catalogue, requester):
    demo_sla_install()
    with time_machine.travel(NOW, tick=False):
        tickets_seed(n=60, seed=3, requester=requester)
        assert not Ticket.objects.filter(resolution_due__isnull=True).exists()
        # Every instant already reached counts as recorded: a sweep now has nothing to say.
        report = sla_sweep(now=NOW)
    assert (report.warnings, report.breaches) == (0, 0)
    assert not TicketEvent.objects.exists()
