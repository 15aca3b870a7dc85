"""Course changes through the change workflow, staff and fee-plan edits with the history of
staff checks, and enrolment behind the enrollment gate (issue 4; 000 §3, §4(3);
002 §2(4))."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client

from cases.models import Task, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as D
from institutions import selectors, services
from institutions.models import Course, Enrolment, InstitutionStatus, Staff, StaffCheck
from institutions.rules import REQUIRED_CLAUSES, RuleViolation, Slot
from institutions.tests.test_registry import licensed_with_gate, register
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from org.models import RegionLevel, Role
from portal.demo import demo_id_number
from tests.factories import UserFactory
from tests.licensing_driver import Driver
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def staff_of(world, inst, key="a"):
    user = world.county(key).users["institution"]
    user.institution = inst
    user.save()
    return user


def plan_for(actor, course, amount="3000", hours=40):
    return services.fee_plan_create(
        actor=actor, course=course, name="一期", amount=Decimal(amount), months=3,
        class_hours=hours, refund_terms="未上课时按比例退费", contract_version="2021",
        contract_clauses=list(REQUIRED_CLAUSES))


def course_for(actor, inst, name="美术", price="3000", **kw):
    return services.course_create(actor=actor, institution=inst, name=name, mode="offline",
                                  is_academic=False, lesson_minutes=60, break_minutes=10,
                                  class_hours=40, price=Decimal(price),
                                  slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))], **kw)


COURSE_FORM = {"name": "晚间美术", "mode": "offline", "lesson_minutes": 60,
               "break_minutes": 10, "class_hours": 40, "price": "3000",
               "slots": "3 18:00-19:00"}


# -- course changes through the change workflow ------------------------------------------

def test_a_licensed_listed_course_changes_only_through_a_change_application(world):
    """Change (变更) covers courses: a listed course of a licensed institution keeps its
    values until the change application completes (issue 4, "Change")."""
    inst = licensed_with_gate(world)
    course = inst.courses.get()
    staff = staff_of(world, inst)
    values = dict(name="晚间美术", mode="offline", is_academic=False, lesson_minutes=60,
                  break_minutes=10, class_hours=40, price=Decimal("3200"),
                  slots=[Slot(3, dt.time(18, 30), dt.time(19, 30))])
    with pytest.raises(InvalidState):
        services.course_update(actor=staff, course=course, **values)
    app = licensing.course_change_submit(actor=staff, course=course, **values)
    assert app.action == ApplicationAction.CHANGE and app.channel == "portal"
    course.refresh_from_db()
    assert course.price == Decimal("3000.00")  # unchanged until approved
    item = app.change_details["courses"][0]
    assert item["before"]["price"] == "3000.00" and item["after"]["price"] == "3200.00"
    Driver(world).run(app)
    course.refresh_from_db()
    assert course.price == Decimal("3200.00") and course.is_listed
    assert [(s.weekday, s.start) for s in course.slots.all()] == [(3, dt.time(18, 30))]


def test_a_rejected_course_change_leaves_the_course_as_it_was(world):
    inst = licensed_with_gate(world)
    course = inst.courses.get()
    app = licensing.course_change_submit(
        actor=world.a.users["county_admin"], course=course, name="晚间美术（新）", mode="offline",
        is_academic=False, lesson_minutes=60, break_minutes=10, class_hours=40,
        price=Decimal("3000"), slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    app = Driver(world).run(app, approve=False)
    assert app.stage == Stage.REJECTED
    course.refresh_from_db()
    assert course.name == "美术"


def test_a_course_change_is_checked_against_the_rules_when_submitted(world):
    """002 §2(4): offline training ends by 20:30, also for a change."""
    inst = licensed_with_gate(world)
    course = inst.courses.get()
    with pytest.raises(RuleViolation):
        licensing.course_change_submit(
            actor=world.a.users["county_admin"], course=course, name="美术", mode="offline",
            is_academic=False, lesson_minutes=60, break_minutes=10, class_hours=40,
            price=Decimal("3000"), slots=[Slot(2, dt.time(19, 31), dt.time(20, 31))])
    with pytest.raises(DomainError):  # nothing changed
        licensing.course_change_submit(
            actor=world.a.users["county_admin"], course=course, name="美术", mode="offline",
            is_academic=False, lesson_minutes=60, break_minutes=10, class_hours=40,
            price=Decimal("3000.0"), slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    assert not LicensingApplication.objects.exists()


def test_a_forged_course_change_is_refused(world):
    inst = licensed_with_gate(world)
    other = licensed_with_gate(world, "a", 2)
    for details in ({"courses": [{"course": other.courses.get().pk, "after": {}}]},
                    {"courses": [{"course": inst.courses.get().pk, "after": {"price": "x"}}]},
                    {"courses": "all"}):
        with pytest.raises(DomainError):
            licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                         action=ApplicationAction.CHANGE,
                                         change_details=details)


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


# -- staff: edit and the history of checks -----------------------------------------------

def test_staff_checks_keep_their_history_and_a_new_credential_is_verified_again(world):
    """000 §3: credentials are verified by education, records checked by police; a
    re-check is a new entry, and a changed credential goes back to pending."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(21),
                                credential_kind="teacher_certificate", credential_number="A1")
    edu = world.a.users["officer"]
    services.staff_check(actor=edu, staff=staff, kind="credential", passed=False, note="证书存疑")
    services.staff_check(actor=edu, staff=staff, kind="credential", passed=True, note="复核通过")
    assert list(StaffCheck.objects.filter(staff=staff).values_list("result", flat=True)) == [
        "passed", "failed"]
    staff = services.staff_update(actor=admin, staff=staff, name="王五",
                                  is_teacher=True, credential_kind="teacher_certificate",
                                  credential_number="A2")
    assert staff.credential_check == Staff.Check.PENDING
    assert StaffCheck.objects.filter(staff=staff).first().result == "pending"
    # A name correction does not touch the verification.
    services.staff_check(actor=edu, staff=staff, kind="credential", passed=True)
    staff = services.staff_update(actor=admin, staff=staff, name="王 五", is_teacher=True,
                                  credential_kind="teacher_certificate", credential_number="A2")
    assert staff.credential_check == Staff.Check.PASSED and staff.name == "王 五"
    with pytest.raises(DomainError):
        services.staff_update(actor=admin, staff=staff, name="王五", is_teacher=True,
                              credential_kind="", credential_number="")


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


