"""Issue 13 "city scale": the dashboards' figures are read from the rows' own columns on
covering indexes, not through the cases and the region tree. Each figure is checked
against the way it was counted before (joined to the cases, grouped by the region's path)
on a world with rows in both counties and in the city itself; each page keeps its queries
for one row and for many; and the plans of the counts read their index alone."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, Task, TaskRole, TaskStatus
from cases.selectors import area_counts, county_overview, week_bounds
from cases.services import case_open
from complaints.models import Complaint, ComplaintStatus
from complaints.tests.helpers import lead, submit
from core.vocab import DepartmentType
from org.scope import Action
from reports import dashboards
from reports.tests.dashboard_helpers import login, overdue_task
from tests.factories import make_case, make_task

pytestmark = pytest.mark.django_db


def _tasks(world: Any, n: int = 3) -> None:
    """Open tasks in both counties (overdue, escalated, due this week, later), done ones,
    and the tasks of a case of the city itself (no county)."""
    today = timezone.localdate()
    for i in range(n):
        for key in ("a", "b"):
            overdue_task(world, key, escalated=bool(i % 2))
            overdue_task(world, key, dept=DepartmentType.CULTURE_TOURISM, days=1 + i)
            county = world.county(key)
            make_task(county, make_case(county), workdays=1 + i)
            make_task(county, make_case(county), dept=DepartmentType.HEALTH, workdays=30)
    done = overdue_task(world, "a")
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.DONE, completed_at=timezone.now())
    city_case = _case_of(world.city)
    Task.objects.create(case=city_case, department=world.a.depts[DepartmentType.HEALTH],
                        role="lead", duty="办理事项", due_date=today - dt.timedelta(days=2),
                        escalation_level=2)
    assert Task.objects.filter(county_code="").exists()


def _case_of(region: Any) -> Any:
    """A case of a region above the counties (the city's own)."""
    return case_open(actor=None, kind="supervision", title="市级事项", region=region)


def _old_scope(user: Any) -> QuerySet[Task]:
    """The tasks of the reader's subtree as the gateway tested them before: through the
    case's region."""
    path = user.region.path
    return Task.objects.filter(case__region__path__startswith=path)


def _old_by_county(user: Any, today: dt.date) -> dict[str, dict[str, int]]:
    rows = (_old_scope(user).filter(status=TaskStatus.OPEN).values("case__region__path")
            .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)),
                      escalated=Count("id", filter=Q(escalation_level__gt=0))).order_by())
    return dashboards._by_county(rows, "case__region__path", "open", "overdue", "escalated")


def test_a_city_admins_task_scope_is_the_subtree_of_its_region(world):
    """The city's tasks tested on their county codes (and a county-less task through its
    case) are exactly those whose case lies in the city's subtree, for viewing and for
    assigning; a county admin's are its county's."""
    _tasks(world)
    city = world.city_admin
    expected = set(_old_scope(city).values_list("pk", flat=True))
    assert len(expected) == Task.objects.count()
    for action in (Action.VIEW, Action.ASSIGN):
        assert set(Task.objects.restrict(city, action).values_list("pk", flat=True)) == expected
    admin = world.a.users["county_admin"]
    assert set(Task.objects.restrict(admin, Action.ASSIGN).values_list("pk", flat=True)) == \
        set(_old_scope(admin).values_list("pk", flat=True))


def test_a_city_admins_scope_leaves_out_another_citys_county_less_tasks(world):
    """A task of a case without a county outside the city is not the city's, nor is a
    task of another city's county."""
    from tests.factories import RegionFactory, _county

    _tasks(world, 1)
    other = RegionFactory(code="5302", name="别的市", level=2, parent=world.city.parent)
    far = _county(other, "530291", "丙区", "far")
    make_task(far, make_case(far))
    Task.objects.create(case=_case_of(other), department=far.depts[DepartmentType.HEALTH],
                        role="lead", duty="办理事项", due_date=timezone.localdate())
    seen = set(Task.objects.restrict(world.city_admin, Action.VIEW).values_list("pk", flat=True))
    assert seen == set(_old_scope(world.city_admin).values_list("pk", flat=True))
    assert not Task.objects.filter(pk__in=seen, case__region__path__startswith=other.path)


