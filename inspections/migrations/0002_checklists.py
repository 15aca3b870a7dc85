"""The checklist templates, as data (inspections/reference.py)."""

from django.db import migrations

from inspections.reference import load_checklists


def load(apps, schema_editor):
    load_checklists(apps.get_model("inspections", "ChecklistTemplate"),
                    apps.get_model("inspections", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
