"""Issue 14 D8: typed API fields refuse values of another type with 400 and the field's
error, instead of turning them into text or numbers; every writable serializer of the API
is checked (the task completion note, the notification ids) and the base that model
serializers build on maps model fields to the strict fields."""

import pytest

from cases.models import Notification, TaskStatus
from core.api.serializers import (
    ModelSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from tests.factories import make_case, make_task
from tests.test_api import post_json, user_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("note", [123, 1.5, True, ["完成"], {"text": "完成"}])
def test_a_task_note_that_is_not_text_is_refused(world, note):
    officer = world.a.users["officer"]
    task = make_task(world.a, make_case(world.a), assignee=officer)
    response = post_json(user_client(officer), f"/api/v1/tasks/mine/{task.pk}/complete/",
                         {"note": note})
    assert response.status_code == 400, response.content
    assert "note" in response.json()["errors"]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    ok = post_json(user_client(officer), f"/api/v1/tasks/mine/{task.pk}/complete/",
                   {"note": "办结"})
    assert ok.status_code == 200, ok.content


@pytest.mark.parametrize("ids", [["1"], [1.0], [True], "1", [None]])
def test_notification_ids_that_are_not_whole_numbers_are_refused(world, ids):
    officer = world.a.users["officer"]
    make_task(world.a, make_case(world.a))
    response = post_json(user_client(officer), "/api/v1/notifications/mark-read/", {"ids": ids})
    assert response.status_code == 400, response.content
    assert "ids" in response.json()["errors"]
    assert Notification.objects.filter(recipient=officer, read_at__isnull=False).count() == 0


def test_model_serializers_on_the_base_get_the_strict_fields():
    from cases.models import Task
    from org.models import Department

    class DepartmentProbe(ModelSerializer):
        class Meta:
            model = Department
            fields = ["name", "duties", "is_active"]

    class TaskProbe(ModelSerializer):
        class Meta:
            model = Task
            fields = ["escalation_level"]

    fields = DepartmentProbe().fields
    assert isinstance(fields["name"], StrictCharField)
    assert isinstance(fields["duties"], StrictCharField)
    assert isinstance(fields["is_active"], StrictBooleanField)
    assert isinstance(TaskProbe().fields["escalation_level"], StrictIntegerField)
    bad = DepartmentProbe(data={"name": 1, "duties": "x", "is_active": "yes"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"name", "is_active"}
    as_text = TaskProbe(data={"escalation_level": "3"})
    assert not as_text.is_valid() and "escalation_level" in as_text.errors
    good = DepartmentProbe(data={"name": "教育局", "duties": "x", "is_active": True})
    assert good.is_valid(), good.errors
