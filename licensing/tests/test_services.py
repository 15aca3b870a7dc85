"""The licensing workflow from the responsibility matrix (issue 4 "Licensing workflow";
000 §3, 001 §4(2)4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from cases import services as case_services
from cases.models import CaseState, Task, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as D
from core.vocab import Step
from institutions import services
from institutions.models import (
    Institution,
    InstitutionStatus,
    Staff,
)
from institutions.rules import RuleViolation, Slot
from institutions.tests.helpers import (
    _finish_cosign,
    _to_conclusion,
    application_documents,
    licensed_with_gate,
    login,
    register,
    staff_of,
)
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from org.models import Role
from org.scope import Action
from portal.demo import demo_id_number
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


def test_rejection_closes_the_case_and_the_institution_is_no_longer_applying(world):
    """issue 14 C3: after a rejection the institution is not approved (not 申请中), stays
    unpublished, and may apply again, which makes it applying again."""
    app = submit(world, "arts")
    app = Driver(world).run(app, approve=False)
    assert app.stage == Stage.REJECTED
    inst = Institution.objects.get(pk=app.institution_id)
    assert inst.status == InstitutionStatus.NOT_APPROVED
    assert app.decisions[Stage.CONCLUSION]["approve"] is False
    assert not Institution.objects.restrict(AnonymousUser(), Action.PUBLIC).filter(pk=inst.pk).exists()
    again = licensing.application_submit(
        actor=world.a.users["county_admin"], institution=inst, action=ApplicationAction.ESTABLISH,
        documents=application_documents(inst))
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.APPLYING and again.stage == Stage.ACCEPTANCE


def test_a_relicensing_rejection_leaves_the_licence_as_it_was(world):
    inst = licensed_with_gate(world)
    app = Driver(world).run(licensing.application_submit(
        actor=world.a.users["county_admin"], institution=inst, action=ApplicationAction.RELICENSE,
        documents=application_documents(inst, ApplicationAction.RELICENSE)), approve=False)
    assert app.stage == Stage.REJECTED
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.LICENSED


def test_non_acceptance_needs_a_reason(world):
    app = submit(world, "arts")
    culture_officer = world.a.users["culture"]
    with pytest.raises(DomainError):
        licensing.application_accept(actor=culture_officer, application=app, accept=False)
    app = licensing.application_accept(actor=culture_officer, application=app, accept=False,
                                       reason="材料不全")
    assert app.stage == Stage.NOT_ACCEPTED
    assert Institution.objects.get(pk=app.institution_id).status == \
        InstitutionStatus.NOT_APPROVED


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
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    assert app.channel == "portal"
    with pytest.raises(InvalidState):
        licensing.application_submit(actor=staff, institution=inst,
                                     action=ApplicationAction.ESTABLISH,
                                     documents=application_documents(inst, ApplicationAction.ESTABLISH))
    other = register(world, "a", 2, category="arts")
    with pytest.raises(PermissionDenied):
        licensing.application_submit(actor=staff, institution=other,
                                     action=ApplicationAction.ESTABLISH,
                                     documents=application_documents(other, ApplicationAction.ESTABLISH))


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
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    assert len(app.case.title) == 200 and app.case.title.endswith("…")


def test_a_cancelled_application_does_not_block_the_next(world):
    inst = register(world, n=1)
    admin = world.a.users["county_admin"]
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    case_services.case_cancel(actor=admin, case=app.case, reason="申请人撤回")
    again = licensing.application_submit(actor=admin, institution=inst,
                                         action=ApplicationAction.ESTABLISH,
                                         documents=application_documents(inst, ApplicationAction.ESTABLISH))
    assert again.pk != app.pk


def test_a_failed_staff_check_blocks_approval(world):
    from tests.licensing_driver import Driver

    inst = register(world, n=1, category="sports")
    admin = world.a.users["county_admin"]
    services.staff_hire(actor=admin, institution=inst, name="王五", id_number=demo_id_number(5),
                        credential_kind="teacher_certificate")
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    services.staff_check(actor=police, staff=Staff.objects.get(), kind="record", passed=False,
                         note="有违法记录")
    services.staff_check(actor=world.a.users["officer"], staff=Staff.objects.get(),
                         kind="credential", passed=True)
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    with pytest.raises(DomainError) as exc:
        Driver(world).run(app)
    assert exc.value.field == "approve"


def test_verification_tasks_wait_for_every_staff_check(world):
    """000 §3: the credential and record checks are recorded per staff member before the
    verification tasks end; a staff member who left does not count."""
    import datetime as dt

    from cases.models import Task, TaskStatus
    from cases.services import task_complete
    from core.vocab import Step
    from licensing.models import Stage
    from tests.licensing_driver import Driver

    inst = register(world, n=1, category="sports")
    admin = world.a.users["county_admin"]
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(5),
                                credential_kind="teacher_certificate")
    gone = services.staff_hire(actor=admin, institution=inst, name="赵六",
                               id_number=demo_id_number(6),
                               credential_kind="teacher_certificate")
    services.staff_leave(actor=admin, staff=gone, left_on=dt.date(2026, 11, 1))
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    driver = Driver(world)
    driver.advance_to(app, Stage.VERIFICATION)
    record = Task.objects.get(case=app.case, step=Step.RECORD_CHECK, status=TaskStatus.OPEN)
    police = driver.person(record.department)
    with pytest.raises(DomainError):
        task_complete(actor=police, task=record, note="已核查")
    services.staff_check(actor=police, staff=staff, kind="record", passed=True)
    assert task_complete(actor=police, task=record, note="已核查").status == TaskStatus.DONE


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


def test_verification_waits_for_a_rechecked_credential(world):
    """A credential changed during licensing is verified again before the stage ends."""
    inst = register(world)
    admin = world.a.users["county_admin"]
    staff = services.staff_hire(actor=admin, institution=inst, name="王五",
                                id_number=demo_id_number(40),
                                credential_kind="teacher_certificate")
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
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
    with pytest.raises(DomainError, match="昆教体办发〔2023〕120号 第三条"):
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


def test_onsite_photos_must_be_images(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Attachment
    from tests import samplefiles

    inst = register(world)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    app = Driver(world).advance_to(app, Stage.ONSITE)
    with pytest.raises(DomainError):
        licensing.application_record_onsite(
            actor=world.a.users["culture"], application=app, checklist={"premises": True},
            note="符合", photos=[SimpleUploadedFile("plan.pdf", samplefiles.pdf())])
    assert not Attachment.objects.filter(uploaded_by=world.a.users["culture"]).exists()


def test_an_ended_licensing_case_is_not_reopened(world):
    from cases.services import case_reopen

    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    app = Driver(world).run(licensing.application_submit(
        actor=admin, institution=inst, action=ApplicationAction.RELICENSE, documents=application_documents(inst, ApplicationAction.RELICENSE)))
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
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
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


def test_no_new_academic_or_pre_school_institution_where_the_city_says_so(world):
    """001 §3(1) (Beichen): no new academic institution and no new institution for
    pre-school children is approved; establishment is refused at submission, citing the
    rule. Non-academic ones are established; Kunming establishes pre-school ones."""
    from institutions.rules import RuleViolation

    for t in (D.GOVERNMENT_SERVICES, D.EDUCATION):
        DepartmentFactory(region=world.a.region, type=t)
    admin = world.a.users["county_admin"]
    with override_settings(POLICY_PROFILE="beichen"):
        academic = register(world, n=1, category="academic")
        with pytest.raises(RuleViolation) as exc:
            licensing.application_submit(actor=admin, institution=academic,
                                         action=ApplicationAction.ESTABLISH,
                                         documents=application_documents(academic, ApplicationAction.ESTABLISH))
        assert exc.value.field == "category" and "第三条（一）" in str(exc.value.message)
        preschool = register(world, n=2, category="arts", serves_preschool=True)
        with pytest.raises(RuleViolation) as exc:
            licensing.application_submit(actor=admin, institution=preschool,
                                         action=ApplicationAction.ESTABLISH,
                                         documents=application_documents(preschool, ApplicationAction.ESTABLISH))
        assert exc.value.field == "serves_preschool" and "第三条（一）" in str(exc.value.message)
        arts = register(world, n=3, category="arts")
        assert licensing.application_submit(actor=admin, institution=arts,
                                            action=ApplicationAction.ESTABLISH,
                                            documents=application_documents(arts, ApplicationAction.ESTABLISH)).pk
    kunming_preschool = register(world, n=4, category="arts", serves_preschool=True)
    assert licensing.application_submit(actor=admin, institution=kunming_preschool,
                                        action=ApplicationAction.ESTABLISH,
                                        documents=application_documents(kunming_preschool, ApplicationAction.ESTABLISH)).pk
