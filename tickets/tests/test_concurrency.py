"""Routing under real concurrent transactions on PostgreSQL.

SQLite serialises writers and ignores FOR UPDATE, so these only prove something on
PostgreSQL, which CI uses.
"""

import threading

import pytest
from django.db import connection, connections

from tickets import services
from tickets.models import Ticket
from tickets.tests.factories import AgentFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 40


def run_concurrently(target, n: int) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(i)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def open_loads(agents) -> list[int]:
    return [
        Ticket.objects.filter(assigned_to=a.user, status__in=["OPEN", "IN_PROGRESS"]).count()
        for a in agents
    ]


def test_simultaneous_creations_keep_loads_within_one(catalogue):
    billing = catalogue["billing"].department
    agents = [AgentFactory(department=billing) for _ in range(6)]
    requester = UserFactory()

    errors = run_concurrently(
        lambda i: services.ticket_create(
            title=f"Facture impayée {i}",
            description="Ma facture est impayée.",
            created_by=requester,
        ),
        THREADS,
    )

    assert errors == []
    assert Ticket.objects.count() == THREADS
    assert Ticket.objects.filter(assigned_to__isnull=True).count() == 0
    loads = open_loads(agents)
    assert sum(loads) == THREADS
    assert max(loads) - min(loads) <= 1, loads


def test_capacity_is_never_exceeded_under_concurrency(catalogue):
    billing = catalogue["billing"].department
    agents = [AgentFactory(department=billing, max_open_tickets=5) for _ in range(3)]
    requester = UserFactory()

    errors = run_concurrently(
        lambda i: services.ticket_create(
            title="Invoice overdue", description="Please check my invoice.", created_by=requester
        ),
        20,
    )

    assert errors == []
    assert Ticket.objects.count() == 20
    assert open_loads(agents) == [5, 5, 5]
    assert Ticket.objects.filter(assigned_to__isnull=True).count() == 5