# -- fee plans ---------------------------------------------------------------------------

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
            "contract_clauses": list(REQUIRED_CLAUSES)}
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
                                 contract_clauses=list(REQUIRED_CLAUSES))


# -- enrolment behind the gate -----------------------------------------------------------

def test_no_enrolment_until_the_gate_is_met(world):
    """000 §4(3): until it has a fund-supervision account and payment channel, an account
    on the national platform and courses listed, an institution may not enrol."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    plan = plan_for(admin, course)
    staff = staff_of(world, inst)

    def enrol():
        return services.enrolment_create(actor=staff, institution=inst, course=course,
                                         fee_plan=plan, learner_name="小明", guardian_name="明妈",
                                         guardian_phone="13800000000")

    with pytest.raises(InvalidState, match="办学许可"):
        enrol()  # applying: not licensed yet
    services.course_list_on_platform(actor=admin, course=course)
    services.institution_set_status(actor=admin, institution=inst,
                                    status=InstitutionStatus.LICENSED, reason="审核通过",
                                    licence_number="文旅001号",
                                    issuer=world.a.depts[D.CULTURE_TOURISM])
    with pytest.raises(InvalidState, match="资金监管"):
        enrol()
    services.gate_record(actor=admin, institution=inst, fund_account="6217",
                         payment_channel="平台")
    with pytest.raises(InvalidState, match="全国监管平台"):
        enrol()
    services.gate_record(actor=admin, institution=inst, national_platform_account="QG1")
    enrolment = enrol()
    assert enrolment.amount == Decimal("3000.00") and enrolment.class_hours == 40
    services.blacklist_add(actor=admin, institution=inst, reason="超范围培训")
    with pytest.raises(InvalidState):
        enrol()
    assert Enrolment.objects.count() == 1


def test_enrolment_needs_a_listed_course_and_its_own_fee_plan(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    listed = inst.courses.get()
    draft = course_for(admin, inst, name="草稿课")
    listed_plan, draft_plan = plan_for(admin, listed), plan_for(admin, draft)
    args = dict(actor=admin, institution=inst, learner_name="小红", guardian_name="红妈",
                guardian_phone="13900000000")
    with pytest.raises(DomainError):
        services.enrolment_create(course=draft, fee_plan=draft_plan, **args)
    with pytest.raises(DomainError):
        services.enrolment_create(course=listed, fee_plan=draft_plan, **args)
    services.enrolment_create(course=listed, fee_plan=listed_plan, **args)


def test_enrolment_page_refuses_with_the_reason_and_enrols_when_the_gate_is_met(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    services.course_list_on_platform(actor=admin, course=course)
    plan = plan_for(admin, course)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/enrolments/"
    form = {"course": course.pk, "fee_plan": plan.pk, "learner_name": "小明",
            "guardian_name": "明妈", "guardian_phone": "13800000000"}
    page = client.get(url).content.decode()
    assert 'id="gate-warning"' in page
    response = client.post(url, form)
    assert response.status_code == 400 and not Enrolment.objects.exists()
    services.institution_set_status(actor=admin, institution=inst,
                                    status=InstitutionStatus.LICENSED, reason="审核通过",
                                    licence_number="文旅001号",
                                    issuer=world.a.depts[D.CULTURE_TOURISM])
    services.gate_record(actor=admin, institution=inst, fund_account="6217",
                         payment_channel="平台", national_platform_account="QG1")
    assert client.post(url, {**form, "guardian_phone": "电话"}).status_code == 400
    assert client.post(url, form).status_code == 302
    page = client.get(url).content.decode()
    assert "小明" in page and 'id="gate-warning"' not in page
    export = client.get(url + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    # Read-only roles see the list without the form, and cannot post.
    joint = login(world.a.users["joint"])
    assert 'name="learner_name"' not in joint.get(url).content.decode()
    assert joint.post(url, form).status_code == 404


def test_enrolment_list_query_count_does_not_grow(world, query_budget):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    course = inst.courses.get()
    plan = plan_for(admin, course)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/enrolments/"

    def grow(start, stop):
        for i in range(start, stop):
            services.enrolment_create(actor=admin, institution=inst, course=course,
                                      fee_plan=plan, learner_name=f"学员{i}",
                                      guardian_name="家长", guardian_phone="13800000000")

    query_budget(client, url, grow, small=2, large=27)


# -- the cross-county matrix over the new pages ------------------------------------------

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
#: test_public_and_api.VIEWERS).
VIEWERS = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}
#: The supervising department (culture-tourism), the county admin and the institution's
#: own staff (their own institution only; `build` gives them none) change the records.
EDITORS = {"culture", "county_admin"}


def test_cross_county_matrix_for_staff_fee_plan_and_enrolment_pages(world):
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
        Endpoint("enrolments", lambda o: f"{base.format(o['inst'].uscc)}/enrolments/",
                 VIEWERS),
        Endpoint("enrol", lambda o: f"{base.format(o['inst'].uscc)}/enrolments/", EDITORS,
                 method="post", ok=(302,),
                 data=lambda o: {"course": o["plan"].course_id, "fee_plan": o["plan"].pk,
                                 "learner_name": "小明", "guardian_name": "明妈",
                                 "guardian_phone": "13800000000"}),
        Endpoint("course change", lambda o: f"{base.format(o['inst'].uscc)}/courses/"
                 f"{o['course'].pk}/edit/", EDITORS, method="post", ok=(302,),
                 data=lambda o: {**COURSE_FORM, "slots": "3 18:00-19:00", "price": "3100"}),
        Endpoint("course listing", lambda o: f"{base.format(o['inst'].uscc)}/courses/"
                 f"{o['draft'].pk}/list/", EDITORS, method="post", ok=(302,)),
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
    assert client.get(f"/office/institutions/{own.uscc}/enrolments/").status_code == 200
    assert client.get(f"/office/institutions/{other.uscc}/enrolments/").status_code == 404
    plan = plan_for(world.a.users["county_admin"], other.courses.get())
    assert client.get(f"/office/institutions/{other.uscc}/feeplans/{plan.pk}/edit/"
                      ).status_code == 404
    with pytest.raises(PermissionDenied):
        services.enrolment_create(actor=staff_of(world, own), institution=other,
                                  course=other.courses.get(), fee_plan=plan, learner_name="x",
                                  guardian_name="y", guardian_phone="13800000000")


def test_verification_waits_for_a_rechecked_credential(world):
    """A credential changed during licensing is verified again before the stage ends."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(40),
                                credential_kind="teacher_certificate")
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    driver = Driver(world)
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    services.staff_check(actor=world.a.users["officer"], staff=staff, kind="credential",
                         passed=True)
    services.staff_check(actor=police, staff=staff, kind="record", passed=True)
    services.staff_update(actor=admin, staff=staff, name="王五", is_teacher=True,
                          credential_kind="professional_ability", credential_number="P1")
    app = driver.advance_to(app, Stage.VERIFICATION)
    task = Task.objects.get(case=app.case, step="credential_verification",
                            status=TaskStatus.OPEN)
    from cases.services import task_complete

    with pytest.raises(DomainError):
        task_complete(actor=world.a.users["officer"], task=task, note="已核验")
    services.staff_check(actor=world.a.users["officer"], staff=staff, kind="credential",
                         passed=True)
    task_complete(actor=world.a.users["officer"], task=task, note="已核验")