@pytest.mark.parametrize("key", ["city_admin", "county_admin", "head"])
def test_task_figures_are_those_counted_through_the_cases(world, key):
    """The tasks chart, the landing page's area counts and the county overview count what
    the cases' regions counted before."""
    _tasks(world)
    today = timezone.localdate()
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    chart = dashboards.tasks_chart(user, today=today)
    if key == "city_admin":
        old = _old_by_county(user, today)
        assert chart.categories == [world.a.region.name, world.b.region.name]
        assert [s.values for s in chart.series] == [
            [old[c.region.code][k] for c in (world.a, world.b)]
            for k in ("open", "overdue", "escalated")]
    else:
        scope = Task.objects.restrict(user, Action.ASSIGN).filter(status=TaskStatus.OPEN)
        if key == "head":
            scope = scope.filter(department=user.department)
        old = Counter(scope.values_list("department__name", flat=True))
        assert dict(zip(chart.categories, chart.series[0].values, strict=True)) == old
    if key == "head":
        return
    _start, end = week_bounds(today)
    open_ = _old_scope(user).filter(status=TaskStatus.OPEN)
    assert area_counts(user, today) == {
        "open": open_.count(), "overdue": open_.filter(due_date__lt=today).count(),
        "due_week": open_.filter(due_date__gte=today, due_date__lte=end).count()}
    overview = {r["department_id"]: (r["open"], r["overdue"])
                for r in county_overview(user, today)["by_department"]}
    assert overview == {d: (open_.filter(department_id=d).count(),
                            open_.filter(department_id=d, due_date__lt=today).count())
                        for d in open_.values_list("department_id", flat=True)}


@pytest.mark.parametrize("url", ["/office/", "/office/tasks/overview/",
                                 "/office/reports/dashboard/"])
@pytest.mark.parametrize("key", ["city_admin", "county_admin", "head"])
def test_dashboard_pages_keep_their_queries_from_one_row_to_many(
        world, key, url, django_assert_max_num_queries):
    """Each page spends no more queries on many tasks in both counties than on one."""
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    client = login(user)
    overdue_task(world, "a")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    few = len(one)  # read now: the next request empties the connection's query log
    _tasks(world, 4)
    client.get(url)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200


def _plan_nodes(qs: QuerySet[Any] | str) -> list[dict[str, Any]]:
    """The plan's nodes outside its subplans, with sequential and bitmap scans ruled out
    (as on a city's tables, where the planner has no cheaper way than an index)."""
    sql, params = (qs, None) if isinstance(qs, str) else qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_bitmapscan = on")
    root = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]

    def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for child in node.get("Plans", [])
                        if child.get("Parent Relationship") not in ("SubPlan", "InitPlan")
                        for n in walk(child))]
    return walk(root)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("key", ["city_admin", "county_admin"])
def test_open_task_counts_read_the_open_tasks_index_alone(world, key):
    """The city's and the county's open-task counts (the chart by county, the overview by
    department) read the tasks' index alone: no case or region is joined to a task
    (issue 13: at 600k cases the city's counts probed every case, 0.8-1.1 s each)."""
    _tasks(world)
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    today = timezone.localdate()
    scope = Task.objects.restrict(user, Action.ASSIGN).filter(status=TaskStatus.OPEN)
    counts = {"open": Count("due_date"), "escalated": Count(
        "due_date", filter=Q(escalation_level__gt=0))}
    grouped = [scope.values("county_code").annotate(**counts).order_by(),
               scope.values("department_id").annotate(
                   **counts, overdue=Count("due_date", filter=Q(due_date__lt=today)))
               .order_by()]
    for qs in grouped:
        nodes = _plan_nodes(qs)
        # At 600k cases, task_open_county_idx index-only (bench/README.md Session 13); on
        # a test's few fresh rows the planner may take another index of the open tasks.
        assert {n["Relation Name"] for n in nodes if "Relation Name" in n} == {"cases_task"}
        assert all(n["Node Type"].startswith("Index") for n in nodes
                   if "Relation Name" in n), nodes


# -- complaints ----------------------------------------------------------------------------

def _complaints(world: Any) -> None:
    """Complaints in both counties, some closed, with lead hand-offs finished on time and
    late, an open one, and a merged duplicate whose finished hand-off is not counted."""
    now = timezone.now()
    first = None
    for i in range(6):
        key = "a" if i % 3 else "b"
        complaint = submit(world, key)[0]
        first = first or complaint
        task = lead(complaint)
        if i % 2:
            late = i % 4 == 1
            Task.objects.filter(pk=task.pk).update(
                status=TaskStatus.DONE, completed_at=now,
                due_date=timezone.localdate() - dt.timedelta(days=1 if late else -3))
        if i == 3:
            Complaint.objects.filter(pk=complaint.pk).update(status=ComplaintStatus.CLOSED)
    merged = submit(world, "a")[0]
    Task.objects.filter(pk=lead(merged).pk).update(status=TaskStatus.DONE, completed_at=now)
    Complaint.objects.filter(pk=merged.pk).update(status=ComplaintStatus.MERGED,
                                                  duplicate_of=first)


