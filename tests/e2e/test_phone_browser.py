"""Issue 14 C6, in Chromium at phone (390 px) and desktop (1366 px) widths: the public
look-up shows each institution's licence status and list without scrolling sideways; the
office lists are cards with the status first and the due date and overdue mark in view;
the notification bell stays outside the collapsed menu; phone numbers are tap-to-call."""

from __future__ import annotations

import pytest
from django.utils import translation

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
    # the page's language, whatever an earlier test's request left active in this thread
    with translation.override("zh-hans"):
        assert public.locator(status).first.inner_text().strip() == \
            licensed.get_status_display()
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


#: How far each table matching the selector scrolls sideways inside its box; the
#: `.table-responsive` box scrolls where the page does not, so the page's width alone
#: misses a table a phone can only read by swiping it.
TABLE_SCROLLS = """selector => [...document.querySelectorAll(selector)].map(
    t => { const box = t.closest('.table-responsive') || t;
           return box.scrollWidth - box.clientWidth; })"""


def _office_world():  # type: ignore[no-untyped-def]
    """A county with open complaints (one overdue, at the widest status) and an overdue
    task: what the complaints list, the task overview and the dashboard chart show."""
    from django.core.management import call_command
    from django.utils import timezone

    from complaints.models import Channel, Complaint, ComplaintStatus, Topic
    from complaints.services import open_lead_task
    from complaints.tests.helpers import submit
    from tests.factories import build_world, make_case, make_task

    call_command("seed_calendar", verbosity=0)
    call_command("load_profiles", verbosity=0)
    # the topics come with a data migration, which the transactional tests' flush empties
    Topic.objects.get_or_create(code="other", defaults={
        "name": "其他", "name_en": "Other", "route_topic": "general"})
    world = build_world()
    for i in range(2):
        complaint, _code, _created = submit(
            world, channel=Channel.HOTLINE_12345, complainant_phone=f"1390002{i:04d}",
            institution_text="一个名字很长很长的文化艺术培训学校有限责任公司")
    task = open_lead_task(complaint)
    assert task is not None
    overdue = {"due_date": "2020-01-02", "overdue_since": timezone.now()}
    type(task).objects.filter(pk=task.pk).update(**overdue)
    # the longest status label, in both languages
    Complaint.objects.update(status=ComplaintStatus.REVIEW)
    case = make_case(world.a, title="逾期事项")
    type(task).objects.filter(pk=make_task(world.a, case, workdays=1).pk).update(**overdue)
    return world


def _fits(page, width: int, tables: str) -> None:  # type: ignore[no-untyped-def]
    url = page.url
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width, url
    scrolls = page.evaluate(TABLE_SCROLLS, tables)
    assert scrolls and max(scrolls) <= 0, (url, tables, scrolls)


