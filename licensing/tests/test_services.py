"""The licensing workflow from the responsibility matrix (issue 4 "Licensing workflow";
000 §3, 001 §4(2)4)."""

import pytest
from django.test import override_settings

from cases.models import CaseState, Task, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as D
from core.vocab import Step
from institutions.models import InstitutionStatus
from institutions.tests.helpers import register
from licensing import services as licensing
from licensing.models import ApplicationAction, Stage
from org.models import Role
from tests.factories import DepartmentFactory, UserFactory
from tests.licensing_driver import Driver, submit

pytestmark = pytest.mark.django_db


def test_arts_under_kunming(world):
    """000 §3(1)1: culture-tourism leads; education-sports co-reviews, verifies teacher
    credentials, co-signs the conclusion and files; police take part on site and check
    records; market regulation registers a for-profit institution."""
    app = submit(world, "arts")
    driver = Driver(world)
    app = driver.run(app)
    assert app.stage == Stage.COMPLETED
    assert driver.stage(Stage.ACCEPTANCE) == [(D.CULTURE_TOURISM, "lead", Step.ACCEPTANCE)]
    assert driver.stage(Stage.REVIEW) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.MATERIAL_REVIEW),
        (D.EDUCATION_SPORTS, "assist", Step.CO_REVIEW)])
    assert driver.stage(Stage.ONSITE) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.ONSITE_INSPECTION),
        (D.EDUCATION_SPORTS, "assist", Step.ONSITE_INSPECTION),
        (D.PUBLIC_SECURITY, "assist", Step.ONSITE_INSPECTION)])
    assert driver.stage(Stage.VERIFICATION) == sorted([
        (D.EDUCATION_SPORTS, "assist", Step.CREDENTIAL_VERIFICATION),
        (D.PUBLIC_SECURITY, "assist", Step.RECORD_CHECK)])
    assert driver.stage(Stage.CONCLUSION) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.CONCLUSION),
        (D.EDUCATION_SPORTS, "assist", Step.CONCLUSION)])
    assert driver.stage(Stage.REGISTRATION) == [(D.MARKET_REGULATION, "lead", Step.REGISTRATION)]
    assert driver.stage(Stage.FILING) == [(D.EDUCATION_SPORTS, "lead", Step.FILING)]
    assert driver.stage(Stage.LICENCE) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.LICENCE_ISSUE),
        (D.EDUCATION_SPORTS, "assist", Step.FUND_ACCOUNT)])
    inst = app.institution
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.LICENSED and inst.licence_number == "文旅民0001号"
    assert inst.licence_issuer.type == D.CULTURE_TOURISM
    app.case.refresh_from_db()
    assert app.case.state == CaseState.CLOSED


def test_co_review_tasks_carry_the_matrix_duty(world):
    app = submit(world, "arts")
    driver = Driver(world)
    driver.snapshot(app)
    accept = Task.objects.get(case=app.case, step=Step.ACCEPTANCE)
    licensing.application_accept(actor=driver.person(accept.department), application=app,
                                 accept=True)
    co = Task.objects.get(case=app.case, step=Step.CO_REVIEW)
    assert "备案" in co.duty or "审核" in co.duty  # the education-sports duty of 000 §3(1)1


def test_tech_under_kunming_is_convened_by_education_sports(world):
    """000 §3(2)1: for tech, education-sports convenes the on-site inspection with
    science and police; science leads and concludes."""
    app = submit(world, "tech")
    driver = Driver(world)
    app = driver.run(app)
    assert driver.stage(Stage.ONSITE) == sorted([
        (D.EDUCATION_SPORTS, "lead", Step.ONSITE_INSPECTION),
        (D.PUBLIC_SECURITY, "assist", Step.ONSITE_INSPECTION),
        (D.SCIENCE_TECHNOLOGY, "assist", Step.ONSITE_INSPECTION)])
    assert (D.SCIENCE_TECHNOLOGY, "lead", Step.CONCLUSION) in driver.stage(Stage.CONCLUSION)
    assert app.stage == Stage.COMPLETED


