"""Issue 13: my task list (/api/v1/tasks/mine/) answers from values() rows rendered by
orjson; its JSON must be `TaskSerializer`'s, field for field, for the same rows, and its
query count must not grow with the rows."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from cases import selectors
from cases.api import MyTaskViewSet, task_row
from cases.models import Task, TaskStatus
from cases.serializers import TaskSerializer
from tests.factories import make_case, make_task

pytestmark = pytest.mark.django_db


def serialized(rows):
    return json.loads(JSONRenderer().render(TaskSerializer(rows, many=True).data))


def test_the_fast_list_writes_what_the_serializer_writes(world):
    officer = world.a.users["officer"]
    case = make_case(world.a, title="我的事项")
    mine = make_task(world.a, case, assignee=officer)
    make_task(world.a, case)  # unassigned in my department: mine too
    Task.objects.filter(pk=mine.pk).update(
        step="verify", overdue_since=timezone.localdate() - dt.timedelta(days=1),
        escalation_level=1, return_reason="补充材料")
    client = Client()
    client.force_login(officer)
    response = client.get("/api/v1/tasks/mine/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    rows = selectors.my_tasks(officer).order_by("due_date", "id")
    assert len(fast) == 2 and fast == serialized(rows)
    assert {r["assignee_name"] is None for r in fast} == {True, False}
    assert any(r["is_overdue"] for r in fast) and any(r["step"] for r in fast)


def test_the_row_writes_a_finished_task_as_the_serializer_does(world):
    """The list shows open tasks, but the row function must not depend on it: a finished
    task (completed_at set, no longer overdue) is written alike."""
    officer = world.a.users["officer"]
    task = make_task(world.a, make_case(world.a), assignee=officer)
    officer.full_name = ""
    officer.save(update_fields=["full_name"])
    Task.objects.filter(pk=task.pk).update(
        status=TaskStatus.DONE, completed_at=timezone.now(), completion_note="已办结",
        overdue_since=timezone.localdate())
    qs = selectors.task_list_qs(officer).filter(pk=task.pk)
    fast = [task_row(r) for r in qs.values(*MyTaskViewSet.list_values)]
    assert json.loads(json.dumps(fast)) == serialized(qs)
    assert fast[0]["assignee_name"] == officer.username and fast[0]["is_overdue"] is False


def test_the_fast_list_pages_by_due_date(world):
    officer = world.a.users["officer"]
    case = make_case(world.a)
    for n in range(5):
        make_task(world.a, case, assignee=officer, workdays=5 + n)
    client = Client()
    client.force_login(officer)
    first = client.get("/api/v1/tasks/mine/?page_size=2").json()
    second = client.get(first["next"]).json()
    dues = [r["due_date"] for r in first["results"] + second["results"]]
    assert len(dues) == 4 and dues == sorted(dues)
    assert client.get("/api/v1/tasks/mine/?cursor=bm9wZQ").status_code == 400


def test_the_fast_list_runs_the_same_queries_for_more_rows(world, query_budget):
    officer = world.a.users["officer"]
    case = make_case(world.a)
    client = Client()
    client.force_login(officer)

    def grow(start, stop):
        for _n in range(start, stop):
            make_task(world.a, case, assignee=officer)

    _few, many = query_budget(client, "/api/v1/tasks/mine/", grow, small=2, large=6)
    assert len(many.response.json()["results"]) == 6