@pytest.mark.parametrize("width", [390, 1024, 1366])
def test_office_tables_fit_the_screen_with_the_first_cell_in_view(
        browser, live_server, width):  # noqa: F811
    """Issue 13/14 follow-up: at 390 px the complaints list, the task overview's counts by
    department and the dashboard chart's table are cards (status, or the row's name,
    first) and nothing scrolls sideways, the page nor the table; at 1024 and 1366 px they
    are the tables they were. In Chinese and in English."""
    from complaints.models import ComplaintStatus

    world = _office_world()
    base = live_server.url
    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": width, "height": 844})
    phone = width < 768
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": base}])
        page.goto(base + "/office/complaints/")
        assert page.evaluate("() => document.documentElement.lang") == \
            ("en" if language == "en" else "zh-hans")
        _fits(page, width, "#complaint-list")
        row = page.locator("#complaint-list tbody tr").first
        status, received = row.locator("td.card-first"), row.locator("td.card-second")
        number = row.locator("td").first
        with translation.override(language):
            assert status.inner_text().strip() == str(ComplaintStatus.REVIEW.label)
        for cell in ("#complaint-list tbody tr td.card-first",
                     "#complaint-list tbody tr td.card-second",
                     "#complaint-list tbody tr .badge.text-bg-danger"):  # overdue
            assert _in_view(page, cell, width), (language, cell)
        assert row.locator("a[href^='/office/complaints/']").first.is_visible()
        if phone:  # a card: the status first, then when it came in, then the number
            assert status.bounding_box()["y"] < received.bounding_box()["y"] < \
                number.bounding_box()["y"]
            assert not page.locator("#complaint-list thead th").first.is_visible()
        else:  # the table as it was: one line of cells under their headers
            assert page.locator("#complaint-list thead th").first.is_visible()
            assert status.bounding_box()["x"] > number.bounding_box()["x"]

        page.goto(base + "/office/tasks/overview/")
        _fits(page, width, "#overview-by-department")
        first = "#overview-by-department tbody tr td:first-child"
        assert page.locator(f"{first} a").first.get_attribute("href").startswith(
            "/office/tasks/overview/?department=")
        assert _in_view(page, first, width)
        assert _in_view(page, "#overview-by-department tbody tr td:last-child", width)

        page.goto(base + "/office/")
        _fits(page, width, "#table-tasks")
        assert _in_view(page, "#table-tasks tbody tr th", width)
        assert _in_view(page, "#table-tasks tbody tr td:last-child", width)
        assert page.locator("#table-tasks thead th").first.is_visible() != phone
        if phone:  # and every chart's table on the full dashboard
            page.goto(base + "/office/reports/dashboard/")
            _fits(page, width, ".dashboard-table")
        else:
            page.goto(base + "/office/reports/dashboard/")
            assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width


