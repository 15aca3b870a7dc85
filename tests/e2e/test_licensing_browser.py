"""Browser walk in Debian's Chromium through Playwright (issue 4 "Done when"; issue 14
"Done when"): an institution applies through its portal with its documents, answers an
officer's question and sees what comes next; the officers complete their tasks (the
registration with its number and certificate); a head concludes with the evidence in view
and confirms; the licence is issued, the white-list checklist leads the institution to
the published list, and the public look-up shows the institution as licensed."""

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


def test_institution_applies_officers_work_licence_is_published(browser, live_server,
                                                                 tmp_path):
    from core.vocab import DepartmentType as D
    from institutions.models import Institution
    from institutions.tests.helpers import register
    from licensing.models import Stage
    from org.models import Role
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

    from tests.samplefiles import pdf

    scan = tmp_path / "材料.pdf"
    scan.write_bytes(pdf())

    # The institution applies through its portal: the white-list checklist says what is
    # missing, the form states the upload limits and asks for each document.
    page = login(browser, base, staff.username)
    page.goto(f"{base}/office/institutions/{inst.uscc}/")
    assert page.locator("#white-licence div.text-danger").is_visible()
    page.click(f"a[href='/office/institutions/{inst.uscc}/apply/']")
    page.select_option("#id_action", "establish")
    assert "MB" in page.inner_text("#upload-limits")
    documents = page.locator("#application-documents input[type=file]")
    wanted = documents.count()
    assert wanted >= 4
    for n in range(wanted - 1):
        documents.nth(n).set_input_files(str(scan))
    page.click("button[type=submit]")  # one document missing: refused, said at the field
    assert page.locator(".invalid-feedback").count() >= 1
    for n in range(wanted):
        page.locator("#application-documents input[type=file]").nth(n).set_input_files(
            str(scan))
    page.click("button[type=submit]")
    page.wait_for_selector("#licensing-panel")
    assert page.locator("#licensing-documents a").count() == wanted
    case_url = page.url
    page.context.close()

    # An officer asks the applicant a question; the applicant answers with a document
    # and sees what comes next.
    page = login(browser, base, world.a.users["culture"].username)
    page.goto(case_url)
    page.fill("form[action$='/comments/'] textarea[name=body]", "请补充消防验收意见书")
    page.check("form[action$='/comments/'] input[name=to_applicant]")
    page.click("form[action$='/comments/'] button")
    page.wait_for_selector("#licensing-panel")
    page.context.close()
    page = login(browser, base, staff.username)
    page.goto(case_url)
    assert "请补充消防验收意见书" in page.content()
    assert "等待" in page.inner_text("#licensing-next")
    page.fill("form[action$='/comments/'] textarea[name=body]", "已补充，见附件")
    page.click("form[action$='/comments/'] button")
    page.wait_for_selector("#licensing-panel")
    assert "MB" in page.inner_text("form[action$='/attachments/']")
    page.set_input_files("form[action$='/attachments/'] input[type=file]", str(scan))
    page.click("form[action$='/attachments/'] button")
    page.wait_for_selector("#licensing-panel")
    assert "已补充，见附件" in page.content()
    page.context.close()

    concluded = []

    def conclude(p):  # type: ignore[no-untyped-def]
        """The head reads the evidence, chooses, and must confirm."""
        assert p.locator("#conclusion-evidence").is_visible()
        assert "已办结" in p.inner_text("#evidence-cosign")  # the co-signature, done
        assert p.locator("#evidence-onsite").is_visible()
        assert not p.locator("input[name=approve]:checked").count()
        p.check("input[name=approve][value=yes]")
        p.fill("#id_reason", "材料齐全，现场符合要求")
        p.click("button[type=submit]")  # not confirmed: nothing recorded
        assert p.locator("#id_confirm.is-invalid").count() == 1
        p.check("#id_confirm")
        concluded.append(True)

    workers = [world.a.users["culture"].username, world.a.users["officer"].username,
               police.username, world.a.users["market"].username]
    forms = {
        "accept": lambda p: p.select_option("#id_accept", "yes"),
        "onsite": lambda p: (p.check("#id_item_premises"), p.check("#id_item_fire_safety"),
                             p.fill("#id_note", "场地、消防符合要求")),
        "licence": lambda p: p.fill("#id_licence_number", "文旅民E2E号"),
        "register": lambda p: (p.fill("#id_registration_number", "91530102MA0000001R"),
                               p.set_input_files("#id_certificate", str(scan))),
        "conclude": conclude,
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
    assert inst.status == "licensed" and inst.licence_number == "文旅民E2E号" and concluded
    assert inst.applications.get().registration_number == "91530102MA0000001R"

    # Licensed is not yet white-listed: the checklist says what is missing; once the
    # department records the gate and a course is listed, it leads to the published list.
    page = login(browser, base, staff.username)
    page.goto(f"{base}/office/institutions/{inst.uscc}/")
    assert page.locator("#white-fund_account div.text-danger").is_visible()
    assert not page.locator("#white-list-link").count()
    _meet_the_gate(world, inst)
    page.reload()
    page.click("#white-list-link")
    page.wait_for_url(re.compile(r".*/whitelist/.*"))
    assert "浏览器测试美术中心" in page.content()
    page.context.close()

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


def _meet_the_gate(world, inst):  # type: ignore[no-untyped-def]
    import datetime as dt
    from decimal import Decimal

    from institutions import services
    from institutions.rules import Slot

    admin = world.a.users["county_admin"]
    course = services.course_create(
        actor=admin, institution=inst, name="少儿美术", mode="offline", is_academic=False,
        lesson_minutes=60, break_minutes=10, class_hours=40, price=Decimal("3000"),
        slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    from funds import services as funds_services

    funds_services.arrangement_record(actor=admin, institution=inst, mode="bank_custody",
                                      custodian_bank="农行", account_number="6217",
                                      payment_channel="平台")
    services.gate_record(actor=admin, institution=inst, national_platform_account="QG1")
    if not course.is_listed and not course.added_after_licence:
        services.course_list_on_platform(actor=admin, course=course)
    else:  # a course added after the licence is listed through a change application
        from licensing import services as licensing
        from tests.licensing_driver import Driver

        Driver(world).run(licensing.course_listing_submit(actor=admin, course=course))


def test_enrolment_waits_for_the_gate_and_a_course_changes_through_an_application(
        browser, live_server):
    """000 §4(3): no enrolment (a funds order since issue 11) until the gate is met; 变更
    covers a licensed course."""
    import datetime as dt
    from decimal import Decimal

    from funds.models import Order
    from institutions import services
    from institutions.rules import Slot, required_clauses
    from institutions.tests.helpers import licensed_with_gate, register
    from licensing.models import LicensingApplication
    from tests.factories import build_world

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    world = build_world()
    admin = world.a.users["county_admin"]
    licensed = licensed_with_gate(world, "a", 1, name="门槛已满足美术中心")
    applying = register(world, "a", 2, name="尚未许可美术中心")
    for inst in (licensed, applying):
        course = inst.courses.first() or services.course_create(
            actor=admin, institution=inst, name="美术", mode="offline", is_academic=False,
            lesson_minutes=60, break_minutes=10, class_hours=40, price=Decimal("3000"),
            slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
        if not course.is_listed:
            services.course_list_on_platform(actor=admin, course=course)
        services.fee_plan_create(actor=admin, course=course, name="一期", amount=Decimal("3000"),
                                 months=3, class_hours=40, refund_terms="按比例退费",
                                 contract_version="2021",
                                 contract_clauses=required_clauses())
    staff = world.a.users["institution"]
    staff.institution = licensed
    staff.save()
    base = live_server.url

    def order(learner, guardian, phone):  # type: ignore[no-untyped-def]
        page.select_option("#id_course", index=1)
        page.fill("#id_learner_name", learner)
        page.fill("#id_guardian_name", guardian)
        page.fill("#id_guardian_phone", phone)
        page.fill("#id_class_hours", "40")
        page.fill("#id_months", "3")
        page.fill("#id_amount", "3000")
        page.click("main button[type=submit]")

    # The county admin tries to enrol at the institution that has no licence yet: the
    # old enrolments address leads to the institution's funds orders.
    page = login(browser, base, admin.username)
    page.goto(f"{base}/office/institutions/{applying.uscc}/enrolments/")
    page.wait_for_url(re.compile(rf".*/office/funds/{applying.uscc}/$"))
    order("小明", "明妈", "13800000000")
    assert "办学许可" in page.content()
    assert not Order.objects.exists()
    page.context.close()

    # The licensed institution's staff reach their institution from the navigation.
    page = login(browser, base, staff.username)
    page.click("text=本机构")
    page.click("#orders-link")
    order("小红", "红妈", "13900000000")
    page.wait_for_selector("#order-list")
    assert "小红" in page.inner_text("#order-list")

    # A change to the listed course goes to a change application.
    course = licensed.courses.get()
    page.goto(f"{base}/office/institutions/{licensed.uscc}/courses/{course.pk}/edit/")
    assert page.locator("#through-change").is_visible()
    page.fill("#id_price", "3300")
    page.click("button[type=submit]")
    page.wait_for_selector("#course-change")
    assert "3300.00" in page.inner_text("#course-change")
    course.refresh_from_db()
    assert course.price == Decimal("3000.00")
    assert LicensingApplication.objects.get().action == "change"
    page.context.close()
