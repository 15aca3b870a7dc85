"""The annual inspection, daily inspections and rectification orders, through their
services (issue 9 "Done when")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, CaseState, Escalation, Task, TaskStatus
from cases.services import deadline_scan
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import Category, DepartmentType
from inspections import services
from inspections.models import (
    AnnualResult,
    DailyInspection,
    DailyOutcome,
    DailyState,
    InspectionYear,
    OrderState,
    RectificationOrder,
    RoundState,
)
from inspections.tests.helpers import (
    ALL_PASS,
    DAILY_OK,
    first_inspection,
    make_daily,
    make_order,
    make_round,
    today,
)
from institutions.tests.helpers import licensed_with_gate, staff_of
from tests.factories import UserFactory, World
from tests.samplefiles import png

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("category", "lead", "assists"), [
    (Category.ARTS, DepartmentType.CULTURE_TOURISM, {DepartmentType.EDUCATION_SPORTS}),
    (Category.TECH, DepartmentType.SCIENCE_TECHNOLOGY, {DepartmentType.EDUCATION_SPORTS}),
    (Category.SPORTS, DepartmentType.EDUCATION_SPORTS, set()),
])
def test_round_lead_and_assists_follow_the_kunming_matrix(world: World, category, lead,
                                                          assists):
    """000 §3(1)2, (2)2, (3)2: culture-tourism leads arts, science tech, education-sports
    sports (with no assist); education-sports assists arts and tech."""
    rnd = make_round(world, category=category, institutions=2)
    assert rnd.lead_department.type == lead
    assert {d.type for d in rnd.assisting_departments.all()} == assists
    tasks = Task.objects.filter(case=rnd.case)
    assert {(t.department.type, t.role) for t in tasks} == \
        {(lead, "lead")} | {(a, "assist") for a in assists}
    assert rnd.inspections.count() == 2
    assert rnd.case.kind == "annual_inspection" and rnd.case.number.startswith("NJ-")


def test_only_the_lead_department_plans_and_publishes(world: World):
    """000 §3(1)2: culture-tourism makes the arts plan and publishes its results."""
    with pytest.raises(PermissionDenied):
        services.round_create(actor=world.a.users["officer"], county=world.a.region, year=2026,
                              category=Category.ARTS, plan="方案", starts_on=today(),
                              ends_on=today())
    rnd = services.round_create(actor=world.a.users["culture"], county=world.a.region,
                                year=2026, category=Category.ARTS, plan="方案",
                                starts_on=today(), ends_on=today())
    with pytest.raises(PermissionDenied):
        services.round_publish(actor=world.a.users["head"], round=rnd)  # education head
    culture_head = UserFactory(username="a_culture_head", role="department_head",
                               department=world.a.depts[DepartmentType.CULTURE_TOURISM])
    assert services.round_publish(actor=culture_head, round=rnd).state == RoundState.PUBLISHED
    with pytest.raises(PermissionDenied):  # county B's officer, county A's round
        services.round_create(actor=world.b.users["county_admin"], county=world.a.region,
                              year=2025, category=Category.SPORTS, plan="方案",
                              starts_on=today(), ends_on=today())


def test_balance_by_town_keeps_towns_whole_and_groups_even():
    plan = services.balance_by_town({"t1": 5, "t2": 3, "t3": 2, "t4": 1}, [1, 2])
    assert plan == {"t1": 1, "t2": 2, "t3": 2, "t4": 1}  # 6 and 5
    assert services.balance_by_town({}, [1]) == {}


def test_groups_assignment_and_move(world: World):
    rnd = make_round(world, institutions=3)
    officer, head = world.a.users["officer"], world.a.users["head"]
    g1 = services.group_save(actor=officer, round=rnd, name="第一组", members=[officer])
    g2 = services.group_save(actor=officer, round=rnd, name="第二组", members=[head])
    with pytest.raises(DomainError):  # market regulation takes no part in sports
        services.group_save(actor=officer, round=rnd, name="第三组",
                            members=[world.a.users["market"]])
    plan = services.round_balance(actor=officer, round=rnd)
    assert plan == {world.a.town.code: g1.pk}  # one town: one group
    inspection = first_inspection(rnd)
    services.inspection_move(actor=officer, inspection=inspection, group=g2)
    inspection.refresh_from_db()
    assert inspection.group == g2
    rnd.refresh_from_db()
    assert rnd.state == RoundState.INSPECTING


def test_score_and_result(world: World):
    rnd = make_round(world, institutions=3)
    officer = world.a.users["officer"]
    a, b, c = list(rnd.inspections.order_by("pk"))
    assert services.result_record(actor=officer, inspection=a, answers=ALL_PASS).result == \
        AnnualResult.PASS
    basic = {**ALL_PASS, "fees": False, "teachers": False}  # 70
    done = services.result_record(actor=officer, inspection=b, answers=basic)
    assert (done.score, done.result) == (70, AnnualResult.BASIC_PASS)
    with pytest.raises(DomainError):
        services.result_record(actor=officer, inspection=c, answers={"licence": True})
    with pytest.raises(InvalidState):
        services.result_record(actor=officer, inspection=a, answers=ALL_PASS)


def test_training_quality_fails_the_inspection_whatever_the_score(world: World):
    """002 §2(4): training quality is a key indicator of the annual inspection; failing
    it fails the inspection although the score (80) reaches the basic pass mark, and the
    fail opens a rectification order."""
    rnd = make_round(world)
    done = services.result_record(actor=world.a.users["officer"], inspection=first_inspection(rnd),
                                  answers={**ALL_PASS, "training_quality": False})
    assert (done.score, done.result) == (80, AnnualResult.FAIL)
    order = RectificationOrder.objects.get(annual=done)
    assert order.institution == done.institution and order.state == OrderState.OPEN
    assert order.case.kind == "rectification" and "培训质量" in order.findings
    assert order.department == rnd.lead_department
    assert InspectionYear.objects.get(institution=done.institution, year=rnd.year).inspected


def test_publishing_records_absent_institutions_as_not_inspected(world: World):
    """000 §4(3): years without annual inspection feed zombie detection."""
    rnd = make_round(world, institutions=2)
    a, b = list(rnd.inspections.order_by("pk"))
    services.result_record(actor=world.a.users["officer"], inspection=a, answers=ALL_PASS)
    services.round_publish(actor=world.a.users["head"], round=rnd)
    b.refresh_from_db()
    assert b.result == AnnualResult.ABSENT
    years = dict(InspectionYear.objects.filter(year=rnd.year).values_list(
        "institution_id", "inspected"))
    assert years == {a.institution_id: True, b.institution_id: False}
    rnd.case.refresh_from_db()
    assert rnd.case.state == CaseState.CLOSED
    with pytest.raises(InvalidState):
        services.result_record(actor=world.a.users["officer"], inspection=b, answers=ALL_PASS)


def test_random_draw_repeats_with_the_same_seed_and_differs_with_another():
    """004 §4(2) 随机抽查: the draw is repeatable from its recorded seed."""
    pool = list(range(1, 41))
    assert services.draw_sample(7, pool, 5) == services.draw_sample(7, list(reversed(pool)), 5)
    assert services.draw_sample(7, pool, 5) != services.draw_sample(8, pool, 5)
    assert len(services.draw_sample(7, pool, 99)) == 40


def test_random_draw_plans_random_checks_and_verifies(world: World):
    for n in range(4):
        licensed_with_gate(world, "a", 60 + n, name=f"抽查机构{n}")
    draw = services.random_draw(actor=world.a.users["county_admin"], region=world.a.region,
                                institution_count=2, inspector_count=2, planned_on=today(),
                                seed=12345)
    assert len(draw.drawn_institutions) == 2 and len(draw.drawn_inspectors) == 2
    again = services.draw_sample(12345, draw.institution_pool, 2)
    assert again == draw.drawn_institutions and services.draw_verify(draw)
    inspections = DailyInspection.objects.filter(draw=draw)
    assert sorted(inspections.values_list("institution_id", flat=True)) == \
        draw.drawn_institutions
    assert all(i.mode == "random" and i.inspectors.count() == 2 for i in inspections)
    draw.drawn_institutions = list(reversed(draw.drawn_institutions))[:1]
    assert not services.draw_verify(draw)
    with pytest.raises(PermissionDenied):
        services.random_draw(actor=world.a.users["officer"], region=world.a.region,
                             institution_count=1, inspector_count=1, planned_on=today())


def test_unannounced_inspection_hidden_from_staff_until_done(world: World):
    """002 §2(2) 四不两直: no notice; the institution's staff see it only once done."""
    inspection = make_daily(world, mode="unannounced")
    staff = staff_of(world, inspection.institution)
    assert not DailyInspection.objects.restrict(staff).exists()
    assert not Case.objects.restrict(staff).filter(pk=inspection.case_id).exists()
    routine = make_daily(world, mode="patrol", institution=inspection.institution)
    assert list(DailyInspection.objects.restrict(staff)) == [routine]
    services.daily_record(actor=world.a.users["officer"], inspection=inspection,
                          answers=DAILY_OK)
    assert set(DailyInspection.objects.restrict(staff)) == {inspection, routine}


