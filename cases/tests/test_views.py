"""Role × region × object for every page of the cases app (cases/views.py; issue 3 §2,
and "Done when": cross-county 404 for every role through every URL and endpoint). The
lists and the case and notification details are declared once in test_urls.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import TaskRole
from core.vocab import DepartmentType
from tests.factories import World, make_case, make_task
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def build(world: World, key: str) -> dict:
    county = world.county(key)
    case = make_case(county, title=f"{key}-巡查")
    lead = make_task(county, case, dept=DepartmentType.EDUCATION_SPORTS, role=TaskRole.LEAD)
    assist = make_task(county, case, dept=DepartmentType.CULTURE_TOURISM, role=TaskRole.ASSIST)
    attachment = services.attachment_add(
        actor=county.users["county_admin"], case=case,
        upload=SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
    return {"case": case, "lead": lead, "assist": assist, "attachment": attachment,
            "officer": county.users["officer"]}


#: Who sees an arts / daily-supervision case of their county: the admins, the joint
#: office, discipline (read), education-sports (task and lead), culture-tourism (task and
#: matrix assist), market regulation (matrix assist under 000 §3(1)3).
VIEWERS = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}
WORKERS = {"officer", "head", "culture", "market", "county_admin", "joint"}
MANAGERS = {"county_admin", "joint"}
#: Assigning: the county admin, the joint-meeting office that coordinates, and the head of
#: a department with a part (within the department).
ASSIGNERS = {"county_admin", "joint", "head"}

HTML = [
    Endpoint("case assign form", lambda o: f"/office/cases/{o['case'].number}/assign/",
             ASSIGNERS),
    Endpoint("task complete form", lambda o: f"/office/tasks/{o['lead'].pk}/complete/",
             {"officer", "head"}),
    Endpoint("task reassign form", lambda o: f"/office/tasks/{o['lead'].pk}/reassign/",
             ASSIGNERS),
    Endpoint("attachment download",
             lambda o: f"/office/cases/{o['case'].number}/attachments/{o['attachment'].pk}/",
             VIEWERS),
    Endpoint("case close form", lambda o: f"/office/cases/{o['case'].number}/close/", MANAGERS),
    Endpoint("task return form", lambda o: f"/office/tasks/{o['assist'].pk}/return/",
             {"culture"}),
    # Writes.
    Endpoint("comment add", lambda o: f"/office/cases/{o['case'].number}/comments/", WORKERS,
             method="post", data=lambda o: {"body": "已核实"}, ok=(302,), denied=(302, 403, 404)),
    Endpoint("task complete", lambda o: f"/office/tasks/{o['lead'].pk}/complete/",
             {"officer", "head"}, method="post", data=lambda o: {"note": "办结"}, ok=(302,),
             denied=(400, 403, 404)),
    Endpoint("task return", lambda o: f"/office/tasks/{o['assist'].pk}/return/",
             {"culture"}, method="post", data=lambda o: {"reason": "不属于本部门职责"},
             ok=(302,), denied=(400, 403, 404)),
    Endpoint("task reassign", lambda o: f"/office/tasks/{o['lead'].pk}/reassign/",
             ASSIGNERS, method="post",
             data=lambda o: {"assignee": o["officer"].pk}, ok=(302,), denied=(400, 403, 404)),
    Endpoint("case cancel", lambda o: f"/office/cases/{o['case'].number}/cancel/", MANAGERS,
             method="post", data=lambda o: {"reason": "重复"}, ok=(302,), denied=(400, 403, 404)),
    Endpoint("attachment upload", lambda o: f"/office/cases/{o['case'].number}/attachments/",
             WORKERS, method="post",
             data=lambda o: {"file": SimpleUploadedFile("p.png", PNG, content_type="image/png")},
             ok=(302,), denied=(302, 403, 404)),
    Endpoint("case reopen", lambda o: f"/office/cases/{o['case'].number}/reopen/", set(),
             method="post", data=lambda o: {"reason": "复查"}, denied=(400, 403, 404)),
    Endpoint("task assign", lambda o: f"/office/cases/{o['case'].number}/assign/",
             ASSIGNERS, method="post",
             data=lambda o: {"department": o["lead"].department_id, "role": "assist",
                             "duty": "配合", "workdays": 3},
             ok=(302,), denied=(400, 403, 404)),
]

def test_html_matrix(world):
    assert_matrix(world, HTML, build)


def test_city_admin_sees_both_counties(client, world):
    a = build(world, "a")
    b = build(world, "b")
    client.force_login(world.city_admin)
    for objects in (a, b):
        assert client.get(f"/office/cases/{objects['case'].number}/").status_code == 200
        assert client.get(f"/api/v1/cases/{objects['case'].number}/").status_code == 200


def test_anonymous_is_sent_to_login_and_api_refuses(client, world):
    a = build(world, "a")
    response = client.get(f"/office/cases/{a['case'].number}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/api/v1/cases/{a['case'].number}/").status_code in (401, 403)


LISTS = ["/office/cases/", "/office/tasks/mine/", "/office/tasks/department/",
         "/office/tasks/overview/", "/office/notifications/", "/office/",
         "/api/v1/cases/", "/api/v1/tasks/mine/", "/api/v1/notifications/"]


def test_lists_never_show_the_other_county(client, world):
    """Cross-county isolation on every list page and list endpoint, for every role."""
    from tests.factories import COUNTY_ROLES

    build(world, "a")
    other = build(world, "b")
    number = other["case"].number
    for role in COUNTY_ROLES:
        client.force_login(world.a.users[role])
        for url in LISTS:
            response = client.get(url)
            assert response.status_code in (200, 404), (role, url, response.status_code)
            assert number not in response.content.decode(), (role, url)


def test_the_department_filter_offers_only_the_own_county(world):
    """The task lists' department filter reads through the scope gateway too."""
    from django.test import Client

    for url in ("/office/tasks/mine/", "/office/tasks/department/"):
        client = Client()
        client.force_login(world.a.users["officer"])
        body = client.get(url).content.decode()
        own = world.a.depts["education_sports"]
        other = world.b.depts["education_sports"]
        assert f'<option value="{own.pk}"' in body
        assert f'<option value="{other.pk}"' not in body