def _old_rates(user: Any) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The complaint rates as counted before: through the cases' regions, the hand-offs
    joined to the complaints."""
    complaints = Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
    received = dashboards._by_county(
        complaints.values("case__region__path")
        .annotate(total=Count("id"), closed=Count("id", filter=Q(status=ComplaintStatus.CLOSED)))
        .order_by(), "case__region__path", "total", "closed")
    handed = dashboards._by_county(
        Task.objects.filter(case__complaint__in=complaints, role=TaskRole.LEAD,
                            completed_at__isnull=False)
        .values("case__region__path")
        .annotate(done=Count("id"), on_time=Count(
            "id", filter=Q(completed_at__date__lte=F("due_date"))))
        .order_by(), "case__region__path", "done", "on_time")
    return received, handed


def test_a_city_admins_case_and_complaint_scope_is_the_subtree_of_its_region(world):
    """A city's cases and complaints tested on the cases' county codes are those whose
    case lies in the city's subtree."""
    _tasks(world, 1)
    _complaints(world)
    city = world.city_admin
    path = city.region.path
    assert set(Case.objects.restrict(city).values_list("pk", flat=True)) == set(
        Case.objects.filter(region__path__startswith=path).values_list("pk", flat=True))
    assert set(Complaint.objects.restrict(city).values_list("pk", flat=True)) == set(
        Complaint.objects.filter(case__region__path__startswith=path)
        .values_list("pk", flat=True))


@pytest.mark.parametrize("key", ["city_admin", "county_admin", "head", "joint"])
def test_complaint_figures_are_those_counted_through_the_cases(world, key):
    """The complaint trend and rates count what the cases' regions and the complaints'
    hand-offs counted before."""
    _complaints(world)
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    reader = dashboards.reader_of(user)
    received, handed = _old_rates(user)
    chart = dashboards.complaint_rates_chart(user, reader)
    codes = [c.code for c in reader.counties]
    expected = [[f"{dashboards._text(dashboards._rate(s[c][p], s[c][w]), '%')} "
                 f"({s[c][p]}/{s[c][w]})" if c in s else "—% (0/0)".replace("—%", "—")
                 for c in codes]
                for s, p, w in ((received, "closed", "total"), (handed, "on_time", "done"))]
    assert [s.texts for s in chart.series] == expected
    assert sum(handed[c]["done"] for c in handed) > 0 or key == "head"
    trend = dashboards.complaint_trend_chart(user, reader)
    complaints = Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
    month = timezone.localdate().strftime("%Y-%m")
    column = trend.categories.index(month)
    if reader.by_county:
        assert [s.values[column] for s in trend.series] == [
            complaints.filter(case__region__path__startswith=c.path).count()
            for c in reader.counties]
    else:
        assert trend.series[0].values[column] == complaints.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("key", ["city_admin", "county_admin"])
def test_complaint_hand_offs_are_read_from_the_tasks_alone(world, key):
    """The on-time rate's hand-offs are the reader's finished lead tasks of complaint
    cases: no case or complaint is joined to a task (the merged duplicates are a subplan
    on their status; issue 13: 2.1 s for a city at 100k complaints)."""
    _complaints(world)
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    with CaptureQueriesContext(connection) as ctx:
        dashboards.complaint_rates_chart(user)
    [sql] = [q["sql"] for q in ctx.captured_queries if '"on_time"' in q["sql"]]
    nodes = _plan_nodes(sql)
    assert {n["Relation Name"] for n in nodes if "Relation Name" in n} == {"cases_task"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_a_citys_complaint_counts_do_not_join_the_region_tree(world):
    """A city's complaints are tested on their cases' county codes: the counts join the
    complaints to their cases only, not every case to the region tree (issue 13: the
    planner took the city's 15 regions for one and probed the complaints of each of 600k
    cases, 0.7 s a count)."""
    _complaints(world)
    with CaptureQueriesContext(connection) as ctx:
        dashboards.complaint_rates_chart(world.city_admin)
        dashboards.complaint_trend_chart(world.city_admin)
    counts = [q["sql"] for q in ctx.captured_queries if "complaints_complaint" in q["sql"]
              and "COUNT" in q["sql"] and '"on_time"' not in q["sql"]]
    assert len(counts) == 2
    for sql in counts:
        relations = {n["Relation Name"] for n in _plan_nodes(sql) if "Relation Name" in n}
        assert relations == {"complaints_complaint", "cases_case"}, relations
