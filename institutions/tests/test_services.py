"""institutions.services: the registry, staff and the ban check, courses and fee plans
under the rules, the enrollment gate and the lists, enrolment, and the supervising
department following the profile (issue 4; issue 8 §5; 000 §3, §4(3); 001 §3(2);
002 §2(4); 004 §6(4))."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from cases.models import Task, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import Category, DepartmentType
from core.vocab import DepartmentType as D
from funds import services as funds_services
from funds.models import Order
from institutions import services
from institutions.models import (
    Institution,
    InstitutionStatus,
    ListStatus,
    Staff,
    StaffCheck,
)
from institutions.rules import RuleViolation, Slot, required_clauses
from institutions.tests.helpers import (
    course_for,
    licensed_with_gate,
    login,
    plan_for,
    register,
    staff_of,
)
from licensing import services as licensing
from licensing.models import ApplicationAction
from org.models import Role
from portal.demo import demo_id_number, demo_uscc
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


# -- registration, staff, courses, fee plans, the enrollment gate and the lists -------------


def test_supervising_department_is_derived_from_the_profile(world):
    """001 §3(2): the licence names the supervising department; Kunming: arts → culture
    and tourism, tech → science, sports → education-sports (000 §3)."""
    arts = register(world, n=1, category=Category.ARTS)
    tech = register(world, n=2, category=Category.TECH)
    sports = register(world, n=3, category=Category.SPORTS)
    assert arts.supervising_department.type == DepartmentType.CULTURE_TOURISM
    assert tech.supervising_department.type == DepartmentType.SCIENCE_TECHNOLOGY
    assert sports.supervising_department.type == DepartmentType.EDUCATION_SPORTS
    assert arts.supervising_department.region == world.a.region


def test_under_beichen_sports_are_supervised_by_culture_tourism(world):
    """001 §3(2): in Beichen, culture-tourism (sports) supervises sports institutions."""
    with override_settings(POLICY_PROFILE="beichen"):
        sports = register(world, n=4, category=Category.SPORTS)
    assert sports.supervising_department.type == DepartmentType.CULTURE_TOURISM


def test_academic_institutions_only_where_the_profile_supervises_them(world):
    with pytest.raises(DomainError) as exc:
        register(world, n=5, category=Category.ACADEMIC)
    assert exc.value.field == "category"
    DepartmentFactory(region=world.a.region, type=DepartmentType.EDUCATION)
    with override_settings(POLICY_PROFILE="beichen"):
        academic = register(world, n=5, category=Category.ACADEMIC)
    assert academic.supervising_department.type == DepartmentType.EDUCATION


def test_an_invalid_code_is_refused_with_its_reason(world):
    county = world.a
    bad = demo_uscc(county.region.code, 9)[:-1] + "0"
    if bad == demo_uscc(county.region.code, 9):
        bad = bad[:-1] + "1"
    with pytest.raises(DomainError) as exc:
        register(world, n=9, uscc=bad)
    assert exc.value.field == "uscc"
    assert not Institution.objects.exists()


def test_a_duplicate_code_is_refused(world):
    register(world, n=1)
    with pytest.raises(DomainError):
        register(world, n=1, name="另一个")


def test_officers_of_another_county_may_not_register_here(world):
    with pytest.raises(PermissionDenied):
        register(world, n=1, actor=world.b.users["county_admin"])


def test_a_banned_person_is_refused(world):
    """002 §2(4): 入职查询和从业禁止 — the hire is checked by ID number and refused."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    banned = demo_id_number(7)
    services.ban_add(actor=admin, name="李四", id_number=banned, reason="猥亵儿童", source="公安")
    with pytest.raises(DomainError) as exc:
        services.staff_hire(actor=admin, institution=inst, name="李四", id_number=banned,
                            credential_kind="teacher_certificate")
    assert exc.value.field == "id_number"
    assert "ban" in str(exc.value.message).lower() or "禁止" in str(exc.value.message)
    assert not Staff.objects.exists()
    # A ban is never shortened by re-adding it.
    with pytest.raises(InvalidState):
        services.ban_add(actor=admin, name="李四", id_number=banned, reason="x", source="公安",
                         until=dt.date(2020, 1, 1))
    # An expired ban no longer blocks.
    expired = demo_id_number(8)
    services.ban_add(actor=admin, name="赵六", id_number=expired, reason="旧案", source="公安",
                     until=dt.date(2020, 1, 1))
    staff = services.staff_hire(actor=admin, institution=inst, name="赵六", id_number=expired,
                                credential_kind="teacher_certificate")
    assert staff.id_number_masked.startswith(expired[:3]) and "*" in staff.id_number_masked
    assert expired not in staff.id_number_hash


