"""Agent.open_load kept by triggers on the tickets table (tickets/load_triggers.py).

Installing the triggers, then counting, in this migration's transaction: on PostgreSQL the
trigger DDL locks the tickets table until commit, so a ticket written by a server still
running during the deploy is either counted here or by a trigger, never missed.
"""

from django.db import migrations


def install(apps, schema_editor):
    from tickets.load_triggers import load_triggers_install, loads_recount

    load_triggers_install(schema_editor.connection.alias)
    loads_recount(schema_editor.connection.alias)


def remove(apps, schema_editor):
    from tickets.load_triggers import load_triggers_remove

    load_triggers_remove(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0003_open_load"),
        ("tickets", "0004_shared_artifacts_training_jobs"),
    ]

    operations = [migrations.RunPython(install, remove)]
