"""Every writer takes its locks in the one documented order (agents/routing.py,
docs/architecture.md): the ticket row, then the departments in id order, then agent rows
(the last_assigned_at stamp, and the load triggers fired by a ticket's assignee or status
changing). Recorded from the statements each service sends to PostgreSQL; SQLite takes no
row locks, so the order only means something there.
"""

import re
from contextlib import contextmanager

import pytest
from django.db import connection

from agents import services as agent_services
from agents.tests.factories import AgentFactory, DepartmentFactory, UserFactory
from tickets import agent_changes, services
from tickets.models import TicketStatus
from tickets.tests.factories import TicketFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

TICKET, DEPARTMENTS, AGENTS = 1, 2, 3
_LOAD_COLUMNS = re.compile(r'SET .*"(assigned_to_id|status)" =')


def _level(sql: str, params) -> tuple[int, list[int]] | None:
    """Which lock of the order a statement takes, with the department ids it locks."""
    if "FOR UPDATE" in sql and 'FROM "tickets_ticket"' in sql:
        return TICKET, []
    if "FOR UPDATE" in sql and "FROM agents_department" in sql:
        return DEPARTMENTS, list(params[0])
    if sql.startswith(('UPDATE "agents_agent"', 'INSERT INTO "agents_agent"')):
        return AGENTS, []
    if sql.startswith(('INSERT INTO "tickets_ticket"', 'DELETE FROM "tickets_ticket"')):
        return AGENTS, []  # the load triggers update the assignee's agent row
    if sql.startswith('UPDATE "tickets_ticket"') and _LOAD_COLUMNS.search(sql):
        return AGENTS, []
    return None


@contextmanager
def recorded_locks():
    locks: list[tuple[int, list[int]]] = []

    def record(execute, sql, params, many, context):
        level = _level(sql, params)
        if level is not None:
            locks.append(level)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield locks


def assert_in_order(locks):
    levels = [level for level, _ in locks]
    assert levels, "the service took no lock"
    assert levels == sorted(levels), f"locks out of order: {levels}"
    for level, ids in locks:
        if level == DEPARTMENTS:
            assert ids == sorted(ids), f"departments locked out of id order: {ids}"


@pytest.fixture
def two_departments(catalogue):
    billing = catalogue["billing"]
    bug = catalogue["bug"]
    return (
        billing,
        bug,
        AgentFactory(department=billing.department),
        AgentFactory(department=bug.department),
    )


def test_create(two_departments, requester):
    with recorded_locks() as locks:
        services.ticket_create(
            title="Facture impayée", description="Ma facture est impayée.", created_by=requester
        )
    assert_in_order(locks)
    assert [level for level, _ in locks][:1] == [DEPARTMENTS]


def test_transition(two_departments, requester):
    billing, _bug, billing_agent, _ = two_departments
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_transition(ticket=ticket, status=TicketStatus.RESOLVED, actor=None)
    assert_in_order(locks)
    assert {TICKET, DEPARTMENTS, AGENTS} <= {level for level, _ in locks}


def test_assign_across_departments(two_departments, staff):
    billing, _bug, billing_agent, bug_agent = two_departments
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_assign(ticket=ticket, user_id=bug_agent.user_id, actor=staff)
    assert_in_order(locks)
    departments = [ids for level, ids in locks if level == DEPARTMENTS]
    assert departments == [sorted([billing.department_id, bug_agent.department_id])]


def test_reassign_by_routing(two_departments, staff):
    billing, _bug, billing_agent, _ = two_departments
    AgentFactory(department=billing.department)
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_reassign(ticket=ticket, actor=staff)
    assert_in_order(locks)
    assert AGENTS in {level for level, _ in locks}


def test_category_change_to_another_department(two_departments, staff):
    billing, bug, billing_agent, _ = two_departments
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_update(ticket=ticket, actor=staff, category=bug)
    assert_in_order(locks)
    assert [level for level, _ in locks][0] == TICKET


