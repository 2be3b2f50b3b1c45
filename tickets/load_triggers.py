"""Agents' open loads, kept exact by the database.

`Agent.open_load` is the number of tickets assigned to the agent in an open status (OPEN,
IN_PROGRESS: `OPEN_STATUSES`). A PENDING ticket (waiting on the requester) stays assigned but
is not in the load, as load-based routing elsewhere counts only the tickets an agent can act
on: a move into PENDING takes one off the counter, a move out of it (the requester answered,
or it is resolved) puts one back only when the new status is open. Routing reads the counter
for every new ticket, under the department lock; counting the tickets there instead grew
with the table and was the largest part of a creation (docs/performance.md).

A new agent starts from the open tickets already assigned to their user (agent_load_initial,
on the agents table); triggers on the tickets table keep the counter from then on, so it stays
exact whatever writes a ticket:
the services, bulk seeding and imports, the admin, cascades of deleted users, a psql session.
Each trigger changes the counter by a relative amount (`open_load = open_load + n`), which
takes the agent row's lock, so concurrent writers add up instead of overwriting each other.
Only TRUNCATE (or disabling them) bypasses them: `manage.py recount_loads` checks and repairs.

PostgreSQL: INSERT and DELETE triggers run once per statement over its transition table (one
UPDATE per bulk INSERT of 5,000 seeded rows, not 5,000), UPDATE runs per row and only when
the status or the assignee changed. SQLite has row triggers only.

The triggers are (re)installed by the migration that added the counter and after every
`migrate` (post_migrate): SQLite rebuilds a table to alter it and drops its triggers with it.
"""

from django.db import connections, transaction
from django.db.models import Count

from tickets.models import OPEN_STATUSES, Ticket

# The open statuses as an SQL list. The statements below are built from this constant only
# (hence their `noqa: S608`), never from input.
_OPEN = ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))
assert all(status.isupper() and status.replace("_", "").isalpha() for status in OPEN_STATUSES)


def _postgres_statement_function(name: str, rows: str, sign: str) -> str:
    """A statement-level trigger function: each agent's counter moves by the number of its
    open tickets among the statement's inserted (new_rows) or deleted (old_rows) rows."""
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE agents_agent AS agent SET open_load = agent.open_load {sign} changed.n
        FROM (SELECT assigned_to_id, count(*) AS n FROM {rows}
              WHERE assigned_to_id IS NOT NULL AND status IN ({_OPEN})
              GROUP BY assigned_to_id) AS changed
        WHERE agent.user_id = changed.assigned_to_id;
        RETURN NULL;
    END $$
    """  # noqa: S608


_POSTGRES = [
    _postgres_statement_function("ticket_load_insert", "new_rows", "+"),
    _postgres_statement_function("ticket_load_delete", "old_rows", "-"),
    f"""
    CREATE OR REPLACE FUNCTION ticket_load_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.assigned_to_id IS NOT NULL AND OLD.status IN ({_OPEN}) THEN
            UPDATE agents_agent SET open_load = open_load - 1
            WHERE user_id = OLD.assigned_to_id;
        END IF;
        IF NEW.assigned_to_id IS NOT NULL AND NEW.status IN ({_OPEN}) THEN
            UPDATE agents_agent SET open_load = open_load + 1
            WHERE user_id = NEW.assigned_to_id;
        END IF;
        RETURN NULL;
    END $$
    """,  # noqa: S608
    "DROP TRIGGER IF EXISTS ticket_load_insert ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_load_delete ON tickets_ticket",
    "DROP TRIGGER IF EXISTS ticket_load_update ON tickets_ticket",
    f"""
    CREATE OR REPLACE FUNCTION agent_load_initial() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.open_load := (SELECT count(*) FROM tickets_ticket
                          WHERE assigned_to_id = NEW.user_id AND status IN ({_OPEN}));
        RETURN NEW;
    END $$
    """,  # noqa: S608
    "DROP TRIGGER IF EXISTS agent_load_initial ON agents_agent",
    """
    CREATE TRIGGER agent_load_initial BEFORE INSERT ON agents_agent
    FOR EACH ROW EXECUTE FUNCTION agent_load_initial()
    """,
    """
    CREATE TRIGGER ticket_load_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_load_insert()
    """,
    """
    CREATE TRIGGER ticket_load_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ticket_load_delete()
    """,
    """
    CREATE TRIGGER ticket_load_update AFTER UPDATE OF status, assigned_to_id ON tickets_ticket
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.assigned_to_id IS DISTINCT FROM NEW.assigned_to_id)
    EXECUTE FUNCTION ticket_load_update()
    """,
]

_SQLITE = [
    "DROP TRIGGER IF EXISTS agent_load_initial",
    f"""
    CREATE TRIGGER agent_load_initial AFTER INSERT ON agents_agent
    BEGIN
        UPDATE agents_agent SET open_load = (
            SELECT count(*) FROM tickets_ticket
            WHERE assigned_to_id = NEW.user_id AND status IN ({_OPEN})
        ) WHERE user_id = NEW.user_id;
    END
    """,  # noqa: S608
    "DROP TRIGGER IF EXISTS ticket_load_insert",
    "DROP TRIGGER IF EXISTS ticket_load_delete",
    "DROP TRIGGER IF EXISTS ticket_load_update",
    f"""
    CREATE TRIGGER ticket_load_insert AFTER INSERT ON tickets_ticket
    WHEN NEW.assigned_to_id IS NOT NULL AND NEW.status IN ({_OPEN})
    BEGIN
        UPDATE agents_agent SET open_load = open_load + 1 WHERE user_id = NEW.assigned_to_id;
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER ticket_load_delete AFTER DELETE ON tickets_ticket
    WHEN OLD.assigned_to_id IS NOT NULL AND OLD.status IN ({_OPEN})
    BEGIN
        UPDATE agents_agent SET open_load = open_load - 1 WHERE user_id = OLD.assigned_to_id;
    END
    """,  # noqa: S608
    f"""
    CREATE TRIGGER ticket_load_update AFTER UPDATE OF status, assigned_to_id ON tickets_ticket
    WHEN OLD.status IS NOT NEW.status OR OLD.assigned_to_id IS NOT NEW.assigned_to_id
    BEGIN
        UPDATE agents_agent SET open_load = open_load - 1
        WHERE user_id = OLD.assigned_to_id AND OLD.status IN ({_OPEN});
        UPDATE agents_agent SET open_load = open_load + 1
        WHERE user_id = NEW.assigned_to_id AND NEW.status IN ({_OPEN});
    END
    """,  # noqa: S608
]

# A new agent starts from the tickets already assigned to their user (agent_load_initial, on
# the agents table); the others follow every write to the tickets table.
TRIGGERS = ("agent_load_initial", "ticket_load_insert", "ticket_load_delete", "ticket_load_update")

_RECOUNT = f"""
    UPDATE agents_agent SET open_load = (
        SELECT count(*) FROM tickets_ticket
        WHERE tickets_ticket.assigned_to_id = agents_agent.user_id
          AND tickets_ticket.status IN ({_OPEN})
    )
