"""Regressions found in review: bad input never 500s, only the right departments act,
and the workflow never gets stuck."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services as case_services
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as D
from institutions import imports, services
from institutions.models import ImportJob, InstitutionStatus, Staff
from institutions.tests.test_import import good_row, workbook
from institutions.tests.test_registry import licensed_with_gate, register
from licensing import services as licensing
from licensing.models import ApplicationAction
from org.models import Role
from portal.demo import demo_id_number
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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


def test_only_the_accepting_or_supervising_department_registers(world):
    police = UserFactory(role=Role.OFFICER, department=world.a.depts[D.PUBLIC_SECURITY])
    with pytest.raises(PermissionDenied):
        register(world, n=1, actor=police)
    assert register(world, n=2, actor=world.a.users["culture"]).pk  # culture supervises arts
    inst = licensed_with_gate(world, n=3)
    with pytest.raises(PermissionDenied):
        licensing.application_submit(actor=police, institution=inst,
                                     action=ApplicationAction.TERMINATE)


def test_a_cancelled_application_does_not_block_the_next(world):
    inst = register(world, n=1)
    admin = world.a.users["county_admin"]
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH)
    case_services.case_cancel(actor=admin, case=app.case, reason="申请人撤回")
    again = licensing.application_submit(actor=admin, institution=inst,
                                         action=ApplicationAction.ESTABLISH)
    assert again.pk != app.pk


def test_no_status_change_while_an_application_runs(world):
    inst = licensed_with_gate(world, n=1)
    admin = world.a.users["county_admin"]
    licensing.application_submit(actor=admin, institution=inst,
                                 action=ApplicationAction.CHANGE,
                                 change_details={"address": "新址"})
    with pytest.raises(InvalidState):
        services.institution_set_status(actor=admin, institution=inst,
                                        status=InstitutionStatus.REVOKED, reason="x")


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
                                       action=ApplicationAction.ESTABLISH)
    with pytest.raises(DomainError) as exc:
        Driver(world).run(app)
    assert exc.value.field == "approve"


def test_import_edge_cases_end_clearly(world, django_capture_on_commit_callbacks):
    admin = world.a.users["county_admin"]

    def start(upload, actor=admin):
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.import_start(actor=actor, upload=upload, mode="all")
        job.refresh_from_db()
        return job

    assert start(workbook([])).state == ImportJob.State.REFUSED  # header only
    with pytest.raises(DomainError):  # a cut-off file is not an .xlsx at all
        start(SimpleUploadedFile("b.xlsx", workbook([good_row(world, 1)]).read()[:900]))
    # A real .xlsx package whose sheet XML is broken: the job fails with a message.
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook([good_row(world, 1)]).read()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    job = start(SimpleUploadedFile("c.xlsx", out.getvalue()))
    assert job.state in (ImportJob.State.FAILED, ImportJob.State.REFUSED) and job.message
    officer = world.a.users["culture"]
    job = start(workbook([good_row(world, 2, licence="文旅民1号")]), actor=officer)
    assert job.state == ImportJob.State.REFUSED and "licence" in job.errors[0]["field"].lower() \
        or "许可" in job.errors[0]["field"]
    long = good_row(world, 3, licence="号" * 61)
    assert start(workbook([long])).state == ImportJob.State.REFUSED


def test_bad_dates_are_form_errors(world):
    inst = register(world, n=1)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.post(f"/office/institutions/{inst.uscc}/course/", {
        "name": "x", "mode": "offline", "lesson_minutes": 60, "break_minutes": 10,
        "class_hours": 10, "price": "1", "slots": "3 18:00-19:00", "starts_on": "0001-01-01"})
    assert response.status_code in (302, 400)


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
                                       action=ApplicationAction.ESTABLISH)
    driver = Driver(world)
    driver.advance_to(app, Stage.VERIFICATION)
    record = Task.objects.get(case=app.case, step=Step.RECORD_CHECK, status=TaskStatus.OPEN)
    police = driver.person(record.department)
    with pytest.raises(DomainError):
        task_complete(actor=police, task=record, note="已核查")
    services.staff_check(actor=police, staff=staff, kind="record", passed=True)
    assert task_complete(actor=police, task=record, note="已核查").status == TaskStatus.DONE
