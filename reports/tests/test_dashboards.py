"""The dashboards of issue 12: each role's overview, read through the gateway (a county B
row never counts in county A's figures, a department head reads its department), every
figure opening the list behind it with that many rows, the coverage targets of 004 §2,
each chart's table and .xlsx export, and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from openpyxl import load_workbook

from complaints.tests.helpers import submit
from core.vocab import Category, DepartmentType
from funds import services as funds_services
from funds.models import Mode, Reconciliation, SpotResult
from funds.tests.helpers import paid_order, supervised
from inspections.tests.helpers import make_daily, make_round
from institutions.models import InstitutionStatus
from reports import dashboards
from reports.tests.dashboard_helpers import institution, login, overdue_task, rows_behind

pytestmark = pytest.mark.django_db


def cells(chart: dashboards.Chart) -> dict[tuple[str, str], object]:
    """{(category, series name in English): value}"""
    with translation.override("en"):
        return {(category, str(s.name)): s.values[i] for s in chart.series
                for i, category in enumerate(chart.categories)}


def links(chart: dashboards.Chart) -> dict[tuple[str, str], str]:
    with translation.override("en"):
        return {(category, str(s.name)): s.links[i] for s in chart.series
                for i, category in enumerate(chart.categories)}


def chart_of(user, key: str) -> dashboards.Chart:
    return next(c for c in dashboards.charts(user) if c.key == key)


def two_counties(world) -> None:
    """County A: three overdue tasks (two of education, one escalated; one of culture),
    two licensed institutions and one applying. County B: five overdue tasks and four
    licensed institutions."""
    overdue_task(world, "a", escalated=True)
    overdue_task(world, "a")
    overdue_task(world, "a", dept=DepartmentType.CULTURE_TOURISM)
    for _i in range(5):
        overdue_task(world, "b")
    institution(world, "a", 1, platform=True)
    institution(world, "a", 2, category=Category.SPORTS)
    institution(world, "a", 3, status=InstitutionStatus.APPLYING)
    for n in range(4, 8):
        institution(world, "b", n, platform=True, funds=True)


# -- each role's overview ------------------------------------------------------------------

def test_county_admin_sees_her_county_only(world):
    two_counties(world)
    admin = world.a.users["county_admin"]
    tasks = cells(chart_of(admin, "tasks"))
    edu, culture = (world.a.depts[t].name for t in (DepartmentType.EDUCATION_SPORTS,
                                                    DepartmentType.CULTURE_TOURISM))
    assert tasks == {(edu, "Open"): 2, (edu, "Overdue"): 2, (edu, "Escalated"): 1,
                     (culture, "Open"): 1, (culture, "Overdue"): 1,
                     (culture, "Escalated"): 0}
    status = chart_of(admin, "institutions_status")
    assert status.categories == ["甲区"]
    assert cells(status) == {("甲区", "Licensed"): 2, ("甲区", "Applying"): 1}
    page = login(admin).get("/office/reports/dashboard/").content.decode()
    assert "乙区" not in page
    # A table's caption joins the chart's title and its note as the page's language does
    # (the walk of 2 December: 「逾期和升级督办任务: 未办结的任务…」).
    captions = re.findall(r'<caption class="small">([^<]*)</caption>', page)
    assert captions and all(": " not in c for c in captions), captions
    assert any("：" in c for c in captions), captions


def test_city_admin_sees_the_counties_side_by_side(world):
    two_counties(world)
    tasks = chart_of(world.city_admin, "tasks")
    assert tasks.categories == ["甲区", "乙区"]
    assert cells(tasks)[("甲区", "Overdue")] == 3 and cells(tasks)[("乙区", "Overdue")] == 5
    assert cells(tasks)[("甲区", "Escalated")] == 1 and cells(tasks)[("乙区", "Escalated")] == 0
    status = cells(chart_of(world.city_admin, "institutions_status"))
    assert status[("甲区", "Licensed")] == 2 and status[("乙区", "Licensed")] == 4
    page = login(world.city_admin).get("/office/").content.decode()
    assert 'id="area-overview"' in page and "乙区" in page


def test_department_head_sees_its_department(world):
    two_counties(world)
    tasks = chart_of(world.a.users["head"], "tasks")
    assert tasks.categories == [world.a.depts[DepartmentType.EDUCATION_SPORTS].name]
    assert cells(tasks)[(tasks.categories[0], "Overdue")] == 2
    for key in ("inspections", "complaint_rates", "coverage", "institutions_status"):
        assert chart_of(world.a.users["head"], key).categories == ["甲区"]


def test_figures_the_reader_may_not_open_are_never_counted(world):
    """An officer of culture sees the institutions its department supervises; a figure of
    the dashboard equals the rows the register shows the same reader."""
    two_counties(world)
    institution(world, "a", 9, supervisor=DepartmentType.SCIENCE_TECHNOLOGY)
    head = world.a.users["head"]
    for (_county, _status), value in cells(chart_of(head, "institutions_status")).items():
        link = links(chart_of(head, "institutions_status"))[(_county, _status)]
        assert rows_behind(login(head), link) == value


# -- drill-down ----------------------------------------------------------------------------

def test_each_task_figure_opens_the_task_overview_with_that_many_rows(world):
    two_counties(world)
    for user in (world.a.users["county_admin"], world.city_admin, world.a.users["head"]):
        chart = chart_of(user, "tasks")
        client = login(user)
        for key, value in cells(chart).items():
            if key[1] == "Escalated":
                # opens the overview's escalated tasks (the overview's filter is cases')
                assert "escalated=yes" in links(chart)[key] and \
                    "overdue=" not in links(chart)[key], links(chart)[key]
            assert rows_behind(client, links(chart)[key]) == value, (user, key)


def test_each_institution_cell_opens_the_filtered_register(world):
    two_counties(world)
    for key in ("institutions_status", "institutions_category"):
        chart = chart_of(world.city_admin, key)
        client = login(world.city_admin)
        for cell, value in cells(chart).items():
            link = links(chart)[cell]
            assert re.search(r"county=\d+", link)
            assert rows_behind(client, link) == value, (key, cell)


def test_licensing_and_complaint_figures_through_the_gateway(world):
    submit(world, "a")
    submit(world, "a")
    submit(world, "b")
    month = timezone.localdate().strftime("%Y-%m")
    trend = chart_of(world.city_admin, "complaint_trend")
    assert cells(trend)[(month, "甲区")] == 2 and cells(trend)[(month, "乙区")] == 1
    own = chart_of(world.a.users["county_admin"], "complaint_trend")
    assert cells(own)[(month, "Complaints")] == 2
    rates = chart_of(world.city_admin, "complaint_rates")
    assert rates.series[0].texts == ["0.0% (0/2)", "0.0% (0/1)"]


def test_inspections_against_plan(world):
    rnd = make_round(world, "a", institutions=2)
    make_round(world, "b", institutions=3)
    make_daily(world, "a")
    chart = cells(chart_of(world.a.users["county_admin"], "inspections"))
    assert chart[("甲区", "Annual: assigned")] == rnd.inspections.count() == 2
    assert chart[("甲区", "Annual: done")] == 0
    assert chart[("甲区", "Daily this month: done")] == 0
    city = cells(chart_of(world.city_admin, "inspections"))
    assert city[("乙区", "Annual: assigned")] == 3
    start = timezone.localdate().replace(day=1)
    assert city[("甲区", "Daily this month: planned by the cadence")] == \
        dashboards.cadence_occasions(start, timezone.localdate())


# -- coverage (004 §2) ---------------------------------------------------------------------

def test_coverage_figures_equal_their_records(world):
    institution(world, "a", 1, platform=True, funds=True, audited=True)
    institution(world, "a", 2, platform=True)
    stale = institution(world, "a", 3, funds=True)
    Reconciliation.objects.create(institution=stale, bank_balance=0, ledger_balance=0,
                                  difference=0,
                                  day=timezone.localdate() - dt.timedelta(days=40))
    institution(world, "a", 4, status=InstitutionStatus.APPLYING, platform=True)
    for n in (5, 6):
        institution(world, "b", n, platform=True, funds=True, audited=True)
    admin = world.a.users["county_admin"]
    [row] = dashboards.coverage_rows(admin)
    assert (row["total"], row["platform"], row["audit"]) == (3, 2, 1)
    assert (row["funds"], row["funds_rate"]) == (Decimal("0.00"), None)  # nothing prepaid yet
    chart = chart_of(admin, "coverage")
    assert chart.series[2].texts == ["33.3% (1/3)"]
    client = login(admin)
    for link in links(chart).values():
        page = client.get(link).context["page"]
        assert page.paginator.count == 3
    missing = client.get(f"/office/reports/coverage/?target=audit&county={world.a.region.code}"
                         "&met=no").context["page"]
    assert sorted(i.name for i in missing) == ["甲区机构2", "甲区机构3"]
    city = {r["county"].code: r for r in dashboards.coverage_rows(world.city_admin)}
    assert city[world.b.region.code]["audit_rate"] == 100.0
    # county B's code is ignored by county A's page: nothing of B shows.
    other = client.get(f"/office/reports/coverage/?county={world.b.region.code}")
    assert "乙区机构" not in other.content.decode()


def test_prepaid_funds_figure_is_money_supervised_against_money_known(world):
    """004 §2 (培训机构预收费资金监管100%全覆盖) measured as money (issue 11): the payments the
    ledger recorded against those plus the fees a spot check found collected outside the
    supervised account (004 §4(4)); the records behind the figure add up to it."""
    admin = world.a.users["county_admin"]
    inst, course = supervised(world, "a", 11)
    paid_order(world, inst, course, amount="3000.00")
    deposit, course_2 = supervised(world, "a", 12, mode=Mode.RISK_DEPOSIT)
    paid_order(world, deposit, course_2, amount="1000.00")
    funds_services.spot_check_record(
        actor=admin, institution=inst, checked_on=timezone.localdate(),
        result=SpotResult.PROBLEMS, findings="个人账户收费", collected_outside="1000.00")
    other, course_b = supervised(world, "b", 13)
    paid_order(world, other, course_b, key="b", amount="2000.00")
    [row] = dashboards.coverage_rows(admin)
    assert (row["funds"], row["funds_received"], row["funds_rate"]) == (
        Decimal("4000.00"), Decimal("5000.00"), 80.0)
    series = chart_of(admin, "coverage").series[1]
    assert series.values == [80.0] and "4,000.00" in series.texts[0]
    client = login(admin)
    listed = list(client.get(series.links[0]).context["page"].object_list)
    assert sum(i.prepaid_supervised for i in listed) == row["funds"]
    assert sum(i.prepaid_received for i in listed) == row["funds_received"]
    missing = client.get(series.links[0] + "&met=no").context["page"]
    assert [i.pk for i in missing] == [inst.pk]  # fees found outside its account
    city = {r["county"].code: r for r in dashboards.coverage_rows(world.city_admin)}
    assert city[world.a.region.code]["funds"] == Decimal("4000.00")
    assert city[world.b.region.code]["funds_rate"] == 100.0
    # county B's money never shows on county A's list
    assert "乙区" not in client.get(
        f"/office/reports/coverage/?target=funds&county={world.b.region.code}").content.decode()
    sheet = load_workbook(io.BytesIO(client.get(series.links[0] + "&export=xlsx").content)).active
    assert sorted(r[4:6] for r in list(sheet.values)[1:]) == [
        (1000, 1000), (3000, 4000)]


# -- access, table view, export ------------------------------------------------------------

@pytest.mark.parametrize("key", ["officer", "culture", "discipline", "grid", "institution"])
def test_readers_without_the_ability_get_404(world, key):
    client = login(world.a.users[key])
    assert client.get("/office/reports/dashboard/").status_code == 404
    assert client.get("/office/reports/coverage/").status_code == 404
    assert 'id="area-overview"' not in client.get("/office/").content.decode()


def test_table_view_carries_the_figures_and_links_without_script(world):
    two_counties(world)
    page = login(world.a.users["county_admin"]).get("/office/reports/dashboard/")
    html = page.content.decode()
    for key in dashboards.CHART_KEYS:
        assert f'id="table-{key}"' in html
    dept = world.a.depts[DepartmentType.EDUCATION_SPORTS].pk
    assert f"/office/tasks/overview/?department={dept}&amp;overdue=yes" in html
    # the data for the charts travels as JSON, never as inline script (CSP)
    inline = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s]
    assert all('type="application/json"' in s for s in inline)


@override_settings(PAGE_RATES={"page": "100/min", "export": "100/min"})
def test_each_chart_exports_its_table(world):
    two_counties(world)
    client = login(world.city_admin)
    for key in dashboards.CHART_KEYS:
        response = client.get(f"/office/reports/dashboard/?export={key}")
        assert response.status_code == 200, key
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        chart = chart_of(world.city_admin, key)
        assert len(rows) == 1 + len(chart.categories), key
        assert len(rows[0]) == 1 + len(chart.series), key
    sheet = load_workbook(io.BytesIO(client.get(
        "/office/reports/dashboard/?export=tasks").content)).active
    assert list(sheet.values)[1:] == [("甲区", 3, 3, 1), ("乙区", 5, 5, 0)]
    assert client.get("/office/reports/dashboard/?export=nope").status_code == 404
    coverage = client.get("/office/reports/coverage/?export=xlsx")
    assert len(list(load_workbook(io.BytesIO(coverage.content)).active.values)) == 1 + 6


@override_settings(PAGE_RATES={"page": "100/min", "export": "1/min"})
def test_exports_are_rate_limited(world):
    client = login(world.a.users["county_admin"])
    assert client.get("/office/reports/dashboard/?export=tasks").status_code == 200
    assert client.get("/office/reports/dashboard/?export=coverage").status_code == 429
    assert client.get("/office/reports/dashboard/").status_code == 200


# -- query counts --------------------------------------------------------------------------

def _grow(world):
    def grow(start: int, stop: int) -> None:
        for n in range(start, stop):
            key = "a" if n % 2 else "b"
            overdue_task(world, key, escalated=bool(n % 3))
            institution(world, key, 100 + n, platform=bool(n % 2), funds=bool(n % 3),
                        audited=bool(n % 5), category=Category.SPORTS if n % 4 else Category.ARTS)
    return grow


@pytest.mark.parametrize("key", ["county_admin", "city_admin", "head", "joint"])
def test_dashboard_queries_are_constant(world, query_budget, key):
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    query_budget(login(user), "/office/reports/dashboard/", _grow(world), small=3, large=12)


@pytest.mark.parametrize("url", ["/office/", "/office/reports/coverage/?target=funds"])
@pytest.mark.parametrize("key", ["county_admin", "city_admin", "head"])
def test_portal_and_coverage_queries_are_constant(world, query_budget, key, url):
    user = world.city_admin if key == "city_admin" else world.a.users[key]
    query_budget(login(user), url, _grow(world), small=3, large=12)


def test_a_wide_table_takes_the_whole_width_of_the_overview(world):
    """A user-facing review: the licensing stages by county (up to nine figures a row) and
    the city's coverage rates with their amounts scrolled sideways inside half-width cards
    at 1024-1366 px. A chart of more than four figures a row, or of long ones, spans both
    columns of the overview (reports/dashboard.css); the others keep half."""
    from licensing.models import Stage

    def chart(n: int) -> dashboards.Chart:
        return dashboards.Chart("licensing", "x", "County", ["甲区", "乙区"], [
            dashboards.Series(f"s{i}", [1, 1], ["", ""]) for i in range(n)], kind="stack")

    nine = [s for s in Stage if s not in dashboards.FINISHED_STAGES]
    assert len(nine) == 9 and chart(9).full_width and chart(5).full_width
    assert not chart(4).full_width and not chart(2).full_width
    two_counties(world)
    by_key = {c.key: c for c in dashboards.charts(world.city_admin)}
    assert by_key["coverage"].full_width and not by_key["tasks"].full_width
    page = login(world.city_admin).get("/office/reports/dashboard/").content.decode()
    wide = re.findall(r'<div class="dashboard-cell dashboard-wide">\s*<section[^>]*id="([^"]+)"',
                      page)
    assert wide == ["chart-coverage"], wide
