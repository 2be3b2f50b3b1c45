"""Migration 0006 repairs what imports could store before they checked dates: a ticket dated
before 1970 (on PostgreSQL, 0001-01-01T00:00:00+01:00 became a date before year 1 that broke
every list and the admin) or far ahead gets the migration's time and is marked undated
history, as is one resolved before it was created; the other tickets are left alone."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tickets.tests.api import TICKETS

BEFORE = [("tickets", "0005_agent_open_load_triggers")]
AFTER = [("tickets", "0006_ticket_undated_history")]
NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_out_of_range_dates_are_repaired_and_marked_undated(as_user, staff):
    try:
        old = migrate(BEFORE).get_model("tickets", "Ticket")
        rows = {
            "year one": (at(1, 1, 2), None),
            "far ahead": (at(9999, 12, 31), None),
            "resolved in year one": (at(2024, 1, 10), at(1, 1, 2)),
            "resolved before created": (at(2024, 1, 10), at(2024, 1, 9)),
            "fine": (at(2024, 1, 10), at(2024, 1, 11)),
        }
        ids = {
            title: old.objects.create(
                title=title,
                description=title,
                status="RESOLVED" if resolved else "OPEN",
                created_at=created,
                resolved_at=resolved,
            ).pk
            for title, (created, resolved) in rows.items()
        }
        if connection.vendor == "postgresql":
            # What the import stored: an instant before year 1 in UTC, unreadable in Python.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE tickets_ticket SET created_at = '0001-01-01T00:00:00+01:00'"
                    " WHERE id = %s",
                    [ids["year one"]],
                )

        with time_machine.travel(NOW, tick=False):
            new = migrate(AFTER).get_model("tickets", "Ticket")

        stored = {
            t.title: (t.created_at, t.resolved_at, t.is_undated_history) for t in new.objects.all()
        }
        assert stored == {
            "year one": (NOW, None, True),
            "far ahead": (NOW, None, True),
            "resolved in year one": (at(2024, 1, 10), NOW, True),
            "resolved before created": (at(2024, 1, 10), at(2024, 1, 9), True),
            "fine": (at(2024, 1, 10), at(2024, 1, 11), False),
        }
        migrate_to_latest()
        response = as_user(staff).get(TICKETS, {"ordering": "created_at"})
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 5
    finally:
        migrate_to_latest()
