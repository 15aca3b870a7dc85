"""核实必处 (004 §6(2)2) opens real records through the outcome registry: a rectification
order and an enforcement case (inspections registers them), a refund mediation (the
portal wires funds); the report back up on forwarded complaints (004 §6(2)4); the
verification's files; the institution's explanation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cases.models import CaseState, TaskStatus
from complaints import outcomes, services
from complaints.models import (
    Channel,
    Complaint,
    ComplaintFile,
    ComplaintStatus,
    FileStage,
    Finding,
    Outcome,
    Rating,
    ReportBack,
)
from complaints.tests.helpers import lead, submit
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType
from funds.models import Movement, MovementKind
from funds.models import OrderState as FundOrderState
from funds.tests.helpers import paid_order, supervised
from inspections import reference
from inspections.models import Enforcement, RectificationOrder
from institutions.tests.helpers import register, staff_of
from tests import samplefiles
from tests.factories import World

pytestmark = pytest.mark.django_db

PDF = samplefiles.pdf()


@pytest.fixture(autouse=True)
def _violations(db):  # type: ignore[no-untyped-def]
    reference.ensure()


def _with_culture(world):
    """A complaint about an unregistered point: the dispatcher sends it on to culture and
    tourism, whose officer verifies it."""
    complaint = submit(world)[0]
    if lead(complaint).step == "dispatch":
        services.complaint_dispatch(actor=world.a.users["joint"], complaint=complaint,
                                    department=world.a.depts[DepartmentType.CULTURE_TOURISM])
    officer = world.a.users["culture"]
    return _verified(world, complaint, actor=officer), officer


def _verified(world, complaint, actor=None, finding=Finding.SUBSTANTIATED):
    services.complaint_verify(actor=actor or world.a.users["officer"], complaint=complaint,
                              finding=finding, evidence="现场核查属实")
    complaint.refresh_from_db()
    return complaint


def test_the_registry_holds_the_three_handlers():
    keys = {h.key for h in outcomes.registered()}
    assert keys == {Outcome.RECTIFICATION, Outcome.ENFORCEMENT, Outcome.REFUND_MEDIATION}
    with pytest.raises(ValueError):
        outcomes.register(Outcome.NOTHING_FURTHER, "x", "complaints.work",
                          lambda **kw: None)  # type: ignore[arg-type, return-value]


# -- rectification order -------------------------------------------------------------------

def test_handling_opens_a_rectification_order_and_links_it(world: World):
    inst = register(world)
    complaint = _verified(world, submit(world, institution=inst)[0])
    officer = world.a.users["officer"]
    services.complaint_handle(actor=officer, complaint=complaint,
                              outcome=Outcome.RECTIFICATION, note="收费公示不全")
    complaint.refresh_from_db()
    order = RectificationOrder.objects.get()
    assert order.institution == inst and order.department == lead(complaint).department
    assert complaint.case.number in order.findings and "收费公示不全" in order.findings
    assert (complaint.outcome_link_kind, complaint.outcome_link_id,
            complaint.outcome_link_number) == ("rectification", order.pk, order.case.number)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/office/complaints/{complaint.case.number}/").content.decode()
    assert f'href="/office/inspections/orders/{order.pk}/"' in page
    assert order.case.number in page


def test_rectification_needs_a_registered_institution_and_changes_nothing(world: World):
    complaint, officer = _with_culture(world)  # described, not registered
    with pytest.raises(DomainError) as err:
        services.complaint_handle(actor=officer, complaint=complaint,
                                  outcome=Outcome.RECTIFICATION, note="整改")
    assert err.value.field == "outcome"
    complaint.refresh_from_db()
    assert complaint.outcome == "" and complaint.status == ComplaintStatus.HANDLING
    assert not RectificationOrder.objects.exists()


# -- enforcement case ----------------------------------------------------------------------

def test_handling_opens_an_enforcement_case_with_the_competent_department(world: World):
    complaint, officer = _with_culture(world)  # an unlicensed point, by description
    with pytest.raises(DomainError) as err:
        services.complaint_handle(actor=officer, complaint=complaint,
                                  outcome=Outcome.ENFORCEMENT, note="无证办学")
    assert err.value.field == "violation" and not Enforcement.objects.exists()
    services.complaint_handle(actor=officer, complaint=complaint, outcome=Outcome.ENFORCEMENT,
                              note="无证办学", params={"violation": "unlicensed"})
    complaint.refresh_from_db()
    enforcement = Enforcement.objects.get()
    assert enforcement.subject_name == "某培训点" and enforcement.violation.code == "unlicensed"
    assert enforcement.department.type == DepartmentType.EDUCATION_SPORTS
    assert enforcement.department.region == world.a.region
    assert complaint.outcome_link_kind == "enforcement"
    assert complaint.outcome_link_number == enforcement.case.number
    assert outcomes.link_url(complaint) == f"/office/inspections/enforcement/{enforcement.pk}/"


def test_enforcement_through_the_page_with_field_errors(world: World):
    complaint, officer = _with_culture(world)
    client = Client()
    client.force_login(officer)
    url = f"/office/complaints/{complaint.case.number}/handle/"
    page = client.get(f"/office/complaints/{complaint.case.number}/").content.decode()
    assert 'name="violation"' in page and 'name="fund_order"' in page
    bad = client.post(url, {"outcome": "enforcement", "note": "无证办学"})
    assert bad.status_code == 400 and "violation" in bad.context["forms"]["handle"].errors
    assert not Enforcement.objects.exists()
    ok = client.post(url, {"outcome": "enforcement", "note": "无证办学",
                           "violation": "unlicensed"})
    assert ok.status_code == 302 and Enforcement.objects.count() == 1


# -- refund mediation (funds, wired by the portal) ----------------------------------------

def _refund_case(world):
    inst, course = supervised(world)
    fund_order = paid_order(world, inst, course)
    complaint = submit(world, institution=inst, topic_code="refund")[0]
    return inst, fund_order, complaint


def test_refund_mediation_refunds_the_funds_order_of_the_supervising_department(world: World):
    inst, fund_order, complaint = _refund_case(world)
    # Kunming: education leads the complaint; the institution's funds are supervised by
    # culture and tourism, whose officers alone may refund them (funds' own rule).
    officer = world.a.users["officer"]
    complaint = _verified(world, complaint)
    with pytest.raises(DomainError) as err:
        services.complaint_handle(actor=officer, complaint=complaint,
                                  outcome=Outcome.REFUND_MEDIATION, note="调解退费",
                                  params={"fund_order": fund_order.number})
    assert err.value.field == "fund_order"
    fund_order.refresh_from_db()
    assert fund_order.state == FundOrderState.PAID
    # the joint office hands it to the supervising department, which mediates
    culture = world.a.depts[DepartmentType.CULTURE_TOURISM]
    services.complaint_dispatch(actor=world.a.users["joint"], complaint=complaint,
                                department=culture, reason="资金监管部门调解")
    services.complaint_handle(actor=world.a.users["culture"], complaint=complaint,
                              outcome=Outcome.REFUND_MEDIATION, note="双方同意退还剩余课时费",
                              params={"fund_order": fund_order.number.lower()})
    fund_order.refresh_from_db()
    complaint.refresh_from_db()
    assert fund_order.state == FundOrderState.REFUNDED
    refund = Movement.objects.get(order=fund_order, kind=MovementKind.REFUND)
    assert refund.idempotency_key == f"complaint-{complaint.pk}"
    assert complaint.outcome_link_kind == "refund_mediation"
    assert complaint.outcome_link_number == fund_order.number
    assert outcomes.link_url(complaint) == f"/office/funds/orders/{fund_order.number}/"


def test_refund_mediation_refuses_another_institutions_order(world: World):
    _inst, _fund_order, complaint = _refund_case(world)
    other, course = supervised(world, "b", n=2)
    foreign = paid_order(world, other, course, key="b")
    culture = world.a.depts[DepartmentType.CULTURE_TOURISM]
    complaint = _verified(world, complaint)
    services.complaint_dispatch(actor=world.a.users["joint"], complaint=complaint,
                                department=culture, reason="转办")
    with pytest.raises(DomainError) as err:
        services.complaint_handle(actor=world.a.users["culture"], complaint=complaint,
                                  outcome=Outcome.REFUND_MEDIATION, note="调解",
                                  params={"fund_order": foreign.number})
    assert err.value.field == "fund_order"
    foreign.refresh_from_db()
    assert foreign.state == FundOrderState.PAID


def test_an_officer_without_the_handlers_ability_opens_nothing(world: World, monkeypatch):
    """The registry asks the handler's ability before the handler runs."""
    inst = register(world)
    complaint = _verified(world, submit(world, institution=inst)[0])
    monkeypatch.setattr(services, "may", lambda user, ability, target=None: False)
    with pytest.raises(PermissionDenied):
        services.complaint_handle(actor=world.a.users["officer"], complaint=complaint,
                                  outcome=Outcome.RECTIFICATION, note="整改")
    assert not RectificationOrder.objects.exists()


