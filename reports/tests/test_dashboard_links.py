"""Issue 12 "Dashboards": every complaint and inspection figure opens the list behind it,
filtered so that the list shows exactly the records the figure counts (a rate: the list of
its denominator), for a county admin and a city admin with data in two counties; a county
code from elsewhere finds nothing on the lists; bad filter values are field errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from cases.models import Task, TaskRole, TaskStatus
from complaints.models import Complaint, ComplaintStatus
from complaints.tests.helpers import submit
from core.vocab import DepartmentType
from inspections.models import AnnualResult, DailyInspection, DailyState
from inspections.tests.helpers import make_daily, make_round
from reports.tests.dashboard_helpers import login, rows_behind
from reports.tests.test_dashboards import cells, chart_of, links

pytestmark = pytest.mark.django_db


def _last_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def complaints_in_two_counties(world) -> None:
    """County A: three complaints this month (one merged into another, one closed, one
    with its lead hand-off finished on time) and one last month; county B: two."""
    today = timezone.localdate()
    a1, a2, a3, a4 = (submit(world, "a")[0] for _i in range(4))
    submit(world, "b")
    b2 = submit(world, "b")[0]
    Complaint.objects.filter(pk=a2.pk).update(status=ComplaintStatus.MERGED, duplicate_of=a1)
    Complaint.objects.filter(pk=a3.pk).update(status=ComplaintStatus.CLOSED)
    last = timezone.make_aware(dt.datetime.combine(_last_month(today) + dt.timedelta(days=3),
                                                   dt.time(10)))
    Complaint.objects.filter(pk=a4.pk).update(received_at=last)
    for complaint, days_late in ((a1, 0), (a3, 2), (b2, 0)):
        county = world.county("b" if complaint == b2 else "a")
        Task.objects.create(case=complaint.case, role=TaskRole.LEAD, duty="办理",
                            department=county.depts[DepartmentType.EDUCATION_SPORTS],
                            due_date=today - dt.timedelta(days=1 + days_late),
                            status=TaskStatus.DONE,
                            completed_at=timezone.now() - dt.timedelta(days=1))


def inspections_in_two_counties(world) -> None:
    """County A: a sports round of this year (two assignments, one done) and last year's
    (the same two); daily inspections this month, one done and one planned, and one done
    last month. County B: a round of three, and a daily inspection done."""
    today = timezone.localdate()
    rnd = make_round(world, "a", institutions=2)
    make_round(world, "a", institutions=0, year=today.year - 1)
    make_round(world, "b", institutions=3)
    rnd.inspections.filter(pk=rnd.inspections.order_by("pk").first().pk).update(
        result=AnnualResult.PASS)
    done = make_daily(world, "a", n=71)
    make_daily(world, "a", n=72)
    old = make_daily(world, "a", n=73)
    other = make_daily(world, "b", n=74)
    DailyInspection.objects.filter(pk__in=[done.pk, old.pk, other.pk]).update(
        state=DailyState.DONE, done_at=timezone.now())
    DailyInspection.objects.filter(pk=old.pk).update(planned_on=_last_month(today))


def _denominator(text: str) -> int:
    """'50.0% (1/2)' -> 2"""
    match = re.search(r"\((\d+)/(\d+)\)", text)
    assert match, text
    return int(match[2])


@pytest.mark.parametrize("who", ["county_admin", "city_admin"])
def test_every_complaint_and_inspection_figure_opens_exactly_its_records(world, who):
    complaints_in_two_counties(world)
    inspections_in_two_counties(world)
    user = world.city_admin if who == "city_admin" else world.a.users["county_admin"]
    client = login(user)
    followed = 0

    trend = chart_of(user, "complaint_trend")
    for cell, value in cells(trend).items():
        link = links(trend)[cell]
        assert "status=received" in link and "month=" in link and "region=" in link, link
        assert rows_behind(client, link) == value, (cell, link)
        followed += 1
    # A: three received (the merged duplicate left out), B: two
    assert sum(cells(trend).values()) == (5 if who == "city_admin" else 3)

    rates = chart_of(user, "complaint_rates")
    for series in rates.series:
        for i, _county in enumerate(rates.categories):
            link = series.links[i]
            assert link, (series.name, _county)
            assert rows_behind(client, link) == _denominator(series.texts[i]), link
            followed += 1
    assert rates.series[0].texts[0] == "33.3% (1/3)"  # county A: closed among received
    assert rates.series[1].texts[0] == "50.0% (1/2)"  # county A: on time among finished
    with translation.override("en"):
        assert "opens the list of what it is counted among" in str(rates.note)

    chart = chart_of(user, "inspections")
    values, hrefs = cells(chart), links(chart)
    for (county, name), value in values.items():
        link = hrefs[(county, name)]
        if name == "Daily this month: planned by the cadence":
            continue  # the cadence's occasions are a plan, not records: the planner
        response = client.get(link)
        assert response.status_code == 200, link
        if name.startswith("Annual"):
            totals = response.context["totals"]
            assert totals["total" if name.endswith("assigned") else "done"] == value, link
        else:
            assert response.context["page"].paginator.count == value, link
        followed += 1
    assert values[("甲区", "Annual: assigned")] == 2 and values[("甲区", "Annual: done")] == 1
    assert values[("甲区", "Daily this month: done")] == 1
    if who == "city_admin":
        assert values[("乙区", "Annual: assigned")] == 3
        assert values[("乙区", "Daily this month: done")] == 1
    assert followed >= (12 + 2 + 3) * len(chart.categories)


def test_a_county_code_from_elsewhere_finds_nothing(world):
    """A county admin of county A following a link with county B's code sees no B rows
    (the code filters within the rows the gateway gives her): an empty list, not B's."""
    complaints_in_two_counties(world)
    inspections_in_two_counties(world)
    b = world.b.region.code
    city = login(world.city_admin)
    client = login(world.a.users["county_admin"])
    month = timezone.localdate().strftime("%Y-%m")
    for url in (f"/office/complaints/?region={b}", f"/office/complaints/?region={b}"
                f"&status=received&month={month}",
                f"/office/inspections/rounds/?region={b}",
                f"/office/inspections/daily/?region={b}&state=done"):
        assert rows_behind(city, url) > 0, url  # B has rows there
        response = client.get(url)
        assert response.status_code == 200, url
        assert rows_behind(client, url) == 0, url
        assert "乙区" not in response.content.decode(), url


