"""Agent.open_load is kept by the database's triggers (tickets/load_triggers.py), whatever
writes the tickets: these write them every way but the services (which the stateful and concurrency
tests cover) and compare the counter with a count."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.models import Agent
from tickets import services
from tickets.load_triggers import (
    TRIGGERS,
    install_after_migrate,
    load_triggers_installed,
    load_triggers_remove,
)
from tickets.models import OPEN_STATUSES, Ticket, TicketStatus
from tickets.tests.factories import AgentFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def counter(agent: Agent) -> int:
    return Agent.objects.values_list("open_load", flat=True).get(pk=agent.pk)


def counted(agent: Agent) -> int:
    return Ticket.objects.filter(assigned_to=agent.user_id, status__in=OPEN_STATUSES).count()


def assert_exact(*agents: Agent) -> None:
    for agent in agents:
        assert counter(agent) == counted(agent), agent


@pytest.fixture
def two_agents(catalogue):
    billing = catalogue["billing"].department
    return AgentFactory(department=billing), AgentFactory(department=billing)


def test_the_triggers_are_installed_by_migrate():
    assert load_triggers_installed() == set(TRIGGERS)


def test_bulk_inserts_count_open_tickets_only(two_agents):
    a, b = two_agents
    requester = UserFactory()
    rows = [
        Ticket(
            title=f"t{i}",
            description="d",
            created_by=requester,
            assigned_to=agent.user,
            status=status,
        )
        for i, (agent, status) in enumerate(
            [
                (a, TicketStatus.OPEN),
                (a, TicketStatus.IN_PROGRESS),
                (a, TicketStatus.RESOLVED),
                (b, TicketStatus.CLOSED),
                (b, TicketStatus.OPEN),
            ]
            * 3
        )
    ]
    Ticket.objects.bulk_create(rows, batch_size=4)
    TicketFactory(assigned_to=None)
    assert (counter(a), counter(b)) == (6, 3)
    assert_exact(a, b)


def test_queryset_updates_and_deletes_move_the_counters(two_agents):
    a, b = two_agents
    TicketFactory.create_batch(4, assigned_to=a.user)
    TicketFactory.create_batch(2, assigned_to=b.user, status=TicketStatus.RESOLVED)

    Ticket.objects.filter(assigned_to=a.user).update(assigned_to=b.user)
    assert (counter(a), counter(b)) == (0, 4)
    Ticket.objects.filter(status=TicketStatus.RESOLVED).update(status=TicketStatus.IN_PROGRESS)
    assert counter(b) == 6
    Ticket.objects.filter(pk__in=Ticket.objects.values("pk")[:3]).update(
        status=TicketStatus.CLOSED, assigned_to=a.user
    )
    assert (counter(a), counter(b)) == (0, 3)
    Ticket.objects.filter(title="nothing like this").update(status=TicketStatus.OPEN)
    Ticket.objects.filter(status=TicketStatus.CLOSED).update(title="renamed")  # no load change
    assert_exact(a, b)
    Ticket.objects.filter(assigned_to=b.user, status=TicketStatus.IN_PROGRESS).delete()
    Ticket.objects.filter(status=TicketStatus.CLOSED)[:1].get().delete()
    assert_exact(a, b)
    assert counter(b) == Ticket.objects.filter(status__in=OPEN_STATUSES).count()


def test_deleting_a_user_cascades_without_breaking_the_counters(two_agents):
    a, b = two_agents
    TicketFactory.create_batch(3, assigned_to=a.user)
    requester = UserFactory()
    TicketFactory.create_batch(2, assigned_to=b.user, created_by=requester)
    a.user.delete()  # the agent goes with the user; their tickets become unassigned
    requester.delete()  # created_by is set to NULL: no load changes
    assert not Agent.objects.filter(pk=a.pk).exists()
    assert Ticket.objects.filter(assigned_to__isnull=True).count() == 3
    assert_exact(b)
    assert counter(b) == 2


def test_an_agent_created_for_a_user_with_open_tickets_starts_from_them(catalogue):
    agent = AgentFactory(department=catalogue["billing"].department)
    TicketFactory.create_batch(2, assigned_to=agent.user)
    user, department = agent.user, agent.department
    agent.delete()  # the user keeps the tickets assigned to them
    again = Agent.objects.create(user=user, department=department)
    assert again.open_load == counter(again) == 2


def test_saving_an_agent_never_writes_back_a_counter_read_earlier(two_agents, requester):
    a, b = two_agents
    Agent.objects.filter(pk=b.pk).update(is_available=False)
    stale = Agent.objects.get(pk=a.pk)
    for _ in range(2):
        ticket = services.ticket_create(
            title="Invoice paid twice", description="Please refund my invoice", created_by=requester
        )
        assert ticket.assigned_to_id == a.pk
    stale.is_available = False
    stale.save()  # a whole-row save, as a form or a shell session would do
    assert counter(a) == counted(a) == 2
    assert Agent.objects.get(pk=a.pk).is_available is False
    with pytest.raises(ValueError, match="kept by the database"):
        stale.save(update_fields=["open_load"])


def test_recount_loads_reports_and_repairs_a_drifted_counter(two_agents, capsys):
    a, b = two_agents
    TicketFactory.create_batch(2, assigned_to=a.user)
    Agent.objects.filter(pk=b.pk).update(open_load=7)  # e.g. after a TRUNCATE or a restore

    with pytest.raises(CommandError, match="1 agent counter"):
        call_command("recount_loads", "--check")
    assert f"agent {b.pk}: counter 7, open tickets 0" in capsys.readouterr().out
    assert counter(b) == 7  # --check changes nothing

    call_command("recount_loads")
    assert "1 agent counter(s) corrected" in capsys.readouterr().out
    assert (counter(a), counter(b)) == (2, 0)
    call_command("recount_loads", "--check")
    assert "exact" in capsys.readouterr().out


def test_triggers_lost_in_a_table_rebuild_come_back_after_migrate(two_agents):
    a, _ = two_agents
    load_triggers_remove()
    assert load_triggers_installed() == set()
    install_after_migrate(sender=None)  # what every `migrate` runs at its end
    assert load_triggers_installed() == set(TRIGGERS)
    TicketFactory(assigned_to=a.user)
    assert counter(a) == 1