def test_joint_check_gives_each_department_a_task_and_closes_when_all_done(world: World):
    """002 §2(2) 联检; 002 §2(4) safety checks by police, market regulation and health."""
    depts = [world.a.depts[t] for t in (DepartmentType.EDUCATION_SPORTS,
                                        DepartmentType.MARKET_REGULATION,
                                        DepartmentType.HEALTH)]
    inspection = make_daily(world, mode="joint", departments=depts)
    tasks = Task.objects.filter(case=inspection.case)
    assert sorted(t.role for t in tasks) == ["assist", "assist", "lead"]
    with pytest.raises(DomainError):
        make_daily(world, mode="joint", departments=depts[:1], n=71)
    services.daily_record(actor=world.a.users["officer"], inspection=inspection,
                          answers=DAILY_OK)
    inspection.case.refresh_from_db()
    assert inspection.case.state == CaseState.IN_PROGRESS  # the others still work
    from cases.services import task_complete

    for user in ("market", "health"):
        task = tasks.get(department=world.a.users[user].department)
        task_complete(actor=world.a.users[user], task=task, note="已检查")
    inspection.case.refresh_from_db()
    assert inspection.case.state == CaseState.CLOSED


def test_disguised_training_site_by_address(world: World):
    """002 §2(2): sites where disguised training hides, entered by address and region."""
    with pytest.raises(DomainError):
        make_daily(world, site_address="", site_type="flat")
    inspection = make_daily(world, mode="covert", site_address="幸福小区3栋201",
                            site_type="flat")
    assert inspection.institution is None and inspection.case.institution is None
    with pytest.raises(DomainError):  # no institution to order: enforcement instead
        services.daily_record(actor=world.a.users["officer"], inspection=inspection,
                              answers={**DAILY_OK, "academic_content": "problem"},
                              rectify=True)
    done = services.daily_record(actor=world.a.users["officer"], inspection=inspection,
                                 answers={**DAILY_OK, "academic_content": "problem"})
    assert done.outcome == DailyOutcome.FINDINGS and "超标超前培训" in done.findings