def test_sports_under_kunming_reviews_training_materials_and_is_approved_by_education(world):
    """000 §3(3)1: education-sports accepts, reviews the training materials, approves and
    issues the licence."""
    app = submit(world, "sports", nature="non_profit")
    driver = Driver(world)
    app = driver.run(app)
    assert (D.EDUCATION_SPORTS, "lead", Step.MATERIALS_REVIEW) in driver.stage(Stage.REVIEW)
    assert driver.stage(Stage.REGISTRATION) == [(D.CIVIL_AFFAIRS, "lead", Step.REGISTRATION)]
    assert driver.stage(Stage.CONCLUSION) == [(D.EDUCATION_SPORTS, "lead", Step.CONCLUSION)]
    app.institution.refresh_from_db()
    assert app.institution.licence_issuer.type == D.EDUCATION_SPORTS


def test_beichen_routes_approval_through_government_services(world):
    """001 §4(2)4: the government-services office approves; it asks the supervising
    department first, only for establishment; then pushes the approval to education and
    the supervising department."""
    for t in (D.GOVERNMENT_SERVICES, D.EDUCATION):
        DepartmentFactory(region=world.a.region, type=t)
    with override_settings(POLICY_PROFILE="beichen"):
        app = submit(world, "sports")
        driver = Driver(world)
        app = driver.run(app)
    assert driver.stage(Stage.ACCEPTANCE) == [(D.GOVERNMENT_SERVICES, "lead", Step.ACCEPTANCE)]
    assert driver.stage(Stage.CONSULTATION) == [(D.CULTURE_TOURISM, "assist", Step.CONSULTATION)]
    assert (D.GOVERNMENT_SERVICES, "lead", Step.CONCLUSION) in driver.stage(Stage.CONCLUSION)
    filing = driver.stage(Stage.FILING)
    assert (D.EDUCATION, "assist", Step.APPROVAL_NOTICE) in filing
    assert (D.CULTURE_TOURISM, "assist", Step.APPROVAL_NOTICE) in filing
    assert app.institution.supervising_department.type == D.CULTURE_TOURISM
    assert app.stage == Stage.COMPLETED


def test_no_self_approval(world):
    app = submit(world, "sports")
    edu = world.a.depts[D.EDUCATION_SPORTS]
    head = world.a.users["head"]
    accept = Task.objects.get(case=app.case, step=Step.ACCEPTANCE)
    licensing.application_accept(actor=world.a.users["officer"], application=app, accept=True)
    review = Task.objects.get(case=app.case, step=Step.MATERIAL_REVIEW)
    from cases.services import task_complete

    task_complete(actor=head, task=review, note="材料审核通过")
    driver = Driver(world)
    app.refresh_from_db()
    driver.advance_to(app, Stage.CONCLUSION)
    with pytest.raises(PermissionDenied) as exc:
        licensing.application_conclude(actor=head, application=app, approve=True, reason="同意")
    assert "reviewed" in str(exc.value.message) or "审核" in str(exc.value.message)
    other_head = UserFactory(role=Role.DEPARTMENT_HEAD, department=edu)
    app = licensing.application_conclude(actor=other_head, application=app, approve=True,
                                         reason="同意")
    assert app.stage == Stage.REGISTRATION
    assert accept.pk


def test_only_a_head_concludes_and_only_after_co_signatures(world):
    app = submit(world, "arts")
    driver = Driver(world)
    driver.advance_to(app, Stage.CONCLUSION)
    culture = world.a.depts[D.CULTURE_TOURISM]
    with pytest.raises(PermissionDenied):
        licensing.application_conclude(actor=driver.person(culture), application=app,
                                       approve=True, reason="同意")
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=culture)
    with pytest.raises(InvalidState):  # education-sports has not co-signed yet
        licensing.application_conclude(actor=head, application=app, approve=True, reason="同意")
    with pytest.raises(DomainError):  # the decision step needs its own form
        from cases.services import task_complete

        conclusion = Task.objects.get(case=app.case, step=Step.CONCLUSION, role="lead")
        task_complete(actor=head, task=conclusion, note="同意")


