"""Browser walk in Debian's Chromium through Playwright: on a 390 px phone a county admin
fills in and submits the county's monthly report (004 annex 2); on a 1366 px screen the
city admin forwards the culture bureau's reports to education and consolidates them, and
opens the records behind a consolidated figure. No page needs sideways scrolling."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from governance.tests.test_browser import (  # noqa: F401
    _reference_data_back_after_the_flush,
    no_sideways_scroll,
    phone_login,
)
from tests.e2e.test_licensing_browser import browser  # noqa: F401
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def desktop_login(browser, base: str, username: str):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/office/.*"))
    return page


def test_county_submits_and_city_consolidates(browser, live_server):  # noqa: F811
    from reports.models import MonthlyReport, ReportStatus
    from reports.tests.helpers import CULTURE, EDU, june, open_june, report
    from tests.factories import DepartmentFactory, build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    DepartmentFactory(region=world.city, type=CULTURE, name="市文旅局")
    june(world)
    open_june()
    r = report(world)
    row = r.rows.get()
    base = live_server.url

    admin = phone_login(browser, base, "a_county_admin")
    admin.goto(f"{base}/office/reports/monthly/")
    assert no_sideways_scroll(admin)
    admin.click(f"#monthly-list a[href='/office/reports/monthly/{r.pk}/']")
    admin.wait_for_selector("#monthly-form")
    assert no_sideways_scroll(admin)
    admin.fill(f"#id_row{row.pk}-systems", "2")
    admin.fill(f"#id_row{row.pk}-effects", "无证培训明显减少")
    admin.fill("#id_post", "科长")
    admin.fill("#id_contact", "0871-65000000")
    admin.click("#manual-fields button[type=submit]")
    admin.wait_for_selector("#monthly-form td.manual:has-text('无证培训明显减少')")
    admin.click("#submit-report")
    admin.wait_for_selector("#report-status.text-bg-success")
    assert no_sideways_scroll(admin)
    r.refresh_from_db()
    assert r.status == ReportStatus.SUBMITTED

    city = desktop_login(browser, base, "city_admin")
    forward = MonthlyReport.objects.get(region=world.city, department__type=CULTURE)
    consolidation = MonthlyReport.objects.get(region=world.city, department__type=EDU)
    city.goto(f"{base}/office/reports/monthly/{forward.pk}/")
    city.click("#submit-report")
    city.wait_for_selector("#report-status.text-bg-success")
    city.goto(f"{base}/office/reports/monthly/{consolidation.pk}/")
    city.wait_for_selector("#included a")
    assert no_sideways_scroll(city)
    city.click("#submit-report")
    city.wait_for_selector("#report-status.text-bg-success")
    consolidation.refresh_from_db()
    assert consolidation.status == ReportStatus.SUBMITTED
    city.click("#monthly-total a.figure[data-code='8']")
    city.wait_for_selector("#figure-total")
    assert city.inner_text("#figure-total") == "2"
    assert city.locator(".record").count() == 2
    assert no_sideways_scroll(city)

    # the phone shows the consolidated form without sideways scrolling too
    phone = phone_login(browser, base, "city_admin")
    phone.goto(f"{base}/office/reports/monthly/{consolidation.pk}/")
    assert no_sideways_scroll(phone)
    desk = desktop_login(browser, base, "a_county_admin")
    desk.goto(f"{base}/office/reports/monthly/{r.pk}/")
    assert no_sideways_scroll(desk)
