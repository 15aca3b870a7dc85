"""The analysis' filters (months, region) and the on-time rate per department, on the
page, in the .xlsx and through the API: each figure equals its source rows; bad filter
values answer 400 and count nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Task, TaskRole
from complaints import services
from complaints.models import Complaint, ComplaintStatus, Finding
from complaints.tests.helpers import submit
from institutions.tests.helpers import register
from policy import calendar
from tests.factories import World

pytestmark = pytest.mark.django_db


def _months_ago(n: int) -> dt.datetime:
    today = timezone.localdate().replace(day=15)
    for _i in range(n):
        today = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    return timezone.make_aware(dt.datetime.combine(today, dt.time(10)))


@pytest.fixture
def spread(world: World):
    """Complaints in both counties and over three months; one verified late (its first
    deadline counted from ten working days ago), one verified on time, one transferred."""
    inst_a = register(world)
    inst_b = register(world, "b", n=2)
    officer = world.a.users["officer"]
    late, _c, _ = submit(world, institution=inst_a,
                         today=calendar.add_workdays(timezone.localdate(), -10))
    services.complaint_verify(actor=officer, complaint=late, finding=Finding.SUBSTANTIATED,
                              evidence="核查")
    timely, _c, _ = submit(world, institution=inst_a)
    services.complaint_verify(actor=officer, complaint=timely, finding=Finding.PARTLY,
                              evidence="核查")
    old, _c, _ = submit(world, institution=inst_a, complainant_phone="13700000000")
    Complaint.objects.filter(pk=old.pk).update(received_at=_months_ago(2))
    other, _c, _ = submit(world, "b", institution=inst_b)
    Complaint.objects.filter(pk=other.pk).update(received_at=_months_ago(1))
    return {"late": late, "timely": timely, "old": old, "other": other}


def _department_rows(complaints):
    """The on-time figures straight from the task rows."""
    rows: dict[str, list[int]] = {}
    for task in Task.objects.filter(case__complaint__in=complaints, role=TaskRole.LEAD,
                                    completed_at__isnull=False).select_related("department"):
        row = rows.setdefault(task.department.name, [0, 0])
        row[0] += 1
        row[1] += int(timezone.localdate(task.completed_at) <= task.due_date)
    return rows


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_on_time_rate_per_department_equals_the_task_rows(world: World, spread):
    client = _client(world.city_admin)
    expected = _department_rows(Complaint.objects.all())
    edu = world.a.depts["education_sports"].name
    assert expected[edu] == [2, 1]  # one verified late, one on time
    page = client.get("/office/complaints/analytics/")
    by_department = {r["department__name"]: [r["closed"], r["on_time"]]
                     for r in page.context["data"]["by_department"]}
    assert by_department == expected
    assert 'id="on-time-by-department"' in page.content.decode()
    api = client.get("/api/v1/complaints/analytics/").json()
    assert {r["department"]: [r["closed"], r["on_time"]] for r in api["by_department"]} \
        == expected
    assert next(r for r in api["by_department"] if r["department"] == edu)["rate"] == 50.0
    sheet = load_workbook(io.BytesIO(client.get(
        "/office/complaints/analytics/?export=xlsx").content)).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == "各部门按时办结率"]
    assert {r[1]: [r[3], r[4]] for r in rows} == expected
    assert {r[1]: r[2] for r in rows}[edu] == 50.0
    # the overall rate is the same tasks
    done = Task.objects.filter(role=TaskRole.LEAD, completed_at__isnull=False,
                               case__complaint__isnull=False)
    on_time = done.filter(completed_at__date__lte=F("due_date")).count()
    assert api["on_time_rate"] == round(100.0 * on_time / done.count(), 1)


def test_region_filter_for_a_city_user_is_by_county(world: World, spread):
    client = _client(world.city_admin)
    page = client.get("/office/complaints/analytics/")
    assert {r.code for r in page.context["regions"]} == {world.a.region.code,
                                                         world.b.region.code}
    only_a = client.get(f"/api/v1/complaints/analytics/?region={world.a.region.code}").json()
    source = Complaint.objects.filter(case__region__path__startswith=world.a.region.path)
    assert only_a["total"] == source.count() == 3
    assert {r["label"]: r["n"] for r in only_a["region"]} == {world.a.town.name: 3}
    page_a = client.get(f"/office/complaints/analytics/?region={world.a.region.code}")
    assert page_a.context["data"]["total"] == 3
    assert f"region={world.a.region.code}" in page_a.context["filter_query"]
    sheet = load_workbook(io.BytesIO(client.get(
        f"/office/complaints/analytics/?region={world.b.region.code}&export=xlsx").content)).active
    region_rows = [r for r in sheet.iter_rows(values_only=True) if r[0] == "按区域"]
    assert [(r[1], r[2]) for r in region_rows] == [(world.b.town.name, 1)]


def test_month_range_counts_the_complaints_received_in_it(world: World, spread):
    client = _client(world.city_admin)
    this_month = timezone.localdate().strftime("%Y-%m")
    last_month = timezone.localtime(_months_ago(1)).strftime("%Y-%m")
    two_ago = timezone.localtime(_months_ago(2)).strftime("%Y-%m")
    api = lambda q: client.get(f"/api/v1/complaints/analytics/?{q}").json()  # noqa: E731
    assert api(f"month_from={this_month}")["total"] == 2
    assert api(f"month_from={two_ago}&month_to={last_month}")["total"] == 2
    assert api(f"month_to={two_ago}")["total"] == 1
    months = {r["label"]: r["n"] for r in api(f"month_from={two_ago}")["month"]}
    assert months == {two_ago: 1, last_month: 1, this_month: 2}
    # county A in the last two months: the late and the timely one
    narrowed = api(f"month_from={last_month}&region={world.a.region.code}")
    assert narrowed["total"] == 2 and narrowed["closed"] == 0
    edu = world.a.depts["education_sports"].name
    expected = _department_rows(Complaint.objects.filter(
        pk__in=[spread["late"].pk, spread["timely"].pk]))
    assert {r["department"]: [r["closed"], r["on_time"]]
            for r in narrowed["by_department"]} == expected == {edu: [2, 1]}
    page = client.get(f"/office/complaints/analytics/?month_from={this_month}")
    assert page.context["data"]["total"] == 2


def test_county_user_narrows_to_towns_and_not_the_other_county(world: World, spread):
    client = _client(world.a.users["county_admin"])
    page = client.get("/office/complaints/analytics/")
    assert [r.code for r in page.context["regions"]] == [world.a.town.code]
    assert client.get(f"/api/v1/complaints/analytics/?region={world.a.town.code}"
                      ).json()["total"] == 3
    other = client.get(f"/api/v1/complaints/analytics/?region={world.b.region.code}")
    assert other.status_code == 400 and "region" in other.json()["errors"]
    assert client.get(f"/office/complaints/analytics/?region={world.b.town.code}"
                      ).status_code == 400


@pytest.mark.parametrize("query, fields", [
    ("month_from=2026-13", {"month_from"}),
    ("month_from=May", {"month_from"}),
    ("month_to=2026-1", {"month_to"}),
    ("month_from=2026-05&month_to=2026-04", {"month_to"}),
    ("region=nowhere", {"region"}),
    ("month_from=x&region=y", {"month_from", "region"}),
])
def test_bad_filter_values_answer_400_with_field_errors(world: World, query, fields):
    client = _client(world.city_admin)
    api = client.get(f"/api/v1/complaints/analytics/?{query}")
    assert api.status_code == 400 and set(api.json()["errors"]) == fields
    page = client.get(f"/office/complaints/analytics/?{query}")
    assert page.status_code == 400 and set(page.context["errors"]) == fields
    assert "data" not in page.context
    export = client.get(f"/office/complaints/analytics/?{query}&export=xlsx")
    assert export.status_code == 400 and not export["Content-Type"].startswith(
        "application/vnd.openxmlformats")


def test_unknown_parameter_is_refused(world: World):
    client = _client(world.city_admin)
    assert client.get("/api/v1/complaints/analytics/?month=2026-01").status_code == 400


def test_closed_complaints_count_in_the_completion_rate(world: World, spread):
    Complaint.objects.filter(pk=spread["old"].pk).update(status=ComplaintStatus.CLOSED)
    client = _client(world.city_admin)
    api = client.get(f"/api/v1/complaints/analytics/?region={world.a.region.code}").json()
    assert api["closed"] == 1 and api["completion_rate"] == round(100.0 / 3, 1)


def test_a_blank_category_reads_not_given_in_the_reader_s_language(world: World):
    """A complaint about an institution not in the register has no category: its row of
    the analysis reads "未填写" / "Not given", not a bare dash."""
    from django.utils import translation

    from complaints import selectors

    submit(world)  # no institution: the complainant named it
    admin = world.a.users["county_admin"]
    for language, label in (("zh-hans", "未填写"), ("en", "Not given")):
        with translation.override(language):
            rows = selectors.analytics(admin)["by_category"]
        assert [r["label"] for r in rows if r["case__category"] == ""] == [label], language


def test_the_one_pass_counts_equal_a_query_per_dimension(world: World, spread):
    """The analysis counts every dimension in one pass (grouping sets, PostgreSQL); where
    the database has none (SQLite, `make run`) it counts each dimension on its own: the
    same rows, in the same order."""
    from complaints import selectors

    qs = selectors.analytics_qs(world.city_admin)
    assert selectors._grouped_counts(qs) == selectors._counted_each(qs)
    assert sum(r["n"] for r in selectors._counted_each(qs)["status"]) == qs.count() > 0
