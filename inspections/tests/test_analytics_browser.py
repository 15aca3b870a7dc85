"""The analytics page in Chromium at phone and desktop width: the charts draw (ECharts,
vendored, no inline script under the CSP), each with its table, and nothing scrolls
sideways."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inspections.tests.test_browser import (  # noqa: F401  (fixtures)
    _inspections_data_back_after_the_flush,
)
from tests.e2e.test_licensing_browser import (  # noqa: F401  (fixtures)
    _reference_data_back_after_the_flush,
    browser,
    login,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_the_charts_draw_with_their_tables_at_phone_and_desktop_width(
        browser, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    from inspections import reference, services
    from inspections.tests.helpers import DAILY_OK, make_daily
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    reference.ensure()
    world = build_world()
    for n, mode in enumerate(["patrol", "night", "unannounced"]):
        services.daily_record(actor=world.system_admin,
                              inspection=make_daily(world, mode=mode, n=70 + n),
                              answers=DAILY_OK)
    page = login(browser, live_server.url, world.a.users["county_admin"].username)
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', e => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/office/inspections/analytics/")
        page.wait_for_selector("[data-chart='chart-inspections_kind'] canvas")
        assert page.locator("#table-inspections_kind tr").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert page.evaluate("() => window.__csp") == []
    page.context.close()
