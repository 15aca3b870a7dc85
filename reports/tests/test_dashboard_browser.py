"""Browser walk in Debian's Chromium through Playwright (issue 12 "Done when"): a county
admin opens the dashboard and drills from a chart, and from its table, into the overdue
tasks; at 390 px and 1366 px, without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_licensing_browser import browser, login  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_the_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    yield
    with django_db_blocker.unblock():
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


#: Clicks the bar of `series` at `index` of the chart in `selector` where ECharts drew it.
CLICK_BAR = """([selector, series, index]) => {
  const box = document.querySelector(selector);
  const chart = echarts.getInstanceByDom(box);
  const value = chart.getOption().series[series].data[index];
  const [x, y] = chart.convertToPixel({seriesIndex: series}, [index, value / 2]);
  const rect = box.getBoundingClientRect();
  return [rect.left + x, rect.top + y];
}"""


@pytest.mark.parametrize("width", [390, 1366])
def test_county_admin_drills_from_the_dashboard_into_overdue_tasks(browser, live_server,  # noqa: F811
                                                                   width):
    from core.vocab import DepartmentType
    from reports.tests.dashboard_helpers import institution, overdue_task
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    for _i in range(3):
        overdue_task(world, "a")
    overdue_task(world, "a", dept=DepartmentType.CULTURE_TOURISM, escalated=True)
    overdue_task(world, "b")  # never counted in county A
    institution(world, "a", 1, platform=True, funds=True)
    base = live_server.url
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]

    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{base}/office/")
    page.wait_for_selector("#area-overview [data-dashboard-chart] canvas")
    assert no_sideways_scroll(page)
    # the table view, there without script: its overdue figure for education opens the list
    link = page.locator(f"#table-tasks a[href*='department={edu.pk}'][href*='overdue=yes']")
    assert link.first.inner_text().strip() == "3"
    with page.expect_navigation():
        link.first.click()
    assert re.search(rf"/office/tasks/overview/\?department={edu.pk}&overdue=yes", page.url)
    assert page.locator("tbody tr:has(a[href*='/office/cases/'])").count() == 3
    assert no_sideways_scroll(page)

    # the full overview: every chart drawn, and a click on a bar opens the list behind it
    page.goto(f"{base}/office/reports/dashboard/")
    page.wait_for_selector("#chart-tasks [data-dashboard-chart] canvas")
    assert page.locator("[data-dashboard-chart] canvas").count() >= 5
    assert no_sideways_scroll(page)
    assert "乙区" not in page.content()
    page.locator("#chart-tasks [data-dashboard-chart]").scroll_into_view_if_needed()
    x, y = page.evaluate(CLICK_BAR, ["#chart-tasks [data-dashboard-chart]", 1, 0])
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert "/office/tasks/overview/" in page.url and "overdue=yes" in page.url
    assert page.locator("tbody tr:has(a[href*='/office/cases/'])").count() == 3


def test_complaint_and_inspection_figures_open_their_filtered_lists_on_a_phone(
        browser, live_server):  # noqa: F811
    """At 390 px a county admin follows the complaint trend's figure for this month, the
    completion rate (its denominator), and the daily inspections done, from the table
    view: each list opens filtered (the filters in its form) with the figure's rows, and
    fits the screen."""
    from django.utils import timezone

    from complaints.tests.conftest import seed_taxonomy
    from complaints.tests.helpers import submit
    from inspections import reference
    from inspections.models import DailyInspection, DailyState
    from inspections.tests.helpers import make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    seed_taxonomy()
    reference.ensure()
    world = build_world()
    for _i in range(2):
        submit(world, "a")
    submit(world, "b")  # never counted, never listed in county A
    done = make_daily(world, "a", n=71)
    make_daily(world, "a", n=72)
    DailyInspection.objects.filter(pk=done.pk).update(state=DailyState.DONE,
                                                      done_at=timezone.now())
    base, code = live_server.url, world.a.region.code
    month = timezone.localdate().strftime("%Y-%m")

    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": 390, "height": 844})
    for table, selector, rows, row in (
            ("complaint_trend", f"a[href*='month={month}'][href*='region={code}']", 2,
             "#complaint-list tbody tr:has(a[href*='/office/complaints/'])"),
            ("complaint_rates", "a[href*='status=received']", 2,
             "#complaint-list tbody tr:has(a[href*='/office/complaints/'])"),
            ("inspections", "a[href*='state=done']", 1,
             "tbody tr:has(a[href*='/office/inspections/daily/'])")):
        page.goto(f"{base}/office/reports/dashboard/")
        # the table view sits folded under its chart: follow its link's address
        href = page.locator(f"#table-{table} {selector}").first.get_attribute("href")
        page.goto(f"{base}{href}")
        assert f"region={code}" in page.url, page.url
        assert page.locator(f"form select[name=region] option[value='{code}']:checked"
                            ).count() == 1
        assert page.locator(row).count() == rows, (table, page.url)
        assert "乙区" not in page.locator("tbody").inner_text()
        assert no_sideways_scroll(page), page.url
