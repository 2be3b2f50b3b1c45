"""The SLA clock keeps its ended stops instead of their sum (tickets/sla/clock.py).

`sla_pauses` is rebuilt from each ticket's `status_changed` events: a move out of
OPEN/IN_PROGRESS starts a stop, the move back ends it. The events are written a moment after
the clock's own instants (the same transaction), so a rebuilt stop is off by milliseconds.
A ticket stopped now without a policy (the clock was not written down then) gets its
`sla_paused_at` from the event too. The stored instants are left as they are: they already
count the stops (they were moved out when each ended); the stops matter at the next
recomputation. `sla_paused_seconds`, the sum, is dropped: the stops say it exactly.
"""

from itertools import groupby
from operator import itemgetter

from django.db import migrations, models

RUNNING = {"OPEN", "IN_PROGRESS"}
BATCH = 1000


def _stops(events):
    """(ended stops as [start, end] ISO strings, start of the stop still going or None)."""
    stops, start = [], None
    for _, payload, at in events:
        before, after = payload.get("before"), payload.get("after")
        if before in RUNNING and after is not None and after not in RUNNING:
            start = at
        elif after in RUNNING and before is not None and before not in RUNNING:
            if start is not None:
                stops.append([start.isoformat(), max(start, at).isoformat()])
            start = None
    return stops, start


def _save(Ticket, found):
    tickets = Ticket.objects.filter(pk__in=found).only("pk", "status", "sla_paused_at")
    changed = []
    for ticket in tickets:
        stops, start = found[ticket.pk]
        ticket.sla_pauses = stops
        if ticket.sla_paused_at is None and ticket.status not in RUNNING:
            ticket.sla_paused_at = start
        changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["sla_pauses", "sla_paused_at"])


def agent_trigger_drop(apps, schema_editor):
    from tickets.load_triggers import agent_trigger_drop_sqlite

    agent_trigger_drop_sqlite(schema_editor.connection.alias)


def triggers_restore(apps, schema_editor):
    from tickets.load_triggers import triggers_restore_sqlite

    triggers_restore_sqlite(schema_editor.connection.alias)


def sla_pauses_rebuild(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    events = (
        TicketEvent.objects.filter(kind="status_changed")
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "payload", "created_at")
        .iterator(chunk_size=2000)
    )
    found = {}
    for ticket_id, group in groupby(events, key=itemgetter(0)):
        stops, start = _stops(group)
        if stops or start is not None:
            found[ticket_id] = (stops, start)
        if len(found) >= BATCH:
            _save(Ticket, found)
            found = {}
    if found:
        _save(Ticket, found)


def sla_paused_seconds_restore(apps, schema_editor):
    """Backwards: the sum of each ticket's stops on its policy's clock (business seconds of
    its calendar, else wall-clock seconds), as the previous code kept it."""
    import datetime as dt

    from agents.hours import WorkingHours

    Ticket = apps.get_model("tickets", "Ticket")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    clocks = {}
    for policy in SlaPolicy.objects.select_related("calendar"):
        calendar = policy.calendar
        clocks[policy.pk] = calendar and WorkingHours.build(
            time_zone=calendar.time_zone,
            weekly_hours=calendar.weekly_hours,
            holidays=calendar.holidays,
            country=calendar.holiday_country,
            subdivision=calendar.holiday_subdivision,
        )
    changed = []
    for ticket in Ticket.objects.exclude(sla_pauses=[]).only("pk", "sla_policy", "sla_pauses"):
        hours = clocks.get(ticket.sla_policy_id)
        total = 0.0
        for start, end in ticket.sla_pauses:
            start, end = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
            total += (
                hours.business_seconds_between(start, end)
                if hours
                else max((end - start).total_seconds(), 0.0)
            )
        ticket.sla_paused_seconds = total
        changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["sla_paused_seconds"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_sla_covering_indexes"),
    ]

    # The columns change before the rows are written: on PostgreSQL no ALTER TABLE may follow
    # row updates in the same transaction while the tickets' triggers have events pending.
    # SQLite only, as in 0014: its rebuild of the tickets table is refused while the agents
    # table's trigger names it; the triggers come back at the end.
    operations = [
        migrations.RunPython(agent_trigger_drop, triggers_restore),
        migrations.AddField(
            model_name="ticket",
            name="sla_pauses",
            field=models.JSONField(blank=True, default=list),
        ),
        # Backwards only: the sum comes back from the stops before they go.
        migrations.RunPython(migrations.RunPython.noop, sla_paused_seconds_restore),
        migrations.RemoveField(
            model_name="ticket",
            name="sla_paused_seconds",
        ),
        migrations.RunPython(sla_pauses_rebuild, migrations.RunPython.noop),
        migrations.RunPython(triggers_restore, agent_trigger_drop),
    ]
