"""Browser walk in Debian's Chromium through Playwright (issue 10 "Done when"): a parent
files a complaint on a 390 px wide phone screen without sideways scrolling, an officer
verifies, handles and replies, and the parent rates it with the tracking code."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from complaints.tests.conftest import seed_taxonomy
from tests.e2e.test_licensing_browser import browser, login  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_the_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    yield
    with django_db_blocker.unblock():
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        seed_taxonomy()


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_parent_files_officer_handles_parent_rates(browser, live_server):  # noqa: F811
    from complaints.models import Complaint
    from institutions.tests.helpers import licensed_with_gate
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    seed_taxonomy()
    world = build_world()
    inst = licensed_with_gate(world, category="arts", name="浏览器测试舞蹈中心")
    base = live_server.url

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                is_mobile=True)
    page = phone.new_page()
    page.goto(f"{base}/institutions/{inst.uscc}/")
    page.click("#report-problem")
    page.wait_for_selector("#complaint-form")
    assert page.input_value("#id_institution_name") == inst.name
    assert no_sideways_scroll(page)
    page.click("label:has-text('退费')")
    page.fill("#id_description", "孩子报名后机构停课，申请退费一直没有答复。")
    page.fill("#id_complainant_phone", "13912345678")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    number = page.inner_text("#tracking-number").strip()
    code = page.inner_text("#tracking-code").strip()
    assert no_sideways_scroll(page)
    page.goto(f"{base}/complaints/hotlines/")
    assert page.locator("a[href^='tel:']").count() >= 1 and no_sideways_scroll(page)

    office = login(browser, base, world.a.users["officer"].username)
    office.goto(f"{base}/office/complaints/{number}/")
    office.check("input[name=finding][value=substantiated]")
    office.fill("#form-verify textarea[name=evidence]", "调取收费记录，停课属实。")
    office.click("#form-verify button[type=submit]")
    office.wait_for_selector("#form-handle")
    office.check("input[name=outcome][value=nothing_further]")
    office.fill("#form-handle textarea[name=note]", "组织双方调解，机构同意退费。")
    office.click("#form-handle button[type=submit]")
    office.wait_for_selector("#form-reply")
    office.fill("#form-reply textarea[name=text]", "已调解，机构将在7日内退费。")
    office.click("#form-reply button[type=submit]")
    office.wait_for_url(re.compile(rf".*/office/complaints/{number}/"))
    office.context.close()

    page.goto(f"{base}/complaints/track/")
    page.fill("#id_number", number)
    page.fill("#id_code", code)
    page.click("button[type=submit]")
    page.wait_for_selector("#rate-form")
    assert "已调解" in page.content() and no_sideways_scroll(page)
    page.click("#rate-form label:has-text('基本满意')")
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#complaint-rating")
    assert Complaint.objects.get().rating == "basically"
    phone.close()
