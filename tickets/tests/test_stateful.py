"""A stateful property test of the help desk (hypothesis): random sequences of creations,
transitions, assignments, reassignments, category and priority edits, availability and
capacity changes, all through the services. After every step:

- every agent's reported load equals the count of their open tickets, and the count the
  test itself keeps from what each service said it did;
- no ticket is lost (nor appears from nowhere);
- each ticket's audit trail, replayed from its events alone, gives its current status,
  assignee, category, department and priority.

Runs on any database; CI runs it on PostgreSQL. Bounded (15 sequences of up to 20 steps).
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from agents.models import Agent, Department
from agents.selectors import agent_list
from agents.services import agent_update
from config.api.exceptions import ConflictError, DomainError
from tickets import services
from tickets.models import (
    OPEN_STATUSES,
    Category,
    EventKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from tickets.tests.factories import AgentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

# Texts the keyword rules send to a known category (None: General, no category).
TEXTS = {
    "billing": ("Invoice overdue", "My invoice was charged twice."),
    "bug": ("App crash", "The app shows an error and crashes."),
    "account": ("Password reset", "I cannot log in, password refused."),
    None: ("Hello", "Just saying hi."),
}
PRIORITIES = [p.name for p in Priority]


def replay(events) -> dict:
    """A ticket's state rebuilt from its audit trail alone."""
    state = {"status": TicketStatus.OPEN, "assigned_to": None}
    for event in events:
        payload = event.payload
        if event.kind == EventKind.CREATED:
            state["priority"] = payload["priority"]
        elif event.kind == EventKind.CLASSIFIED:
            placed = payload.get("after", payload)  # at creation, or by the model later
            state["category"], state["department"] = placed["category"], placed["department"]
        elif event.kind in (EventKind.ASSIGNED, EventKind.REASSIGNED, EventKind.UNASSIGNED):
            assert payload["before"] == state["assigned_to"], (event.kind, payload, state)
            state["assigned_to"] = payload["after"]
        elif event.kind == EventKind.STATUS_CHANGED:
            assert payload["before"] == state["status"], (payload, state)
            state["status"] = payload["after"]
        elif event.kind == EventKind.CATEGORY_CHANGED:
            assert payload["before"]["category"] == state["category"], (payload, state)
            state["category"] = payload["after"]["category"]
            state["department"] = payload["after"]["department"]
        elif event.kind == EventKind.PRIORITY_CHANGED:
            assert payload["before"] == state["priority"], (payload, state)
            state["priority"] = payload["after"]
    return state


def row_state(ticket: Ticket) -> dict:
    return {
        "status": ticket.status,
        "assigned_to": ticket.assigned_to_id,
        "category": ticket.category.slug if ticket.category else None,
        "department": ticket.department.slug if ticket.department else None,
        "priority": Priority(ticket.priority).name,
    }