def test_the_handle_step_is_not_open_to_the_other_county(world: World):
    inst = register(world)
    complaint = _verified(world, submit(world, institution=inst)[0])
    client = Client()
    client.force_login(world.b.users["officer"])
    response = client.post(f"/office/complaints/{complaint.case.number}/handle/",
                           {"outcome": "rectification", "note": "整改"})
    assert response.status_code == 404 and not RectificationOrder.objects.exists()


# -- verification files --------------------------------------------------------------------

def test_verification_files_are_checked_and_kept_apart(world: World):
    inst = register(world)
    complaint = submit(world, institution=inst)[0]
    client = Client()
    client.force_login(world.a.users["officer"])
    url = f"/office/complaints/{complaint.case.number}/"
    fake = SimpleUploadedFile("现场.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    bad = client.post(url + "verify/", {"finding": "substantiated", "evidence": "现场核查",
                                        "files": [fake]})
    assert bad.status_code == 400 and "files" in bad.context["forms"]["verify"].errors
    complaint.refresh_from_db()
    assert complaint.finding == "" and not ComplaintFile.objects.exists()
    good = SimpleUploadedFile("现场记录.pdf", PDF, content_type="application/pdf")
    assert client.post(url + "verify/", {"finding": "substantiated", "evidence": "现场核查",
                                         "files": [good]}).status_code == 302
    row = ComplaintFile.objects.get()
    assert row.stage == FileStage.VERIFICATION and row.original_name == "现场记录.pdf"
    page = client.get(url)
    assert [f.pk for f in page.context["evidence_files"]] == [row.pk]
    assert page.context["files"] == []
    assert client.get(url + f"files/{row.pk}/").status_code == 200
    other = Client()
    other.force_login(world.b.users["officer"])
    assert other.get(url + f"files/{row.pk}/").status_code == 404


