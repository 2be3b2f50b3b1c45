"""The per-process vectors of tickets outside the model's index (tickets/similarity.py): the
check whether they changed is bounded by the same window as their listing."""

import pytest

from tickets import services, similarity
from tickets.ml_registry import active_model
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

WINDOW = 3


@pytest.fixture
def unindexed(monkeypatch, trained_model):
    """Five uncategorised tickets (never indexed), oldest first, with a window of three."""
    monkeypatch.setattr(similarity, "MAX_UNINDEXED", WINDOW)
    monkeypatch.setattr(similarity, "_unindexed_vectors", similarity._UnindexedVectors())
    return [TicketFactory(title=f"Zorglub {i}", description="Quux wibble.") for i in range(5)]


def vector_ids(model) -> list[int]:
    return sorted(int(pk) for pk in similarity._unindexed(model).ids)


def test_changes_beyond_the_window_cost_one_bounded_query(unindexed, django_assert_num_queries):
    model = active_model()
    newest = sorted(t.pk for t in unindexed[-WINDOW:])
    assert vector_ids(model) == newest

    # The oldest is outside the window: nothing the similar tickets use has changed.
    Ticket.objects.filter(pk=unindexed[0].pk).delete()
    with django_assert_num_queries(1) as queries:
        assert vector_ids(model) == newest

    assert "LIMIT" in queries.captured_queries[0]["sql"].upper()


def test_changes_inside_the_window_are_still_seen(unindexed, staff):
    model = active_model()
    vector_ids(model)

    Ticket.objects.filter(pk=unindexed[-1].pk).delete()  # the window takes in an older one

    assert vector_ids(model) == sorted(t.pk for t in unindexed[1:4])

    edited = unindexed[0]
    services.ticket_update(ticket=edited, actor=staff, title="Edited", description="Quux.")
    # Newest again: back in the window.

    assert vector_ids(model) == sorted(t.pk for t in (edited, unindexed[2], unindexed[3]))