class HelpDesk(RuleBasedStateMachine):
    tickets = Bundle("tickets")
    agents = Bundle("agents")

    def __init__(self):
        super().__init__()
        # Each sequence runs in a savepoint rolled back at teardown: a fresh desk every time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.staff = StaffFactory()
        self.requester = UserFactory()
        self.known: dict[int, dict] = {}  # ticket id -> status and assignee, per the services

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _record(self, ticket: Ticket) -> None:
        self.known[ticket.pk] = {"status": ticket.status, "assigned_to": ticket.assigned_to_id}

    @initialize(target=agents)
    def hire_agents(self):
        hired = []
        for slug in ("billing", "technical", "accounts", "general"):
            department = Department.objects.get(slug=slug)
            hired += [AgentFactory(department=department).user_id for _ in range(2)]
        return multiple(*hired)

    @rule(target=agents, department=st.sampled_from(["billing", "technical"]))
    def hire(self, department):
        return AgentFactory(department=Department.objects.get(slug=department)).user_id

    @rule(target=tickets, topic=st.sampled_from(list(TEXTS)), priority=st.sampled_from(PRIORITIES))
    def create(self, topic, priority):
        title, description = TEXTS[topic]
        ticket = services.ticket_create(
            title=title,
            description=description,
            priority=Priority[priority].value,
            created_by=self.requester,
        )
        self._record(ticket)
        return ticket.pk

    @rule(ticket=tickets, status=st.sampled_from(list(TicketStatus.values)))
    def transition(self, ticket, status):
        try:
            changed = services.ticket_transition(
                ticket=Ticket(pk=ticket), status=status, actor=self.staff
            )
        except DomainError:
            assert status not in _allowed(self.known[ticket]["status"])
            return
        self._record(changed)

    @rule(ticket=tickets, agent=agents)
    def assign(self, ticket, agent):
        try:
            changed = services.ticket_assign(
                ticket=Ticket(pk=ticket), user_id=agent, actor=self.staff
            )
        except ConflictError:
            assert self.known[ticket]["status"] == TicketStatus.CLOSED
            return
        self._record(changed)

    @rule(ticket=tickets)
    def reassign(self, ticket):
        try:
            changed = services.ticket_reassign(ticket=Ticket(pk=ticket), actor=self.staff)
        except ConflictError:
            return  # closed, or nobody else eligible: left as it was (checked by invariants)
        assert changed.assigned_to_id != self.known[ticket]["assigned_to"]
        self._record(changed)

    @rule(ticket=tickets, slug=st.sampled_from(["billing", "bug", "account", "feature"]))
    def recategorise(self, ticket, slug):
        changed = services.ticket_update(
            ticket=Ticket(pk=ticket), actor=self.staff, category=Category.objects.get(slug=slug)
        )
        self._record(changed)

    @rule(ticket=tickets, priority=st.sampled_from(PRIORITIES))
    def reprioritise(self, ticket, priority):
        changed = services.ticket_update(
            ticket=Ticket(pk=ticket), actor=self.staff, priority=Priority[priority].value
        )
        self._record(changed)

    @rule(agent=agents, available=st.booleans())
    def set_availability(self, agent, available):
        agent_update(agent=Agent.objects.get(pk=agent), actor=self.staff, is_available=available)

    @rule(agent=agents, capacity=st.none() | st.integers(min_value=0, max_value=3))
    def set_capacity(self, agent, capacity):
        agent_update(agent=Agent.objects.get(pk=agent), actor=self.staff, max_open_tickets=capacity)

    @rule(ticket=consumes(tickets))
    def delete(self, ticket):
        services.ticket_delete(ticket=Ticket(pk=ticket))
        del self.known[ticket]

    @invariant()
    def no_ticket_is_lost(self):
        assert set(Ticket.objects.values_list("pk", flat=True)) == set(self.known)

    @invariant()
    def loads_are_exact(self):
        expected: dict[int, int] = {}
        for state in self.known.values():
            if state["assigned_to"] is not None and state["status"] in OPEN_STATUSES:
                expected[state["assigned_to"]] = expected.get(state["assigned_to"], 0) + 1
        for agent in agent_list():
            counted = Ticket.objects.filter(
                assigned_to=agent.user_id, status__in=OPEN_STATUSES
            ).count()
            assert agent.open_load == counted == expected.get(agent.user_id, 0), agent

    @invariant()
    def rows_match_what_the_services_said(self):
        for ticket in Ticket.objects.all():
            assert self.known[ticket.pk] == {
                "status": ticket.status,
                "assigned_to": ticket.assigned_to_id,
            }

    @invariant()
    def audit_trail_replays_to_the_current_state(self):
        tickets = Ticket.objects.select_related("category", "department")
        events = {}
        for event in TicketEvent.objects.order_by("created_at", "id"):
            events.setdefault(event.ticket_id, []).append(event)
        for ticket in tickets:
            assert replay(events.get(ticket.pk, [])) == row_state(ticket), ticket.pk


def _allowed(status: str) -> tuple[str, ...]:
    from tickets.models import ALLOWED_TRANSITIONS

    return ALLOWED_TRANSITIONS[status]


def test_the_help_desk_keeps_its_invariants(catalogue):
    run_state_machine_as_test(
        HelpDesk,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
