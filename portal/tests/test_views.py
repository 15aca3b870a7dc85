"""portal.views: the dashboard (issue 14 C8: a county admin reads the county's figures and
what was escalated to her, not only her own empty queue) and signing out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cases import services
from tests.clock import on_day
from tests.factories import World, make_case, make_task

pytestmark = pytest.mark.django_db


def test_a_county_admin_sees_the_county_and_her_escalations(world: World):
    admin = world.a.users["county_admin"]
    late = make_task(world.a, make_case(world.a, title="超期事项"), today=dt.date(2026, 6, 1))
    make_task(world.a, make_case(world.a, title="正常事项"), today=dt.date(2026, 6, 1))
    make_task(world.b, make_case(world.b, title="乙区事项"), today=dt.date(2026, 6, 1))
    services.deadline_scan(today=dt.date(2026, 6, 20))  # both levels for county A's tasks
    client = Client()
    client.force_login(admin)
    with on_day(dt.date(2026, 6, 20)):
        page = client.get("/office/").content.decode()
    assert 'id="area-open">2<' in page and 'id="area-overdue">2<' in page
    assert 'id="escalated"' in page and late.case.number in page
    assert "乙区事项" not in page
    officer = Client()
    officer.force_login(world.a.users["officer"])
    assert 'id="area-counts"' not in officer.get("/office/").content.decode()


def test_signing_out_says_so(world: World):
    """Issue 14 C11: logout leads to the login page with a message."""
    client = Client()
    client.force_login(world.a.users["officer"])
    response = client.post("/accounts/logout/", follow=True)
    assert "您已安全退出。" in response.content.decode()
    assert client.get("/office/").status_code == 302


def test_a_phone_number_is_a_tap_to_call_link():
    """Issue 14 C6: phone numbers are tel: links; none reads as a dash."""
    from portal.templatetags.portal_tags import tel

    assert tel("0871-12345678") == '<a href="tel:087112345678">0871-12345678</a>'
    assert tel("+86 871 1234") == '<a href="tel:+868711234">+86 871 1234</a>'
    assert tel("") == "—"


def test_the_browsers_favicon_request_finds_the_portals_icon(client):
    """The admin's pages carry no icon link; browsers then ask for /favicon.ico."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("portal/favicon.svg")


def test_a_missing_calendar_year_is_shown_to_those_who_oversee_deadlines(world: World):
    """From October the dashboard names next year while the working-day calendar lacks it
    (policy.calendar.years_missing): from December deadlines reach into it and the service
    refuses to count them (issue 3 §3, CalendarMissing). An admin reads whom to ask; a
    superuser gets the calendar's admin page; an officer's dashboard stays as it was."""
    from org.models import Role, User
    from policy.calendar import add_year_with_weekends
    from policy.models import CalendarYear

    CalendarYear.objects.filter(year__gt=2026).delete()
    admin, officer = Client(), Client()
    admin.force_login(world.a.users["county_admin"])
    officer.force_login(world.a.users["officer"])
    root = User.objects.create_superuser("root-cal", "root@example.org", "x-Pass-2026",
                                         role=Role.SYSTEM_ADMIN)
    superuser = Client()
    superuser.force_login(root)
    with on_day(dt.date(2026, 11, 2)):
        page = admin.get("/office/").content.decode()
        assert 'id="calendar-missing-2027"' in page and "请联系系统管理员添加" in page
        assert 'id="calendar-missing' not in officer.get("/office/").content.decode()
        assert "/admin/policy/calendaryear/" in superuser.get("/office/").content.decode()
    with on_day(dt.date(2026, 6, 1)):  # before the autumn next year is not due
        assert 'id="calendar-missing' not in admin.get("/office/").content.decode()
    add_year_with_weekends(2027)
    with on_day(dt.date(2026, 11, 2)):
        assert 'id="calendar-missing' not in admin.get("/office/").content.decode()


def _waiting_for(world: World, inst, n: int) -> None:
    """`n` complaints about `inst` that ask for its explanation, and `n` rectification
    orders that wait for its evidence."""
    from complaints import services as complaints
    from complaints.tests.helpers import submit
    from core.vocab import DepartmentType
    from inspections import services as inspections

    officer = world.a.users["officer"]
    for _ in range(n):
        complaint = submit(world, institution=inst)[0]
        complaints.complaint_ask_explanation(actor=officer, complaint=complaint,
                                             question="请说明收费和退费情况。")
        inspections.order_open(actor=officer, institution=inst, region=inst.region,
                               department=world.a.depts[DepartmentType.EDUCATION_SPORTS],
                               findings="消防通道堵塞")


