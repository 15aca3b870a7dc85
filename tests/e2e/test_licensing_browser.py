"""Browser walk in Debian's Chromium through Playwright (issue 4 "Done when"): an
institution applies through its portal, the officers complete their tasks, the licence
is issued, and the public look-up shows the institution as licensed."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back_after_the_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The transactional test's flush empties the profiles and calendar that conftest
    loads once per session: put them back for the tests that follow."""
    yield
    with django_db_blocker.unblock():
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def login(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/office/.*"))
    return page


def test_institution_applies_officers_work_licence_is_published(browser, live_server):
    from institutions.models import Institution, Stage
    from institutions.tests.test_registry import register
    from org.models import Role
    from policy.vocab import DepartmentType as D
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    inst = register(world, "a", 1, category="arts", name="浏览器测试美术中心")
    staff = world.a.users["institution"]
    staff.institution = inst
    staff.save()
    police = UserFactory(username="a_police", role=Role.OFFICER,
                         department=world.a.depts[D.PUBLIC_SECURITY])
    head = UserFactory(username="a_culture_head", role=Role.DEPARTMENT_HEAD,
                       department=world.a.depts[D.CULTURE_TOURISM])
    base = live_server.url

    # The institution applies through its portal.
    page = login(browser, base, staff.username)
    page.goto(f"{base}/office/institutions/{inst.uscc}/")
    page.click(f"a[href='/office/institutions/{inst.uscc}/apply/']")
    page.select_option("#id_action", "establish")
    page.click("button[type=submit]")
    page.wait_for_selector("#licensing-panel")
    case_url = page.url
    page.context.close()

    workers = [world.a.users["culture"].username, world.a.users["officer"].username,
               police.username, world.a.users["market"].username]
    forms = {
        "accept": lambda p: p.select_option("#id_accept", "yes"),
        "onsite": lambda p: (p.check("#id_item_premises"), p.check("#id_item_fire_safety"),
                             p.fill("#id_note", "场地、消防符合要求")),
        "licence": lambda p: p.fill("#id_licence_number", "文旅民E2E号"),
        "conclude": lambda p: (p.select_option("#id_approve", "yes"),
                               p.fill("#id_reason", "材料齐全，现场符合要求")),
    }
    for _round in range(10):
        inst.refresh_from_db()
        if inst.applications.get().stage == Stage.COMPLETED:
            break
        for username in [*workers, head.username]:
            page = login(browser, base, username)
            page.goto(case_url)
            for link in page.locator("a[id^=decide-]").all():
                verb = link.get_attribute("id").removeprefix("decide-")
                if (verb == "conclude") != (username == head.username):
                    continue
                page.click(f"#decide-{verb}")
                forms[verb](page)
                page.click("button[type=submit]")
                page.goto(case_url)
            if username != head.username:
                while page.locator("a[href$='/complete/']").count():
                    page.locator("a[href$='/complete/']").first.click()
                    page.fill("#id_note", "已办理")
                    page.click("button[type=submit]")
                    page.wait_for_selector("#licensing-panel")
            page.context.close()
    inst = Institution.objects.get(pk=inst.pk)
    assert inst.status == "licensed" and inst.licence_number == "文旅民E2E号"

    # A parent checks the institution on the public site.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/")
    page.fill("#q", "浏览器测试")
    page.click("button[type=submit]")
    page.click(f"a[href='/institutions/{inst.uscc}/']")
    status = page.inner_text("#licence-status")
    assert "文旅民E2E号" in status
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    context.close()