@pytest.mark.parametrize("url,field", [
    ("/office/complaints/?month=2026-13", "month"),
    ("/office/complaints/?month=last", "month"),
    ("/office/complaints/?month=9999-12", "month"),
    ("/office/inspections/daily/?month=0000-01", "month"),
    ("/office/complaints/?region=甲区", "region"),
    ("/office/complaints/?status=bogus", "status"),
    ("/office/inspections/rounds/?year=abc", "year"),
    ("/office/inspections/rounds/?year=99999", "year"),
    ("/office/inspections/rounds/?region=x1", "region"),
    ("/office/inspections/daily/?month=2026-00", "month"),
    ("/office/inspections/daily/?state=finished", "state"),
    ("/office/inspections/daily/?region=%27%3B", "region"),
])
def test_bad_filter_values_are_field_errors(world, url, field):
    """Bad filter values answer 400 with the field's error shown, and list nothing."""
    submit(world, "a")
    make_round(world, "a")
    make_daily(world, "a")
    response = login(world.a.users["county_admin"]).get(url)
    assert response.status_code == 400, url
    assert field in response.context["filter"].errors, url
    assert len(response.context["page"].object_list) == 0
    assert "invalid-feedback" in response.content.decode()


def test_month_filter_error_is_translated(world):
    response = login(world.a.users["county_admin"]).get(
        "/office/complaints/?month=2026-13", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()
    assert response.context["filter"].errors["month"] != ["Enter a month as YYYY-MM."]


def test_the_filtered_lists_export_what_they_show(world):
    """The complaint list's and the daily list's .xlsx links carry the page's filters: a
    figure's list exports the figure's rows."""
    import io

    from openpyxl import load_workbook

    complaints_in_two_counties(world)
    inspections_in_two_counties(world)
    city = login(world.city_admin)
    a = world.a.region.code
    month = timezone.localdate().strftime("%Y-%m")
    for page_url, rows in ((f"/office/complaints/?status=received&month={month}&region={a}",
                            2),
                           (f"/office/inspections/daily/?region={a}&month={month}&state=done",
                            1)):
        page = city.get(page_url)
        assert rows_behind(city, page_url) == rows
        href = re.search(r'href="([^"]*export[^"]*)"', page.content.decode())[1]
        href = href.replace("&amp;", "&")
        if href.startswith("?"):
            href = page_url.split("?")[0] + href
        response = city.get(href)
        assert response.status_code == 200, href
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row - 1 == rows, href
