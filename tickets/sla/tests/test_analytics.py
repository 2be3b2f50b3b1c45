"""SLA figures, checked exactly on known instants (time frozen; around-the-clock policies)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext

from tickets import services
from tickets.analytics.selectors import analytics_tickets
from tickets.analytics.sla import verdict_conditions, verdict_counts
from tickets.analytics.windows import Window
from tickets.models import Priority, TicketStatus
from tickets.sla.selectors import sla_breached_q, sla_clock, tickets_by_sla_state
from tickets.sla.services import sla_first_response_record
from tickets.tests.factories import AgentFactory, CategoryFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=UTC)  # window of 7 days: from 3 May, 12:00


def at(day, hour, minute=0) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(make_policy):
    billing = CategoryFactory(slug="sla-billing", department__slug="billing-sla")
    tech = CategoryFactory(slug="sla-tech", department__slug="tech-sla")
    make_policy(department=billing.department)
    make_policy(department=tech.department)
    ann = AgentFactory(user__username="ann", department=billing.department)
    ted = AgentFactory(user__username="ted", department=tech.department)
    staff = StaffFactory()

    def opened(category, priority, when):
        with time_machine.travel(when, tick=False):
            return services.ticket_create(
                title=f"{priority}",
                description="x",
                priority=priority,
                created_by=UserFactory(),
                category=category,
            )

    def replied(ticket, when):
        ticket.save(update_fields=sla_first_response_record(ticket, when))

    tickets = {
        # HIGH (2 h / 16 h): answered at 09:00 and resolved at 20:00, both in time.
        "met": opened(billing, Priority.HIGH, at(9, 8)),
        # HIGH, never answered: first response breached at 10:00, resolution at 00:00.
        "silent": opened(billing, Priority.HIGH, at(9, 8)),
        # LOW (8 h / 40 h): answered late at 17:00; resolution due 11 May, not yet.
        "late": opened(tech, Priority.LOW, at(9, 8)),
        # URGENT, breached on 1 May: before the window.
        "old": opened(billing, Priority.URGENT, at(1, 8)),
        # HIGH, opened at 11:00 today: respond by 13:00, at risk from 12:30.
        "fresh": opened(billing, Priority.HIGH, at(10, 11)),
        # MEDIUM (4 h): respond by 12:30, at risk from 11:30: at risk now.
        "at_risk": opened(billing, Priority.MEDIUM, at(10, 8, 30)),
    }
    replied(tickets["met"], at(9, 9))
    replied(tickets["late"], at(9, 17))
    with time_machine.travel(at(9, 20), tick=False):
        services.ticket_transition(ticket=tickets["met"], status=TicketStatus.RESOLVED, actor=staff)
    return {"tickets": tickets, "ann": ann, "ted": ted, "staff": staff}


def figures(met, breached, share):
    return {"met": met, "breached": breached, "share": share}


def test_compliance_per_priority_department_and_agent(as_user, history):
    client = as_user(history["staff"])
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/analytics/sla/", {"days": 7}).json()

    assert body["first_response"] == figures(1, 2, 1 / 3)
    assert body["resolution"] == figures(1, 1, 0.5)
    assert [(g["key"], g["first_response"], g["resolution"]) for g in body["by_priority"]] == [
        ("LOW", figures(0, 1, 0.0), figures(0, 0, None)),
        ("HIGH", figures(1, 1, 0.5), figures(1, 1, 0.5)),
    ]
    assert [(g["key"], g["first_response"]) for g in body["by_department"]] == [
        ("billing-sla", figures(1, 1, 0.5)),
        ("tech-sla", figures(0, 1, 0.0)),
    ]
    assert [(g["key"], g["resolution"]) for g in body["by_agent"]] == [
        ("ann", figures(1, 1, 0.5)),
        ("ted", figures(0, 0, None)),
    ]
    breaches = body["breaches"]
    assert breaches["buckets"][0] == "2026-05-03"
    assert breaches["buckets"][-1] == "2026-05-10"
    assert breaches["first_response"] == [0, 0, 0, 0, 0, 0, 2, 0]
    assert breaches["resolution"] == [0, 0, 0, 0, 0, 0, 0, 1]


def test_an_agent_sees_their_department(as_user, history):
    client = as_user(history["ted"].user)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/analytics/sla/", {"days": 7}).json()

    assert body["first_response"] == figures(0, 1, 0.0)
    assert [g["key"] for g in body["by_department"]] == ["tech-sla"]
    with time_machine.travel(NOW, tick=False):
        at_risk = client.get("/api/analytics/sla/at_risk/").json()
    assert (at_risk["at_risk"], at_risk["breached"], at_risk["tickets"]) == (0, 1, [])


def test_a_longer_window_counts_the_older_breaches(as_user, history):
    client = as_user(history["staff"])
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/analytics/sla/", {"days": 30}).json()

    assert body["first_response"] == figures(1, 3, 0.25)
    assert body["resolution"] == figures(1, 2, 1 / 3)


def test_tickets_at_risk_now(as_user, history):
    client = as_user(history["staff"])
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/analytics/sla/at_risk/").json()

    assert body["at_risk"] == 1
    assert body["breached"] == 3  # silent, late (answered late, unresolved) and old
    (listed,) = body["tickets"]
    assert listed["id"] == history["tickets"]["at_risk"].pk
    assert listed["assigned_to"] == "ann"
    assert listed["first_response_due"] == "2026-05-10T12:30:00Z"


def test_the_figures_in_a_constant_number_of_queries(as_user, history):
    client = as_user(history["staff"])
    with CaptureQueriesContext(connection) as captured, time_machine.travel(NOW, tick=False):
        assert client.get("/api/analytics/sla/", {"days": 7}).status_code == 200
    # One grouped count per verdict (the breaches per day with theirs), the label tables.
    assert len(captured) <= 6
    with CaptureQueriesContext(connection) as captured, time_machine.travel(NOW, tick=False):
        assert client.get("/api/analytics/sla/at_risk/").status_code == 200
    # The counts, the first ids at risk (both from the backlog index), their rows.
    assert len(captured) <= 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's covering indexes")
@pytest.mark.parametrize("scope", ["staff", "agent"])
def test_each_verdict_is_counted_from_its_covering_index_alone(history, scope):
    """At 1,000,000 tickets one query over every verdict took seconds; each verdict is now one
    range of one index that holds every column it reads (an index-only scan)."""
    user = history["staff"] if scope == "staff" else history["ann"].user
    window = Window.ending(days=7, now=NOW)
    tickets = analytics_tickets(user=user).alias(sla_clock=sla_clock(window.until))
    expected = {
        "first_response_met": "ticket_sla_replied_idx",
        "first_response_breached": "ticket_first_response_due_idx",
        "resolution_met": "ticket_sla_resolved_idx",
        "resolution_breached": "ticket_resolution_due_idx",
    }
    with connection.cursor() as cursor:  # the test's transaction: SET LOCAL ends with it
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    for name, (rows, _dated_by) in verdict_counts(tickets, verdict_conditions(window)).items():
        plan = rows.explain()
        assert f"Index Only Scan using {expected[name]}" in plan, (name, plan)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's covering indexes")
def test_the_tickets_at_risk_are_counted_and_ordered_from_the_backlog_index_alone(history):
    """300,000 unresolved tickets at 1,000,000: both reads scanned the table (0.27 s each)."""
    unresolved = analytics_tickets(user=history["staff"]).filter(
        status__in=[TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.PENDING]
    )
    with connection.cursor() as cursor:  # the test's transaction: SET LOCAL ends with it
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    first_ids = (
        tickets_by_sla_state(unresolved, "at_risk", now=NOW)
        .order_by(F("first_response_due").asc(nulls_last=True), "resolution_due", "pk")
        .values_list("pk", flat=True)[:20]
    )
    counts = unresolved.alias(sla_clock=sla_clock(NOW)).values("department_id")
    counts = counts.annotate(n=Count("pk", filter=sla_breached_q()))
    for query in (first_ids, counts):
        assert "Index Only Scan using ticket_backlog_idx" in query.explain()
