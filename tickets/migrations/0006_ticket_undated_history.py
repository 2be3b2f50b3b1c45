"""Undated history (Ticket.is_undated_history), left out of the analytics indexes, and a repair
of the timestamps an import could store before it checked them.

PostgreSQL stored `0001-01-01T00:00:00+01:00` as a date before year 1, which no Python
datetime can hold: every list that read the row answered 400 and the admin 500. The repair
runs in SQL (no row is loaded): a created_at or resolved_at before 1970 or more than a day
ahead becomes the migration's time, and such tickets, like those resolved before they were
created, are marked undated history so that no analytics figure counts them.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations, models
from django.db.models import F, Q
from django.utils import timezone

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def repair_timestamps(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    tickets = Ticket.objects.using(schema_editor.connection.alias)
    now = timezone.now()
    latest = now + timedelta(days=1)
    tickets.filter(Q(created_at__lt=EARLIEST) | Q(created_at__gt=latest)).update(
        created_at=now, is_undated_history=True
    )
    tickets.filter(Q(resolved_at__lt=EARLIEST) | Q(resolved_at__gt=latest)).update(
        resolved_at=now, is_undated_history=True
    )
    tickets.filter(resolved_at__lt=F("created_at")).update(is_undated_history=True)


def agent_trigger_drop(apps, schema_editor):
    from tickets.load_triggers import agent_trigger_drop_sqlite

    agent_trigger_drop_sqlite(schema_editor.connection.alias)


def triggers_restore(apps, schema_editor):
    from tickets.load_triggers import triggers_restore_sqlite

    triggers_restore_sqlite(schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0005_agent_open_load_triggers"),
    ]

    operations = [
        # SQLite only (nothing on PostgreSQL): its rebuild of the tickets table is refused while
        # the agents table's trigger names it; the triggers come back at the end, either way
        # (tickets/load_triggers.py).
        migrations.RunPython(agent_trigger_drop, triggers_restore),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_created_cover_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_resolved_cover_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_open_backlog_idx",
        ),
        migrations.AddField(
            model_name="ticket",
            name="is_undated_history",
            field=models.BooleanField(
                default=False,
                help_text="Imported without its dates (stamped at import): left out of the analytics.",
                verbose_name="undated history",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_undated_history", False)),
                fields=["created_at", "category", "department", "assigned_to"],
                name="ticket_created_cover_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_undated_history", False), ("resolved_at__isnull", False)),
                fields=["resolved_at", "created_at", "category", "department", "assigned_to", "priority"],
                name="ticket_resolved_cover_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("is_undated_history", False), ("status__in", ["OPEN", "IN_PROGRESS"])
                ),
                fields=["department", "category", "priority", "created_at", "assigned_to"],
                name="ticket_open_backlog_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_undated_history", True)),
                fields=["created_at"],
                name="ticket_undated_idx",
            ),
        ),
        # Last: rows are updated once the schema is final (PostgreSQL refuses DDL on a table
        # with pending trigger events in the same transaction).
        migrations.RunPython(repair_timestamps, migrations.RunPython.noop),
        migrations.RunPython(triggers_restore, agent_trigger_drop),
    ]