# -- the county white list of re-approved institutions -----------------------------------

def test_counties_publish_their_white_list_with_the_re_approved_marked(world):
    """004: counties publish the white list of institutions re-approved through
    re-licensing (重新审批登记); the black list is exported too."""
    from openpyxl import load_workbook

    again = licensed_with_gate(world, "a", 1, name="重新审批机构")
    licensed_with_gate(world, "a", 2, name="新设机构")
    licensed_with_gate(world, "b", 3, name="乙县机构")
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=again,
                                       action=ApplicationAction.RELICENSE)
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


# -- review fixes --------------------------------------------------------------------------

def _to_conclusion(world, inst, submitter=None):
    app = licensing.application_submit(actor=submitter or world.a.users["county_admin"],
                                       institution=inst, action=ApplicationAction.ESTABLISH)
    return Driver(world).advance_to(app, Stage.CONCLUSION)


def _finish_cosign(world, app):
    from cases.services import task_complete

    for task in Task.objects.filter(case=app.case, status=TaskStatus.OPEN, role="assist"):
        task_complete(actor=UserFactory(role=Role.OFFICER, department=task.department),
                      task=task, note="会签")


def test_approval_needs_every_current_staff_check_passed(world):
    """000 §3: a staff member hired after the verification stage, or still pending, blocks
    approval; one who has left does not."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    app = _to_conclusion(world, inst)
    _finish_cosign(world, app)
    late = services.staff_hire(actor=admin, institution=inst, name="后来者",
                               id_number=demo_id_number(61), credential_kind="teacher_certificate")
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    with pytest.raises(DomainError, match="000 §3"):
        licensing.application_conclude(actor=head, application=app, approve=True, reason="同意")
    services.staff_check(actor=world.a.users["officer"], staff=late, kind="credential",
                         passed=False, note="证书不符")
    services.staff_leave(actor=admin, staff=late, left_on=dt.date(2026, 11, 20))
    app = licensing.application_conclude(actor=head, application=app, approve=True,
                                         reason="同意")
    assert app.stage != Stage.CONCLUSION


def test_whoever_entered_the_walk_in_may_not_conclude_it(world):
    inst = register(world)
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    app = _to_conclusion(world, inst, submitter=head)
    _finish_cosign(world, app)
    with pytest.raises(PermissionDenied):
        licensing.application_conclude(actor=head, application=app, approve=True, reason="同意")


def test_a_zero_fee_plan_is_refused_and_the_plan_keeps_its_course(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    course = inst.courses.get()
    with pytest.raises(DomainError):
        plan_for(admin, course, amount="0")
    plan = plan_for(admin, course)
    other = course_for(admin, inst, name="书法", price="100")
    with pytest.raises(DomainError):
        services.fee_plan_update(actor=admin, plan=plan, course=other, name="x",
                                 amount=Decimal("10"), months=1, class_hours=1,
                                 refund_terms="x", contract_version="2021",
                                 contract_clauses=list(REQUIRED_CLAUSES))
    client = login(admin)
    response = client.post(f"/office/institutions/{inst.uscc}/feeplan/", {
        "course": course.pk, "name": "零元", "amount": "0", "months": 1, "class_hours": 1,
        "refund_terms": "x", "contract_version": "2021",
        "contract_clauses": list(REQUIRED_CLAUSES)})
    assert response.status_code == 400


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
    response = client.post(f"/office/institutions/{inst.uscc}/courses/{new.pk}/list/")
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


def test_a_person_who_left_can_be_hired_again_with_fresh_checks(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(62),
                                credential_kind="teacher_certificate")
    services.staff_check(actor=world.a.users["officer"], staff=staff, kind="credential",
                         passed=True)
    services.staff_leave(actor=admin, staff=staff, left_on=dt.date(2026, 1, 5))
    again = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(62),
                                credential_kind="teacher_certificate",
                                hired_on=dt.date(2026, 9, 1))
    assert again.pk == staff.pk and again.left_on is None
    assert again.credential_check == "pending" and again.record_check == "pending"
    with pytest.raises(DomainError):
        services.staff_hire(actor=admin, institution=inst, name="王五",
                            id_number=demo_id_number(62), credential_kind="teacher_certificate")


def test_a_top_up_on_a_running_course_waits_until_20_class_hours_remain(world):
    """002 §2(4): a further charge comes only when 20 class hours or fewer remain."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst, starts_on=dt.date(2026, 9, 1))
    args = dict(actor=admin, course=course, name="续费", amount=Decimal("1000"), months=1,
                class_hours=20, refund_terms="按比例退费", contract_version="2021",
                contract_clauses=list(REQUIRED_CLAUSES), charge_on=dt.date(2026, 11, 2))
    with pytest.raises(DomainError, match="剩余课时"):
        services.fee_plan_create(**args)  # running course: say how many hours remain
    with pytest.raises(RuleViolation):
        services.fee_plan_create(**args, remaining_hours=21)
    assert services.fee_plan_create(**args, remaining_hours=20).remaining_hours == 20