def test_update_with_status_assignee_and_category(two_departments, staff):
    """One PUT that moves the category, the status and the assignee: the ticket, then every
    department involved in one statement, in id order, then the agents."""
    billing, bug, billing_agent, bug_agent = two_departments
    third = AgentFactory(department=DepartmentFactory())
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_update(
            ticket=ticket,
            actor=staff,
            title="Changed",
            category=bug,
            status=TicketStatus.IN_PROGRESS,
            assigned_to=third.user_id,
        )
    assert_in_order(locks)
    departments = [ids for level, ids in locks if level == DEPARTMENTS]
    assert departments == [sorted([billing.department_id, bug.department_id, third.department_id])]
    assert [level for level, _ in locks][0] == TICKET


def test_update_unassigning(two_departments, staff):
    billing, _bug, billing_agent, _ = two_departments
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_update(ticket=ticket, actor=staff, assigned_to=None)
    assert_in_order(locks)
    assert [level for level, _ in locks] == [TICKET, DEPARTMENTS, AGENTS]


def test_delete(two_departments):
    billing, _bug, billing_agent, _ = two_departments
    ticket = TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        services.ticket_delete(ticket=ticket)
    assert_in_order(locks)


def test_agent_change(db):
    agent = AgentFactory(department=DepartmentFactory())
    with recorded_locks() as locks:
        agent_services.agent_update(agent=agent, actor=None, is_available=False)
    assert_in_order(locks)
    assert [level for level, _ in locks] == [DEPARTMENTS, AGENTS]


def test_agent_retirement(two_departments, staff):
    """The agent's OPEN tickets, then their departments (the agent's and the tickets') at once,
    then the agent row and the load counters as the tickets are routed again."""
    billing, bug, billing_agent, _ = two_departments
    AgentFactory(department=billing.department)
    TicketFactory.create_batch(2, category=billing, assigned_to=billing_agent.user)
    TicketFactory(category=bug, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        agent_changes.agent_retire(agent=billing_agent, actor=staff)
    assert_in_order(locks)
    levels = [level for level, _ in locks]
    assert levels[0] == TICKET and levels.count(DEPARTMENTS) == 1
    departments = [ids for level, ids in locks if level == DEPARTMENTS]
    assert departments == [sorted([billing.department_id, bug.department_id])]


def test_agent_move_to_another_department(two_departments, staff):
    billing, bug, billing_agent, _ = two_departments
    AgentFactory(department=billing.department)
    TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        agent_changes.agent_update(agent=billing_agent, actor=staff, department=bug.department)
    assert_in_order(locks)
    departments = [ids for level, ids in locks if level == DEPARTMENTS]
    assert departments == [sorted([billing.department_id, bug.department_id])]


def test_agent_away_with_reroute(two_departments, staff):
    billing, _bug, billing_agent, _ = two_departments
    TicketFactory(category=billing, assigned_to=billing_agent.user)
    with recorded_locks() as locks:
        agent_changes.agent_update(
            agent=billing_agent, actor=staff, is_available=False, reroute_open=True
        )
    assert_in_order(locks)
    assert [level for level, _ in locks][:2] == [TICKET, DEPARTMENTS]


def test_agent_creation(db, staff):
    department = DepartmentFactory()
    user = UserFactory()
    with recorded_locks() as locks:
        agent_services.agent_create(actor=staff, department=department, user_id=user.pk)
    assert_in_order(locks)
    assert [level for level, _ in locks][0] == DEPARTMENTS


def test_a_writer_out_of_order_is_caught():
    """The check itself fails on a department lock taken before the ticket's."""
    with pytest.raises(AssertionError, match="out of order"):
        assert_in_order([(DEPARTMENTS, [1]), (TICKET, [])])
    with pytest.raises(AssertionError, match="out of id order"):
        assert_in_order([(DEPARTMENTS, [2, 1])])


def test_model_prediction_with_rerouting(trained_model, two_departments, staff):
    _billing, bug, _billing_agent, bug_agent = two_departments
    ticket = TicketFactory(
        title="Facture impayée",
        description="Ma facture de mars est impayée, merci de vérifier le paiement.",
        category=bug,
        assigned_to=bug_agent.user,
    )
    with recorded_locks() as locks:
        services.ticket_predict(ticket=ticket, actor=staff, reroute=True)
    assert_in_order(locks)
    assert [level for level, _ in locks][0] == TICKET
