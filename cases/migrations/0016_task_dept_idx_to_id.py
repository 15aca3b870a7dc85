from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def release_tasks_of_departed(apps, schema_editor):
    """Existing unfinished tasks whose assignee has left their department go back to the
    department's queue, as `cases.services.release_tasks_of_departed` does from now on
    (one audit row per task, by the system)."""
    Task = apps.get_model("cases", "Task")
    Case = apps.get_model("cases", "Case")
    AuditEvent = apps.get_model("cases", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    tasks = list(Task.objects.exclude(status="done").filter(assignee__isnull=False)
                 .exclude(assignee__department_id=models.F("department_id"))
                 .select_related("case").order_by("pk"))
    if not tasks:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="cases", model="task")
    AuditEvent.objects.bulk_create([AuditEvent(
        actor_label="system", action="task.release", case_id=t.case_id,
        content_type_id=content_type.pk, object_id=str(t.pk),
        object_repr=t.case.number[:200], before={"assignee": t.assignee_id},
        after={"assignee": None}, reason="经办人已调离该部门。")
        for t in tasks])
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=None)
    Case.objects.filter(pk__in={t.case_id for t in tasks}).update(updated_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_case_search_grams'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('org', '0005_tombstones'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A department's queue in the pages' order to its last column (issue 13: my_tasks).
        migrations.RemoveIndex(
            model_name='task',
            name='task_dept_idx',
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['department', 'status', 'due_date', 'id'], name='task_dept_idx'),
        ),
        migrations.RunPython(release_tasks_of_departed, migrations.RunPython.noop),
    ]