# -- the report back up (004 §6(2)4) ------------------------------------------------------

def _forwarded(world, inst):
    return submit(world, institution=inst, channel=Channel.FORWARDED,
                  actor=world.a.users["joint"], origin="市双减办")[0]


def _reply(world, complaint, outcome=Outcome.NOTHING_FURTHER):
    officer = world.a.users["officer"]
    _verified(world, complaint)
    services.complaint_handle(actor=officer, complaint=complaint, outcome=outcome,
                              note="已约谈机构")
    services.complaint_reply(actor=officer, complaint=complaint, text="已约谈机构负责人。")
    complaint.refresh_from_db()
    return complaint


def test_forwarded_complaint_owes_a_report_back_with_a_working_day_deadline(world: World):
    from policy.calendar import add_workdays
    from policy.profile import active_profile

    inst = register(world)
    complaint = _reply(world, _forwarded(world, inst))
    report = ReportBack.objects.get(complaint=complaint)
    today = timezone.localdate()
    assert report.due_date == add_workdays(
        today, active_profile().deadline("complaint_report_back"))
    assert report.task is not None and report.task.status == TaskStatus.OPEN
    assert report.task.step == "report_back"
    assert report.task.department == world.a.depts[DepartmentType.EDUCATION_SPORTS]
    # a complaint from the public owes none
    plain = _reply(world, submit(world, institution=inst)[0])
    assert not ReportBack.objects.filter(complaint=plain).exists()


