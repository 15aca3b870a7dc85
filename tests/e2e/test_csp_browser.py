"""Issue 14 D8: every page keeps the Content-Security-Policy (no inline scripts) and still
works under it: the language switch, select-all on the task overview, the certificate's
print button and the API docs, at phone and desktop widths."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_licensing_browser import browser, login  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

VIOLATIONS = """() => window.__csp || []"""
LISTEN = """() => { window.__csp = []; document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def _visit(page, url: str) -> list[str]:
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', e => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    response = page.goto(url)
    assert response.status < 400, url
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), url
    return page.evaluate(VIOLATIONS)


@pytest.mark.parametrize("width", [390, 1366])
def test_pages_keep_the_policy_and_work_under_it(browser, live_server, width):  # noqa: F811
    from django.core.management import call_command

    from institutions.tests.helpers import licensed_with_gate, register
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    licensed = licensed_with_gate(world)
    register(world, n=2)
    base = live_server.url
    anonymous = browser.new_context(viewport={"width": width, "height": 844}).new_page()
    for url in ("/", "/whitelist/", "/duties/", f"/institutions/{licensed.uscc}/licence/",
                "/api/docs/"):
        assert _visit(anonymous, base + url) == [], url
    anonymous.goto(base + f"/institutions/{licensed.uscc}/licence/")
    anonymous.evaluate("window.print = () => { window.__printed = true; }")
    anonymous.click("[data-print]")
    assert anonymous.evaluate("window.__printed") is True
    anonymous.goto(base + "/api/docs/")
    anonymous.wait_for_selector(".swagger-ui .info", timeout=15000)  # the docs render

    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": width, "height": 844})
    for url in ("/office/", "/office/cases/", "/office/institutions/", "/office/tasks/overview/"):
        assert _visit(page, base + url) == [], url
    from cases import services
    from cases.models import TaskRole

    case = services.case_open(actor=world.a.users["county_admin"], kind="supervision",
                              title="巡查", region=world.a.region)
    for _ in range(2):
        services.task_assign(actor=world.a.users["county_admin"], case=case,
                             department=world.a.depts["education_sports"],
                             role=TaskRole.LEAD, duty="核查", workdays=3)
    _visit(page, base + "/office/tasks/overview/")
    page.check("[data-select-all]")
    assert page.locator("input[name=task_ids]:checked").count() == 2
    if width < 992:
        page.click(".navbar-toggler")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # submits itself (portal.js)
    assert page.get_attribute("html", "lang") == "en"
    assert re.search(r"Task overview", page.content())
