"""Routing: least loaded, ties, capacity, availability, no eligible agent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tickets import services
from tickets.models import EventKind, TicketStatus
from tickets.tests.factories import AgentFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

BILLING_TEXT = {"title": "Facture impayée", "description": "Ma facture de mars est impayée."}


@pytest.fixture
def billing(catalogue):
    return catalogue["billing"].department


def create(requester, **text):
    return services.ticket_create(created_by=requester, **(text or BILLING_TEXT))


def load(agent) -> int:
    return agent.user.assigned_tickets.filter(status__in=["OPEN", "IN_PROGRESS"]).count()


def test_goes_to_the_agent_with_fewest_open_tickets(billing, requester):
    busy = AgentFactory(department=billing)
    idle = AgentFactory(department=billing)
    TicketFactory.create_batch(2, assigned_to=busy.user, department=billing)
    # Resolved and closed tickets are not load.
    TicketFactory.create_batch(5, assigned_to=idle.user, status=TicketStatus.RESOLVED)
    TicketFactory(assigned_to=idle.user, status=TicketStatus.CLOSED)

    ticket = create(requester)

    assert ticket.assigned_to_id == idle.user_id
    assert ticket.department_id == billing.pk


def test_tie_goes_to_least_recently_assigned_then_lowest_id(billing, requester):
    now = timezone.now()
    recent = AgentFactory(department=billing, last_assigned_at=now)
    older = AgentFactory(department=billing, last_assigned_at=now - timedelta(hours=1))
    assert create(requester).assigned_to_id == older.user_id

    # Now `older` has one open ticket: `recent` (0) wins on load.
    assert create(requester).assigned_to_id == recent.user_id

    first = AgentFactory(department=billing)
    second = AgentFactory(department=billing)
    # Never assigned beats any timestamp; between two never-assigned, the lowest id.
    assert create(requester).assigned_to_id == min(first.user_id, second.user_id)


def test_agents_at_capacity_or_unavailable_are_skipped(billing, requester):
    full = AgentFactory(department=billing, max_open_tickets=1)
    TicketFactory(assigned_to=full.user, department=billing)
    away = AgentFactory(department=billing, is_available=False)
    loaded = AgentFactory(department=billing, max_open_tickets=10)
    TicketFactory.create_batch(3, assigned_to=loaded.user, department=billing)

    ticket = create(requester)

    assert ticket.assigned_to_id == loaded.user_id
    assert load(full) == 1
    assert load(away) == 0


def test_zero_capacity_means_no_automatic_assignment(billing, requester):
    AgentFactory(department=billing, max_open_tickets=0)
    assert create(requester).assigned_to is None


def test_no_eligible_agent_leaves_the_ticket_in_its_department_queue(billing, requester):
    AgentFactory(department=billing, is_available=False)

    ticket = create(requester)

    assert ticket.assigned_to is None
    assert ticket.department_id == billing.pk
    assert list(ticket.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.CLASSIFIED,
    ]


def test_agents_of_other_departments_are_never_picked(catalogue, requester):
    AgentFactory(department=catalogue["bug"].department)
    assert create(requester).assigned_to is None


def test_unclassified_ticket_goes_to_general(catalogue, requester):
    general_agent = AgentFactory(department=catalogue["other"].department)

    ticket = create(requester, title="Hello", description="Nothing in particular.")

    assert ticket.category is None
    assert ticket.department.slug == "general"
    assert ticket.classified_by == "none"
    assert ticket.assigned_to_id == general_agent.user_id


def test_assignment_updates_last_assigned_at_and_writes_an_event(billing, requester):
    agent = AgentFactory(department=billing)
    before = timezone.now()

    ticket = create(requester)

    agent.refresh_from_db()
    assert agent.last_assigned_at >= before
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.actor is None
    assert event.payload == {
        "before": None,
        "after": agent.user_id,
        "mode": "auto",
        "load_before": 0,
    }


def test_reassign_without_agent_routes_again_excluding_the_current_one(billing, requester):
    first = AgentFactory(department=billing)
    ticket = create(requester)
    assert ticket.assigned_to_id == first.user_id
    second = AgentFactory(department=billing)
    TicketFactory.create_batch(4, assigned_to=second.user, department=billing)
    actor = UserFactory()

    ticket = services.ticket_reassign(ticket=ticket, actor=actor)

    # Leaves out the current agent even though `second` is busier.
    assert ticket.assigned_to_id == second.user_id
    event = ticket.events.get(kind=EventKind.REASSIGNED)
    assert (event.payload["before"], event.payload["after"]) == (first.user_id, second.user_id)
    assert event.actor == actor


def test_the_routing_decision_is_logged_with_the_candidates_loads(billing, requester, caplog):
    busy = AgentFactory(department=billing)
    idle = AgentFactory(department=billing)
    away = AgentFactory(department=billing, is_available=False)
    TicketFactory.create_batch(2, assigned_to=busy.user, department=billing)

    with caplog.at_level("INFO", logger="tickets.routing"):
        ticket = create(requester)

    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("routing ")]
    assert f"ticket={ticket.pk} department={billing.pk}" in line
    assert "classified_by=keywords" in line or "classified_by=model" in line
    assert f"agent={idle.user_id} load=0" in line
    assert line.endswith(f"candidates={idle.user_id}:0,{busy.user_id}:2")
    assert f"{away.user_id}:" not in line.split("candidates=")[1]
