"""issue 14 C4: the registration step asks for the fact it produces, the registration
number and its certificate, and stores them (000 §3: market regulation registers a
for-profit institution, civil affairs a non-profit one)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Task, TaskStatus
from core.errors import DomainError, PermissionDenied
from core.vocab import Step
from institutions.tests.helpers import application_documents, login, register, staff_of
from licensing import services as licensing
from licensing.models import Stage
from tests import samplefiles
from tests.licensing_driver import Driver

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_registration(world):
    inst = register(world)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action="establish", documents=application_documents(inst))
    driver = Driver(world)
    while app.stage != Stage.REGISTRATION:
        driver.run_one_round(app)
        app.refresh_from_db()
    task = Task.objects.get(case=app.case, step=Step.REGISTRATION, status=TaskStatus.OPEN)
    return app, task, driver.person(task.department)


def certificate(data=None):
    return SimpleUploadedFile("营业执照.pdf", data or samplefiles.pdf(),
                              content_type="application/pdf")


def test_the_step_records_the_number_and_the_certificate(world, at_registration):
    app, task, registrar = at_registration
    assert task.department.type == "market_regulation"  # for-profit (000 §3)
    app = licensing.application_record_registration(
        actor=registrar, application=app, registration_number=" 91530102MA0000001R ",
        certificate=certificate())
    assert app.registration_number == "91530102MA0000001R"
    decision = app.decisions[Stage.REGISTRATION]
    assert decision["registration_number"] == "91530102MA0000001R"
    kept = Attachment.objects.get(pk=decision["certificate"])
    assert kept.case_id == app.case_id and kept.to_applicant
    assert app.stage == Stage.FILING
    # The applicant reads its certificate and its number on its case.
    page = login(staff_of(world, app.institution)).get(app.case.get_absolute_url())
    body = page.content.decode()
    assert "91530102MA0000001R" in body and f"/attachments/{kept.pk}/" in body


def test_the_step_is_not_completed_without_its_fact(world, at_registration):
    app, task, registrar = at_registration
    from cases.services import task_complete

    with pytest.raises(DomainError):
        task_complete(actor=registrar, task=task, note="已登记")
    with pytest.raises(DomainError) as blank:
        licensing.application_record_registration(
            actor=registrar, application=app, registration_number=" ",
            certificate=certificate())
    assert blank.value.field == "registration_number"
    with pytest.raises(DomainError) as bad:
        licensing.application_record_registration(
            actor=registrar, application=app, registration_number="X1",
            certificate=certificate(samplefiles.exe()))
    assert bad.value.field == "certificate"
    app.refresh_from_db()
    assert app.stage == Stage.REGISTRATION and app.registration_number == ""
    assert not Attachment.objects.filter(uploaded_by=registrar).exists()


def test_only_the_registering_department_records_it(world, at_registration):
    app, _task, _registrar = at_registration
    for user in (world.a.users["culture"], world.b.users["market"],
                 staff_of(world, app.institution)):
        with pytest.raises((PermissionDenied, DomainError)):
            licensing.application_record_registration(
                actor=user, application=app, registration_number="X1",
                certificate=certificate())


def test_the_form_asks_for_both_and_shows_errors(world, at_registration):
    app, _task, registrar = at_registration
    client = login(registrar)
    url = f"/office/licensing/{app.pk}/register/"
    page = client.get(app.case.get_absolute_url()).content.decode()
    assert 'id="decide-register"' in page
    form = client.get(url).content.decode()
    assert 'name="registration_number"' in form and 'name="certificate"' in form
    assert 'enctype="multipart/form-data"' in form and "MB" in form
    response = client.post(url, {"registration_number": "91530102MA0000001R"})
    assert response.status_code == 400
    response = client.post(url, {"registration_number": "91530102MA0000001R",
                                 "certificate": certificate()})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.registration_number == "91530102MA0000001R"
    other = login(world.b.users["market"])
    assert other.get(url).status_code == 404
