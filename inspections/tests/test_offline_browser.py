"""Issue 9, the form with no network, in Debian's Chromium through Playwright at phone
width: the inspector opens a visit and prepares it for offline, the network is cut, the
checklist, notes, a finding with a rectification order, position and a photo are filled,
the page is reloaded with no network (the service worker answers from the visit it kept,
the form comes back from IndexedDB), the form is submitted and waits on the phone; when
the network returns it is sent, and the server holds the inspection exactly once, with its
photo. Then (issue 9 "Done when") the order reaches the institution: its staff find it
through the institution portal's menu and submit the evidence, and the inspector's
re-check closes it."""

from __future__ import annotations

import re
import time
from importlib import import_module

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from inspections.tests.test_browser import (  # noqa: F401  (fixtures)
    _inspections_data_back_after_the_flush,
    fits,
    phone_login,
)
from tests.e2e.test_licensing_browser import (  # noqa: F401  (fixtures)
    _reference_data_back_after_the_flush,
    browser,
)
from tests.samplefiles import png

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

BAR = "[data-offline-bar]"
CSP_VIOLATIONS = "() => window.__csp || []"


def until(check, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    """Poll from here: the page's CSP forbids the eval that wait_for_function needs."""
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_a_visit_filled_offline_arrives_once_when_the_network_returns(
        browser, live_server, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    from cases.models import Attachment
    from inspections import reference
    from inspections.models import (
        DailyInspection,
        DailyOutcome,
        DailyState,
        OrderState,
        RectificationOrder,
    )
    from inspections.tests.helpers import make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    reference.ensure()
    world = build_world()
    inspection = make_daily(world, mode="night")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(png(40, 30))
    url = f"{live_server.url}/office/inspections/daily/{inspection.pk}/"

    page = phone_login(browser, live_server.url, world.a.users["officer"].username)
    context = page.context
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', e => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(url)
    assert page.locator("[data-institution-facts]").text_content().count(
        inspection.institution.uscc) == 1
    page.click("[data-offline-prepare]")
    page.wait_for_selector("[data-offline-prepare][data-prepared='1']")
    page.reload()  # the service worker now controls the page
    until(lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))

    context.set_offline(True)
    page.wait_for_selector(f"{BAR}[data-online='0']")
    page.check("input[name=item_hours][value=problem]")
    page.fill("#id_notes", "地下室教室，20:50 仍有学员上课")
    page.fill("#id_findings", "20:50 仍在培训，超出规定时间")
    page.check("#id_rectify")
    page.fill("#id_latitude", "25.040600")
    page.fill("#id_longitude", "102.712300")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector("[data-offline-photos] li:has-text('现场照片.png')")

    page.reload()  # no network: the kept visit, and the form as it was left
    expect(page.locator("#id_notes")).to_have_value("地下室教室，20:50 仍有学员上课")
    assert page.is_checked("input[name=item_hours][value=problem]")
    assert page.input_value("#id_latitude") == "25.040600"
    assert page.locator("[data-offline-photos] li:has-text('现场照片.png')").count() == 1
    assert page.evaluate(CSP_VIOLATIONS) == []  # the kept page runs under the policy too
    page.click("form[data-offline-form] button[type=submit]")
    page.wait_for_selector(f"{BAR}[data-waiting='1']")
    assert "待发送" in page.locator(BAR).inner_text()
    page.reload()  # still waiting after a reload with no network
    page.wait_for_selector(f"{BAR}[data-waiting='1']")
    inspection.refresh_from_db()
    assert inspection.state == DailyState.PLANNED

    context.set_offline(False)
    # Sent, and the page shows the recorded inspection.
    expect(page.locator("form[data-offline-form]")).to_have_count(0, timeout=15000)
    inspection.refresh_from_db()
    assert inspection.state == DailyState.DONE
    assert inspection.outcome == DailyOutcome.FINDINGS
    assert inspection.notes == "地下室教室，20:50 仍有学员上课"
    assert str(inspection.latitude) == "25.040600" and inspection.client_id is not None
    assert Attachment.objects.filter(case=inspection.case).count() == 1
    assert DailyInspection.objects.filter(client_id=inspection.client_id).count() == 1

    page.wait_for_selector(f"{BAR}[data-waiting='0']", state="attached")
    assert page.evaluate(CSP_VIOLATIONS) == []

    # The finding arrived with its rectification order, once.
    assert inspection.findings == "20:50 仍在培训，超出规定时间"
    order = RectificationOrder.objects.get(daily=inspection)
    assert order.findings == inspection.findings and order.state == OrderState.OPEN
    order_link = f"a[href='/office/inspections/orders/{order.pk}/']"
    page.goto(url)
    page.wait_for_selector(order_link)
    assert fits(page)
    context.close()
    _institution_answers_and_the_recheck_closes(browser, live_server.url, world, order,
                                                tmp_path)


def _institution_answers_and_the_recheck_closes(browser, base, world, order,  # type: ignore[no-untyped-def]  # noqa: F811
                                                tmp_path):
    """The institution's staff reach the order through their portal's menu (no address
    typed), submit the evidence with a photo; the inspector re-checks and closes it."""
    from inspections.models import OrderState

    staff = world.a.users["institution"]
    staff.institution = order.institution
    staff.save()
    evidence = tmp_path / "整改后课表.png"
    evidence.write_bytes(png(30, 20))
    page = phone_login(browser, base, staff.username)
    page.click("button.navbar-toggler")
    page.click("#nav a[href='/office/inspections/orders/']")
    page.wait_for_url(re.compile(r".*/office/inspections/orders/$"))
    page.click(f"a[href='/office/inspections/orders/{order.pk}/']")
    assert fits(page)
    page.fill("#id_evidence", "已调整课表，所有课程20:00前结束")
    page.set_input_files("#id_files", str(evidence))
    page.click("form[action$='/evidence/'] button")
    page.wait_for_url(re.compile(rf".*/orders/{order.pk}/$"))
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED
    assert order.case.attachments.count() == 1
    page.context.close()

    page = phone_login(browser, base, world.a.users["officer"].username)
    page.goto(f"{base}/office/inspections/orders/{order.pk}/")
    assert "已调整课表" in page.content() and fits(page)
    page.select_option("#id_passed", "yes")
    page.fill("#id_note", "复查：整改到位")
    page.click("form[action$='/recheck/'] button")
    page.wait_for_url(re.compile(rf".*/orders/{order.pk}/$"))
    assert fits(page)
    page.context.close()
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED and order.case.state == "closed"


def test_a_form_the_server_refuses_comes_back_with_its_errors_and_nothing_lost(
        browser, live_server, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    from inspections import reference
    from inspections.models import DailyState
    from inspections.tests.helpers import make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    reference.ensure()
    world = build_world()
    inspection = make_daily(world)
    photo = tmp_path / "门口.png"
    photo.write_bytes(png(30, 20))
    url = f"{live_server.url}/office/inspections/daily/{inspection.pk}/"
    page = phone_login(browser, live_server.url, world.a.users["officer"].username)
    page.goto(url)
    page.wait_for_selector(f"{BAR}[data-online='1']")
    page.context.set_offline(True)
    page.fill("#id_notes", "只填了纬度")
    page.fill("#id_latitude", "25.040600")  # no longitude: the server refuses
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector("[data-offline-photos] li:has-text('门口.png')")
    page.click("form[data-offline-form] button[type=submit]")
    page.wait_for_selector(f"{BAR}[data-waiting='1']")

    page.context.set_offline(False)
    page.wait_for_selector("form[data-offline-form] .invalid-feedback")
    page.wait_for_selector(f"{BAR}[data-waiting='0']")
    assert "服务器未接受" in page.locator(BAR).inner_text()
    expect(page.locator("#id_notes")).to_have_value("只填了纬度")
    assert page.locator("[data-offline-photos] li:has-text('门口.png')").count() == 1
    inspection.refresh_from_db()
    assert inspection.state == DailyState.PLANNED

    page.fill("#id_longitude", "102.712300")
    page.click("form[data-offline-form] button[type=submit]")
    expect(page.locator("form[data-offline-form]")).to_have_count(0, timeout=15000)
    inspection.refresh_from_db()
    assert inspection.state == DailyState.DONE and inspection.notes == "只填了纬度"
    assert inspection.case.attachments.count() == 1
    page.context.close()


def _two_visits(live_server):  # type: ignore[no-untyped-def]
    from inspections import reference
    from inspections.tests.helpers import make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    reference.ensure()
    world = build_world()
    return world, make_daily(world, n=71), make_daily(world, n=72)


def test_a_form_refused_for_a_visit_not_on_screen_is_named_in_the_bar(
        browser, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    """Filled offline on visit one; meanwhile another submission records it; when the
    phone is back online on visit two's page, the 409 is named: which visit."""
    import uuid

    from inspections import services
    from inspections.models import DailyInspection, DailyState
    from inspections.tests.helpers import DAILY_OK

    world, first, second = _two_visits(live_server)
    page = phone_login(browser, live_server.url, world.a.users["officer"].username)
    page.goto(f"{live_server.url}/office/inspections/daily/{first.pk}/")
    page.wait_for_selector(f"{BAR}[data-online='1']")
    page.context.set_offline(True)
    page.wait_for_selector(f"{BAR}[data-online='0']")
    page.fill("#id_notes", "离线填写")
    page.click("form[data-offline-form] button[type=submit]")
    page.wait_for_selector(f"{BAR}[data-waiting='1']")
    other = services.daily_record(actor=world.a.users["head"], inspection=first,
                                  answers=DAILY_OK, notes="另一部手机先提交",
                                  client_id=uuid.uuid4())
    page.close()

    page = page.context.new_page()
    page.context.set_offline(False)
    page.goto(f"{live_server.url}/office/inspections/daily/{second.pk}/")
    page.wait_for_selector(f"{BAR}[data-waiting='0']")
    until(lambda: first.case.number in page.locator(BAR).inner_text())
    text = page.locator(BAR).inner_text()
    assert first.institution.name in text and "未发送" in text
    assert second.case.number not in text
    # nothing recorded twice, and visit two's own form is untouched
    assert DailyInspection.objects.get(pk=first.pk).notes == other.notes
    assert DailyInspection.objects.get(pk=second.pk).state == DailyState.PLANNED
    assert page.locator("form[data-offline-form]").count() == 1
    page.context.close()


def test_an_expired_sign_in_keeps_the_answers_and_asks_to_sign_in_again(
        browser, live_server, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    from django.contrib.sessions.models import Session

    from inspections.models import DailyInspection, DailyState
    from tests.factories import PASSWORD

    world, inspection, _second = _two_visits(live_server)
    photo = tmp_path / "教室.png"
    photo.write_bytes(png(30, 20))
    url = f"{live_server.url}/office/inspections/daily/{inspection.pk}/"
    page = phone_login(browser, live_server.url, world.a.users["officer"].username)
    page.goto(url)
    page.wait_for_selector(f"{BAR}[data-online='1']")
    page.context.set_offline(True)
    page.fill("#id_notes", "会话过期前填写")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector("[data-offline-photos] li:has-text('教室.png')")
    page.click("form[data-offline-form] button[type=submit]")
    page.wait_for_selector(f"{BAR}[data-waiting='1']")
    # The sign-in expires while the phone is offline: its row and its cached copy go
    # (the cache drops the copy at the same idle timeout: SESSION_ENGINE cached_db).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in Session.objects.values_list("session_key", flat=True):
        store(session_key=key).delete()

    page.context.set_offline(False)
    page.wait_for_selector(f"{BAR}[data-signin='1']")
    assert "重新登录" in page.locator(BAR).inner_text()
    link = page.locator("[data-offline-signin]")
    expect(link).to_be_visible()
    expect(page.locator("#id_notes")).to_have_value("会话过期前填写")
    assert DailyInspection.objects.get(pk=inspection.pk).state == DailyState.PLANNED

    link.click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", world.a.users["officer"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # back on the visit: the waiting form goes, once, with its photo
    expect(page.locator("form[data-offline-form]")).to_have_count(0, timeout=15000)
    inspection.refresh_from_db()
    assert inspection.state == DailyState.DONE and inspection.notes == "会话过期前填写"
    assert inspection.case.attachments.count() == 1
    page.context.close()
