"""The institution's records through its pages: staff with the ban check, courses checked
live against the rules, fee plans, training materials and the officers' decisions."""

import pytest
from django.test import Client

from core.vocab import DepartmentType as D
from institutions import services
from institutions.models import Course, Institution, Staff, TrainingMaterial
from institutions.tests.test_registry import register
from org.models import Role
from portal.demo import demo_id_number
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


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
    assert "course-violations" in body and "20:30" in body and "002" in body
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
                       {"fund_account": "x", "payment_channel": "y",
                        "national_platform_account": "z"}).status_code == 404
    assert client.post(f"/office/institutions/{inst.uscc}/blacklist/",
                       {"reason": "x"}).status_code == 404
    inst.refresh_from_db()
    assert inst.fund_account == "" and inst.list_status == ""
    admin = login(world.a.users["county_admin"])
    assert admin.post(f"/office/institutions/{inst.uscc}/gate/",
                      {"fund_account": "6217", "payment_channel": "平台",
                       "national_platform_account": "QG"}).status_code == 302
    assert Institution.objects.get(pk=inst.pk).fund_account == "6217"
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
