"""Browser walk at phone width (390 px) in Debian's Chromium through Playwright: an
inspector fills the on-site form with a photo and a finding, the institution submits its
rectification evidence, and the re-check closes the order. This walk runs online; the
walk with the network cut mid-visit is test_offline_browser.py."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_licensing_browser import (  # noqa: F401  (fixtures)
    _reference_data_back_after_the_flush,
    browser,
)
from tests.factories import PASSWORD
from tests.samplefiles import png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def _inspections_data_back_after_the_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The flush after a transactional test empties the migration data too."""
    yield
    with django_db_blocker.unblock():
        from inspections import reference

        reference.ensure()


def phone_login(chromium, base: str, username: str):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/office/.*"))
    return page


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_inspector_on_a_phone_orders_a_rectification_the_institution_answers(
        browser, live_server, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    from inspections.models import OrderState, RectificationOrder
    from inspections.tests.helpers import make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    from inspections import reference

    reference.ensure()
    world = build_world()
    inspection = make_daily(world, mode="night")
    staff = world.a.users["institution"]
    staff.institution = inspection.institution
    staff.save()
    photo = tmp_path / "现场.png"
    photo.write_bytes(png(40, 30))
    base = live_server.url

    page = phone_login(browser, base, world.a.users["officer"].username)
    page.goto(f"{base}/office/inspections/daily/{inspection.pk}/")
    assert fits(page)
    page.check("input[name=item_hours][value=problem]")
    page.fill("#id_notes", "20:50 仍有学员上课")
    page.fill("#id_latitude", "25.040600")
    page.fill("#id_longitude", "102.712300")
    page.check("#id_rectify")
    page.set_input_files("#id_photos", str(photo))
    page.click("button[type=submit]")
    page.wait_for_selector("a[href^='/office/inspections/orders/']:has-text('ZG-')")
    assert fits(page)
    order = RectificationOrder.objects.get(daily=inspection)
    page.context.close()

    page = phone_login(browser, base, staff.username)
    page.goto(f"{base}/office/inspections/orders/{order.pk}/")
    assert fits(page)
    page.fill("#id_evidence", "已调整课表，所有课程20:00前结束")
    page.click("form[action$='/evidence/'] button")
    page.wait_for_url(re.compile(rf".*/orders/{order.pk}/$"))
    page.context.close()

    page = phone_login(browser, base, world.a.users["officer"].username)
    page.goto(f"{base}/office/inspections/orders/{order.pk}/")
    page.select_option("#id_passed", "yes")
    page.fill("#id_note", "复查：整改到位")
    page.click("form[action$='/recheck/'] button")
    page.wait_for_url(re.compile(rf".*/orders/{order.pk}/$"))
    page.context.close()
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED and order.evidence


@pytest.mark.parametrize("width", [390, 1366])
def test_the_credit_export_and_the_institution_record_fit_the_screen(
        browser, live_server, width):  # type: ignore[no-untyped-def]  # noqa: F811
    """The credit export's page and the institution's history (office and public pages)
    need no sideways scroll on a phone or a desktop."""
    from inspections import reference, services
    from inspections.tests.helpers import DAILY_OK, make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    reference.ensure()
    world = build_world()
    inspection = make_daily(world, mode="night")
    services.daily_record(actor=world.a.users["officer"], inspection=inspection,
                          answers={**DAILY_OK, "hours": "problem", "advertising": "problem"},
                          findings="20:50 仍有学员上课；" * 6, rectify=True)
    inst = inspection.institution
    services.blacklist_enter(actor=world.a.users["county_admin"], institution=inst,
                             reason="多次超时培训，拒不整改。" * 4)
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900},
                                  is_mobile=width < 800)
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", world.a.users["county_admin"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/office/.*"))
    for url in ("/office/inspections/credit/", f"/office/institutions/{inst.uscc}/",
                f"/institutions/{inst.uscc}/", "/whitelist/"):
        page.goto(base + url)
        assert page.locator("body").count() == 1
        assert fits(page), url
    page.goto(f"{base}/office/institutions/{inst.uscc}/")
    assert page.locator("#institution-history li[data-history-kind]").count() >= 4
    context.close()