def test_an_id_number_with_a_wrong_check_digit_is_refused(world):
    inst = register(world)
    good = demo_id_number(3)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(DomainError):
        services.staff_hire(actor=world.a.users["county_admin"], institution=inst, name="王五",
                            id_number=bad, credential_kind="teacher_certificate")


def test_course_and_fee_plan_violations_block_saving(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    with pytest.raises(RuleViolation) as exc:
        services.course_create(actor=admin, institution=inst, name="夜课", mode="offline",
                               is_academic=False, lesson_minutes=60, break_minutes=10,
                               class_hours=40, price=Decimal("100"),
                               slots=[Slot(1, dt.time(19, 31), dt.time(20, 31))])
    assert "20:30" in str(exc.value.message) and "通培联办〔2023〕1号" in str(exc.value.message)
    course = services.course_create(actor=admin, institution=inst, name="晚课", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("100"),
                                    slots=[Slot(1, dt.time(19, 30), dt.time(20, 30))])
    with pytest.raises(RuleViolation):
        services.fee_plan_create(actor=admin, course=course, name="超额", amount=Decimal("5000.01"),
                                 months=3, class_hours=60, refund_terms="按比例退费",
                                 contract_version="2021", contract_clauses=required_clauses())
    plan = services.fee_plan_create(actor=admin, course=course, name="正常",
                                    amount=Decimal("5000.00"), months=3, class_hours=60,
                                    refund_terms="按比例退费", contract_version="2021",
                                    contract_clauses=required_clauses())
    assert plan.pk


def test_the_enrollment_gate_has_three_conditions(world):
    """000 §4(3): fund account and payment channel (the funds app's supervision
    arrangement, issue 11), national platform account, courses listed; until then no
    white list and no published courses."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    assert inst.gate_conditions == {"fund_account": False, "national_platform": False,
                                    "courses_listed": False}
    course = services.course_create(actor=admin, institution=inst, name="美术", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("3000"),
                                    slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    inst = services.institution_set_status(
        actor=admin, institution=inst, status=InstitutionStatus.LICENSED, reason="通过",
        licence_number="教民1号", issuer=world.a.depts[DepartmentType.CULTURE_TOURISM])
    assert inst.list_status == ListStatus.NONE  # licensed, but the gate is not met
    services.gate_record(actor=admin, institution=inst, national_platform_account="QG")
    inst.refresh_from_db()
    assert not inst.gate_conditions["fund_account"] and inst.list_status == ListStatus.NONE
    funds_services.arrangement_record(actor=admin, institution=inst, mode="bank_custody",
                                      custodian_bank="农行", account_number="6217",
                                      payment_channel="平台")
    inst.refresh_from_db()
    assert inst.list_status == ListStatus.NONE and not inst.gate_met
    services.course_list_on_platform(actor=admin, course=course)
    inst.refresh_from_db()
    assert inst.gate_met and inst.list_status == ListStatus.WHITE


def test_black_list_wins_over_the_white_list(world):
    """004 §6(4): found on the negative list → off the white list, onto the black list."""
    inst = licensed_with_gate(world)
    assert inst.list_status == ListStatus.WHITE
    inst = services.blacklist_add(actor=world.a.users["county_admin"], institution=inst,
                                  reason="隐形变异学科类培训")
    assert inst.list_status == ListStatus.BLACK
    with pytest.raises(InvalidState):
        services.blacklist_add(actor=world.a.users["county_admin"], institution=inst, reason="x")


def test_licence_status_transitions(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    with pytest.raises(DomainError):
        services.institution_set_status(actor=admin, institution=inst,
                                        status=InstitutionStatus.LICENSED, reason="通过")
    with pytest.raises(InvalidState):
        services.institution_set_status(actor=admin, institution=inst,
                                        status=InstitutionStatus.SUSPENDED, reason="x")
    with pytest.raises(PermissionDenied):
        services.institution_set_status(actor=world.a.users["officer"], institution=inst,
                                        status=InstitutionStatus.TERMINATED, reason="x")


def test_academic_course_may_not_run_in_the_vacation(world):
    """004 §3(2): academic training is forbidden in winter and summer vacations (dates
    entered by the education bureau)."""
    from policy.models import SchoolVacation

    DepartmentFactory(region=world.a.region, type=DepartmentType.EDUCATION)
    SchoolVacation.objects.create(name="暑假", start=dt.date(2026, 7, 11),
                                  end=dt.date(2026, 8, 31))
    with override_settings(POLICY_PROFILE="beichen"):
        inst = register(world, n=7, category=Category.ACADEMIC)
        args = dict(actor=world.a.users["county_admin"], institution=inst, name="数学",
                    mode="offline", is_academic=True, lesson_minutes=45, break_minutes=10,
                    class_hours=20, price=Decimal("1000"),
                    slots=[Slot(1, dt.time(18, 0), dt.time(19, 0))])
        with pytest.raises(RuleViolation) as exc:
            services.course_create(**args, starts_on=dt.date(2026, 6, 1),
                                   ends_on=dt.date(2026, 7, 20))
        assert "暑假" in str(exc.value.message)
        # After National Day (2026-10-01..07, holidays too: issue 14 B3).
        assert services.course_create(**args, starts_on=dt.date(2026, 10, 8),
                                      ends_on=dt.date(2026, 12, 31)).pk


def test_advance_charge_and_guided_price_on_fee_plans(world):
    """002 §2(4): an advance charge no earlier than one month before the course starts;
    001 §4(2)7: a price off the government-guided price is flagged, not refused."""
    from policy.models import RuleParameter

    inst = register(world)
    admin = world.a.users["county_admin"]
    course = services.course_create(actor=admin, institution=inst, name="美术", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("3000"),
                                    starts_on=dt.date(2026, 9, 1),
                                    slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    plan = dict(actor=admin, course=course, name="一期", amount=Decimal("3000"), months=3,
                class_hours=40, refund_terms="按比例退费", contract_version="2021",
                contract_clauses=required_clauses())
    with pytest.raises(RuleViolation):
        services.fee_plan_create(**plan, charge_on=dt.date(2026, 7, 31))
    assert services.fee_plan_create(**plan, charge_on=dt.date(2026, 8, 1)).flags == []
    RuleParameter.objects.filter(profile__code="kunming", key="government_guided_price").update(
        value="2800.00")
    from policy.profile import invalidate_profile_cache

    invalidate_profile_cache()
    flagged = services.fee_plan_create(**{**plan, "name": "二期"})
    assert len(flagged.flags) == 1 and "2800" in flagged.flags[0]


# -- the supervising department follows the profile (issue 8 §5; 001 §3(2)) -----------------


def test_an_institution_that_cannot_move_is_reported_and_kept(world):
    sports = register(world, "a", 1, category=Category.SPORTS)
    world.a.depts[DepartmentType.CULTURE_TOURISM].__class__.objects.filter(
        pk=world.a.depts[DepartmentType.CULTURE_TOURISM].pk).update(is_active=False)
    with override_settings(POLICY_PROFILE="beichen"):
        moves = services.supervisors_follow_profile()
    assert [(m.institution_id, m.new) for m in moves] == [(sports.pk, "")]
    assert moves[0].problem
    assert Institution.objects.get(pk=sports.pk).supervising_department == \
        world.a.depts[DepartmentType.EDUCATION_SPORTS]


def test_only_a_system_admin_runs_it(world):
    with pytest.raises(PermissionDenied):
        services.supervisors_follow_profile(actor=world.a.users["county_admin"])
    assert services.supervisors_follow_profile(actor=world.system_admin) == []


# -- who may register and change, and applications that end ---------------------------------


def test_only_the_accepting_or_supervising_department_registers(world):
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    with pytest.raises(PermissionDenied):
        register(world, n=1, actor=police)
    assert register(world, n=2, actor=world.a.users["culture"]).pk  # culture supervises arts
    inst = licensed_with_gate(world, n=3)
    with pytest.raises(PermissionDenied):
        licensing.application_submit(actor=police, institution=inst,
                                     action=ApplicationAction.TERMINATE)




def test_no_status_change_while_an_application_runs(world):
    inst = licensed_with_gate(world, n=1)
    admin = world.a.users["county_admin"]
    licensing.application_submit(actor=admin, institution=inst,
                                 action=ApplicationAction.CHANGE,
                                 change_details={"address": "新址"})
    with pytest.raises(InvalidState):
        services.institution_set_status(actor=admin, institution=inst,
                                        status=InstitutionStatus.REVOKED, reason="x")






# -- the white list follows the licence status ----------------------------------------------


def test_suspended_institution_leaves_the_white_list(world):
    from institutions.services import institution_set_status

    inst = licensed_with_gate(world)
    inst = institution_set_status(actor=world.a.users["county_admin"], institution=inst,
                                  status=InstitutionStatus.SUSPENDED, reason="整改")
    assert inst.list_status == ""


# -- course changes, staff checks, fee plans, enrolment and conclusions ---------------------










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


def test_no_enrolment_until_the_gate_is_met(world):
    """000 §4(3): until it has a fund-supervision arrangement (account and payment
    channel), an account on the national platform and courses listed, an institution may
    not enrol. Enrolling is a funds order (issue 11); the refusal is the registry's."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    course = course_for(admin, inst)
    staff = staff_of(world, inst)

    def enrol():
        return funds_services.order_create(
            actor=staff, institution=inst, course=course, learner_name="小明",
            guardian_name="明妈", guardian_phone="13800000000", class_hours=40, months=3,
            amount="3000.00")

    with pytest.raises(InvalidState, match="办学许可"):
        enrol()  # applying: not licensed yet
    services.course_list_on_platform(actor=admin, course=course)
    services.institution_set_status(actor=admin, institution=inst,
                                    status=InstitutionStatus.LICENSED, reason="审核通过",
                                    licence_number="文旅001号",
                                    issuer=world.a.depts[D.CULTURE_TOURISM])
    with pytest.raises(InvalidState, match="资金监管"):
        enrol()
    funds_services.arrangement_record(actor=admin, institution=inst, mode="bank_custody",
                                      custodian_bank="农行", account_number="6217",
                                      payment_channel="平台")
    with pytest.raises(InvalidState, match="全国监管平台"):
        enrol()
    services.gate_record(actor=admin, institution=inst, national_platform_account="QG1")
    order = enrol()
    assert order.amount == Decimal("3000.00") and order.class_hours == 40
    services.blacklist_add(actor=admin, institution=inst, reason="超范围培训")
    with pytest.raises(InvalidState, match="黑名单"):
        enrol()
    assert Order.objects.count() == 1


def test_enrolment_needs_a_listed_course_of_the_institution(world):
    inst = licensed_with_gate(world)
    other = licensed_with_gate(world, n=2)
    admin = world.a.users["county_admin"]
    listed = inst.courses.get()
    draft = course_for(admin, inst, name="草稿课")
    args = dict(actor=admin, institution=inst, learner_name="小红", guardian_name="红妈",
                guardian_phone="13900000000", class_hours=40, months=3, amount="3000.00")
    with pytest.raises(DomainError):
        funds_services.order_create(course=draft, **args)
    with pytest.raises(DomainError):
        funds_services.order_create(course=other.courses.get(), **args)
    funds_services.order_create(course=listed, **args)


def test_the_registry_keeps_no_enrolment_and_no_fund_account():
    """Issue 11: one way to enrol (the funds order), one place for the fund account and
    payment channel (the supervision arrangement)."""
    from django.apps import apps

    with pytest.raises(LookupError):
        apps.get_model("institutions", "Enrolment")
    fields = {f.name for f in Institution._meta.get_fields()}
    assert not fields & {"fund_account", "payment_channel"}
    assert not hasattr(services, "enrolment_create")








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
                                 contract_clauses=required_clauses())
    client = login(admin)
    response = client.post(f"/office/institutions/{inst.uscc}/feeplan/", {
        "course": course.pk, "name": "零元", "amount": "0", "months": 1, "class_hours": 1,
        "refund_terms": "x", "contract_version": "2021",
        "contract_clauses": required_clauses()})
    assert response.status_code == 400


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
                contract_clauses=required_clauses(), charge_on=dt.date(2026, 11, 2))
    with pytest.raises(DomainError, match="剩余课时"):
        services.fee_plan_create(**args)  # running course: say how many hours remain
    with pytest.raises(RuleViolation):
        services.fee_plan_create(**args, remaining_hours=21)
    assert services.fee_plan_create(**args, remaining_hours=20).remaining_hours == 20


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
    assert task.department == inst.supervising_department and "通培联办〔2023〕1号 第二条（四）" in str(task.duty)




def test_extending_a_ban_does_not_flag_the_same_person_again(world):
    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    services.staff_hire(actor=admin, institution=inst, name="王五",
                        id_number=demo_id_number(65), credential_kind="teacher_certificate")
    for until in (dt.date(2030, 1, 1), None):
        services.ban_add(actor=admin, name="王五", id_number=demo_id_number(65), reason="前科",
                         source="检察院", until=until)
    assert Task.objects.filter(case__institution=inst).count() == 1








