"""The institution registry (issue 4 "Registry", "Public and integration")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import Category, DepartmentType
from institutions import services
from institutions.models import Institution, InstitutionStatus, ListStatus, Staff
from institutions.rules import REQUIRED_CLAUSES, RuleViolation, Slot
from portal.demo import demo_id_number, demo_uscc
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def register(world, key="a", n=1, category=Category.ARTS, **kw):
    county = world.county(key)
    args = dict(actor=county.users["county_admin"], name=f"机构{n}",
                uscc=demo_uscc(county.region.code, n), nature="for_profit", category=category,
                legal_representative="张三", safety_person="张三", address="人民路1号",
                region=county.town)
    args.update(kw)
    return services.institution_register(**args)


def licensed_with_gate(world, key="a", n=1, **kw):
    county = world.county(key)
    admin = county.users["county_admin"]
    inst = register(world, key, n, **kw)
    course = services.course_create(actor=admin, institution=inst, name="美术", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("3000"),
                                    slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    services.gate_record(actor=admin, institution=inst, fund_account="6217", payment_channel="平台",
                         national_platform_account="QG1")
    services.course_list_on_platform(actor=admin, course=course)
    return services.institution_set_status(
        actor=admin, institution=inst, status=InstitutionStatus.LICENSED, reason="审核通过",
        licence_number="教民001号", issuer=county.depts[DepartmentType.EDUCATION_SPORTS])


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
    assert "20:30" in str(exc.value.message) and "002" in str(exc.value.message)
    course = services.course_create(actor=admin, institution=inst, name="晚课", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("100"),
                                    slots=[Slot(1, dt.time(19, 30), dt.time(20, 30))])
    with pytest.raises(RuleViolation):
        services.fee_plan_create(actor=admin, course=course, name="超额", amount=Decimal("5000.01"),
                                 months=3, class_hours=60, refund_terms="按比例退费",
                                 contract_version="2021", contract_clauses=list(REQUIRED_CLAUSES))
    plan = services.fee_plan_create(actor=admin, course=course, name="正常",
                                    amount=Decimal("5000.00"), months=3, class_hours=60,
                                    refund_terms="按比例退费", contract_version="2021",
                                    contract_clauses=list(REQUIRED_CLAUSES))
    assert plan.pk


def test_the_enrollment_gate_has_three_conditions(world):
    """000 §4(3): fund account and payment channel, national platform account, courses
    listed; until then no white list and no published courses."""
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
    services.gate_record(actor=admin, institution=inst, fund_account="6217",
                         payment_channel="平台", national_platform_account="QG")
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
        assert services.course_create(**args, starts_on=dt.date(2026, 9, 1),
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
                contract_clauses=list(REQUIRED_CLAUSES))
    with pytest.raises(RuleViolation):
        services.fee_plan_create(**plan, charge_on=dt.date(2026, 7, 31))
    assert services.fee_plan_create(**plan, charge_on=dt.date(2026, 8, 1)).flags == []
    RuleParameter.objects.filter(profile__code="kunming", key="government_guided_price").update(
        value="2800.00")
    from policy.profile import invalidate_profile_cache

    invalidate_profile_cache()
    flagged = services.fee_plan_create(**{**plan, "name": "二期"})
    assert len(flagged.flags) == 1 and "2800" in flagged.flags[0]
