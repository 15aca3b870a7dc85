"""Reads of cases and tasks. Every one starts from the scope gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import AuditEvent, Case, Notification, Task, TaskStatus
from org.models import WORKING_ROLES, Department, Role, User
from org.scope import Action

#: The orders a reader may pick on the task pages, each unique (the id breaks ties) and
#: read on an index of the scope it pages (task_*_order_idx, the department and assignee
#: indexes), so that its pages are keyset pages whatever the page (issue 13).
TASK_ORDERS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "due": (_("Due date, soonest first"), ("due_date", "id")),
    "escalation": (_("Most escalated first"), ("-escalation_level", "due_date", "id")),
    "newest": (_("Newest first"), ("-created_at", "-id")),
}
DEFAULT_TASK_ORDER = "due"


def task_list_qs(user: Any, *, own: bool = False) -> QuerySet[Task]:
    return (Task.objects.restrict(user, Action.VIEW, own=own)
            .select_related("case", "case__region", "department", "assignee"))


def my_tasks(user: User, *, open_only: bool = True) -> QuerySet[Task]:
    """待办: tasks assigned to me, or unassigned in my department (open ones unless
    asked for all, so that finished and returned work can be found too).

    A task's assignee is always a member of its department: `task_assign` and
    `task_reassign` check it, and a person who leaves a department leaves its tasks to it
    (`services.release_tasks_of_departed`). So "mine" is read as my department's tasks that
    are unassigned or mine, which walks the department's index in the page's order and
    stops at the page; "assigned to me, or unassigned in my department" as an OR could
    not, and read every open task of the city's earliest due dates (issue 13).

    A department's principal reads its department's own tasks (`restrict(own=True)`,
    `Task.own_q`: those of cases in its region), without the rest of the task rule (the
    case rule's subquery), which could add no task of its department in its region and
    was 40 % of the API call to build."""
    if user.department_id:
        mine = Q(department_id=user.department_id) & (
            Q(assignee__isnull=True) | Q(assignee=user))
    else:
        mine = Q(assignee=user)
    qs = task_list_qs(user, own=True).filter(mine)
    return qs.filter(status=TaskStatus.OPEN) if open_only else qs


def department_tasks(user: User) -> QuerySet[Task]:
    if not user.department_id:
        return Task.objects.none()
    return task_list_qs(user).filter(department_id=user.department_id)


def week_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    start = today - dt.timedelta(days=today.weekday())
    return start, start + dt.timedelta(days=6)


def assignable_tasks(user: User) -> QuerySet[Task]:
    return (Task.objects.restrict(user, Action.ASSIGN)
            .select_related("case", "case__region", "department", "assignee"))


class PerGroup(Subquery):
    """A subquery on the grouped columns of an aggregate query, run once per group after
    the aggregation. Django groups by any other annotation it is given, so PostgreSQL ran
    such a lookup once per aggregated row (1.2 s for a county's 50k open tasks); marked as
    an aggregate, it is left out of the GROUP BY, and its outer reference (a grouped
    column) is all it adds there."""

    contains_aggregate = True


class HeadOfGroup(Exists):
    """`Exists` run once per group, as `PerGroup`."""

    contains_aggregate = True


def county_overview(user: User, today: dt.date | None = None) -> dict[str, Any]:
    """Overdue tasks, tasks due this week and open tasks by department, in the admin's
    region (through the gateway)."""
    today = today or timezone.localdate()
    _start, end = week_bounds(today)
    base = assignable_tasks(user).filter(status=TaskStatus.OPEN)
    heads = User.objects.filter(department_id=OuterRef("department_id"), is_active=True,
                                role=Role.DEPARTMENT_HEAD)
    # Counted on due_date (never null) and grouped by the department's id alone: for a
    # county the counts read only task_county_due_idx, and the department's name and
    # head are looked up once per department, not joined to every open task (the join
    # and the wider group key were half of the page at 100k cases, issue 13).
    by_department = list(
        base.order_by().values("department_id")
        .annotate(open=Count("due_date"),
                  overdue=Count("due_date", filter=Q(due_date__lt=today)),
                  due_week=Count("due_date", filter=Q(due_date__gte=today, due_date__lte=end)),
                  department_name=PerGroup(Department.objects.filter(
                      pk=OuterRef("department_id")).order_by().values("name")),
                  # Escalations of a department without a head go to its staff and the
                  # county admin: the overview says which departments have none.
                  has_head=HeadOfGroup(heads))
        .order_by("-overdue", "department_name"))
    return {"by_department": by_department, "today": today, "week_end": end}


def _counts(qs: QuerySet[Task], today: dt.date) -> dict[str, int]:
    _start, end = week_bounds(today)
    return qs.aggregate(
        open=Count("due_date"),
        overdue=Count("due_date", filter=Q(due_date__lt=today)),
        due_week=Count("due_date", filter=Q(due_date__gte=today, due_date__lte=end)),
    )


def area_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    """An admin's county (or city): its open, overdue and due-this-week tasks."""
    return _counts(assignable_tasks(user).filter(status=TaskStatus.OPEN),
                   today or timezone.localdate())


def escalated_to(user: User) -> QuerySet[Task]:
    """Open tasks whose escalation reached this reader, as the reader may see them: who
    the deadline scan tells of each level (`cases.services._escalation_recipients`), read
    from the tasks' levels rather than the notices (a scan tells a recipient of many tasks
    by one digest, issue 13). A department head, their department's tasks from level 1;
    the working staff of a department without an active head, its tasks from level 1
    (issue 14 E1); a county admin, level 2 and the level-1 tasks of departments without
    an active head."""
    headless = ~Q(Exists(User.objects.filter(department_id=OuterRef("department_id"),
                                             is_active=True, role=Role.DEPARTMENT_HEAD)))
    role, department = getattr(user, "role", None), getattr(user, "department_id", None)
    if role == Role.DEPARTMENT_HEAD and department:
        rule = Q(department_id=department, escalation_level__gte=1)
    elif role in WORKING_ROLES and department:
        rule = Q(department_id=department, escalation_level__gte=1) & headless
    elif role == Role.COUNTY_ADMIN:
        rule = Q(escalation_level=2) | (Q(escalation_level=1) & headless)
    else:
        return Task.objects.none()
    return (Task.objects.restrict(user).filter(rule, status=TaskStatus.OPEN)
            .select_related("case", "department").order_by("due_date", "id"))


def dashboard_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    _start, end = week_bounds(today)
    return my_tasks(user).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_date__lt=today)),
        due_week=Count("id", filter=Q(due_date__gte=today, due_date__lte=end)),
    )