def test_rejection_closes_the_case_and_keeps_the_institution_applying(world):
    app = submit(world, "arts")
    app = Driver(world).run(app, approve=False)
    assert app.stage == Stage.REJECTED
    app.institution.refresh_from_db()
    assert app.institution.status == InstitutionStatus.APPLYING
    assert app.decisions[Stage.CONCLUSION]["approve"] is False


def test_non_acceptance_needs_a_reason(world):
    app = submit(world, "arts")
    culture_officer = world.a.users["culture"]
    with pytest.raises(DomainError):
        licensing.application_accept(actor=culture_officer, application=app, accept=False)
    app = licensing.application_accept(actor=culture_officer, application=app, accept=False,
                                       reason="材料不全")
    assert app.stage == Stage.NOT_ACCEPTED


def test_change_and_termination_run_through_the_same_engine(world):
    app = submit(world, "sports")
    app = Driver(world).run(app)
    inst = app.institution
    with pytest.raises(DomainError):
        licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                     action=ApplicationAction.CHANGE, change_details={})
    change = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                          action=ApplicationAction.CHANGE,
                                          change_details={"address": "新华路8号"})
    driver = Driver(world)
    change = driver.run(change)
    assert Stage.ONSITE not in [s for s, _t in driver.stages]
    inst.refresh_from_db()
    assert inst.address == "新华路8号"
    end = Driver(world).run(licensing.application_submit(
        actor=world.a.users["county_admin"], institution=inst,
        action=ApplicationAction.TERMINATE))
    inst.refresh_from_db()
    assert end.stage == Stage.COMPLETED and inst.status == InstitutionStatus.TERMINATED


def test_one_application_at_a_time_and_staff_apply_for_their_own(world):
    inst = register(world, "a", 1, category="arts")
    staff = world.a.users["institution"]
    staff.institution = inst
    staff.save()
    app = licensing.application_submit(actor=staff, institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    assert app.channel == "portal"
    with pytest.raises(InvalidState):
        licensing.application_submit(actor=staff, institution=inst,
                                     action=ApplicationAction.ESTABLISH)
    other = register(world, "a", 2, category="arts")
    with pytest.raises(PermissionDenied):
        licensing.application_submit(actor=staff, institution=other,
                                     action=ApplicationAction.ESTABLISH)


def test_a_returned_step_keeps_its_history_and_the_stage_waits_for_it(world):
    """Issue 4: returned steps keep their history. A co-review handed back holds the
    stage until an admin reassigns it and it is done; the case timeline keeps the
    return and its reason."""
    from django.test import Client

    from cases.models import AuditEvent
    from cases.services import task_complete, task_reassign, task_return

    app = submit(world, "arts")
    driver = Driver(world)
    app = driver.advance_to(app, Stage.REVIEW)
    co_review = Task.objects.get(case=app.case, step=Step.CO_REVIEW)
    task_return(actor=world.a.users["officer"], task=co_review, reason="材料不属本科室审核范围")
    for task in Task.objects.filter(case=app.case, status=TaskStatus.OPEN):
        task_complete(actor=driver.person(task.department), task=task, note="已审核")
    app.refresh_from_db()
    assert app.stage == Stage.REVIEW  # the returned co-review holds the stage
    task_reassign(actor=world.a.users["county_admin"], task=co_review,
                  assignee=world.a.users["head"], reason="请科长复核")
    co_review.refresh_from_db()
    task_complete(actor=world.a.users["head"], task=co_review, note="复核通过")
    app.refresh_from_db()
    assert app.stage == Stage.ONSITE
    returned = AuditEvent.objects.get(case=app.case, action="task.return")
    assert returned.reason == "材料不属本科室审核范围"
    client = Client()
    client.force_login(world.a.users["county_admin"])
    assert "材料不属本科室审核范围" in client.get(app.case.get_absolute_url()).content.decode()


def test_an_application_of_a_200_character_name_gets_a_case_title_that_fits(world):
    """Issue 14 D6: the case title is composed from the action and the name; it is cut to
    its column (with an ellipsis), never a database error."""
    inst = register(world, name="艺" * 200)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    assert len(app.case.title) == 200 and app.case.title.endswith("…")
