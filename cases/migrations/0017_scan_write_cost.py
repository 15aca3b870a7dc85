"""What the deadline scan's writes cost (issue 13: a first run over 1M open tasks in under
60 s).

- No single-column indexes on the foreign keys that lead a composite index already
  (task.case_id: task_case_status_idx; task.department_id: task_dept_idx; task.assignee_id:
  task_assignee_idx; escalation.task_id: escalation_once_per_level;
  notification.recipient_id: notification_unread_idx). The composite serves every lookup by
  the column and the PROTECT/CASCADE checks; each task, escalation and notification the
  scan writes is one index entry fewer per column.
- `cases_case` keeps a fifth of each page free (fillfactor 80, PostgreSQL only). Task
  progress touches its case's `updated_at` (issue 14 §A6), which no index holds: with room
  on the page that UPDATE is a heap-only tuple, without a new entry in each of the case's
  eleven indexes (two of them GIN). Rows written from now on get the room; existing pages
  get it when the table is rewritten (`VACUUM FULL cases_case` or pg_repack, in a
  maintenance window) or as their rows move.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


#: Room on each case page for the new versions of touched rows (see the docstring).
CASE_FILLFACTOR = 80


def case_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE cases_case SET (fillfactor = {CASE_FILLFACTOR})")


def case_fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_task_dept_idx_to_id'),
        ('org', '0005_tombstones'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='escalation',
            name='task',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='escalations', to='cases.task'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='assignee',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to=settings.AUTH_USER_MODEL, verbose_name='assignee'),
        ),
        migrations.AlterField(
            model_name='task',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='cases.case', verbose_name='case'),
        ),
        migrations.AlterField(
            model_name='task',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='org.department', verbose_name='department'),
        ),
        migrations.RunPython(case_fillfactor, case_fillfactor_reset),
    ]