def test_report_back_records_acceptance_outcome_and_reply(world: World):
    inst = register(world)
    complaint = _reply(world, _forwarded(world, inst))
    report = complaint.report_back
    officer = world.a.users["officer"]
    today = timezone.localdate()
    with pytest.raises(DomainError) as err:
        services.complaint_report(actor=officer, report=report,
                                  accepted_on=today + dt.timedelta(days=1), outcome="x",
                                  reply="y")
    assert err.value.field == "accepted_on"
    with pytest.raises(PermissionDenied):
        services.complaint_report(actor=world.a.users["market"], report=report,
                                  accepted_on=today, outcome="已约谈", reply="已答复")
    services.complaint_report(actor=officer, report=report, accepted_on=today,
                              outcome="属实，已约谈", reply="已约谈机构负责人。")
    report.refresh_from_db()
    assert report.reported_by == officer and report.on_time
    assert (report.accepted_on, report.outcome) == (today, "属实，已约谈")
    assert report.task.status == TaskStatus.DONE
    with pytest.raises(InvalidState):
        services.complaint_report(actor=officer, report=report, accepted_on=today,
                                  outcome="again", reply="again")


def test_rating_before_the_report_keeps_the_case_open_until_reported(world: World):
    inst = register(world)
    complaint, code, _ = submit(world, institution=inst, channel=Channel.FORWARDED,
                                actor=world.a.users["joint"], origin="省教育厅")
    complaint = _reply(world, complaint)
    services.complaint_rate(complaint=complaint, code=code, rating=Rating.SATISFIED)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.case.state != CaseState.CLOSED  # the report back is still owed
    assert complaint.report_back.task.status == TaskStatus.OPEN
    services.complaint_report(actor=world.a.users["officer"], report=complaint.report_back,
                              accepted_on=timezone.localdate(), outcome="办结",
                              reply="已答复")
    complaint.case.refresh_from_db()
    assert complaint.case.state == CaseState.CLOSED


def test_report_back_page_list_and_scope(world: World):
    inst = register(world)
    complaint = _reply(world, _forwarded(world, inst))
    client = Client()
    client.force_login(world.a.users["officer"])
    url = f"/office/complaints/{complaint.case.number}/"
    page = client.get(url).content.decode()
    assert "form-report" in page and 'id="report-back"' in page
    # The day it was accepted, filled in as `<input type="date">` reads it: in the Chinese
    # locale's 2026/12/02 the browser dropped it and showed the field empty.
    accepted = timezone.localdate(complaint.received_at).isoformat()
    assert f'type="date" name="accepted_on" value="{accepted}"' in page
    bad = client.post(url + "report/", {"accepted_on": "not a date", "outcome": "",
                                        "reply": "已答复"})
    assert bad.status_code == 400
    assert {"accepted_on", "outcome"} <= set(bad.context["forms"]["report"].errors)
    assert ReportBack.objects.get().reported_at is None
    listing = client.get("/office/complaints/report-backs/")
    assert listing.status_code == 200 and complaint.case.number in listing.content.decode()
    assert client.post(url + "report/", {
        "accepted_on": timezone.localdate().isoformat(), "outcome": "属实",
        "reply": "已答复"}).status_code == 302
    assert ReportBack.objects.get().reported_at is not None
    other = Client()
    other.force_login(world.b.users["joint"])
    assert complaint.case.number not in other.get(
        "/office/complaints/report-backs/").content.decode()
    assert other.post(url + "report/", {"accepted_on": timezone.localdate().isoformat(),
                                        "outcome": "x", "reply": "y"}).status_code == 404


def test_report_back_list_query_count_is_constant(world: World, query_budget):
    inst = register(world)

    def grow(start: int, stop: int) -> None:
        for _i in range(start, stop):
            _reply(world, _forwarded(world, inst))

    client = Client()
    client.force_login(world.a.users["joint"])
    _few, many = query_budget(client, "/office/complaints/report-backs/", grow, small=1,
                              large=4, budget=12)
    assert len(many.response.context["page"].object_list) == 4


# -- the institution's explanation --------------------------------------------------------