def case_list_qs(user: Any) -> QuerySet[Case]:
    """The cases the user may see, newest first, each with its open-task count.

    Newest first is the order of the case's id, which is the order it was opened in
    (`opened_at` is set when the row is written and never changed), as the API lists them.
    It is the order every alternative of a department's rule can be read in on an index
    (`Case.scope_parts`): the task test as a merge of `case_county_idx` and
    `task_dept_case_idx`, each matrix pair on `case_pair_id_idx`. By `opened_at` the task
    test had no such index and read every newer case of the county (issue 13).

    The count is a correlated subquery rather than a JOIN with GROUP BY: the GROUP BY made
    PostgreSQL sort every visible case's tasks before the first page (583 ms at 100k cases,
    issue 13); the subquery runs for the rows of the page only, on `task_case_status_idx`.
    It is a plain `SELECT COUNT(…)` without GROUP BY, which counts 0 for a case without
    open tasks by itself: compiling `values("case").annotate(Count)` and its COALESCE cost
    0.15-0.3 ms of every case list (issue 13: the API's fixed cost).
    """
    open_tasks = (Task.objects.filter(case=OuterRef("pk"), status=TaskStatus.OPEN)
                  .order_by().values(n=Func(F("id"), function="COUNT",
                                            output_field=IntegerField())))
    return (Case.objects.restrict(user, Action.VIEW).select_related("region", "institution")
            .annotate(open_tasks=Subquery(open_tasks))
            .order_by("-id"))


def case_for(user: Any, number: str) -> Case:
    """The case if the user may see it; Case.DoesNotExist otherwise (missing and
    forbidden alike)."""
    return Case.objects.restrict(user, Action.VIEW).select_related("region", "opened_by").get(
        number=number)


def viewable_case_ids(user: Any, ids: Iterable[int | None]) -> set[int]:
    """Of the cases `ids`, those `user` may open: a page that names other records' cases
    (a meeting's decisions, a proposal's reply) links only these, where the others would
    answer 404 (the browser audit of 2 December). One query, whatever the number."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return set()
    return set(Case.objects.restrict(user, Action.VIEW).filter(pk__in=wanted)
               .values_list("pk", flat=True))


def case_timeline(user: Any, case: Case) -> QuerySet[AuditEvent]:
    return (AuditEvent.objects.restrict(user).filter(case=case)
            .select_related("actor").order_by("created_at", "id"))


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline: an event, or a run of alike events (the same action
    by the same actor, in a row, without a reason) shown once with their count."""

    event: AuditEvent
    events: tuple[AuditEvent, ...]

    @property
    def count(self) -> int:
        return len(self.events)


def grouped_timeline(events: Iterable[AuditEvent]) -> list[TimelineEntry]:
    """Runs of alike events as one entry each: opening a stage may assign thirty tasks at
    once, which otherwise read as thirty identical "Task assigned · System" rows (issue 14
    C11)."""
    runs: list[list[AuditEvent]] = []
    for event in events:
        last = runs[-1][-1] if runs else None
        if last is not None and not event.reason and not last.reason and \
                (event.action, event.actor_id) == (last.action, last.actor_id):
            runs[-1].append(event)
        else:
            runs.append([event])
    return [TimelineEntry(run[0], tuple(run)) for run in runs]


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.restrict(user).unread().count()