def test_an_institutions_staff_see_the_work_that_waits_for_them(world: World):
    """A user-facing review: the institution's dashboard said 暂无任务 while a
    complaint waited for its explanation and an order for its evidence (neither is a
    task). It lists both, each linked to where it is done, and says there is nothing to do
    only when there is nothing; another institution's work stays out."""
    from complaints import services as complaints
    from complaints.models import Complaint
    from complaints.tests.conftest import seed_taxonomy
    from inspections import services as inspections
    from inspections.models import RectificationOrder
    from institutions.tests.helpers import register, staff_of

    seed_taxonomy()
    inst, other = register(world, n=1), register(world, n=2)
    staff = staff_of(world, inst)
    client = Client()
    client.force_login(staff)
    page = client.get("/office/").content.decode()
    assert "暂无待本机构办理的事项" in page and 'id="count-explanations">0<' in page
    _waiting_for(world, inst, 1)
    _waiting_for(world, other, 1)
    complaint = Complaint.objects.get(case__institution=inst)
    order = RectificationOrder.objects.get(institution=inst)
    page = client.get("/office/").content.decode()
    assert "暂无任务" not in page and "暂无待本机构办理的事项" not in page
    assert f'href="/office/complaints/about-us/{complaint.case.number}/"' in page
    assert f'href="/office/inspections/orders/{order.pk}/"' in page
    assert 'id="count-explanations">1<' in page and 'id="count-evidence">1<' in page
    foreign = RectificationOrder.objects.get(institution=other)
    assert foreign.case.number not in page and "说明投诉情况" in page

    complaints.complaint_explain(actor=staff, complaint=complaint, text="已全额退费。")
    inspections.order_submit_evidence(actor=staff, order=order, evidence="已清理通道")
    page = client.get("/office/").content.decode()
    assert "暂无待本机构办理的事项" in page and order.case.number not in page
    officer = Client()
    officer.force_login(world.a.users["officer"])
    assert 'id="institution-work"' not in officer.get("/office/").content.decode()


def test_the_institutions_dashboard_reads_a_fixed_number_of_queries(
        world: World, query_budget, django_assert_max_num_queries):
    """STYLE.md §6: the waiting work is listed in four queries (each kind's first rows
    and its count) however much waits: an officer's dashboard reads 8 (tests/
    test_query_counts.py), the institution's 12."""
    from complaints.tests.conftest import seed_taxonomy
    from institutions.tests.helpers import register, staff_of

    seed_taxonomy()
    inst = register(world, n=1)
    client = Client()
    client.force_login(staff_of(world, inst))
    _waiting_for(world, inst, 1)
    client.get("/office/")  # warm-up: the session, the profile
    with django_assert_max_num_queries(12) as small:
        assert client.get("/office/").status_code == 200
    _waiting_for(world, inst, 12)
    with django_assert_max_num_queries(len(small)):
        page = client.get("/office/").content.decode()
    assert 'id="count-explanations">13<' in page and 'id="count-evidence">13<' in page
    assert page.count("说明投诉情况") == 10


def test_each_institution_figure_opens_a_list_of_the_rows_it_counts(world: World):
    """A user-facing walk: the institution's figures (complaints to explain, evidence due,
    overdue) opened the whole complaint and order lists, so explained complaints and
    orders already answered or closed stood beside the ones counted. Each figure's link
    now lists exactly the rows it counts, and the list offers the way back to all."""
    import re

    from complaints import services as complaints
    from complaints.models import Complaint
    from complaints.tests.conftest import seed_taxonomy
    from inspections import services as inspections
    from inspections.models import RectificationOrder
    from institutions.tests.helpers import register, staff_of

    seed_taxonomy()
    inst = register(world, n=1)
    staff = staff_of(world, inst)
    _waiting_for(world, inst, 3)
    answered = Complaint.objects.filter(case__institution=inst).first()
    complaints.complaint_explain(actor=staff, complaint=answered, text="已全额退费。")
    orders = list(RectificationOrder.objects.filter(institution=inst).order_by("id"))
    inspections.order_submit_evidence(actor=staff, order=orders[0], evidence="已清理通道")
    RectificationOrder.objects.filter(pk=orders[1].pk).update(due_on=dt.date(2020, 1, 2))
    client = Client()
    client.force_login(staff)
    page = client.get("/office/").content.decode()
    figures = {"count-explanations": ("institution-complaints", 2),
               "count-evidence": ("order-list", 2), "count-evidence-overdue": ("order-list", 1)}
    for figure, (table, n) in figures.items():
        href = re.search(rf'href="([^"]+)"[^>]*>(?:(?!</a>).)*id="{figure}">{n}<', page)
        assert href, figure
        listed = client.get(href.group(1).replace("&amp;", "&")).content.decode()
        body = listed.split(f'id="{table}"')[1].split("</tbody>")[0]
        assert body.count("<tr>") - 1 == n, figure  # the header's row aside
    everything = client.get("/office/inspections/orders/").content.decode()
    assert everything.split('id="order-list"')[1].count("<tr>") - 1 == 3
    assert 'href="?show=all" aria-current="page"' in everything


def test_due_this_week_opens_the_tasks_it_counts(world: World):
    """A user-facing walk: "Due this week" was the one figure of the dashboard that opened
    nothing. It opens the reader's (and an admin's area's) open tasks due from today to
    the week's end: not the overdue ones, not those due later."""
    import re

    from cases.models import Task

    officer = world.a.users["officer"]
    due = {"2026-06-02": "过期事项甲", "2026-06-04": "本周事项乙", "2026-06-07": "本周事项丙",
           "2026-06-08": "下周事项丁"}
    for day, title in due.items():
        task = make_task(world.a, make_case(world.a, title=title), assignee=officer,
                         today=dt.date(2026, 6, 1))
        Task.objects.filter(pk=task.pk).update(due_date=day)
    for user, figure in ((officer, "count-week"), (world.a.users["county_admin"], "area-week")):
        client = Client()
        client.force_login(user)
        with on_day(dt.date(2026, 6, 3)):  # a Wednesday
            page = client.get("/office/").content.decode()
            link = re.search(rf'<a href="([^"]+)"[^>]*><div[^>]*>[^<]*</div><div[^>]*'
                             rf'id="{figure}">2<', page)
            assert link, figure
            listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
        assert "本周事项乙" in listed and "本周事项丙" in listed, figure
        assert "过期事项甲" not in listed and "下周事项丁" not in listed, figure