"""  # noqa: S608


def load_triggers_install(using: str = "default") -> None:
    """Create (or replace) the triggers that keep Agent.open_load; idempotent."""
    connection = connections[using]
    statements = {"postgresql": _POSTGRES, "sqlite": _SQLITE}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(f"No open-load triggers for {connection.vendor}.")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def load_triggers_installed(using: str = "default") -> set[str]:
    """Names of the load triggers present on the tickets table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid IN ('tickets_ticket'::regclass, 'agents_agent'::regclass)"
                " AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name IN ('tickets_ticket', 'agents_agent')"
            )
        return {name for (name,) in cursor.fetchall()} & set(TRIGGERS)


def loads_recount(using: str = "default") -> None:
    """Set every agent's counter to the count of its open tickets, in one statement (raw SQL:
    the migration that adds the counter runs it too). See loads_repair for a live database."""
    with connections[using].cursor() as cursor:
        cursor.execute(_RECOUNT)


def loads_repair(*, fix: bool = True) -> dict[int, tuple[int, int]]:
    """Agents whose counter differs from their open tickets: {agent id: (counter, counted)};
    with fix, the counters are recounted. Under every department's lock, so that no routing
    or assignment moves a load in between."""
    from agents.models import Agent, Department
    from agents.routing import departments_lock

    with transaction.atomic():
        departments_lock(Department.objects.values_list("pk", flat=True))
        counters = dict(Agent.objects.values_list("user_id", "open_load"))
        counted = dict(
            Ticket.objects.filter(assigned_to__isnull=False, status__in=OPEN_STATUSES)
            .order_by()
            .values_list("assigned_to")
            .annotate(n=Count("*"))
        )
        drift = {
            pk: (counter, counted.get(pk, 0))
            for pk, counter in counters.items()
            if counter != counted.get(pk, 0)
        }
        if drift and fix:
            loads_recount()
    return drift


def load_triggers_remove(using: str = "default") -> None:
    """Drop the triggers (unapplying the migration that added the counter)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                table = "agents_agent" if name == "agent_load_initial" else "tickets_ticket"
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


# The migration that adds the counter and installs the triggers.
MIGRATION = ("tickets", "0005_agent_open_load_triggers")


def agent_trigger_drop_sqlite(using: str = "default") -> None:
    """See remove_agent_trigger_before_migrate."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS agent_load_initial")


def triggers_restore_sqlite(using: str = "default") -> None:
    """Every load trigger back after a rebuild of the tickets table on SQLite."""
    if connections[using].vendor == "sqlite":
        load_triggers_install(using)


def remove_agent_trigger_before_migrate(sender, using: str = "default", **kwargs) -> None:
    """pre_migrate receiver, SQLite only: drop agent_load_initial so that a migration may
    rebuild the tickets table; post_migrate puts it back. SQLite alters a table by rebuilding
    it, and refuses to while a trigger on another table names it ("error in trigger
    agent_load_initial: no such table: main.tickets_ticket"). A migration that alters the
    tickets table does the same around its own operations (0006), for fresh databases and for
    migrations run without the signals."""
    agent_trigger_drop_sqlite(using)


def install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: a tickets table that SQLite rebuilt to alter it gets its
    triggers back. Nothing to do when they are there, or when the database is migrated to
    a state before the counter."""
    from django.db.migrations.recorder import MigrationRecorder

    if MIGRATION not in MigrationRecorder(connections[using]).applied_migrations():
        return
    if load_triggers_installed(using) != set(TRIGGERS):
        load_triggers_install(using)
