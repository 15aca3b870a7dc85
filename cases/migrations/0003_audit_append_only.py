"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [append_only("cases_auditevent", "the audit trail")]
