"""resolution_stats gives percentile_cont's numbers, on PostgreSQL and on SQLite alike."""

import random
import statistics
from datetime import timedelta

import pytest

from tickets.analytics.aggregates import (
    PercentileCont,
    resolution_stats,
    resolution_stats_with_total,
)
from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.models import Priority, Ticket
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def reference(seconds: list[float]) -> dict:
    """percentile_cont's definition: linear interpolation at fraction * (n - 1)."""
    deciles = statistics.quantiles(seconds, n=10, method="inclusive")
    return {
        "count": len(seconds),
        "mean_seconds": round(statistics.fmean(seconds), 3),
        "median_seconds": round(statistics.median(seconds), 3),
        "p90_seconds": round(deciles[8], 3),
    }


@pytest.fixture
def durations():
    """37 tickets with irregular durations (to the microsecond) over two priorities."""
    rng = random.Random(7)
    by_priority = {Priority.LOW: [], Priority.HIGH: []}
    for i in range(37):
        priority = Priority.LOW if i % 3 else Priority.HIGH
        micros = rng.randint(1, 30 * 86_400_000_000)
        resolved = ago(days=rng.randint(0, 20))
        ticket_at(resolved - timedelta(microseconds=micros), resolved=resolved, priority=priority)
        by_priority[priority].append(micros / 1_000_000)
    return by_priority


def test_overall_figures_match_the_definition(durations):
    every = durations[Priority.LOW] + durations[Priority.HIGH]

    (row,) = resolution_stats(Ticket.objects.all())

    assert row == pytest.approx(reference(every), abs=0.001)


def test_grouped_figures_match_the_definition(durations):
    rows = resolution_stats(Ticket.objects.all(), group_by={"priority": "priority"})

    assert {row.pop("priority"): row for row in rows} == {
        Priority.LOW: pytest.approx(reference(durations[Priority.LOW]), abs=0.001),
        Priority.HIGH: pytest.approx(reference(durations[Priority.HIGH]), abs=0.001),
    }


def test_no_ticket_gives_one_empty_row_or_no_group(db):
    empty = {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}

    assert resolution_stats(Ticket.objects.all()) == [empty]
    assert resolution_stats(Ticket.objects.all(), group_by={"p": "priority"}) == []


def test_total_and_groups_together_are_the_two_separate_figures(durations):
    """One query on PostgreSQL (grouping sets), two on SQLite: the same numbers either way."""
    tickets = Ticket.objects.all()

    total, groups = resolution_stats_with_total(tickets, group_by={"priority": "priority"})

    assert total == resolution_stats(tickets)[0]
    by_key = {row["priority"]: row for row in groups}
    assert by_key == {
        row["priority"]: row for row in resolution_stats(tickets, group_by={"priority": "priority"})
    }
    low = {name: value for name, value in by_key[Priority.LOW].items() if name != "priority"}
    assert low == pytest.approx(reference(durations[Priority.LOW]), abs=0.001)


def test_a_group_without_a_key_is_not_taken_for_the_total(db):
    """Tickets without a category group under None, as the total's key column is NULL too."""
    billing = CategoryFactory()
    ticket_at(ago(days=3), resolved=ago(days=1), category=billing)
    ticket_at(ago(days=5), resolved=ago(days=1))
    ticket_at(ago(days=9), resolved=ago(days=1))

    total, groups = resolution_stats_with_total(
        Ticket.objects.all(), group_by={"category": "category_id"}
    )

    assert total["count"] == 3
    assert total["mean_seconds"] == pytest.approx((2 + 4 + 8) / 3 * 86_400)
    assert {row["category"]: row["count"] for row in groups} == {billing.pk: 1, None: 2}
    assert {row["category"]: row["median_seconds"] for row in groups} == {
        billing.pk: 2 * 86_400,
        None: 6 * 86_400,
    }


def test_no_ticket_gives_an_empty_total_and_no_group(db):
    empty = {"count": 0, "mean_seconds": None, "median_seconds": None, "p90_seconds": None}

    assert resolution_stats_with_total(Ticket.objects.all(), group_by={"p": "priority"}) == (
        empty,
        [],
    )


def test_percentile_fraction_is_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        PercentileCont("x", 1.5)
