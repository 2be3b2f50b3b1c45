"""The per-process vectors of tickets outside the model's index (tickets/triage/similarity.py): the
check whether they changed is bounded by the same window as their listing."""

import json

import pytest
from django.db import connection
from django.utils import timezone

from tickets import services
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory
from tickets.triage import similarity
from tickets.triage.registry import active_model

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


def _blind_plan_scans(sql: str, params: list) -> list[dict]:
    """The scans of tickets_ticket in the plan PostgreSQL picks for `sql` without seeing its
    parameters' values, as for the generic plan a prepared statement (psycopg's
    prepare_threshold) settles on: each value is hidden in a sub-select."""
    blind = sql.replace("%s", "(SELECT %s)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few test rows fit in one page
        cursor.execute(f"EXPLAIN (FORMAT JSON) {blind}", params)
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node):
        if node.get("Relation Name") == Ticket._meta.db_table:
            yield node
        for child in node.get("Plans", []):
            yield from walk(child)

    return list(walk(plan[0]["Plan"]))


def _index_range(scan: dict) -> bool:
    """An index range read: an index scan with its condition, or a bitmap heap scan over
    bitmap index scans that each have one (the planner picks either, by its statistics)."""
    if "Index Cond" in scan:
        return True
    if scan.get("Node Type") != "Bitmap Heap Scan":
        return False

    def leaves(node):
        children = node.get("Plans", [])
        if not children:
            yield node
        for child in children:
            yield from leaves(child)

    found = list(leaves(scan))
    return bool(found) and all(
        leaf.get("Node Type") == "Bitmap Index Scan" and "Index Cond" in leaf for leaf in found
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plans")
def test_the_window_reads_only_index_ranges_whatever_the_parameters(trained_model):
    """With few unindexed tickets (the usual state after training), a prepared OR of the three
    reasons walked the updated_at index filtering every ticket (docs/performance.md).
    Each reason is now its own bounded index range."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
    window = similarity._StaleWindow(newest_indexed=10**9, trained_at=timezone.now())
    or_of_reasons = (
        f"SELECT id, updated_at FROM {Ticket._meta.db_table}"  # noqa: S608
        " WHERE id > %s OR category_id IS NULL OR updated_at > %s"
        " ORDER BY updated_at DESC, id DESC LIMIT 5000"
    )

    signature = _blind_plan_scans(*window.signature_sql())
    rows = _blind_plan_scans(*window.rows_sql())
    before = _blind_plan_scans(or_of_reasons, [10**9, timezone.now()])

    for scans in (signature, rows):
        assert len(scans) == 3
        assert all(_index_range(scan) for scan in scans), scans
    assert any("Index Cond" not in scan for scan in before), before


def labels_by_id(model) -> dict[int, str | None]:
    vectors = similarity._unindexed(model)
    return dict(zip((int(pk) for pk in vectors.ids), vectors.labels, strict=True))


def test_unindexed_tickets_are_reranked_by_their_category_as_it_reads_now(
    unindexed, catalogue, staff
):
    model = active_model()
    newest = unindexed[-1]
    assert labels_by_id(model)[newest.pk] is None  # uncategorised: ranked by cosine alone

    services.ticket_update(ticket=newest, actor=staff, category=catalogue["billing"])

    assert labels_by_id(model)[newest.pk] == "billing"
    probabilities = {label: 0.0 for label in model.classes} | {"billing": 1.0}
    ranked = dict(
        model.index.ranked(
            "Zorglub Quux wibble",
            extra=similarity._unindexed(model),
            category_probabilities=probabilities,
        )
    )
    others = [ranked[t.pk] for t in unindexed[-WINDOW:-1]]
    assert ranked[newest.pk] > max(others)  # same text, but the category the query is in