def test_opening_a_notification_by_get_changes_nothing(client, world):
    """Issue 14 D4: a GET (a link planted on another site, an image) marks nothing read;
    the inbox's own button posts."""
    from cases.models import Notification

    officer = world.a.users["officer"]
    make_task(world.a, make_case(world.a))  # notifies the department's officers
    note = Notification.objects.filter(recipient=officer).first()
    assert note is not None and note.read_at is None
    client.force_login(officer)
    url = f"/office/notifications/{note.pk}/"
    assert url in client.get("/office/notifications/").content.decode()
    assert client.get(url).status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
    assert client.post(url).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_refuses_ids_beyond_64_bits(world):
    """Issue 14 D6: an id no column can hold is a 400 with the field, on every database."""
    from tests.test_api import post_json, user_client

    response = post_json(user_client(world.a.users["officer"]),
                         "/api/v1/notifications/mark-read/", {"ids": [2**64]})
    assert response.status_code == 400 and "ids" in response.json()["errors"]


def test_task_page_filters_keep_to_open_work_unless_asked(client, world):
    """Issue 14 C9: a blank status means the open tasks ("all" shows finished ones too);
    the overdue filter reads All / Yes / No in the reader's language."""
    officer = world.a.users["officer"]
    finished_case, open_case = make_case(world.a, title="已办结"), make_case(world.a, title="办理中")
    done = make_task(world.a, finished_case, assignee=officer)
    services.task_complete(actor=officer, task=done, note="办结")
    make_task(world.a, open_case, assignee=officer)
    client.force_login(officer)
    for url in ("/office/tasks/mine/", "/office/tasks/department/"):
        blank = client.get(url, {"status": ""}).content.decode()
        assert open_case.number in blank and finished_case.number not in blank, url
        every = client.get(url, {"status": "all"}).content.decode()
        assert open_case.number in every and finished_case.number in every, url
    page = client.get("/office/tasks/mine/").content.decode()
    assert ">全部</option>" in page and ">是</option>" in page and "未知" not in page


def test_the_due_date_filter_is_a_date_picker(client, world):
    """The walk of 2 December: "Due on or before" was a text box that a phone user had to
    type 2026-12-05 into; it is a date input, given back in the ISO form it reads."""
    case = make_case(world.a, title="本周到期")
    make_task(world.a, case, workdays=1)
    client.force_login(world.a.users["head"])
    for url in ("/office/tasks/mine/", "/office/tasks/department/", "/office/tasks/overview/"):
        response = client.get(url, {"due_before": "2099-12-05"})
        if response.status_code == 403:  # the overview is for those who oversee
            continue
        page = response.content.decode()
        assert 'type="date" name="due_before" value="2099-12-05"' in page, url


def test_inbox_filters_pages_and_marks_one_notice_read(client, world, django_assert_max_num_queries):
    """Issue 14 C11: the inbox shows all or only the unread notices, pages them, and marks
    one notice read by POST (another reader's notice is not touched)."""
    from cases.models import Notification
    from cases.views import PAGE_SIZE

    officer = world.a.users["officer"]
    for n in range(PAGE_SIZE + 2):
        make_task(world.a, make_case(world.a, title=f"事项{n}"))
    notes = list(Notification.objects.filter(recipient=officer).order_by("pk"))
    assert len(notes) >= PAGE_SIZE + 2
    client.force_login(officer)
    first = client.get("/office/notifications/?show=unread")
    assert first.context["page"].paginator.num_pages == 2
    assert "page=2" in first.content.decode()
    one = notes[0]
    response = client.post("/office/notifications/?show=unread", {"id": one.pk})
    assert response.status_code == 302 and response["Location"].endswith("?show=unread")
    one.refresh_from_db()
    assert one.read_at is not None
    assert Notification.objects.filter(recipient=officer, read_at__isnull=True).count() == \
        len(notes) - 1
    unread = client.get("/office/notifications/?show=unread").context["page"].paginator.count
    assert unread == len(notes) - 1
    assert client.get("/office/notifications/").context["page"].paginator.count == len(notes)
    # someone else's notice, a non-number or an id no column holds: nothing is marked
    other = Notification.objects.filter(recipient=world.b.users["officer"]).first() or \
        Notification.objects.exclude(recipient=officer).first()
    if other is not None:
        client.post("/office/notifications/", {"id": other.pk})
        other.refresh_from_db()
        assert other.read_at is None
    assert client.post("/office/notifications/", {"id": "x"}).status_code == 404
    assert client.post("/office/notifications/", {"id": str(2**64)}).status_code == 404
    with django_assert_max_num_queries(12):
        client.get("/office/notifications/?show=unread&page=2")