def test_inspection_form_with_photo_position_and_findings_opens_an_order(world: World):
    inspection = make_daily(world, mode="night")
    officer = world.a.users["officer"]
    with pytest.raises(DomainError):  # not an image
        services.daily_record(actor=officer, inspection=inspection, answers=DAILY_OK,
                              photos=[SimpleUploadedFile("a.jpg", b"not an image")])
    with pytest.raises(PermissionDenied):
        services.daily_record(actor=world.a.users["market"], inspection=inspection,
                              answers=DAILY_OK)
    done = services.daily_record(
        actor=officer, inspection=inspection, answers={**DAILY_OK, "hours": "problem"},
        notes="21:10 仍在上课", latitude="25.040000", longitude="102.710000",
        photos=[SimpleUploadedFile("p.png", png())], rectify=True)
    assert done.state == DailyState.DONE and done.outcome == DailyOutcome.FINDINGS
    assert Attachment.objects.filter(case=done.case).count() == 1
    order = RectificationOrder.objects.get(daily=done)
    assert "20:30" in order.findings
    with pytest.raises(InvalidState):
        services.daily_record(actor=officer, inspection=inspection, answers=DAILY_OK)


def test_followup_needs_the_inspection_it_rechecks(world: World):
    first = make_daily(world)
    with pytest.raises(DomainError):
        make_daily(world, mode="followup", institution=first.institution)
    again = make_daily(world, mode="followup", institution=first.institution,
                       followup_of=first)
    assert again.followup_of == first


def test_rectification_evidence_recheck_and_close(world: World):
    order = make_order(world)
    assert order.case.number.startswith("ZG-")
    staff = staff_of(world, order.institution)
    with pytest.raises(PermissionDenied):
        services.order_submit_evidence(actor=world.b.users["institution"], order=order,
                                       evidence="已整改")
    services.order_submit_evidence(actor=staff, order=order, evidence="已调整上课时间",
                                   files=[SimpleUploadedFile("e.png", png())])
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED
    with pytest.raises(PermissionDenied):  # not the issuing department
        services.order_recheck(actor=world.a.users["market"], order=order, passed=True,
                               note="复查")
    services.order_recheck(actor=world.a.users["officer"], order=order, passed=True,
                           note="复查合格")
    order.refresh_from_db()
    order.case.refresh_from_db()
    assert order.state == OrderState.CLOSED and order.case.state == CaseState.CLOSED


def test_rectification_extends_once_with_a_reason(world: World):
    order = make_order(world)
    officer = world.a.users["officer"]
    services.order_recheck(actor=officer, order=order, passed=False, note="尚未完成，延期",
                           extend_workdays=5)
    order.refresh_from_db()
    assert order.extended and order.extension_reason == "尚未完成，延期"
    assert Task.objects.get(case=order.case, status=TaskStatus.OPEN).due_date == order.due_on
    with pytest.raises(InvalidState):
        services.order_recheck(actor=officer, order=order, passed=False, note="再延",
                               extend_workdays=5)


def test_overdue_rectification_escalates(world: World):
    """An overdue order escalates through the task engine (cases deadline scan)."""
    order = make_order(world)
    later = order.due_on + dt.timedelta(days=3)
    deadline_scan(today=later)
    task = Task.objects.get(case=order.case)
    assert task.overdue_since is not None
    assert Escalation.objects.filter(task=task, level=1).exists()
    assert deadline_scan(today=later)["level1"] == 0  # once
