"""Browser walk in Debian's Chromium through Playwright on a 390 px wide phone screen: the
culture officer confirms drafted minutes, the office issues them and sees the decision's
case; the meeting, roster, campaign and screening pages need no sideways scrolling."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.e2e.test_licensing_browser import browser  # noqa: F401
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_the_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The flush after a transactional test empties the reference data of the migrations
    too (profiles, calendar, complaint topics, inspection checklists): put it back."""
    yield
    with django_db_blocker.unblock():
        from complaints.tests.conftest import seed_taxonomy
        from inspections import reference

        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        seed_taxonomy()
        reference.ensure()


def phone_login(browser, base: str, username: str):  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/office/.*"))
    return page


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_minutes_confirmed_and_issued_on_a_phone(browser, live_server):  # noqa: F811
    from governance.models import MeetingStatus
    from governance.tests.helpers import drafted_meeting, problem
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    meeting = drafted_meeting(world)
    p = problem(world)
    base = live_server.url

    culture = phone_login(browser, base, "a_culture")
    culture.goto(f"{base}/office/governance/meetings/{meeting.pk}/")
    assert no_sideways_scroll(culture)
    culture.click("#attendance button[type=submit]")
    culture.wait_for_selector("#attendance .text-bg-success")

    # education (the unit hosting the office) confirms too, then the office issues
    education = phone_login(browser, base, "a_officer")
    education.goto(f"{base}/office/governance/meetings/{meeting.pk}/")
    education.click("#attendance button[type=submit]")
    education.wait_for_selector("#attendance .text-bg-success")
    office = phone_login(browser, base, "a_joint")
    office.goto(f"{base}/office/governance/meetings/{meeting.pk}/")
    office.click("text=印发会议纪要")
    office.wait_for_selector("#decisions a[href*='/cases/LX-']")
    assert no_sideways_scroll(office)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.ISSUED
    for url in ("/office/governance/meetings/", "/office/governance/units/",
                f"/office/governance/campaigns/{p.campaign_id}/",
                "/office/governance/campaigns/", "/office/governance/screening/",
                "/office/governance/filings/", "/office/governance/campaigns/new/",
                f"/office/governance/campaigns/{p.campaign_id}/edit/",
                "/office/governance/units/new/"):
        office.goto(base + url)
        assert no_sideways_scroll(office), url
