"""institutions.views: the public look-up and white list, and the office pages of an
institution's records (staff with the ban check, courses and fee plans checked live
against the rules, materials, enrolment, import), their scope and query counts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as D
from funds import services as funds_services
from funds.models import Order
from institutions import imports, services
from institutions.models import (
    Course,
    Institution,
    Staff,
    TrainingMaterial,
)
from institutions.rules import Slot, required_clauses
from institutions.tests.helpers import (
    application_documents,
    course_for,
    good_row,
    licensed_with_gate,
    login,
    plan_for,
    register,
    staff_of,
    workbook,
)
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from org.models import Role, User
from portal.demo import demo_id_number
from tests.factories import UserFactory
from tests.licensing_driver import Driver
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db


# -- the import pages -----------------------------------------------------------------------


def test_pages_template_progress_and_report(world, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    template = client.get("/office/institutions/import/template.xlsx")
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert len(header) == len(imports.COLUMNS)
    bad = good_row(world, 6)
    bad[0] = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/office/institutions/import/",
                               {"file": workbook([bad]), "mode": "all"})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert "progress" in page and "import-message" in page
    partial = client.get(job_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div class="card" id="import-job"') or "import-job" in partial
    assert client.get(job_url, {"report": "xlsx"}).status_code == 200
    other = Client()
    other.force_login(world.b.users["county_admin"])
    assert other.get(job_url).status_code == 404
    response = client.post("/office/institutions/import/",
                           {"file": SimpleUploadedFile("a.xlsx", b"not excel"), "mode": "all"})
    assert response.status_code == 400


# -- bad input and the public black list ----------------------------------------------------


def test_a_nul_character_is_a_bad_request_not_a_crash(client):
    assert client.get("/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/institutions/%00/").status_code == 400


def test_an_unapproved_operator_on_the_black_list_is_public(world, client):
    """004 §6(4): an unapproved institution running training goes on the black list."""
    inst = register(world, n=1)
    services.blacklist_add(actor=world.a.users["county_admin"], institution=inst,
                           reason="无证办学")
    assert "无证办学" in client.get("/whitelist/").content.decode()
    assert client.get(f"/institutions/{inst.uscc}/").status_code == 200
    # listed from the registry, not through an inspections entry: the date still shows
    row = next(r for r in client.get("/api/v1/public/blacklist/").json()["results"]
               if r["uscc"] == inst.uscc)
    assert row["listed_since"] and row["listed_since"].startswith(
        timezone.localdate().isoformat())


def test_bad_dates_are_form_errors(world):
    inst = register(world, n=1)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.post(f"/office/institutions/{inst.uscc}/course/", {
        "name": "x", "mode": "offline", "lesson_minutes": 60, "break_minutes": 10,
        "class_hours": 10, "price": "1", "slots": "3 18:00-19:00", "starts_on": "0001-01-01"})
    assert response.status_code in (302, 400)


# -- the public look-up and the white list --------------------------------------------------


def test_public_lookup_finds_a_licensed_institution_by_name_and_code(client, world):
    inst = licensed_with_gate(world)
    applying = register(world, n=2, name="申请中机构")
    for query in (inst.name, inst.uscc, inst.uscc.lower()):
        body = client.get("/", {"q": query}).content.decode()
        assert inst.name in body
    body = client.get("/", {"q": "申请中"}).content.decode()
    assert applying.name not in body  # not published while applying
    body = client.get("/", {"region": world.a.region.code, "category": "arts"}).content.decode()
    assert inst.name in body
    assert client.get("/", {"category": "nonsense"}).status_code == 200


def test_public_detail_shows_status_lists_department_and_courses(client, world):
    inst = licensed_with_gate(world)
    dept = inst.supervising_department
    dept.complaint_phone = "0871-12345678"
    dept.save()
    body = client.get(f"/institutions/{inst.uscc}/").content.decode()
    assert "教民001号" in body and dept.name in body and "0871-12345678" in body
    assert "美术" in body  # the listed course, shown because the gate is met
    applying = register(world, n=2)
    assert client.get(f"/institutions/{applying.uscc}/").status_code == 404
    assert client.get("/institutions/XXXX/").status_code == 404


def test_white_list_page_and_export(client, world):
    inst = licensed_with_gate(world)
    other = licensed_with_gate(world, n=2, name="黑名单机构")
    from institutions.services import blacklist_add

    blacklist_add(actor=world.a.users["county_admin"], institution=other, reason="违规收费")
    body = client.get("/whitelist/").content.decode()
    assert inst.name in body and "违规收费" in body
    response = client.get("/whitelist/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == inst.uscc


def test_institution_staff_reach_only_their_own_institution(world):
    own = licensed_with_gate(world, "a", 1)
    other = licensed_with_gate(world, "a", 2)
    staff = world.a.users["institution"]
    User.objects.filter(pk=staff.pk).update(institution=own)
    staff.refresh_from_db()
    client = Client()
    client.force_login(staff)
    assert client.get(f"/office/institutions/{own.uscc}/").status_code == 200
    assert client.get(f"/office/institutions/{other.uscc}/").status_code == 404
    data = client.get("/api/v1/institutions/").json()
    assert [r["uscc"] for r in data["results"]] == [own.uscc]


# The office list and detail, HTML and API (their cross-county matrix and query budgets),
# are declared in test_urls.py.


@pytest.mark.parametrize("url", ["/?q=机构", "/whitelist/"])
def test_list_query_counts_do_not_grow(world, url, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def grow(start, stop):
        for n in range(start + 1, stop + 1):
            licensed_with_gate(world, "a", n, name=f"机构{n}")

    query_budget(client, url, grow, small=3, large=23)


# -- the institution's records through its pages --------------------------------------------


@pytest.fixture
def setup(world):
    inst = register(world, "a", 1, category="arts")
    staff_user = world.a.users["institution"]
    staff_user.institution = inst
    staff_user.save()
    return inst, login(staff_user)


COURSE = {"name": "晚间美术", "mode": "offline", "lesson_minutes": 60, "break_minutes": 10,
          "class_hours": 40, "price": "3000", "slots": "3 19:30-20:30"}


def test_the_institution_sees_a_rule_violation_before_it_submits(world, setup):
    inst, client = setup
    url = f"/office/institutions/{inst.uscc}/course-check/"
    late = {**COURSE, "slots": "3 19:31-20:31"}
    body = client.post(url, late).content.decode()
    assert "course-violations" in body and "20:30" in body and "通培联办〔2023〕1号" in body
    assert "course-violations" not in client.post(url, COURSE).content.decode()
    response = client.post(f"/office/institutions/{inst.uscc}/course/", late)
    assert response.status_code == 400 and "20:30" in response.content.decode()
    assert not Course.objects.exists()
    assert client.post(f"/office/institutions/{inst.uscc}/course/", COURSE).status_code == 302
    bad_slot = client.post(f"/office/institutions/{inst.uscc}/course/",
                           {**COURSE, "slots": "周三晚上"})
    assert bad_slot.status_code == 400


def test_fee_plan_over_the_limit_is_refused_with_the_rule(world, setup):
    inst, client = setup
    client.post(f"/office/institutions/{inst.uscc}/course/", COURSE)
    course = Course.objects.get()
    plan = {"course": course.pk, "name": "一期", "amount": "5000.01", "months": 3,
            "class_hours": 60, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": ["training_items", "requirements", "fees_and_refunds",
                                 "liability", "dispute_resolution"]}
    response = client.post(f"/office/institutions/{inst.uscc}/feeplan/", plan)
    assert response.status_code == 400 and "5000" in response.content.decode()
    plan["amount"] = "5000.00"
    assert client.post(f"/office/institutions/{inst.uscc}/feeplan/", plan).status_code == 302
    # What the plan covers, in words of the page's language (the walk of 2 December: the
    # English page read "3months/60class hours").
    page = f"/office/institutions/{inst.uscc}/"
    assert "3个月/60课时" in client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "3 months / 60 class hours" in client.get(
        page, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_banned_hire_is_refused_on_the_page(world, setup):
    inst, client = setup
    banned = demo_id_number(11)
    services.ban_add(actor=world.a.users["county_admin"], name="李四", id_number=banned,
                     reason="从业禁止", source="检察院")
    response = client.post(f"/office/institutions/{inst.uscc}/staff/", {
        "name": "李四", "id_number": banned, "is_teacher": "on",
        "credential_kind": "teacher_certificate"})
    assert response.status_code == 400 and not Staff.objects.exists()
    ok = client.post(f"/office/institutions/{inst.uscc}/staff/", {
        "name": "王五", "id_number": demo_id_number(12), "is_teacher": "on",
        "credential_kind": "teacher_certificate"})
    assert ok.status_code == 302


def test_checks_belong_to_the_departments_the_profile_names(world, setup):
    """000 §3: credentials verified by education-sports, records checked by police."""
    inst, client = setup
    client.post(f"/office/institutions/{inst.uscc}/staff/", {
        "name": "王五", "id_number": demo_id_number(12), "is_teacher": "on",
        "credential_kind": "teacher_certificate"})
    staff = Staff.objects.get()
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    edu = login(world.a.users["officer"])
    url = f"/office/institutions/{inst.uscc}/staff/{staff.pk}/"
    assert edu.post(url + "record/", {"approved": "yes"}).status_code == 404
    assert edu.post(url + "credential/", {"approved": "yes"}).status_code == 302
    assert login(police).post(url + "record/", {"approved": "yes"}).status_code == 302
    staff.refresh_from_db()
    assert staff.credential_check == "passed" and staff.record_check == "passed"
    assert client.post(url + "record/", {"approved": "yes"}).status_code == 404


def test_materials_are_filed_and_reviewed_by_an_officer(world, setup):
    inst, client = setup
    assert client.post(f"/office/institutions/{inst.uscc}/material/",
                       {"title": "少儿美术教材", "age_range": "6-12岁"}).status_code == 302
    material = TrainingMaterial.objects.get()
    url = f"/office/institutions/{inst.uscc}/materials/{material.pk}/review/"
    assert client.post(url, {"approved": "yes"}).status_code == 404  # not the institution
    culture = login(world.a.users["culture"])
    assert culture.post(url, {"approved": "no"}).status_code == 400  # a reason is needed
    assert culture.post(url, {"approved": "no", "note": "内容超出年龄认知水平"}).status_code == 302
    material.refresh_from_db()
    assert material.review == "rejected"


def test_the_institution_cannot_record_its_own_gate_or_status(world, setup):
    inst, client = setup
    assert client.post(f"/office/institutions/{inst.uscc}/gate/",
                       {"national_platform_account": "z"}).status_code == 404
    assert client.post(f"/office/institutions/{inst.uscc}/blacklist/",
                       {"reason": "x"}).status_code == 404
    inst.refresh_from_db()
    assert inst.national_platform_account == "" and inst.list_status == ""
    admin = login(world.a.users["county_admin"])
    page = admin.get(f"/office/institutions/{inst.uscc}/gate/").content.decode()
    # The fund account and payment channel are the funds app's arrangement (issue 11).
    assert 'name="national_platform_account"' in page and 'name="fund_account"' not in page
    assert admin.post(f"/office/institutions/{inst.uscc}/gate/",
                      {"national_platform_account": "QG"}).status_code == 302
    assert Institution.objects.get(pk=inst.pk).national_platform_account == "QG"
    other = login(world.b.users["county_admin"])
    assert other.get(f"/office/institutions/{inst.uscc}/gate/").status_code == 404


def test_a_staff_member_leaves_through_the_page(world, setup):
    inst, client = setup
    client.post(f"/office/institutions/{inst.uscc}/staff/", {
        "name": "王五", "id_number": demo_id_number(12), "is_teacher": "on",
        "credential_kind": "teacher_certificate"})
    staff = Staff.objects.get()
    url = f"/office/institutions/{inst.uscc}/staff/{staff.pk}/leave/"
    assert client.post(url, {"left_on": "1999-01-01"}).status_code == 400
    assert client.post(url, {"left_on": "2026-11-20"}).status_code == 302
    staff.refresh_from_db()
    assert str(staff.left_on) == "2026-11-20"
    assert client.post(url, {"left_on": "2026-11-21"}).status_code == 409 or \
        client.post(url, {"left_on": "2026-11-21"}).status_code == 400


def test_a_course_is_changed_under_the_same_rules(world, setup):
    inst, client = setup
    client.post(f"/office/institutions/{inst.uscc}/course/", COURSE)
    course = Course.objects.get()
    url = f"/office/institutions/{inst.uscc}/courses/{course.pk}/edit/"
    page = client.get(url).content.decode()
    assert "3 19:30-20:30" in page  # the form shows the current schedule
    late = client.post(url, {**COURSE, "slots": "3 19:45-20:45"})
    assert late.status_code == 400 and "20:30" in late.content.decode()
    assert client.post(url, {**COURSE, "name": "晚间素描", "slots": "2 18:00-19:00"}) \
        .status_code == 302
    course.refresh_from_db()
    assert course.name == "晚间素描" and [str(s.start) for s in course.slots.all()] == \
        ["18:00:00"]
    other = login(world.b.users["county_admin"])
    assert other.get(url).status_code == 404


# -- course changes, staff, fee plans and enrolment through the pages -----------------------


COURSE_FORM = {"name": "晚间美术", "mode": "offline", "lesson_minutes": 60,
               "break_minutes": 10, "class_hours": 40, "price": "3000",
               "slots": "3 18:00-19:00"}


def test_the_course_page_submits_a_change_application_for_a_licensed_course(world):
    inst = licensed_with_gate(world)
    course = inst.courses.get()
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/courses/{course.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'id="through-change"' in page
    response = client.post(url, {**COURSE_FORM, "price": "3500"})
    app = LicensingApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == app.case.get_absolute_url()
    case_page = client.get(app.case.get_absolute_url()).content.decode()
    assert 'id="course-change"' in case_page and "3500.00" in case_page
    # While it runs, a second change is refused with the reason, nothing half-made.
    again = client.post(url, {**COURSE_FORM, "price": "3600"})
    assert again.status_code == 400 and LicensingApplication.objects.count() == 1


def test_an_unlicensed_institution_edits_its_course_directly(world):
    inst = register(world)
    client = login(staff_of(world, inst))
    client.post(f"/office/institutions/{inst.uscc}/course/", COURSE_FORM)
    course = Course.objects.get()
    url = f"/office/institutions/{inst.uscc}/courses/{course.pk}/edit/"
    assert 'id="through-change"' not in client.get(url).content.decode()
    assert client.post(url, {**COURSE_FORM, "price": "2800"}).status_code == 302
    course.refresh_from_db()
    assert course.price == Decimal("2800.00") and not LicensingApplication.objects.exists()


def test_staff_page_shows_the_history_and_edits_through_the_form(world):
    inst = register(world)
    client = login(staff_of(world, inst))
    client.post(f"/office/institutions/{inst.uscc}/staff/", {
        "name": "王五", "id_number": demo_id_number(22), "is_teacher": "on",
        "credential_kind": "teacher_certificate"})
    staff = Staff.objects.get()
    url = f"/office/institutions/{inst.uscc}/staff/{staff.pk}/"
    edu = login(world.a.users["officer"])
    assert edu.post(url + "credential/", {"approved": "no", "note": "证书编号不符"}).status_code == 302
    page = client.get(url).content.decode()
    assert "证书编号不符" in page and 'id="check-history"' in page
    bad = client.post(url + "edit/", {"name": "王五", "is_teacher": "on", "credential_kind": ""})
    assert bad.status_code == 400
    assert client.post(url + "edit/", {"name": "王五", "is_teacher": "on",
                                       "credential_kind": "professional_ability",
                                       "credential_number": "P9"}).status_code == 302
    staff.refresh_from_db()
    # A failed verification stays failed until education records a new check.
    assert staff.credential_check == "failed" and staff.credential_number == "P9"
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    assert login(police).post(url + "record/", {"approved": "yes",
                                                "note": "系统比对无记录"}).status_code == 302
    assert "系统比对无记录" not in client.get(url).content.decode()  # police notes stay internal
    assert "系统比对无记录" in edu.get(url).content.decode()
    client.post(url + "leave/", {"left_on": "2026-11-20"})
    assert client.post(url + "edit/", {"name": "改名"}).status_code == 400
    with pytest.raises(InvalidState):
        services.staff_check(actor=world.a.users["officer"], staff=staff, kind="credential",
                             passed=True)


def test_a_fee_plan_edit_is_checked_again(world):
    """002 §2(4): at most 5,000 yuan, 3 months or 60 class hours per charge."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    plan = plan_for(admin, course)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/feeplans/{plan.pk}/edit/"
    form = {"course": course.pk, "name": "一期", "amount": "5000.01", "months": 3,
            "class_hours": 60, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": required_clauses()}
    response = client.get(url)
    assert response.status_code == 200 and "3000.00" in response.content.decode()
    response = client.post(url, form)
    assert response.status_code == 400 and "5000" in response.content.decode()
    plan.refresh_from_db()
    assert plan.amount == Decimal("3000.00")
    assert client.post(url, {**form, "amount": "5000.00"}).status_code == 302
    plan.refresh_from_db()
    assert plan.amount == Decimal("5000.00") and plan.class_hours == 60
    other = register(world, "a", 2)
    foreign = course_for(admin, other, name="书法", price="100")
    with pytest.raises(DomainError):
        services.fee_plan_update(actor=admin, plan=plan, course=foreign, name="x",
                                 amount=Decimal("10"), months=1, class_hours=1,
                                 refund_terms="x", contract_version="2021",
                                 contract_clauses=required_clauses())


def test_the_old_enrolment_page_leads_to_the_funds_orders(world):
    """Issue 11: enrolling is a funds order. The registry's page offers the institution's
    orders to who reads its funds, and the old enrolments address leads there; for anyone
    else it is missing, like any record out of reach."""
    inst = licensed_with_gate(world)
    url = f"/office/institutions/{inst.uscc}/enrolments/"
    funds_page = f"/office/funds/{inst.uscc}/"
    for client in (login(staff_of(world, inst)), login(world.a.users["county_admin"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == funds_page
        detail = client.get(f"/office/institutions/{inst.uscc}/").content.decode()
        assert f'id="orders-link" href="{funds_page}"' in detail
        # Posting the old enrolment form creates nothing: the address only leads on.
        assert client.post(url, {"learner_name": "小明"}).status_code == 302
    assert not Order.objects.exists()
    # The joint office reads the register but not the funds (issue 11 "Access").
    joint = login(world.a.users["joint"])
    assert joint.get(url).status_code == 404
    assert 'id="orders-link"' not in joint.get(
        f"/office/institutions/{inst.uscc}/").content.decode()
    assert login(world.b.users["county_admin"]).get(url).status_code == 404


def build(world, key):
    inst = licensed_with_gate(world, key, 1)
    admin = world.county(key).users["county_admin"]
    course = inst.courses.get()
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(30 + (key == "b")),
                                credential_kind="teacher_certificate")
    draft = course_for(admin, inst, name="新课", price="100")
    material = services.material_file(actor=admin, institution=inst, title="教材")
    return {"inst": inst, "staff": staff, "plan": plan_for(admin, course), "course": course,
            "draft": draft, "material": material}


#: Kunming arts: every viewer of the institution reads these pages (see
#: test_urls.TestInstitutionURLs.viewers).
VIEWERS = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}


#: The supervising department (culture-tourism), the county admin and the institution's
#: own staff (their own institution only; `build` gives them none) change the records.
EDITORS = {"culture", "county_admin"}


def test_cross_county_matrix_for_staff_fee_plan_and_course_pages(world):
    base = "/office/institutions/{}"
    endpoints = [
        Endpoint("staff page", lambda o: f"{base.format(o['inst'].uscc)}/staff/"
                 f"{o['staff'].pk}/", VIEWERS),
        Endpoint("staff edit", lambda o: f"{base.format(o['inst'].uscc)}/staff/"
                 f"{o['staff'].pk}/edit/", EDITORS, method="post",
                 data=lambda o: {"name": "王六", "is_teacher": "on",
                                 "credential_kind": "teacher_certificate"}, ok=(302,)),
        Endpoint("fee plan edit", lambda o: f"{base.format(o['inst'].uscc)}/feeplans/"
                 f"{o['plan'].pk}/edit/", EDITORS),
        Endpoint("course change", lambda o: f"{base.format(o['inst'].uscc)}/courses/"
                 f"{o['course'].pk}/edit/", EDITORS, method="post", ok=(302,),
                 data=lambda o: {**COURSE_FORM, "slots": "3 18:00-19:00", "price": "3100"}),
        Endpoint("course listing", lambda o: f"{base.format(o['inst'].uscc)}/courses/"
                 f"{o['draft'].pk}/list/", EDITORS, method="post", ok=(302,),
                 data=lambda o: {"confirm": "yes"}),
        Endpoint("credential check", lambda o: f"{base.format(o['inst'].uscc)}/staff/"
                 f"{o['staff'].pk}/credential/", {"officer", "head"}, method="post",
                 ok=(302,), data=lambda o: {"approved": "yes"}),
        Endpoint("record check", lambda o: f"{base.format(o['inst'].uscc)}/staff/"
                 f"{o['staff'].pk}/record/", set(), method="post",
                 data=lambda o: {"approved": "yes"}),
        Endpoint("material review", lambda o: f"{base.format(o['inst'].uscc)}/materials/"
                 f"{o['material'].pk}/review/", EDITORS, method="post", ok=(302,),
                 data=lambda o: {"approved": "yes"}),
        Endpoint("fee plan check", lambda o: f"{base.format(o['inst'].uscc)}/feeplan-check/",
                 VIEWERS, method="post", data=lambda o: {"course": o["plan"].course_id}),
    ]
    assert_matrix(world, endpoints, build)


def test_institution_staff_reach_only_their_own_enrolments(world):
    own = licensed_with_gate(world, "a", 1)
    other = licensed_with_gate(world, "a", 2)
    client = login(staff_of(world, own))
    assert client.get(f"/office/institutions/{own.uscc}/enrolments/").status_code == 302
    assert client.get(f"/office/institutions/{other.uscc}/enrolments/").status_code == 404
    plan = plan_for(world.a.users["county_admin"], other.courses.get())
    assert client.get(f"/office/institutions/{other.uscc}/feeplans/{plan.pk}/edit/"
                      ).status_code == 404
    with pytest.raises(PermissionDenied):
        funds_services.order_create(actor=staff_of(world, own), institution=other,
                                    course=other.courses.get(), learner_name="x",
                                    guardian_name="y", guardian_phone="13800000000",
                                    class_hours=10, months=1, amount="500")


def test_counties_publish_their_white_list_with_the_re_approved_marked(world):
    """004: counties publish the white list of institutions re-approved through
    re-licensing (重新审批登记); the black list is exported too."""
    from openpyxl import load_workbook

    again = licensed_with_gate(world, "a", 1, name="重新审批机构")
    licensed_with_gate(world, "a", 2, name="新设机构")
    licensed_with_gate(world, "b", 3, name="乙县机构")
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=again,
                                       action=ApplicationAction.RELICENSE,
                                       documents=application_documents(again, ApplicationAction.RELICENSE))
    assert Driver(world).run(app).stage == Stage.COMPLETED
    client = Client()
    code = world.a.region.code
    page = client.get(f"/whitelist/?county={code}").content.decode()
    assert "重新审批机构" in page and "新设机构" in page and "乙县机构" not in page
    only = client.get(f"/whitelist/?county={code}&relicensed=1").content.decode()
    assert "重新审批机构" in only and "新设机构" not in only
    sheet = load_workbook(io.BytesIO(client.get(
        f"/whitelist/?county={code}&relicensed=1&export=xlsx").content)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and rows[1][0] == "重新审批机构"
    assert client.get("/whitelist/?county=nonsense").status_code == 200
    services.blacklist_add(actor=world.a.users["county_admin"],
                           institution=licensed_with_gate(world, "a", 4, name="违规机构"),
                           reason="超范围培训")
    rows = list(load_workbook(io.BytesIO(client.get(
        f"/whitelist/?county={code}&export=black").content)).active.values)
    assert [r[0] for r in rows[1:]] == ["违规机构"] and rows[1][-1] == "超范围培训"


def test_a_course_added_after_the_licence_is_listed_through_a_change(world):
    """变更 covers courses: a course entered after the licence joins the listing when a
    change application completes; courses of the application are listed directly."""
    inst = licensed_with_gate(world)
    staff = staff_of(world, inst)
    client = login(staff)
    client.post(f"/office/institutions/{inst.uscc}/course/", {**COURSE_FORM, "name": "新课"})
    new = Course.objects.get(name="新课")
    assert new.added_after_licence
    with pytest.raises(InvalidState):
        services.course_list_on_platform(actor=staff, course=new)
    url = f"/office/institutions/{inst.uscc}/courses/{new.pk}/list/"
    # issue 14 C5: the button asks for confirmation before several departments start.
    page = client.get(f"/office/institutions/{inst.uscc}/").content.decode()
    assert f'href="{url}"' in page
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'id="confirm-application"' in confirm.content.decode()
    assert client.post(url).status_code == 400
    assert not LicensingApplication.objects.exists()
    response = client.post(url, {"confirm": "yes"})
    app = LicensingApplication.objects.get()
    assert response["Location"] == app.case.get_absolute_url()
    assert "新课" in client.get(app.case.get_absolute_url()).content.decode()
    # The course under review cannot be edited meanwhile.
    edit = client.post(f"/office/institutions/{inst.uscc}/courses/{new.pk}/edit/",
                       {**COURSE_FORM, "name": "新课", "price": "1"})
    assert edit.status_code == 400
    Driver(world).run(app)
    new.refresh_from_db()
    assert new.is_listed and new.price == Decimal("3000.00")


def test_the_fee_plan_form_shows_violations_before_submit(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/feeplan-check/"
    form = {"course": course.pk, "name": "一期", "amount": "5000.01", "months": 3,
            "class_hours": 61, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": required_clauses()}
    body = client.get(f"/office/institutions/{inst.uscc}/feeplan/").content.decode()
    assert url in body
    body = client.post(url, form).content.decode()
    assert 'id="feeplan-violations"' in body and "5000" in body and "60" in body
    body = client.post(url, {**form, "amount": "5000.00", "class_hours": 60}).content.decode()
    assert 'id="feeplan-violations"' not in body


def test_public_look_up_and_staff_list_export(world):
    from openpyxl import load_workbook

    inst = licensed_with_gate(world, name="导出美术中心")
    services.staff_hire(actor=world.a.users["county_admin"], institution=inst, name="王五",
                        id_number=demo_id_number(63), credential_kind="teacher_certificate")
    rows = list(load_workbook(io.BytesIO(Client().get("/?q=导出&export=xlsx").content))
                .active.values)
    assert rows[1][0] == "导出美术中心"
    client = login(world.a.users["county_admin"])
    rows = list(load_workbook(io.BytesIO(client.get(
        f"/office/institutions/{inst.uscc}/?export=staff").content)).active.values)
    assert rows[1][0] == "王五" and "*" in rows[1][1]


@pytest.mark.parametrize("page", ["detail", "staff"])
def test_institution_and_staff_pages_keep_their_query_count(world, page, query_budget):
    """STYLE.md §6: no query per staff member, course, fee plan or check."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    edu = world.a.users["officer"]
    first = services.staff_hire(actor=admin, institution=inst, name="首位",
                                id_number=demo_id_number(70), credential_kind="teacher_certificate")
    client = login(admin)
    url = (f"/office/institutions/{inst.uscc}/" if page == "detail"
           else f"/office/institutions/{inst.uscc}/staff/{first.pk}/")

    def grow(start, stop):
        for n in range(start, stop):
            services.staff_hire(actor=admin, institution=inst, name=f"教师{n}",
                                id_number=demo_id_number(100 + n),
                                credential_kind="teacher_certificate")
            course = services.course_create(
                actor=admin, institution=inst, name=f"课程{n}", mode="offline",
                is_academic=False, lesson_minutes=60, break_minutes=10, class_hours=40,
                price=Decimal("3000"), slots=[Slot(n % 5, dt.time(18, 0), dt.time(19, 0))])
            plan_for(admin, course)
            services.staff_check(actor=edu, staff=first, kind="credential", passed=n % 2 == 0)

    query_budget(client, url, grow, small=2, large=15)




def test_the_live_fee_plan_check_and_the_save_agree(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst, starts_on=dt.date(2026, 9, 1))
    client = login(admin)
    form = {"course": course.pk, "name": "续费", "amount": "1000", "months": 1,
            "class_hours": 20, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": required_clauses(), "charge_on": "2026-11-02"}
    body = client.post(f"/office/institutions/{inst.uscc}/feeplan-check/", form).content.decode()
    assert 'id="feeplan-violations"' in body
    assert client.post(f"/office/institutions/{inst.uscc}/feeplan/", form).status_code == 400


def test_only_heads_and_admins_are_offered_the_licence_status_form(world):
    inst = licensed_with_gate(world)
    url = f"/office/institutions/{inst.uscc}/"
    status_link = f"/office/institutions/{inst.uscc}/status/"
    assert status_link not in login(world.a.users["culture"]).get(url).content.decode()
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    assert status_link in login(head).get(url).content.decode()
    assert status_link in login(world.a.users["county_admin"]).get(url).content.decode()


def test_export_headers_follow_the_reader_language(world):
    from openpyxl import load_workbook

    licensed_with_gate(world)
    client = Client()
    zh = list(load_workbook(io.BytesIO(client.get("/whitelist/?export=xlsx").content))
              .active.values)[0]
    en = list(load_workbook(io.BytesIO(client.get(
        "/whitelist/?export=xlsx", HTTP_ACCEPT_LANGUAGE="en").content)).active.values)[0]
    assert zh[0] == "名称" and en[0] == "Name"




def test_read_only_roles_are_not_shown_record_forms(world):
    inst = licensed_with_gate(world)
    joint = login(world.a.users["joint"])
    for verb in ("course", "staff", "feeplan", "gate", "blacklist", "status"):
        assert joint.get(f"/office/institutions/{inst.uscc}/{verb}/").status_code == 404
    culture = login(world.a.users["culture"])
    assert culture.get(f"/office/institutions/{inst.uscc}/course/").status_code == 200
    assert culture.get(f"/office/institutions/{inst.uscc}/status/").status_code == 404


def test_officers_find_an_institution_by_its_code(world):
    inst = licensed_with_gate(world, name="按代码查找中心")
    body = login(world.a.users["county_admin"]).get(
        f"/office/institutions/?q={inst.uscc.lower()}").content.decode()
    assert "按代码查找中心" in body


def test_a_black_listed_institution_s_public_page_offers_nothing_to_buy(world):
    """Issue 14 C7 (004 §6(4)): the licence status says it may not enrol; no course and no
    pledge is published as if it could."""
    from institutions import services as registry
    from institutions.tests.helpers import course_for, licensed_with_gate

    inst = licensed_with_gate(world)
    course_for(world.a.users["county_admin"], inst)
    Institution.objects.filter(pk=inst.pk).update(public_commitments="承诺：不超前培训")
    before = Client().get(f"/institutions/{inst.uscc}/").content.decode()
    assert "承诺：不超前培训" in before and "¥" in before
    registry.blacklist_add(actor=world.a.users["county_admin"], institution=inst,
                           reason="卷款停业")
    page = Client().get(f"/institutions/{inst.uscc}/").content.decode()
    assert "已列入黑名单，不得招生" in page and "卷款停业" in page
    assert "承诺：不超前培训" not in page and "¥" not in page


def test_an_invalid_credit_code_in_the_look_up_says_why(world):
    """Issue 14 C7: a mistyped code reads as a typo, not as "no licence"."""
    page = Client().get("/", {"q": "91530102MA0000001X"}).content.decode()
    assert 'id="code-error"' in page and "校验" in page
    assert 'id="code-error"' not in Client().get("/", {"q": "美术"}).content.decode()


def test_office_list_filters_by_status_county_and_category_and_names_the_county(world):
    """Issue 14 C9: the office register filters by status, county and category, and each
    row names its county (the institution's region may be a town)."""
    from core.vocab import Category

    arts = register(world, "a", 1, category=Category.ARTS)
    tech = register(world, "a", 2, category=Category.TECH)
    other = register(world, "b", 3, category=Category.ARTS)
    client = Client()
    client.force_login(world.city_admin)

    def names(**params):
        response = client.get("/office/institutions/", params)
        assert response.status_code == 200
        return {i.name for i in response.context["page"].object_list}

    assert names() == {arts.name, tech.name, other.name}
    assert names(county=world.a.region.code) == {arts.name, tech.name}
    assert names(category=Category.TECH) == {tech.name}
    assert names(county=world.b.region.code, category=Category.ARTS) == {other.name}
    assert names(status=arts.status) == {arts.name, tech.name, other.name}
    assert names(status="licensed") == set()
    assert names(county="nowhere") == {arts.name, tech.name, other.name}  # ignored
    body = client.get("/office/institutions/", {"county": world.a.region.code}).content.decode()
    import re

    assert re.search(f">{world.a.region.name}</td><td [^>]*>{world.a.town.name}</td>", body)
    export = client.get("/office/institutions/", {"category": Category.TECH, "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and tech.name in rows[1]


def test_the_home_page_shows_the_parents_errands_outside_the_menu(client):
    """The walk of 2 December, on a phone: the home page linked the lists and the duties,
    but filing a complaint, a training order and the inspection results were only in the
    menu a phone keeps folded; the home page links every public errand."""
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    links = page.split('id="home-links"', 1)[1].split("</div>", 1)[0]
    for url in ("/whitelist/", "/duties/", "/complaints/new/", "/funds/order/",
                "/inspections/results/"):
        assert f'href="{url}"' in links, url
