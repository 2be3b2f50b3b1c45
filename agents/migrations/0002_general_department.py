from django.db import migrations


def create_general(apps, schema_editor):
    Department = apps.get_model("agents", "Department")
    Department.objects.get_or_create(slug="general", defaults={"name": "General"})


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(create_general, migrations.RunPython.noop)]