def test_the_fee_plan_form_shows_violations_before_submit(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/feeplan-check/"
    form = {"course": course.pk, "name": "一期", "amount": "5000.01", "months": 3,
            "class_hours": 61, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": list(REQUIRED_CLAUSES)}
    body = client.get(f"/office/institutions/{inst.uscc}/feeplan/").content.decode()
    assert url in body
    body = client.post(url, form).content.decode()
    assert 'id="feeplan-violations"' in body and "5000" in body and "60" in body
    body = client.post(url, {**form, "amount": "5000.00", "class_hours": 60}).content.decode()
    assert 'id="feeplan-violations"' not in body


def test_overlapping_lessons_are_refused(world):
    from institutions.rules import course_violations

    found = course_violations(mode="offline", is_academic=False, lesson_minutes=60,
                         break_minutes=10, slots=[Slot(2, dt.time(18, 0), dt.time(19, 0)),
                                                  Slot(2, dt.time(18, 30), dt.time(19, 30)),
                                                  Slot(3, dt.time(18, 30), dt.time(19, 30))])
    assert [v.rule for v in found] == ["slot_overlap"]


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


def test_a_ban_on_someone_already_working_opens_a_case_for_the_supervisor(world):
    """002 §2(4): a banned person may not work with minors; a ban that matches a current
    staff member gives the supervising department a task."""
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    services.staff_hire(actor=admin, institution=inst, name="王五",
                        id_number=demo_id_number(64), credential_kind="teacher_certificate")
    services.ban_add(actor=admin, name="王五", id_number=demo_id_number(64), reason="性侵害前科",
                     source="检察院")
    task = Task.objects.get(case__institution=inst, status=TaskStatus.OPEN)
    assert task.department == inst.supervising_department and "002 §2(4)" in task.duty


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


def test_a_change_moves_the_institution_within_its_county_and_renews_fire_documents(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    from tests.factories import RegionFactory

    other_town = RegionFactory(code=f"{world.a.region.code}102", name="新街道", level=RegionLevel.TOWN,
                               parent=world.a.region)
    with pytest.raises(DomainError):
        licensing.application_submit(actor=admin, institution=inst,
                                     action=ApplicationAction.CHANGE,
                                     change_details={"region": world.b.town.code})
    client = login(admin)
    response = client.post(f"/office/institutions/{inst.uscc}/apply/", {
        "action": "change", "region": other_town.pk,
        "fire_safety_documents": "新址消防验收意见书"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    app = LicensingApplication.objects.get()
    assert "新街道" in client.get(app.case.get_absolute_url()).content.decode()
    Driver(world).run(app)
    inst.refresh_from_db()
    assert inst.region == other_town and inst.fire_safety_documents == "新址消防验收意见书"
    # Another county's town is not offered.
    form = client.get(f"/office/institutions/{inst.uscc}/apply/").content.decode()
    assert world.b.town.name not in form


# -- second review fixes -------------------------------------------------------------------

def test_a_cancelled_change_application_no_longer_holds_the_course(world):
    from cases.services import case_cancel

    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    new = course_for(admin, inst, name="新课")
    app = licensing.course_listing_submit(actor=admin, course=new)
    assert selectors.course_in_application(new)
    case_cancel(actor=admin, case=app.case, reason="机构撤回申请")
    assert not selectors.course_in_application(new)
    client = login(admin)
    assert 'id="running-application"' not in client.get(
        f"/office/institutions/{inst.uscc}/").content.decode()
    services.course_update(actor=admin, course=new, name="新课", mode="offline",
                           is_academic=False, lesson_minutes=60, break_minutes=10,
                           class_hours=40, price=Decimal("2000"),
                           slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    licensing.course_listing_submit(actor=admin, course=new)  # a new application may start


def test_the_live_fee_plan_check_and_the_save_agree(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst, starts_on=dt.date(2026, 9, 1))
    client = login(admin)
    form = {"course": course.pk, "name": "续费", "amount": "1000", "months": 1,
            "class_hours": 20, "refund_terms": "按比例退费", "contract_version": "2021",
            "contract_clauses": list(REQUIRED_CLAUSES), "charge_on": "2026-11-02"}
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


def test_a_suspended_institution_changes_its_course_through_an_application(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    services.institution_set_status(actor=admin, institution=inst, status="suspended",
                                    reason="消防整改")
    app = licensing.course_change_submit(
        actor=admin, course=inst.courses.get(), name="美术", mode="offline", is_academic=False,
        lesson_minutes=60, break_minutes=10, class_hours=40, price=Decimal("2800"),
        slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    assert app.action == ApplicationAction.CHANGE


def test_export_headers_follow_the_reader_language(world):
    from openpyxl import load_workbook

    licensed_with_gate(world)
    client = Client()
    zh = list(load_workbook(io.BytesIO(client.get("/whitelist/?export=xlsx").content))
              .active.values)[0]
    en = list(load_workbook(io.BytesIO(client.get(
        "/whitelist/?export=xlsx", HTTP_ACCEPT_LANGUAGE="en").content)).active.values)[0]
    assert zh[0] == "名称" and en[0] == "Name"


def test_extending_a_ban_does_not_flag_the_same_person_again(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    services.staff_hire(actor=admin, institution=inst, name="王五",
                        id_number=demo_id_number(65), credential_kind="teacher_certificate")
    for until in (dt.date(2030, 1, 1), None):
        services.ban_add(actor=admin, name="王五", id_number=demo_id_number(65), reason="前科",
                         source="检察院", until=until)
    assert Task.objects.filter(case__institution=inst).count() == 1


def test_onsite_photos_must_be_images(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Attachment
    from tests import samplefiles

    inst = register(world)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    app = Driver(world).advance_to(app, Stage.ONSITE)
    with pytest.raises(DomainError):
        licensing.application_record_onsite(
            actor=world.a.users["culture"], application=app, checklist={"premises": True},
            note="符合", photos=[SimpleUploadedFile("plan.pdf", samplefiles.pdf())])
    assert not Attachment.objects.exists()


# -- final walk-through fixes --------------------------------------------------------------

def test_an_ended_licensing_case_is_not_reopened(world):
    from cases.services import case_reopen

    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    app = Driver(world).run(licensing.application_submit(
        actor=admin, institution=inst, action=ApplicationAction.RELICENSE))
    app.case.refresh_from_db()
    assert app.case.state == "closed"
    with pytest.raises(InvalidState):
        case_reopen(actor=admin, case=app.case, reason="再看看")
    page = login(admin).get(app.case.get_absolute_url()).content.decode()
    assert f"/office/cases/{app.case.number}/reopen/" not in page


def test_the_applicant_hears_how_the_application_ended(world):
    from cases.models import Notification

    inst = register(world)
    staff = staff_of(world, inst)
    app = licensing.application_submit(actor=staff, institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    Driver(world).run(app, approve=False)
    note = Notification.objects.get(recipient=staff, kind="case")
    assert app.case.number in note.title and note.body


def test_approval_needs_no_reasons_but_a_rejection_does(world):
    inst = register(world)
    app = _to_conclusion(world, inst)
    _finish_cosign(world, app)
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    with pytest.raises(DomainError):
        licensing.application_conclude(actor=head, application=app, approve=False, reason=" ")
    app = licensing.application_conclude(actor=head, application=app, approve=True, reason="")
    assert app.stage != Stage.CONCLUSION


def test_the_conclusion_is_offered_only_once_the_others_are_done(world):
    inst = register(world)
    app = _to_conclusion(world, inst)
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    page = login(head).get(app.case.get_absolute_url()).content.decode()
    assert 'id="awaiting-others"' in page and 'id="decide-conclude"' not in page
    _finish_cosign(world, app)
    page = login(head).get(app.case.get_absolute_url()).content.decode()
    assert 'id="decide-conclude"' in page


def test_read_only_roles_are_not_shown_record_forms(world):
    inst = licensed_with_gate(world)
    joint = login(world.a.users["joint"])
    for verb in ("course", "staff", "feeplan", "gate", "blacklist", "status"):
        assert joint.get(f"/office/institutions/{inst.uscc}/{verb}/").status_code == 404
    culture = login(world.a.users["culture"])
    assert culture.get(f"/office/institutions/{inst.uscc}/course/").status_code == 200
    assert culture.get(f"/office/institutions/{inst.uscc}/status/").status_code == 404


def test_missing_contract_clauses_are_named_in_words(world):
    from institutions.rules import fee_limit_violations

    found = fee_limit_violations(amount=Decimal("100"), months=1, class_hours=1,
                           contract_version="2021", clauses=["training_items"])
    message = " ".join(str(v) for v in found)
    assert "dispute_resolution" not in message and "争议" in message


def test_officers_find_an_institution_by_its_code(world):
    inst = licensed_with_gate(world, name="按代码查找中心")
    body = login(world.a.users["county_admin"]).get(
        f"/office/institutions/?q={inst.uscc.lower()}").content.decode()
    assert "按代码查找中心" in body
