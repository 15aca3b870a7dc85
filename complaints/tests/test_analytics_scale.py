"""Issue 13 "city scale": the complaint analysis counts its dimensions in one pass over the
complaints (a grouping set each) and their hand-offs as tasks of complaint cases. Every
figure is checked against the analysis as it was counted before (a query per dimension,
the hand-offs joined to the complaints), on complaints in both counties, over months, with
institutions, ratings and a merged duplicate; the page reads the complaints in four
queries whatever their number."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Task, TaskRole, TaskStatus
from complaints import selectors
from complaints.models import Complaint, ComplaintStatus, Rating
from complaints.tests.helpers import lead, submit
from institutions.tests.helpers import register

pytestmark = pytest.mark.django_db

RATINGS = ["", Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED]


def _complaints(world: Any, n: int = 8, batch: int = 0) -> None:
    institutions = {"a": register(world, n=2 * batch + 1),
                    "b": register(world, "b", n=2 * batch + 2)}
    now = timezone.now()
    first = None
    for i in range(n):
        key = "a" if i % 3 else "b"
        complaint = submit(world, key, institution=institutions[key] if i % 2 else None,
                           complainant_phone=f"1390000{i % 3:04d}")[0]
        first = first or complaint
        task = lead(complaint)
        if i % 2:
            Task.objects.filter(pk=task.pk).update(
                status=TaskStatus.DONE, completed_at=now,
                due_date=timezone.localdate() + dt.timedelta(days=-1 if i % 4 == 1 else 3))
        Complaint.objects.filter(pk=complaint.pk).update(
            rating=RATINGS[i % 4],
            status=ComplaintStatus.CLOSED if i % 4 == 3 else complaint.status,
            received_at=now - dt.timedelta(days=40 * (i % 3)))
    merged = submit(world, "a", institution=institutions["a"])[0]
    Task.objects.filter(pk=lead(merged).pk).update(status=TaskStatus.DONE, completed_at=now)
    Complaint.objects.filter(pk=merged.pk).update(status=ComplaintStatus.MERGED,
                                                  duplicate_of=first)


def _old(user: Any, **kw: Any) -> dict[str, Any]:
    """`selectors.analytics` as it counted before issue 13's fix: a query per figure."""
    qs = selectors.analytics_qs(user, kw.get("filters"))
    if kw.get("department") is not None:
        from django.db.models import Exists, OuterRef
        qs = qs.filter(Exists(Task.objects.filter(case_id=OuterRef("case_id"),
                                                  department=kw["department"],
                                                  role=TaskRole.LEAD)))
    total = qs.count()
    closed = qs.filter(status=ComplaintStatus.CLOSED).count()
    done = Task.objects.filter(case__complaint__in=qs, role=TaskRole.LEAD,
                               completed_at__isnull=False)
    on_time = done.filter(completed_at__date__lte=F("due_date")).count()
    rated = qs.exclude(rating="")
    satisfied = rated.filter(rating__in=[Rating.SATISFIED, Rating.BASICALLY]).count()

    def by(field: str) -> list[tuple[Any, int]]:
        return [(r[field], r["n"]) for r in
                qs.values(field).annotate(n=Count("pk")).order_by("-n", field)]

    return {
        "total": total, "closed": closed,
        "completion_rate": selectors._rate(closed, total),
        "on_time_rate": selectors._rate(on_time, done.count()),
        "satisfaction_rate": selectors._rate(satisfied, rated.count()),
        "by_region": by("case__region__name"), "by_category": by("case__category"),
        "by_topic": by("topic__name"), "by_channel": by("channel"),
        "by_status": by("status"),
        "by_department": [
            (r["department__name"], r["closed"], r["on_time"]) for r in
            done.values("department__name").annotate(
                closed=Count("pk"), on_time=Count("pk", filter=Q(
                    completed_at__date__lte=F("due_date")))).order_by("department__name")],
        "by_rating": sorted((r["rating"], r["n"]) for r in
                            rated.values("rating").annotate(n=Count("pk"))),
        "by_month": [(r["month"], r["n"]) for r in
                     qs.annotate(month=TruncMonth("received_at")).values("month")
                     .annotate(n=Count("pk")).order_by("month")],
        "repeats": [(r["case__institution__name"], r["n"]) for r in
                    selectors.repeat_counts(user).filter(pk__in=qs.values("pk"))[:20]],
    }


def _new(data: dict[str, Any]) -> dict[str, Any]:
    """The same figures from the analysis as it counts now."""
    first = {"by_region": "case__region__name", "by_category": "case__category",
             "by_topic": "topic__name", "by_channel": "channel", "by_status": "status",
             "by_month": "month"}
    return {
        **{k: data[k] for k in ("total", "closed", "completion_rate", "on_time_rate",
                                "satisfaction_rate")},
        **{k: [(r[f], r["n"]) for r in data[k]] for k, f in first.items()},
        "by_department": [(r["department__name"], r["closed"], r["on_time"])
                          for r in data["by_department"]],
        "by_rating": sorted((r["rating"], r["n"]) for r in data["by_rating"]),
        "repeats": [(r["case__institution__name"], r["n"]) for r in data["repeats"]],
    }


@pytest.mark.parametrize("key", ["city_admin", "county_admin", "head", "joint"])
def test_analysis_figures_are_those_counted_a_query_each(world, key):
    _complaints(world)
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    now = _new(selectors.analytics(user))
    assert now == _old(user)
    if key in ("city_admin", "county_admin"):
        assert now["total"] > 3 and now["by_department"] and now["repeats"]
        assert len(now["by_month"]) >= 2 and len(now["by_rating"]) >= 2


def test_analysis_figures_filtered_are_those_counted_a_query_each(world):
    """Filtered by months and a county, and a department's own analysis (004 §6(3))."""
    _complaints(world)
    city = world.city_admin
    this_month = timezone.localdate().replace(day=1)
    filters = selectors.AnalyticsFilter(month_from=this_month, month_to=this_month,
                                        region=world.a.region)
    assert _new(selectors.analytics(city, filters=filters)) == _old(city, filters=filters)
    department = world.a.depts["education_sports"]
    assert _new(selectors.analytics(city, department=department)) == \
        _old(city, department=department)


@pytest.mark.parametrize("key", ["city_admin", "county_admin"])
def test_the_analysis_reads_the_complaints_in_four_queries(world, key,
                                                           django_assert_max_num_queries):
    """However many complaints: the dimensions (one grouping set each), the hand-offs by
    department, the institutions and the complainants complained of more than once
    (issue 13: 23 queries, 11 s for a city at 100k complaints)."""
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    client = Client()
    client.force_login(user)
    _complaints(world, 2)  # one in each county
    client.get("/office/complaints/analytics/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/office/complaints/analytics/").status_code == 200
    few = len(one)  # read now: the next request empties the connection's query log
    reads = [q["sql"] for q in one.captured_queries if "complaints_complaint" in q["sql"]]
    assert len(reads) <= 4, reads
    _complaints(world, 12, batch=1)
    client.get("/office/complaints/analytics/")
    with django_assert_max_num_queries(few):
        assert client.get("/office/complaints/analytics/").status_code == 200
