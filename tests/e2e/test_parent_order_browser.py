"""A parent on a phone (390 px) and a desktop (1366 px) in Chromium: the order look-up
shows the class consumption and the dispute form in view, without scrolling sideways
(issue 11 "Access"; 002 §2(3): a parent disputes a record within the period)."""

from __future__ import annotations

import pytest

from tests.e2e.test_licensing_browser import browser, login  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize("width", [390, 1366])
def test_a_parent_disputes_a_record_from_a_phone(browser, live_server, width):  # noqa: F811
    from django.core.management import call_command

    from funds.models import Consumption, ConsumptionState
    from funds.tests.helpers import consume, paid_order, supervised
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    inst, course = supervised(world)
    made = paid_order(world, inst, course)
    consume(world, made, 2)

    page = browser.new_context(viewport={"width": width, "height": 844},
                               locale="zh-CN").new_page()
    page.goto(live_server.url + "/funds/order/")
    page.fill("#number", made.number)
    page.fill("#code", made.access_code)
    page.click("main form button[type=submit]")
    page.wait_for_selector("#parent-order")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    button = page.locator("#parent-order form button[type=submit]").first
    box = button.bounding_box()
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width
    page.locator("#parent-order input[name=reason]").fill("请假未上课")
    button.click()
    page.wait_for_load_state()
    assert Consumption.objects.get().state == ConsumptionState.DISPUTED


def test_the_office_order_page_keeps_the_dispute_form_in_view_on_a_phone(
        browser, live_server):  # noqa: F811
    """The same records on the office's order page: a card each on a phone, with the
    dispute form in view."""
    from django.core.management import call_command

    from funds.tests.helpers import consume, paid_order, supervised
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    inst, course = supervised(world)
    made = paid_order(world, inst, course)
    consume(world, made, 2)
    page = login(browser, live_server.url, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/office/funds/orders/{made.number}/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    button = page.locator("#consumption-list form button[type=submit]").first
    box = button.bounding_box()
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 390
