"""The licensing workflow through its pages (forms, panel, decisions, certificate)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Task, TaskStatus
from core.errors import DomainError
from core.vocab import DepartmentType as D
from institutions.models import (
    Institution,
    InstitutionStatus,
)
from institutions.tests.helpers import (
    _finish_cosign,
    _to_conclusion,
    application_documents,
    licensed_with_gate,
    login,
    register,
)
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from org.models import RegionLevel, Role
from portal.demo import demo_uscc
from tests.factories import UserFactory
from tests.licensing_driver import Driver

pytestmark = pytest.mark.django_db


def apply_form(inst, action="establish"):
    """The application form's data: the action and a file for each document."""
    return {"action": action, **{f"doc_{code}": upload for code, upload in
                                 application_documents(inst, action).items()}}


def test_register_form_shows_field_errors_and_creates_nothing(world):
    client = login(world.a.users["county_admin"])
    response = client.post("/office/institutions/new/", {
        "name": "坏码机构", "uscc": demo_uscc(world.a.region.code, 1)[:-1] + "I",
        "nature": "for_profit", "category": "arts", "legal_representative": "张",
        "safety_person": "张", "safety_person_role": "legal_representative", "address": "路",
        "region": world.a.town.pk})
    assert response.status_code == 400
    assert "I, O, Z, S" in response.content.decode() or "I、O" in response.content.decode() \
        or "uscc" in response.content.decode()
    assert not Institution.objects.exists()


def test_walk_through_the_pages(world):
    admin = login(world.a.users["county_admin"])
    response = admin.post("/office/institutions/new/", {
        "name": "页面测试美术中心", "uscc": demo_uscc(world.a.region.code, 1),
        "nature": "for_profit", "category": "arts", "legal_representative": "张三",
        "safety_person": "张三", "safety_person_role": "legal_representative",
        "address": "人民路1号", "region": world.a.town.pk})
    assert response.status_code == 302
    inst = Institution.objects.get()
    response = admin.post(f"/office/institutions/{inst.uscc}/apply/", apply_form(inst))
    assert response.status_code == 302
    case_url = response["Location"]
    people = {D.CULTURE_TOURISM: world.a.users["culture"],
              D.EDUCATION_SPORTS: world.a.users["officer"],
              D.MARKET_REGULATION: world.a.users["market"],
              D.PUBLIC_SECURITY: UserFactory(role=Role.OFFICER,
                                             department=world.a.depts[D.PUBLIC_SECURITY])}
    culture_head = UserFactory(role=Role.DEPARTMENT_HEAD,
                               department=world.a.depts[D.CULTURE_TOURISM])
    forms = {"accept": {"accept": "yes", "reason": ""},
             "onsite": {"note": "符合", "item_premises": "on", "item_fire_safety": "on"},
             "conclude": {"approve": "yes", "reason": "同意", "confirm": "on"},
             "register": {"registration_number": "91530102MA0000001R"},
             "licence": {"licence_number": "文旅民0099号", "valid_until": "2029-12-31"}}

    def form_for(verb):
        from tests import samplefiles

        if verb != "register":
            return forms[verb]
        return {**forms[verb], "certificate": SimpleUploadedFile(
            "营业执照.pdf", samplefiles.pdf(), content_type="application/pdf")}

    for _round in range(12):
        inst.refresh_from_db()
        app = inst.applications.get()
        if app.stage == Stage.COMPLETED:
            break
        for user in [*people.values(), culture_head]:
            client = login(user)
            page = client.get(case_url).content.decode()
            assert client.get(case_url).status_code == 200
            for verb in re.findall(r'id="decide-(\w+)"', page):
                if (verb == "conclude") != (user == culture_head):
                    continue  # only the head concludes, and the head does nothing else
                response = client.post(f"/office/licensing/{app.pk}/{verb}/", form_for(verb))
                body = response.content.decode()
                if verb == "conclude" and response.status_code == 400:
                    # Co-signatures still open: the form says so, and the head returns.
                    assert "alert-danger" in body
                    continue
                assert response.status_code == 302, body.split("card-body")[-1][:1500]
            if user == culture_head:
                continue  # the head concludes; whoever reviews may not conclude
            for pk in re.findall(r'/office/tasks/(\d+)/complete/', client.get(case_url)
                                 .content.decode()):
                response = client.post(f"/office/tasks/{pk}/complete/", {"note": "已办理"})
                assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.COMPLETED
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.LICENSED
    assert not Task.objects.filter(case=app.case).exclude(status=TaskStatus.DONE).exists()
    # The on-site step's finding reads as itself, not after a dash with nothing before it
    # (the walk of 2 December: 现场勘验:  — 场地、消防、安防符合要求).
    panel = login(culture_head).get(case_url).content.decode()
    assert "现场勘验：符合" in panel and " — 符合" not in panel
    public = Client()
    assert "文旅民0099号" in public.get(f"/institutions/{inst.uscc}/").content.decode()
    assert "文旅民0099号" in public.get(f"/institutions/{inst.uscc}/licence/").content.decode()
    body = public.get("/", {"q": inst.name}).content.decode()
    assert inst.name in body


