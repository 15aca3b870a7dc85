"""Issue 14 C6, in Chromium at phone (390 px) and desktop (1366 px) widths: the public
look-up shows each institution's licence status and list without scrolling sideways; the
office lists are cards with the status first and the due date and overdue mark in view;
the notification bell stays outside the collapsed menu; phone numbers are tap-to-call."""

from __future__ import annotations

import pytest

from tests.e2e.test_licensing_browser import browser, login  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth"
#: The menu entries laid out over more than one line (an entry broken between its words or
#: characters); a collapsed menu has none.
BROKEN_MENU_ENTRIES = """() => [...document.querySelectorAll('#nav .nav-link')].filter(a => {
    const s = getComputedStyle(a);
    const text = a.getBoundingClientRect().height - parseFloat(s.paddingTop)
        - parseFloat(s.paddingBottom);
    return text > 1.5 * parseFloat(s.lineHeight);
}).map(a => a.innerText)"""


def _in_view(page, selector: str, width: int) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["width"] > 0 and 0 <= box["x"] and \
        box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [390, 1366])
def test_lists_fit_the_screen_with_the_status_in_view(browser, live_server, width):  # noqa: F811
    from django.core.management import call_command

    from institutions.tests.helpers import licensed_with_gate, register
    from tests.factories import build_world, make_case, make_task

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    licensed = licensed_with_gate(world, name="一个名字很长很长的文化艺术培训学校有限责任公司")
    register(world, n=2)
    edu = world.a.depts["education_sports"]
    edu.consultation_phone = "0871-12345678"
    edu.save()
    base = live_server.url

    public = browser.new_context(viewport={"width": width, "height": 844},
                                 locale="zh-CN").new_page()
    public.goto(base + "/?q=" + licensed.uscc)
    assert public.evaluate(NO_SIDEWAYS_SCROLL) <= width
    status = "#lookup-results td.card-first"
    assert public.locator(status).first.inner_text().strip() == licensed.get_status_display()
    assert _in_view(public, status, width)
    assert _in_view(public, "#lookup-results td.card-second", width)
    if width == 390:  # a card: the status comes before the name
        first = public.locator("#lookup-results tbody tr").first
        status_y = first.locator("td.card-first").bounding_box()["y"]
        name_y = first.locator("td").first.bounding_box()["y"]
        assert status_y < name_y
    for url in ("/whitelist/", "/duties/"):
        public.goto(base + url)
        assert public.evaluate(NO_SIDEWAYS_SCROLL) <= width, url
    public.goto(base + f"/duties/{world.a.region.code}/")
    assert public.locator('a[href="tel:087112345678"]').count() == 1
    assert public.evaluate(NO_SIDEWAYS_SCROLL) <= width

    case = make_case(world.a, title="逾期事项")
    task = make_task(world.a, case, workdays=1)
    from django.utils import timezone

    type(task).objects.filter(pk=task.pk).update(due_date="2020-01-02",
                                                overdue_since=timezone.now())
    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(base + "/office/tasks/overview/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width
    assert _in_view(page, "#nav-bell", width)  # the menu stays collapsed on a phone
    row = ".table-tasks tbody tr"
    assert _in_view(page, f"{row} td.card-first", width)
    assert _in_view(page, f"{row} td.card-second", width)
    assert "逾期" in page.locator(f"{row} td.card-first").first.inner_text()
    for url in ("/office/cases/", "/office/institutions/", "/office/notifications/"):
        page.goto(base + url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width, url
        assert _in_view(page, "#nav-bell", width), url
    # The office menu (two dozen entries) wraps by whole entries on a desktop and stays on
    # the screen, in English too (the walk of 1 December: each Chinese entry broke into a
    # column of characters, and the English menu made the page 3,000 px wide at 1366 px).
    assert page.evaluate(BROKEN_MENU_ENTRIES) == []
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(base + "/office/cases/")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width
    assert page.evaluate(BROKEN_MENU_ENTRIES) == []
    assert _in_view(page, "#nav-bell", width)
