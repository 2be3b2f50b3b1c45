"""Every domain event is written in the transaction of its change, with an id, a type, the
time, a sequence per ticket and the ticket as staff see it then; a rolled-back change has
none."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tickets.events import event_record
from tickets.models import EventKind, OutboxEvent, Priority, Ticket
from tickets.services import ticket_create, ticket_transition, ticket_update

pytestmark = pytest.mark.django_db


def events_of(ticket):
    return list(OutboxEvent.objects.filter(ticket_id=ticket.pk).order_by("sequence"))


def staff_view(as_user, staff, ticket) -> dict:
    return as_user(staff).get(f"/api/tickets/{ticket.pk}/").json()


def test_a_creation_writes_its_events_with_sequence_and_the_staff_view(
    as_user, staff, requester, billing_agent, catalogue
):
    response = as_user(requester).post(
        "/api/tickets/",
        {"title": "Refund please", "description": "I was charged twice on my invoice"},
        format="json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])

    events = events_of(ticket)
    assert [(e.kind, e.sequence) for e in events] == [
        ("created", 1),
        ("classified", 2),
        ("assigned", 3),
    ]
    assert len({e.event_id for e in events}) == 3
    assert all(e.occurred_at and e.routed_at is None for e in events)
    assert events[2].payload["after"] == billing_agent.user_id
    assert events[0].snapshot == staff_view(as_user, staff, ticket)


def test_later_changes_continue_the_sequence_and_snapshot_what_was_true_then(
    as_user, staff, requester, billing_agent, catalogue
):
    ticket = ticket_create(title="Refund", description="charged twice", created_by=requester)
    ticket_transition(ticket=ticket, status="IN_PROGRESS", actor=staff)
    ticket_update(ticket=ticket, actor=staff, priority=Priority.URGENT)
    ticket_transition(ticket=ticket, status="RESOLVED", actor=staff)

    events = events_of(ticket)
    assert [(e.kind, e.sequence) for e in events][3:] == [
        ("status_changed", 4),
        ("priority_changed", 5),
        ("status_changed", 6),
    ]
    assert events[3].snapshot["status"] == "IN_PROGRESS"
    assert events[3].snapshot["priority"] == "MEDIUM"
    # The priority's own event already shows the new priority.
    assert events[4].snapshot["priority"] == "URGENT"
    assert events[5].snapshot == staff_view(as_user, staff, ticket)
    assert events[0].snapshot["status"] == "OPEN"  # a late delivery says what was true then


def test_a_refused_change_writes_no_event(as_user, staff, requester, catalogue):
    ticket = ticket_create(title="Refund", description="charged twice", created_by=requester)
    before = OutboxEvent.objects.count()

    response = as_user(staff).post(
        f"/api/tickets/{ticket.pk}/transition/", {"status": "NOPE"}, format="json"
    )

    assert response.status_code == 400
    assert OutboxEvent.objects.count() == before


def test_a_rolled_back_change_leaves_no_event(staff, requester, catalogue):
    ticket = ticket_create(title="Refund", description="charged twice", created_by=requester)
    before = OutboxEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_transition(ticket=ticket, status="IN_PROGRESS", actor=staff)
        assert OutboxEvent.objects.count() == before + 1
        raise RuntimeError("the change fails after its event was written")

    assert OutboxEvent.objects.count() == before


def test_creating_a_ticket_costs_one_more_insert_and_no_read(
    monkeypatch, requester, billing_agent, catalogue
):
    def queries_of_a_creation() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            ticket_create(title="Refund", description="charged twice", created_by=requester)
        return [q["sql"] for q in queries.captured_queries]

    queries_of_a_creation()  # caches warmed
    with_outbox = queries_of_a_creation()
    monkeypatch.setattr("tickets.events.outbox_record_ticket_events", lambda events: None)
    without = queries_of_a_creation()

    assert len(with_outbox) == len(without) + 1
    outbox = [sql for sql in with_outbox if "outbox" in sql]
    assert len(outbox) == 1
    assert outbox[0].startswith('INSERT INTO "tickets_outboxevent"')


def test_a_model_activation_is_an_event_without_a_ticket(trained_model, second_model):
    from tickets.triage.services import model_activate

    model_activate(record=trained_model)

    event = OutboxEvent.objects.filter(kind="model_activated").latest("id")
    assert event.ticket_id is None and event.sequence is None
    assert event.payload["version"] == trained_model.version


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent writers"
)
def test_concurrent_writers_never_share_a_sequence_number(requester, catalogue):
    ticket = ticket_create(title="Refund", description="charged twice", created_by=requester)
    created = len(events_of(ticket))
    writers = 8
    barrier = threading.Barrier(writers)
    errors = []

    def write(index):
        try:
            barrier.wait()
            with transaction.atomic():
                # No ticket lock on purpose: the sequence counter alone keeps them apart.
                event_record(ticket=ticket, kind=EventKind.SLA_WARNING, target=f"t{index}")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [e.sequence for e in events_of(ticket)] == list(range(1, created + writers + 1))
