"""resolution_stats gives percentile_cont's numbers, on PostgreSQL and on SQLite alike."""

import random
import statistics
from datetime import timedelta

import pytest

from tickets.analytics.aggregates import PercentileCont, resolution_stats
from tickets.analytics.tests.conftest import ago, ticket_at
from tickets.models import Priority, Ticket

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


def test_percentile_fraction_is_checked():
    with pytest.raises(ValueError, match="between 0 and 1"):
        PercentileCont("x", 1.5)