@pytest.mark.parametrize("width", [768, 800])
def test_english_office_pages_fit_a_tablet(browser, live_server, width):  # noqa: F811
    """Between 768 and 800 px the lists are tables again, in English their widest: the
    complaints list's table and filter stay on the screen (its English "Search" button,
    a twelfth of the row, ran 1 px past the page at 768 px)."""
    world = _office_world()
    base = live_server.url
    page = login(browser, base, world.a.users["county_admin"].username)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(base + "/office/complaints/")
    _fits(page, width, "#complaint-list")
    assert _in_view(page, "#complaint-list tbody tr td.card-first", width)
    page.goto(base + "/office/tasks/overview/")
    _fits(page, width, "#overview-by-department")
    for url in ("/office/", "/office/cases/", "/office/institutions/"):
        page.goto(base + url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width, url


#: The office lists shown as cards on a phone (issue 14 C6, the rest of the office): each
#: app's pages and their table.
CARD_LISTS = {
    "inspections": [
        ("/office/inspections/rounds/", "#round-list"),
        ("/office/inspections/daily/", "#daily-list"),
        ("/office/inspections/orders/", "#order-list"),
        ("/office/inspections/zombies/", "#zombie-list"),
        ("/office/inspections/enforcement/", "#enforcement-list"),
        ("/office/inspections/blacklist/", "#blacklist-list"),
        ("/office/inspections/stop-orders/", "#stop-list"),
        ("/office/inspections/credit/", "#credit-fields"),
        ("/office/inspections/analytics/", "[id^='table-']"),
    ],
    "governance": [
        ("/office/governance/meetings/", "#meeting-list"),
        ("/office/governance/campaigns/", "#campaign-list"),
        ("/office/governance/screening/", "#screening-list"),
        ("/office/governance/filings/", "#filing-coverage"),
        ("/office/governance/incidents/", "#incident-list"),
        ("/office/governance/proposals/", "#proposal-list"),
        ("/office/governance/after-school/", "#afterschool-list"),
        ("/office/governance/evaluations/", "#evaluation-list"),
        ("/office/governance/units/", ".unit-roster"),
    ],
    "funds": [
        ("/office/funds/", "#fund-institutions"),
        ("/office/funds/warnings/", "#warning-list"),
        ("/office/funds/risk-ledger/", "#plan-list"),
        ("/office/funds/{uscc}/", "#order-list"),
        ("/office/funds/{uscc}/ledger/", "#entry-list"),
    ],
    "reports, policy, complaints": [
        ("/office/reports/monthly/", "#monthly-list"),
        ("/office/policy/", "#policy-matrix"),
        ("/office/complaints/analytics/", "#on-time-by-department"),
        ("/office/complaints/report-backs/", "#report-back-list"),
        ("/office/reports/coverage/", "#coverage-summary"),
    ],
}


def _admin_phone(browser, live_server, world_of=None):  # type: ignore[no-untyped-def]  # noqa: F811
    """A county admin at 390 px, signed in: yields the page, the server's address, the
    world's institution and each language in turn, the page's language cookie set to it.
    The world is the lists' (`_lists_world`) unless `world_of` gives (world, institution)."""
    world, institution = (world_of or _lists_world)()
    base = live_server.url
    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": 390, "height": 844})
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": base}])
        yield page, base, institution, language


def _lists_world():  # type: ignore[no-untyped-def]
    """A county with a row on the busiest lists: an annual round, a daily inspection, a
    rectification order, a black list entry and an enforcement case (at a long
    institution name), a meeting and a campaign, an institution under fund supervision
    with a paid order, and June's monthly reports."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from funds.tests.helpers import paid_order, supervised
    from governance.models import RosterPosition
    from governance.services import roster_change
    from governance.tests.helpers import campaign, drafted_meeting
    from inspections import reference, services
    from inspections.models import ViolationType
    from inspections.tests.helpers import make_daily, make_order, make_round
    from institutions.tests.helpers import licensed_with_gate
    from portal.demo import ensure_calendar
    from reports.tests.helpers import open_june
    from tests.factories import build_world

    ensure_calendar(timezone.localdate())  # deadlines may run into next year
    reference.ensure()  # checklists and violations: migration data a flush empties
    call_command("load_profiles", verbosity=0)
    world = build_world()
    make_round(world, institutions=1)
    make_daily(world)
    make_order(world)
    listed = licensed_with_gate(world, n=90, name="一个名字很长很长的文化艺术培训学校有限责任公司")
    services.blacklist_enter(actor=world.a.users["county_admin"], institution=listed,
                             reason="以美术名义开展学科类培训",
                             daily=make_daily(world, institution=listed))
    services.enforcement_open(
        actor=world.a.users["officer"], region=listed.region, institution=listed,
        violation=ViolationType.objects.get(code="irregular_charging"), findings="超额收费")
    meeting = drafted_meeting(world)
    roster_change(actor=world.a.users["joint"], unit=meeting.attendance.first().unit,
                  position=RosterPosition.LIAISON, name="王五", phone="0871-12345678",
                  title="办公室主任", start=dt.date(2026, 1, 1))
    campaign(world)
    institution, course = supervised(world, n=7)
    paid_order(world, institution, course)
    open_june()
    return world, institution


@pytest.mark.parametrize("app", list(CARD_LISTS))
def test_office_lists_are_cards_on_a_phone(browser, live_server, app):  # noqa: F811
    """At 390 px neither the page nor any of its tables scrolls sideways, in Chinese and
    English; a row's first cell (its link) and the fact heading its card are in view."""
    for page, base, institution, language in _admin_phone(browser, live_server):
        for url, table in CARD_LISTS[app]:
            page.goto(base + url.format(uscc=institution.uscc))
            assert page.evaluate("() => document.documentElement.lang") == \
                ("en" if language == "en" else "zh-hans")
            assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 390, (url, language)
            # every table on the page, not only the list
            scrolls = page.evaluate(TABLE_SCROLLS, ".table-responsive > table")
            assert scrolls and max(scrolls) <= 0, (url, language, scrolls)
            rows = page.locator(f"{table} tbody tr")
            assert rows.count(), (url, table)
            if rows.first.locator("a").count():  # a record's row links to it
                assert rows.first.locator("a").first.is_visible(), (url, language)
            if page.locator(f"{table} td.card-first").count():
                assert _in_view(page, f"{table} tbody tr td.card-first", 390), (url, language)
                assert not page.locator(f"{table} thead th").first.is_visible(), url
    page.set_viewport_size({"width": 1366, "height": 844})
    for url, table in CARD_LISTS[app]:  # from 768 px up the tables they were
        page.goto(base + url.format(uscc=institution.uscc))
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 1366, url
        if page.locator(f"{table} thead th").count():
            assert page.locator(f"{table} thead th").first.is_visible(), url
        cells = page.locator(f"{table} tbody tr").first.locator("td")
        if cells.count() > 1:  # side by side on the row's line, not stacked in a card
            first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
            assert first["y"] == second["y"] and first["x"] < second["x"], url


def _detail_world():  # type: ignore[no-untyped-def]
    """The world the detail pages' tables are built in: the calendar, the profiles and the
    inspection checklists (migration data a transactional test's flush empties)."""
    from django.core.management import call_command
    from django.utils import timezone

    from inspections import reference
    from portal.demo import ensure_calendar
    from tests.factories import build_world

    ensure_calendar(timezone.localdate())  # deadlines may run into next year
    reference.ensure()
    call_command("load_profiles", verbosity=0)
    return build_world()


def _meeting_decisions(world):  # type: ignore[no-untyped-def]
    from governance.tests.helpers import issued_meeting

    meeting = issued_meeting(world)  # its decision opens a case with tasks
    return world.a.users["county_admin"], f"/office/governance/meetings/{meeting.pk}/", \
        "#decisions"


def _round_institutions(world):  # type: ignore[no-untyped-def]
    from inspections.tests.helpers import make_round

    rnd = make_round(world, institutions=2)
    return world.a.users["county_admin"], f"/office/inspections/rounds/{rnd.pk}/", \
        "#round-institutions"


def _stop_order_tasks(world):  # type: ignore[no-untyped-def]
    from core.vocab import Category
    from inspections import stoporders

    grid = world.a.users["grid"]
    order = stoporders.stop_order_issue(
        actor=grid, region=world.a.grid, subject_name="张某", category=Category.ARTS,
        activity="居民楼内无证开展学科类培训", site_address="幸福小区3栋")
    assert stoporders.stop_order_report_defied(actor=grid, order=order,
                                               report="拒不停止，并阻挠检查")
    return world.a.users["county_admin"], f"/office/inspections/stop-orders/{order.pk}/", \
        "#stop-tasks"


def _afterschool_evaluations(world):  # type: ignore[no-untyped-def]
    from governance import afterschool
    from governance.models import EvaluationResult
    from institutions.tests.helpers import licensed_with_gate

    selection = afterschool.afterschool_select(
        actor=world.a.users["officer"], region=world.a.region,
        institution=licensed_with_gate(world, n=91,
                                       name="一个名字很长很长的文化艺术培训学校有限责任公司"),
        school="实验小学", service="课后美术社团")
    afterschool.afterschool_evaluate(actor=world.a.users["head"], selection=selection,
                                     term="2026-2027-1", result=EvaluationResult.QUALIFIED,
                                     note="课程安排合理，师资稳定，学生反馈良好")
    return world.a.users["county_admin"], f"/office/governance/after-school/{selection.pk}/", \
        "#evaluations"


def _campaign_county_plans(world):  # type: ignore[no-untyped-def]
    """A city campaign: the table of its county plans is the city's (a county's own page
    lists its plan without a table), so the city's admin reads it."""
    import datetime as dt

    from django.utils import timezone

    from governance import services
    from governance.models import Phase

    city = services.campaign_create(
        actor=world.city_admin, region=world.city, title="全市暑期专项治理",
        summary_due=dt.date(2026, 11, 25),
        phases={Phase.MOBILISE: (dt.date(2026, 6, 1), dt.date(2026, 7, 15))})
    today = timezone.localdate()
    assert services.plan_call(actor=world.city_admin, campaign=city,
                              due=today + dt.timedelta(days=20), today=today)
    return world.city_admin, f"/office/governance/campaigns/{city.pk}/", \
        "#county-plans"


def _public_results(world):  # type: ignore[no-untyped-def]
    """The parents' page of published annual inspection results (000 §3)."""
    from inspections import services
    from inspections.tests.helpers import ALL_PASS, make_round

    rnd = make_round(world, institutions=2)
    services.result_record(actor=world.a.users["officer"], inspection=rnd.inspections.first(),
                           answers=ALL_PASS)
    services.round_publish(actor=world.a.users["head"], round=rnd)
    return world.a.users["officer"], f"/inspections/results/{rnd.year}/", "#public-results"


def _long_named_institution(world, n=92):  # type: ignore[no-untyped-def]
    """A licensed institution with a long name, a course and a teacher on its staff."""
    from institutions import services
    from institutions.tests.helpers import licensed_with_gate
    from portal.demo import demo_id_number

    institution = licensed_with_gate(world, n=n,
                                     name="一个名字很长很长的文化艺术培训学校有限责任公司")
    services.staff_hire(actor=world.a.users["county_admin"], institution=institution,
                        name="王五", id_number=demo_id_number(22),
                        credential_kind="teacher_certificate", credential_number="T2026001")
    return institution


def _case_tasks(world):  # type: ignore[no-untyped-def]
    """A case's tasks, one escalated and overdue, with the buttons to work on them."""
    from django.utils import timezone

    from tests.factories import make_case, make_task

    case = make_case(world.a, title="逾期事项")
    task = make_task(world.a, case, workdays=1)
    type(task).objects.filter(pk=task.pk).update(due_date="2020-01-02",
                                                overdue_since=timezone.now(),
                                                escalation_level=1)
    make_task(world.a, case, dept="culture_tourism", role="assist")
    return world.a.users["county_admin"], f"/office/cases/{case.number}/", "#case-tasks"


def _complaint_hand_offs(world):  # type: ignore[no-untyped-def]
    """A complaint's hand-offs (its chain of tasks) on the office's complaint page."""
    from complaints.models import Channel, Topic
    from complaints.services import open_lead_task
    from complaints.tests.helpers import submit

    # the topics come with a data migration, which the transactional tests' flush empties
    Topic.objects.get_or_create(code="other", defaults={
        "name": "其他", "name_en": "Other", "route_topic": "general"})
    complaint, _code, _created = submit(
        world, channel=Channel.HOTLINE_12345, complainant_phone="13900020001",
        institution_text="一个名字很长很长的文化艺术培训学校有限责任公司")
    assert open_lead_task(complaint) is not None
    return world.a.users["county_admin"], f"/office/complaints/{complaint.case.number}/", \
        "#chain"


def _institution_complaints(world):  # type: ignore[no-untyped-def]
    """The complaints an institution's own staff are asked to explain (its own list)."""
    from complaints.models import Topic
    from complaints.services import complaint_ask_explanation
    from complaints.tests.helpers import submit
    from institutions.tests.helpers import register, staff_of

    Topic.objects.get_or_create(code="other", defaults={
        "name": "其他", "name_en": "Other", "route_topic": "general"})
    institution = register(world, name="一个名字很长很长的文化艺术培训学校有限责任公司")
    for _i in range(2):
        complaint = submit(world, institution=institution)[0]
        complaint_ask_explanation(actor=world.a.users["officer"], complaint=complaint,
                                  question="请说明退费情况。")
    return staff_of(world, institution), "/office/complaints/about-us/", \
        "#institution-complaints"


def _institution_records(world):  # type: ignore[no-untyped-def]
    """An institution's courses (with a fee plan) and staff on its office page."""
    from institutions.tests.helpers import plan_for

    institution = _long_named_institution(world)
    plan_for(world.a.users["county_admin"], institution.courses.get())
    return world.a.users["county_admin"], f"/office/institutions/{institution.uscc}/", \
        ("#course-list", "#staff-list")


def _staff_checks(world):  # type: ignore[no-untyped-def]
    """A staff member's page: the history of the checks on them."""
    from institutions import services

    institution = _long_named_institution(world)
    staff = institution.staff.get()
    services.staff_check(actor=world.a.users["officer"], staff=staff, kind="credential",
                         passed=False, note="证书编号与教师资格证查询系统记录不符，请补正")
    return world.a.users["officer"], \
        f"/office/institutions/{institution.uscc}/staff/{staff.pk}/", "#check-history"


def _conclusion_staff(world):  # type: ignore[no-untyped-def]
    """The evidence on a licence application's conclusion page: its staff checks."""
    from core.vocab import DepartmentType
    from institutions import services
    from institutions.tests.helpers import _finish_cosign, _to_conclusion, register
    from org.models import Role
    from portal.demo import demo_id_number
    from tests.factories import UserFactory

    institution = register(world, name="一个名字很长很长的文化艺术培训学校有限责任公司")
    application = _to_conclusion(world, institution)
    _finish_cosign(world, application)
    # hired after the checks the conclusion waits for: the page shows them pending
    services.staff_hire(actor=world.a.users["county_admin"], institution=institution,
                        name="王五", id_number=demo_id_number(23),
                        credential_kind="teacher_certificate")
    head = UserFactory(role=Role.DEPARTMENT_HEAD,
                       department=world.a.depts[DepartmentType.CULTURE_TOURISM])
    return head, f"/office/licensing/{application.pk}/conclude/", "#evidence-staff"


def _monthly_form(world):  # type: ignore[no-untyped-def]
    """A county department's monthly report (004 annex 2): its lines and the total line."""
    from reports.tests.helpers import june, open_june, report

    june(world)
    open_june()
    return world.a.users["county_admin"], \
        f"/office/reports/monthly/{report(world).pk}/", "#monthly-form"


def _import_job_errors(world):  # type: ignore[no-untyped-def]
    """A refused register import: its page lists the rows in error."""
    from institutions import imports
    from institutions.tests.helpers import good_row, workbook

    rows = [good_row(world, n) for n in range(3)]
    rows[0][0] = ""  # no name
    rows[2][1] = "91530100MA6XXXXXXX"  # not a code
    job = imports.import_start(actor=world.a.users["county_admin"], upload=workbook(rows),
                               mode="all")  # checked on commit (Celery runs eagerly)
    job.refresh_from_db()
    assert len(job.errors) == 2, (job.state, job.errors)
    return world.a.users["county_admin"], f"/office/imports/{job.pk}/", "#import-errors"


def _statement_import_errors(world):  # type: ignore[no-untyped-def]
    """A bank statement with bad rows, uploaded on the import page: the rows in error."""
    statement = ("\ufeff交易流水号,订单号,金额,日期\n"
                 "T1,DDNOSUCH,3000.00,2026-09-01\nT2,DDNOSUCH2,-1,09/01/2026\n").encode()

    def upload(page):  # type: ignore[no-untyped-def]
        page.set_input_files("#id_file", files=[{
            "name": "statement.csv", "mimeType": "text/csv", "buffer": statement}])
        page.click("form[enctype] button[type=submit]")
        page.wait_for_selector("#import-report")

    return world.a.users["county_admin"], "/office/funds/import/", "#import-errors", upload


def _order_invoices_and_ledger(world):  # type: ignore[no-untyped-def]
    """An order's invoices and its ledger entries on the office's order page."""
    from decimal import Decimal

    from django.utils import timezone

    from funds import services
    from funds.tests.helpers import paid_order, supervised

    institution, course = supervised(world, n=8)
    order = paid_order(world, institution, course)
    services.invoice_record(actor=world.a.users["county_admin"], order=order, kind="electronic",
                            number="E2026000000012345", amount=Decimal("3000.00"),
                            issued_on=timezone.localdate())
    return world.a.users["county_admin"], f"/office/funds/orders/{order.number}/", \
        ("#invoice-list", "#order-entries")


@pytest.mark.parametrize("build", [_meeting_decisions, _round_institutions, _stop_order_tasks,
                                   _afterschool_evaluations, _campaign_county_plans,
                                   _public_results, _case_tasks, _complaint_hand_offs,
                                   _institution_complaints, _institution_records,
                                   _staff_checks, _conclusion_staff, _monthly_form,
                                   _import_job_errors, _statement_import_errors,
                                   _order_invoices_and_ledger],
                         ids=lambda build: build.__name__.lstrip("_"))
def test_detail_tables_are_cards_on_a_phone(browser, live_server, build):  # noqa: F811
    """Issue 14 C6, the detail pages: at 390 px a meeting's decisions, a round's
    institutions, a stop order's tasks, an after-school institution's evaluations, a
    city campaign's county plans, a case's tasks, a complaint's hand-offs, the complaints
    an institution is asked to explain, an institution's courses and staff, a staff
    member's checks, the staff on a licence conclusion, the monthly report form, an
    import's rows in error and an order's invoices and ledger are cards, and neither the page nor any of its tables
    scrolls sideways, in Chinese and English; at 1366 px they are the tables they were.
    A page reached by a form (the statement import) is submitted after it loads."""
    world = _detail_world()
    user, url, tables, *then = build(world)
    tables = tables if isinstance(tables, tuple) else (tables,)
    base = live_server.url
    page = login(browser, base, user.username)
    page.set_viewport_size({"width": 390, "height": 844})
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": base}])
        page.goto(base + url)
        for step in then:
            step(page)
        assert page.evaluate("() => document.documentElement.lang") == \
            ("en" if language == "en" else "zh-hans")
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 390, (url, language)
        scrolls = page.evaluate(TABLE_SCROLLS, ".table-responsive > table")
        assert scrolls and max(scrolls) <= 0, (url, language, scrolls)
        for table in tables:
            assert page.locator(f"{table} tbody tr td").count() > 1, (url, table)
            assert _in_view(page, f"{table} tbody tr td.card-first", 390), (url, table)
            assert _in_view(page, f"{table} tbody tr td:first-child", 390), (url, table)
            if page.locator(f"{table} thead th").count():
                assert not page.locator(f"{table} thead th").first.is_visible(), (url, table)
    page.set_viewport_size({"width": 1366, "height": 844})
    page.goto(base + url)
    for step in then:
        step(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 1366, url
    for table in tables:
        if page.locator(f"{table} thead th").count():
            assert page.locator(f"{table} thead th").first.is_visible(), (url, table)
        cells = page.locator(f"{table} tbody tr").first.locator("td")
        first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
        assert first["y"] == second["y"] and first["x"] < second["x"], (url, table)  # a line


#: Of each chart's table on the page (their "table view" opened): how far it scrolls
#: sideways in its box, and whether its first row's last cell (the figure) ends inside the
#: window.
CHART_TABLES = """([selector, width]) => {
    document.querySelectorAll('details').forEach(d => d.open = true);
    return [...document.querySelectorAll(selector)].map(t => {
        const box = t.closest('.table-responsive'), cell = t.querySelector('tbody tr td:last-child');
        const r = cell && cell.getBoundingClientRect();
        return [t.id, box.scrollWidth - box.clientWidth,
                !!r && r.width > 0 && r.left >= 0 && r.right <= width]; }); }"""


#: How much of the overview's width the coverage chart's card takes.
WIDE_CHART_SHARE = """() => { const card = document.querySelector('#chart-coverage');
    return Math.round(card.getBoundingClientRect().width
        / card.parentElement.parentElement.getBoundingClientRect().width * 10) / 10; }"""


@pytest.mark.parametrize("width", [390, 1024, 1366])
def test_chart_tables_keep_their_figures_in_view(browser, live_server, width):  # noqa: F811
    """The walk of 2 December: the tables under the charts (complaint and inspection
    analytics, the overview) sit in half-width cards, and their 720 px minimum pushed the
    figures out of the card on a desktop (cut off at 1366 px, gone at 1024 px); on a phone
    the overview's coverage figure, "84.0% (12,600.00/15,000.00 yuan)" on one line, ran
    out of its card. Every chart's table fits its box with its figure in view, in Chinese
    and English."""
    from complaints.models import Topic
    from complaints.tests.helpers import submit

    world, _institution = _lists_world()
    Topic.objects.get_or_create(code="other", defaults={
        "name": "其他", "name_en": "Other", "route_topic": "general"})
    submit(world)
    base = live_server.url
    page = login(browser, base, world.a.users["county_admin"].username)
    page.set_viewport_size({"width": width, "height": 844})
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": base}])
        for url, selector in (
                ("/office/complaints/analytics/",
                 "table[id^='table-'], #on-time-by-department, #repeats"),
                ("/office/inspections/analytics/", "table[id^='table-']"),
                ("/office/reports/dashboard/", ".dashboard-table")):
            page.goto(base + url)
            assert page.evaluate(NO_SIDEWAYS_SCROLL) <= width, (url, language)
            tables = page.evaluate(CHART_TABLES, [selector, width])
            assert tables, url
            assert all(scroll <= 0 and in_view for _id, scroll, in_view in tables), \
                (url, language, tables)
        # A wide table's chart (the coverage rates with their amounts; the licensing
        # stages by county) takes the overview's whole width beside no other (it scrolled
        # in a half-width card at 1024-1366 px).
        assert page.evaluate(WIDE_CHART_SHARE) == 1, (language, width)


#: For each task row's due-date cell: over how many lines its date runs.
DUE_DATE_LINES = """() => [...document.querySelectorAll('.table-tasks tbody td.card-second')]
    .map(td => { const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (/\\d{4}-\\d{2}-\\d{2}/.test(n.textContent)) {
                const range = document.createRange(); range.selectNodeContents(n);
                return range.getClientRects().length; } }
        return 0; })"""


def test_an_escalated_tasks_due_date_stays_on_one_line_on_a_phone(browser, live_server):  # noqa: F811
    """The walk of 2 December: on a phone a task escalated to the second level showed its
    due date broken as 「2026-」 over 「11-25」, squeezed by the 「已升级督办（第2级）」
    badge beside it; the date stays whole and the badge goes under it."""
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import build_world, make_case, make_task

    def overdue_world():  # type: ignore[no-untyped-def]
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        world = build_world()
        task = make_task(world.a, make_case(world.a, title="逾期事项"), workdays=1)
        type(task).objects.filter(pk=task.pk).update(
            due_date="2020-01-02", escalation_level=2, overdue_since=timezone.now())
        return world, None

    for page, base, _none, language in _admin_phone(browser, live_server, overdue_world):
        page.goto(base + "/office/tasks/overview/")
        lines = page.evaluate(DUE_DATE_LINES)
        assert lines and all(n == 1 for n in lines), (language, lines)


#: Buttons and badges of a few words laid out over more than one line: a button's label
#: broken between its characters, or a badge stretched to its card cell's height.
BROKEN_SHORT_LABELS = """() => [...document.querySelectorAll('main .btn, main .badge')].filter(b => {
    const r = b.getBoundingClientRect(), s = getComputedStyle(b), t = b.innerText.trim();
    if (!r.width || !t || t.length > 12) return false;
    const content = r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)
        - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth);
    return content > 1.6 * (parseFloat(s.lineHeight) || 1.5 * parseFloat(s.fontSize));
}).map(b => b.innerText.trim())"""


def test_short_labels_keep_their_line_on_a_phone(browser, live_server):  # noqa: F811
    """The walk of 2 December at 390 px: the monthly reports' 「筛选」 button broke into
    「筛」 over 「选」 beside the month picker, and the 「牵头」/「配合」 and "not filed"
    badges of the task and filing cards were stretched into tall blocks beside labels
    over two lines."""
    for page, base, _institution, language in _admin_phone(browser, live_server):
        for url in ("/office/reports/monthly/", "/office/tasks/overview/",
                    "/office/governance/filings/"):
            page.goto(base + url)
            assert page.evaluate(BROKEN_SHORT_LABELS) == [], (url, language)


def test_a_parent_finds_the_errands_on_a_phone(browser, live_server):  # noqa: F811
    """The walk of 2 December at 390 px: the complaint form, the order look-up and the
    inspection results were only in the folded menu, and in English the menu's button,
    pushed under the long brand name, sat at the left edge under it."""
    base = live_server.url
    page = browser.new_context(viewport={"width": 390, "height": 844},
                               locale="zh-CN").new_page()
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": base}])
        page.goto(base + "/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 390
        for url in ("/complaints/new/", "/funds/order/", "/inspections/results/"):
            link = page.locator(f"#home-links a[href='{url}']")
            assert link.is_visible() and _in_view(page, f"#home-links a[href='{url}']", 390)
        toggler = page.locator(".navbar-toggler").bounding_box()
        assert toggler["x"] + toggler["width"] >= 390 - 24, (language, toggler)
