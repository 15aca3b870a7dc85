"""The violation taxonomy as data (inspections/reference.py)."""

from django.db import migrations

from inspections.reference import load_violations


def load(apps, schema_editor):
    load_violations(apps.get_model("inspections", "ViolationType"))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_enforcement")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
