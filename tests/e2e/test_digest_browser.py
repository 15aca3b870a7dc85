"""Issue 13, in Chromium at phone and desktop widths: a department head told of a backlog
by one digest reads it in the inbox without scrolling sideways, opens it, and lands on the
escalated tasks it counts; the dashboard lists what was escalated to her."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.e2e.test_licensing_browser import browser, login  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize("width", [390, 1366])
def test_a_head_reads_a_digest_and_opens_its_tasks(browser, live_server, width):  # noqa: F811
    from django.core.management import call_command

    from cases import services
    from tests.factories import build_world, make_case

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    a = world.a
    tasks = [services.task_assign(actor=a.users["county_admin"], case=make_case(a),
                                  department=a.depts["education_sports"], role="lead",
                                  duty=f"核查事项{i}", workdays=5, today=dt.date(2026, 6, 1))
             for i in range(services.DIGEST_AFTER + 2)]
    services.deadline_scan(today=dt.date(2026, 6, 9))  # overdue, level 1
    numbers = [t.case.number for t in tasks]

    page = login(browser, live_server.url, "a_head")
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(live_server.url + "/office/notifications/")
    with translation.override("zh-hans"):
        title = "7 项逾期任务已升级督办（第1级）"
    digest = page.get_by_role("button", name=title)
    assert digest.count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    body = page.locator("#content, main, body").first.inner_text()
    assert all(number in body for number in numbers)
    digest.click()
    page.wait_for_url("**/office/tasks/overview/?escalated=yes&order=escalation")
    listed = page.locator("body").inner_text()
    assert all(number in listed for number in numbers)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width

    page.goto(live_server.url + "/office/")
    escalated = page.locator("#escalated").inner_text()
    assert all(number in escalated for number in numbers)
