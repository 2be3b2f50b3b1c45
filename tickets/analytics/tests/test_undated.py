"""Undated history: tickets imported without their dates are stamped at import time, so they
would count as created and resolved "now" in 0 seconds. They show in lists and train the
model, and every analytics figure leaves them out (a 2,181-ticket import once dragged the
30-day median time to resolve from 25.9 h to 1.3 h)."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from tickets.models import Ticket
from tickets.tests.api import TICKETS
from tickets.triage.services import training_rows

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
HOUR = 3600
STATS = ("mean_seconds", "median_seconds", "p90_seconds")
COLUMNS = [
    "--title-col=subject",
    "--description-col=body",
    "--category-col=label",
    "--created-at-col=opened",
    "--resolved-at-col=closed",
]
HEADER = "subject,body,label,opened,closed\n"
# Resolved: A, B, C dated (2 h, 6 h, 10 h to resolve); D, E without dates; F opened on a known
# day but with no resolution date, so resolved "now" after 11 days: undated too.
RESOLVED = HEADER + (
    "A,Invoice wrong,billing,2025-03-09T15:00:00Z,2025-03-09T17:00:00Z\n"
    "B,Refund missing,billing,2025-03-07T15:00:00Z,2025-03-07T21:00:00Z\n"
    "C,App crashes,bug,2025-03-10T15:00:00Z,2025-03-11T01:00:00Z\n"
    "D,Old invoice question,billing,,\n"
    "E,Old crash report,bug,,\n"
    "F,Old login problem,bug,2025-03-01T10:00:00Z,\n"
)
# Open: G dated (4 days old), H and I without a date.
STILL_OPEN = HEADER + (
    "G,Invoice still wrong,billing,2025-03-08T15:00:00Z,\n"
    "H,Old open invoice,billing,,\n"
    "I,Old open crash,bug,,\n"
)


def import_csv(tmp_path, name: str, text: str, *options) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_tickets", str(path), *COLUMNS, *options, stdout=out)
    return out.getvalue()


@pytest.fixture
def history(tmp_path, catalogue, billing_agent):
    """The two imports above at NOW, then A, D and H assigned to the billing agent."""
    with time_machine.travel(NOW, tick=False):
        resolved = import_csv(tmp_path, "resolved.csv", RESOLVED)
        still_open = import_csv(tmp_path, "open.csv", STILL_OPEN, "--status=OPEN")
        Ticket.objects.filter(title__in=["A", "D", "H"]).update(assigned_to=billing_agent.user)
        yield resolved, still_open


@pytest.fixture
def client(history, as_user, staff):
    return as_user(staff)


def figures(body: dict) -> dict:
    return {k: body[k] for k in ("count", "mean_seconds", "median_seconds", "p90_seconds")}


def test_the_import_says_how_many_it_marked(history):
    resolved, still_open = history

    assert "Marked 3 tickets as undated history" in resolved
    assert "Marked 2 tickets as undated history" in still_open
    assert set(Ticket.objects.filter(is_undated_history=True).values_list("title", flat=True)) == {
        "D",
        "E",
        "F",
        "H",
        "I",
    }


def test_undated_history_shows_in_lists_and_trains_the_model(client):
    assert client.get(TICKETS).json()["count"] == 9
    ids, _texts, _labels = training_rows()
    assert set(ids) == set(Ticket.objects.values_list("pk", flat=True))


def test_trends_leave_undated_history_out(client):
    body = client.get("/api/analytics/trends/", {"days": 30, "interval": "day"}).json()

    assert body["total"] == 4
    assert [(c["key"], c["count"]) for c in body["categories"]] == [("billing", 3), ("bug", 1)]
    # The day of the import (the last bucket) would hold the five undated tickets.
    assert [c["counts"][-1] for c in body["series"]["categories"]] == [0, 0]


def test_resolution_times_leave_undated_history_out(client):
    body = client.get("/api/analytics/mttr/", {"days": 30}).json()

    # 2 h, 6 h, 10 h; p90 at 0.9 * 2 = 1.8: 6 h + 0.8 * (10 h - 6 h).
    assert figures(body) == {
        "count": 3,
        "mean_seconds": 6 * HOUR,
        "median_seconds": 6 * HOUR,
        "p90_seconds": 9.2 * HOUR,
    }


@pytest.mark.parametrize("by", ["category", "priority", "department", "agent"])
def test_resolution_times_by_group_leave_undated_history_out(client, by):
    """On PostgreSQL the total and the groups come from one GROUPING SETS query."""
    body = client.get("/api/analytics/mttr/", {"days": 30, "by": by}).json()

    assert figures(body)["count"] == 3
    assert figures(body)["median_seconds"] == 6 * HOUR
    assert sum(group["count"] for group in body["groups"]) == 3


def test_resolution_times_by_category_are_exact(client):
    body = client.get("/api/analytics/mttr/", {"days": 30, "by": "category"}).json()

    # billing: 2 h and 6 h, p90 at 0.9: 2 h + 0.9 * 4 h; bug: 10 h alone.
    assert [(g["key"], figures(g)) for g in body["groups"]] == [
        ("billing", {"count": 2, **dict.fromkeys(STATS, 4 * HOUR), "p90_seconds": 5.6 * HOUR}),
        ("bug", {"count": 1, **dict.fromkeys(STATS, 10 * HOUR)}),
    ]


def test_backlog_leaves_undated_history_out(client):
    body = client.get("/api/analytics/backlog/").json()

    assert (body["total"], body["unassigned"]) == (1, 1)
    assert {g["key"]: g["count"] for g in body["by_age"]} == {
        "lt_1d": 0,
        "1_3d": 0,
        "3_7d": 1,
        "7_30d": 0,
        "gt_30d": 0,
    }
    assert [(g["key"], g["count"]) for g in body["by_category"]] == [("billing", 1)]


def test_agents_figures_leave_undated_history_out(client, billing_agent):
    body = client.get("/api/analytics/agents/", {"days": 30}).json()

    [row] = [a for a in body["agents"] if a["id"] == billing_agent.user_id]
    # A (dated, resolved in 2 h) counts; D (undated, resolved) and H (undated, open) do not.
    assert (row["assigned"], row["resolved"], row["median_seconds"]) == (1, 1, 2 * HOUR)
    # The load is the agent's work now, not a figure about the past: H is open and theirs.
    assert row["open_load"] == 1


def test_an_agents_department_view_leaves_undated_history_out(history, as_user, billing_agent):
    client = as_user(billing_agent.user)

    trends = client.get("/api/analytics/trends/", {"days": 30}).json()
    mttr = client.get("/api/analytics/mttr/", {"days": 30, "by": "agent"}).json()

    assert trends["total"] == 3  # A, B, G
    assert figures(mttr) == {
        "count": 2,
        "mean_seconds": 4 * HOUR,
        "median_seconds": 4 * HOUR,
        "p90_seconds": 5.6 * HOUR,
    }