def test_staff_apply_for_their_own_institution_only(world):
    inst = register(world, "a", 1)
    other = register(world, "a", 2)
    staff = world.a.users["institution"]
    staff.institution = inst
    staff.save()
    client = login(staff)
    assert client.get(f"/office/institutions/{other.uscc}/apply/").status_code == 404
    response = client.post(f"/office/institutions/{inst.uscc}/apply/", apply_form(inst))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200  # staff see their case
    response = client.post(f"/office/institutions/{inst.uscc}/apply/", apply_form(inst))
    assert response.status_code == 400  # one application at a time, said on the form


def test_onsite_photos_are_kept_with_the_case_and_a_bad_one_stores_nothing(world):
    """Issue 4 step 3: the on-site inspection records a checklist and photos; uploads are
    checked by size and real type, and a refusal leaves nothing behind."""

    from cases.models import Attachment
    from licensing import services as licensing
    from licensing.models import ApplicationAction
    from tests import samplefiles
    from tests.licensing_driver import Driver

    inst = register(world)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    app = Driver(world).advance_to(app, Stage.ONSITE)
    client = login(world.a.users["culture"])
    url = f"/office/licensing/{app.pk}/onsite/"
    form = {"note": "场地符合", "item_premises": "on"}
    bad = client.post(url, {**form, "photos": [
        SimpleUploadedFile("site.jpg", samplefiles.JPEG, "image/jpeg"),
        SimpleUploadedFile("photo.jpg", samplefiles.exe(), "image/jpeg")]})
    assert bad.status_code == 400
    assert not Attachment.objects.filter(uploaded_by=world.a.users["culture"]).exists()
    app.refresh_from_db()
    assert app.stage == Stage.ONSITE
    ok = client.post(url, {**form, "photos": [
        SimpleUploadedFile("site.jpg", samplefiles.JPEG, "image/jpeg"),
        SimpleUploadedFile("door.png", samplefiles.png(), "image/png")]})
    assert ok.status_code == 302
    assert sorted(Attachment.objects.filter(case=app.case, uploaded_by=world.a.users["culture"]).values_list(
        "content_type", flat=True)) == ["image/jpeg", "image/png"]


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


def test_the_conclusion_is_offered_only_once_the_others_are_done(world):
    inst = register(world)
    app = _to_conclusion(world, inst)
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    page = login(head).get(app.case.get_absolute_url()).content.decode()
    assert 'id="awaiting-others"' in page and 'id="decide-conclude"' not in page
    _finish_cosign(world, app)
    page = login(head).get(app.case.get_absolute_url()).content.decode()
    assert 'id="decide-conclude"' in page


def test_the_applicant_answers_on_its_case_and_never_reads_internal_notes(world):
    """Issue 14 C1, D3: comments and files are internal to the departments by default; an
    officer addresses the applicant explicitly (it is told); the applicant writes and
    uploads on its own application, and the departments hear of it."""
    from cases import services as case_services
    from cases.models import AuditEvent, Notification
    from institutions.tests.helpers import staff_of
    from tests import samplefiles

    inst = register(world)
    staff = staff_of(world, inst)
    admin, officer = world.a.users["county_admin"], world.a.users["culture"]
    app = licensing.application_submit(actor=admin, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    case = app.case
    case_services.comment_add(actor=officer, case=case, body="内部意见：场地存疑")
    case_services.attachment_add(actor=officer, case=case, upload=SimpleUploadedFile(
        "photo.png", samplefiles.png()))
    case_services.comment_add(actor=officer, case=case, body="请补充消防验收材料",
                              to_applicant=True)
    assert Notification.objects.filter(recipient=staff, case=case,
                                       title__contains=case.number).exists()
    with pytest.raises(DomainError):
        case_services.comment_add(actor=staff, case=case, body="x", to_applicant=True)

    client = login(staff)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "请补充消防验收材料" in page and "内部意见" not in page and "photo.png" not in page
    assert 'name="to_applicant"' not in page and 'name="body"' in page and 'name="file"' in page
    internal = case.attachments.get(uploaded_by=officer)
    assert client.get(f"{case.get_absolute_url()}attachments/{internal.pk}/").status_code == 404

    client.post(f"{case.get_absolute_url()}comments/", {"body": "已补充，见附件"})
    client.post(f"{case.get_absolute_url()}attachments/",
                {"file": SimpleUploadedFile("消防验收.pdf", samplefiles.pdf())})
    page = client.get(case.get_absolute_url()).content.decode()
    assert "已补充，见附件" in page and "消防验收.pdf" in page
    assert not any("内部意见" in str(e.after) for e in AuditEvent.objects.restrict(staff))
    officer_page = login(officer).get(case.get_absolute_url()).content.decode()
    assert "已补充，见附件" in officer_page and 'name="to_applicant"' in officer_page
    assert Notification.objects.filter(case=case, body="已补充，见附件",
                                       recipient=officer).exists()  # holds the open task


def test_the_applicant_and_the_officers_see_who_acts_next(world):
    """Issue 14 C2: the panel says whose turn it is, on which step, by when."""
    from cases.models import Task
    from institutions.tests.helpers import staff_of

    inst = register(world)
    staff = staff_of(world, inst)
    app = licensing.application_submit(actor=staff, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst, ApplicationAction.ESTABLISH))
    task = Task.objects.get(case=app.case, status="open")
    from cases import kinds

    step = kinds.step_label(app.case.kind, task.step)
    expected = f"等待{task.department.name}：{step}，{task.due_date:%m-%d}前完成"
    for user in (staff, world.a.users["county_admin"]):
        page = login(user).get(app.case.get_absolute_url()).content.decode()
        assert 'id="licensing-next"' in page and expected in page
