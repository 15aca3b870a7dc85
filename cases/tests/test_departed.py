"""A person who leaves a department leaves its unfinished tasks to it
(`cases.services.release_tasks_of_departed`), and 待办 reads a department's queue
(`cases.selectors.my_tasks`, issue 13: the rule an assignee belongs to the task's
department is what lets the list walk one index in its order)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cases import selectors, services
from cases.models import AuditEvent, Notification, Task, TaskStatus
from core.vocab import DepartmentType
from org.models import Role
from tests.factories import UserFactory, World, make_case, make_task

pytestmark = pytest.mark.django_db

D = dt.date
EDU = DepartmentType.EDUCATION_SPORTS
CULTURE = DepartmentType.CULTURE_TOURISM


def test_my_tasks_are_my_departments_unassigned_tasks_and_mine(world: World):
    a = world.a
    officer, head = a.users["officer"], a.users["head"]
    colleague = UserFactory(username="a_officer2", role=Role.OFFICER,
                            department=a.depts[EDU])
    case = make_case(a)
    unassigned = make_task(a, case)
    mine = make_task(a, case, assignee=officer)
    theirs = make_task(a, case, assignee=colleague)
    other_dept = make_task(a, case, dept=CULTURE)
    done = make_task(a, case, assignee=officer)
    services.task_complete(actor=officer, task=done, note="已办结")

    assert set(selectors.my_tasks(officer)) == {unassigned, mine}
    assert set(selectors.my_tasks(officer, open_only=False)) == {unassigned, mine, done}
    assert set(selectors.my_tasks(colleague)) == {unassigned, theirs}
    assert set(selectors.my_tasks(head)) == {unassigned}
    assert set(selectors.my_tasks(a.users["culture"])) == {other_dept}
    # Nobody without a department has a queue; a county admin assigns, it is not assigned.
    assert not selectors.my_tasks(a.users["county_admin"]).exists()


def test_moving_an_officer_returns_their_open_tasks_to_the_old_departments_queue(
        world: World):
    a = world.a
    officer, head = a.users["officer"], a.users["head"]
    case = make_case(a)
    open_task = make_task(a, case, assignee=officer)
    done = make_task(a, case, assignee=officer)
    services.task_complete(actor=officer, task=done, note="已办结")
    before = case.updated_at
    seen = list(Notification.objects.values_list("pk", flat=True))

    officer.department = a.depts[CULTURE]
    officer.save()

    open_task.refresh_from_db()
    done.refresh_from_db()
    assert open_task.assignee is None and open_task.status == TaskStatus.OPEN
    assert done.assignee == officer  # who finished it stays on record
    (event,) = AuditEvent.objects.filter(action="task.release")
    assert event.object_id == str(open_task.pk) and event.case_id == case.pk
    assert event.before["assignee"] == officer.pk and event.after["assignee"] is None
    assert event.actor is None and event.reason == "经办人已调离该部门。"
    case.refresh_from_db()
    assert case.updated_at > before  # an incremental pull of cases sees it
    # The old department's working staff hear of it; the person who left does not.
    notices = Notification.objects.exclude(pk__in=seen)
    assert set(notices.values_list("recipient", flat=True)) == {head.pk}
    assert notices.get().task == open_task
    # It is in the queue of those who stayed, and in the head's, not in the mover's.
    assert open_task in selectors.my_tasks(head)
    assert open_task not in selectors.my_tasks(officer)


def test_a_save_without_a_move_releases_nothing(world: World):
    a = world.a
    officer = a.users["officer"]
    task = make_task(a, make_case(a), assignee=officer)
    officer.full_name = "张三"
    officer.save()
    officer.last_login = timezone.now()
    officer.save(update_fields=["last_login"])
    task.refresh_from_db()
    assert task.assignee == officer
    assert not AuditEvent.objects.filter(action="task.release").exists()


def test_creating_a_user_reads_no_task(world: World):
    """A new user holds no task: the release is not even looked for."""
    from org.models import User
    from tests.budget import captured_queries

    with captured_queries() as ctx:
        User.objects.create_user(username="a_new_officer", role=Role.OFFICER,
                                 department=world.a.depts[EDU])
    assert not [q for q in ctx.captured_queries if '"cases_task"' in q["sql"]]


def test_leaving_every_department_releases_the_tasks_too(world: World):
    a = world.a
    officer = a.users["officer"]
    task = make_task(a, make_case(a), assignee=officer)
    officer.department = None
    officer.role = Role.COUNTY_ADMIN
    officer.region = a.region
    officer.save()
    task.refresh_from_db()
    assert task.assignee is None


def test_a_moved_officer_finds_the_old_work_in_the_old_colleagues_queue_in_the_api(
        world: World):
    """Through `/api/v1/tasks/mine/` as the people use it."""
    a = world.a
    officer, head = a.users["officer"], a.users["head"]
    task = make_task(a, make_case(a), assignee=officer)
    client = Client()
    client.force_login(officer)
    assert [t["id"] for t in client.get("/api/v1/tasks/mine/").json()["results"]] == [task.pk]
    officer.department = a.depts[CULTURE]
    officer.save()
    assert client.get("/api/v1/tasks/mine/").json()["results"] == []
    client.force_login(head)
    (row,) = client.get("/api/v1/tasks/mine/").json()["results"]
    assert row["id"] == task.pk and row["assignee"] is None
    assert Task.objects.get(pk=task.pk).assignee_id is None


def test_my_tasks_read_the_own_part_of_the_task_rule_and_show_what_the_whole_rule_did(
        world: World):
    """待办 reads `restrict(own=True)`: the department's tasks of its region, without the
    case rule's subquery, and lists the same tasks the whole rule listed (issue 13). The
    own part is never more than the rule: a task of another county's case is in neither."""
    from django.db.models import Q

    from org.scope import Action

    a, b = world.a, world.b
    officer, head = a.users["officer"], a.users["head"]
    tasks = [make_task(a, make_case(a)) for _ in range(3)]
    tasks.append(make_task(a, make_case(a), assignee=officer))
    elsewhere = make_task(b, make_case(b))  # county B's education department
    for user in (officer, head, a.users["culture"], b.users["officer"]):
        mine = Q(department_id=user.department_id) & (
            Q(assignee__isnull=True) | Q(assignee=user))
        whole = set(Task.objects.restrict(user, Action.VIEW).filter(mine, status="open"))
        own = Task.objects.restrict(user, Action.VIEW, own=True)
        assert set(selectors.my_tasks(user)) == whole
        assert set(own) <= set(Task.objects.restrict(user, Action.VIEW))
        sql = str(own.query)
        assert "EXISTS" not in sql and "cases_case" not in sql  # no case rule, no join
    assert set(selectors.my_tasks(officer)) == set(tasks)
    assert elsewhere not in set(selectors.my_tasks(officer))
    assert set(selectors.my_tasks(b.users["officer"])) == {elsewhere}
    # Principals without an own part (a county admin) read the whole rule.
    admin = a.users["county_admin"]
    assert (str(Task.objects.restrict(admin, own=True).query)
            == str(Task.objects.restrict(admin).query))