def test_the_timeline_groups_a_run_of_alike_events(client, world):
    """Issue 14 C11: tasks assigned in a row by the same actor read as one line with their
    count, each still listed inside it; a different action starts a new line."""
    case = make_case(world.a)
    for dept in (DepartmentType.EDUCATION_SPORTS, DepartmentType.CULTURE_TOURISM,
                 DepartmentType.MARKET_REGULATION):
        make_task(world.a, case, dept=dept, role=TaskRole.ASSIST)
    client.force_login(world.a.users["county_admin"])
    response = client.get(case.get_absolute_url())
    entries = response.context["timeline"]
    assert [(e.event.action, e.count) for e in entries] == [("case.open", 1), ("task.assign", 3)]
    body = response.content.decode()
    assert body.count('class="timeline-group"') == 1 and "× 3" in body


def test_bulk_assignment_offers_the_tasks_departments_names_a_failure_and_keeps_the_selection(
        client, world):
    """Issue 14 C9: the assignee list holds the officers of the listed tasks' departments
    (each tagged with its department for the page to narrow to the ticked tasks); a task
    that refuses is named in the message; the ticked tasks stay ticked."""
    admin = world.a.users["county_admin"]
    case = make_case(world.a, title="批量")
    edu = make_task(world.a, case, dept=DepartmentType.EDUCATION_SPORTS)
    culture = make_task(world.a, case, dept=DepartmentType.CULTURE_TOURISM, role=TaskRole.ASSIST)
    client.force_login(admin)
    form = client.get("/office/tasks/overview/").context["bulk_form"]
    offered = set(form.fields["assignee"].queryset)
    assert world.a.users["officer"] in offered and world.a.users["culture"] in offered
    assert world.a.users["market"] not in offered  # no task of market regulation listed
    body = client.get("/office/tasks/overview/").content.decode()
    officer = world.a.users["officer"]
    assert f'data-department="{officer.department_id}"' in body
    response = client.post("/office/tasks/bulk-assign/", {
        "task_ids": [edu.pk, culture.pk], "assignee": officer.pk,
        "next": "/office/tasks/overview/"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert case.number in text, text  # the culture task refuses an education officer
    edu.refresh_from_db()
    assert edu.assignee is None  # all or nothing
    page = response.content.decode()
    for task in (edu, culture):
        assert f'value="{task.pk}" form="bulk-form" data-department="{task.department_id}" ' \
               f'aria-label' in page
    assert page.count(" checked>") >= 2
    again = client.get("/office/tasks/overview/").content.decode()
    assert again.count(" checked>") == 0  # kept once, for the page after the failure


def test_case_list_filters_a_region_picked_by_name(client, world):
    """Issue 14 C9: the case page offers the regions by name (the code is the value) and
    filters to the region and below; a number typed by hand that is no region is refused."""
    make_case(world.a, title="甲区事项")
    make_case(world.a, title="街道事项", region=world.a.town)
    client.force_login(world.city_admin)
    response = client.get("/office/cases/")
    body = response.content.decode()
    assert f'<option value="{world.a.region.code}">{world.a.region.name}</option>' in body
    titles = lambda r: {c.title for c in r.context["page"].object_list}  # noqa: E731
    assert titles(client.get("/office/cases/", {"region": world.a.town.code})) == {"街道事项"}
    assert titles(client.get("/office/cases/", {"region": world.a.region.code})) == \
        {"甲区事项", "街道事项"}
    assert titles(client.get("/office/cases/", {"region": world.b.region.code})) == set()
    bad = client.get("/office/cases/", {"region": "123"})
    assert bad.context["filter"].errors["region"]


def test_exports_name_their_columns_in_the_readers_language(client, world):
    """The walk of 2 December: the case and task exports' headers were named when the
    module was imported, in the default language, so an English export had Chinese
    headers over English values."""
    from io import BytesIO

    from openpyxl import load_workbook

    case = make_case(world.a)
    make_task(world.a, case)
    client.force_login(world.a.users["county_admin"])

    def header(url: str, language: str) -> list:
        response = client.get(url, {"export": "xlsx"}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        return [c.value for c in next(load_workbook(BytesIO(response.content)).active.rows)]

    for url in ("/office/cases/", "/office/tasks/overview/"):
        english, chinese = header(url, "en"), header(url, "zh-hans")
        assert english[0] in ("Number", "Case number"), (url, english)
        assert chinese[0] in ("编号", "事项编号"), (url, chinese)