def test_institution_sees_only_complaints_it_is_asked_to_explain(world: World):
    inst = register(world)
    other = register(world, n=2)
    complaint = submit(world, institution=inst)[0]
    foreign = submit(world, institution=other)[0]
    staff = staff_of(world, inst)
    client = Client()
    client.force_login(staff)
    url = f"/office/complaints/about-us/{complaint.case.number}/"
    assert client.get(url).status_code == 404  # not asked yet
    officer = world.a.users["officer"]
    services.complaint_ask_explanation(actor=officer, complaint=complaint,
                                       question="请说明收费和退费情况。")
    services.complaint_ask_explanation(actor=officer, complaint=foreign, question="请说明。")
    listing = client.get("/office/complaints/about-us/").content.decode()
    assert complaint.case.number in listing and foreign.case.number not in listing
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "请说明收费和退费情况" in body
    assert "机构收费后拒不退费" in body  # the substance
    assert "王女士" not in body and "13900001111" not in body and "139" not in body
    assert client.get(f"/office/complaints/about-us/{foreign.case.number}/").status_code == 404
    assert client.get(f"/office/complaints/{complaint.case.number}/").status_code == 404
    assert client.get(f"/api/v1/complaints/{complaint.case.number}/").status_code in (403, 404)
    # another county's institution staff
    staff_b = staff_of(world, register(world, "b", n=3), key="b")
    other_client = Client()
    other_client.force_login(staff_b)
    assert other_client.get(url).status_code == 404


def test_institution_answers_and_the_officer_reads_it(world: World):
    inst = register(world)
    complaint = submit(world, institution=inst)[0]
    officer = world.a.users["officer"]
    staff = staff_of(world, inst)
    client = Client()
    client.force_login(officer)
    office_url = f"/office/complaints/{complaint.case.number}/"
    assert client.post(office_url + "ask/", {"question": ""}).status_code == 400
    assert client.post(office_url + "ask/", {"question": "请说明退费情况。"}).status_code == 302
    assert staff.notifications.count() == 1
    inst_client = Client()
    inst_client.force_login(staff)
    url = f"/office/complaints/about-us/{complaint.case.number}/"
    assert inst_client.post(url, {"text": ""}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.explanation == ""
    assert inst_client.post(url, {"text": "已按合同退还剩余费用。"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.explanation == "已按合同退还剩余费用。" and complaint.explained_at
    # The institution's page shows what it sent and when, and offers to revise it.
    sent = inst_client.get(url).content.decode()
    assert 'id="sent"' in sent and "已按合同退还剩余费用" in sent
    assert timezone.localtime(complaint.explained_at).strftime("%Y-%m-%d %H:%M") in sent
    assert "提交修改后的说明" in sent and "提交说明<" not in sent
    assert "已按合同退还剩余费用" in client.get(office_url).content.decode()
    # another department's officer cannot ask
    with pytest.raises(PermissionDenied):
        services.complaint_ask_explanation(actor=world.a.users["market"],
                                           complaint=complaint, question="说明")


def test_explanation_is_refused_when_not_asked_or_by_another_institution(world: World):
    inst = register(world)
    complaint = submit(world, institution=inst)[0]
    staff = staff_of(world, inst)
    with pytest.raises(PermissionDenied):  # not asked: not even visible to the institution
        services.complaint_explain(actor=staff, complaint=complaint, text="说明")
    services.complaint_ask_explanation(actor=world.a.users["officer"], complaint=complaint,
                                       question="请说明")
    staff.institution = register(world, n=4)
    staff.save()
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh principal (the scope is cached)
    with pytest.raises(PermissionDenied):
        services.complaint_explain(actor=staff, complaint=complaint, text="说明")
    assert Complaint.objects.get().explanation == ""


def test_institution_list_query_count_is_constant(world: World, query_budget):
    inst = register(world)
    staff = staff_of(world, inst)
    officer = world.a.users["officer"]

    def grow(start: int, stop: int) -> None:
        for _i in range(start, stop):
            complaint = submit(world, institution=inst)[0]
            services.complaint_ask_explanation(actor=officer, complaint=complaint,
                                               question="请说明")

    client = Client()
    client.force_login(staff)
    query_budget(client, "/office/complaints/about-us/", grow, small=2, large=8, budget=10)
