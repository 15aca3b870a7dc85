"""The complaint workflow: intake, routing by the active profile, hand-offs with working-day
deadlines, verify → handle → reply → rate (004 §6(2)2), duplicates and merge."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from cases.models import CaseState, TaskRole, TaskStatus
from complaints import selectors, services
from complaints.models import Channel, Complaint, ComplaintStatus, Finding, Outcome, Rating
from complaints.tests.helpers import lead, submit
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import Category, DepartmentType
from institutions.tests.helpers import register
from org.models import Department
from policy.calendar import add_workdays
from tests.samplefiles import png

pytestmark = pytest.mark.django_db

EDU = DepartmentType.EDUCATION_SPORTS


def test_submit_gives_number_code_and_routes_by_kunming_matrix(world):
    """000 §3(1)3: under Kunming education-sports leads complaint handling in daily
    supervision for arts, culture-tourism assists."""
    inst = register(world, category=Category.ARTS)
    complaint, code, created = submit(world, institution=inst)
    assert created and complaint.case.number.startswith("TS-530191-")
    assert len(code) == 10 and complaint.code_matches(code) and not complaint.code_matches("X")
    tasks = {(t.department.type, t.role, t.step) for t in complaint.case.tasks.all()}
    assert tasks == {(EDU, TaskRole.LEAD, "verify"),
                     (DepartmentType.CULTURE_TOURISM, TaskRole.ASSIST, "verify")}
    assert complaint.status == ComplaintStatus.VERIFYING
    assert complaint.route_source == "000 §3(1)3"


def test_verify_deadline_counts_working_days(world):
    inst = register(world)
    complaint, _code, _ = submit(world, institution=inst)
    task = lead(complaint)
    assert task.due_date == add_workdays(timezone.localdate(task.created_at), 5)  # complaint_verify


@override_settings(POLICY_PROFILE="quanzhou")
def test_quanzhou_sends_advertising_to_market_regulation(world):
    """004 annex 1: ads, contracts and prices go to market regulation (12315)."""
    inst = register(world, category=Category.ARTS)
    complaint, _code, _ = submit(world, institution=inst, topic_code="advertising")
    assert lead(complaint).department.type == DepartmentType.MARKET_REGULATION
    assert complaint.route_source == "004 annex 1"


def test_same_complaint_routes_differently_per_profile(world):
    """The same arts complaint about fees: Kunming → market regulation (000 §3(1)3 fees);
    a general arts complaint: Kunming → education-sports (000 §3), Beichen and Quanzhou →
    culture-tourism, the supervising department (001 §5(3), 004 annex 1)."""
    inst = register(world, category=Category.ARTS)
    seen = {}
    for profile in ("kunming", "beichen", "quanzhou"):
        with override_settings(POLICY_PROFILE=profile):
            complaint, _c, _ = submit(world, institution=inst, topic_code="hours")
            seen[profile] = lead(complaint).department.type
    assert seen == {"kunming": EDU, "beichen": DepartmentType.CULTURE_TOURISM,
                    "quanzhou": DepartmentType.CULTURE_TOURISM}


@pytest.mark.parametrize("profile", ["kunming", "beichen", "quanzhou", "tongzhou"])
def test_unmatched_complaint_goes_to_the_dispatcher(world, profile):
    """No rule (an unknown institution, a general topic): the county joint-meeting office
    at the education bureau dispatches it, never nowhere."""
    with override_settings(POLICY_PROFILE=profile):
        complaint, _c, _ = submit(world, topic_code="teacher_conduct")
    task = lead(complaint)
    assert task.step == "dispatch" and task.department.type == EDU
    assert task.department.region == world.a.region
    assert complaint.status == ComplaintStatus.DISPATCH
    assert task.due_date == add_workdays(timezone.localdate(task.created_at), 1)  # complaint_accept


def test_missing_lead_department_falls_back_to_dispatcher(world):
    Department.objects.filter(region=world.a.region,
                              type=DepartmentType.MARKET_REGULATION).update(is_active=False)
    complaint, _c, _ = submit(world, topic_code="advertising")
    assert lead(complaint).step == "dispatch"


def test_transfer_chain_has_a_deadline_per_hand_off(world):
    complaint, _c, _ = submit(world, topic_code="other")
    joint = world.a.users["joint"]
    culture = world.a.depts[DepartmentType.CULTURE_TOURISM]
    market = world.a.depts[DepartmentType.MARKET_REGULATION]
    services.complaint_dispatch(actor=joint, complaint=complaint, department=culture,
                                reason="文艺类")
    services.complaint_return(actor=world.a.users["culture"], complaint=complaint,
                              reason="属收费问题")
    services.complaint_dispatch(actor=joint, complaint=complaint, department=market)
    hops = selectors.chain(complaint)
    assert [h.task.department.type for h in hops] == [EDU, DepartmentType.CULTURE_TOURISM,
                                                      EDU, DepartmentType.MARKET_REGULATION]
    assert [h.task.step for h in hops] == ["dispatch", "verify", "dispatch", "verify"]
    assert all(h.task.due_date > timezone.localdate(h.task.created_at) for h in hops)
    assert [h.task.status for h in hops[:3]] == [TaskStatus.DONE] * 3
    assert all(h.on_time for h in hops)


def test_officer_of_another_department_may_not_verify(world):
    inst = register(world)
    complaint, _c, _ = submit(world, institution=inst)
    with pytest.raises(PermissionDenied):
        services.complaint_verify(actor=world.a.users["market"], complaint=complaint,
                                  finding=Finding.SUBSTANTIATED, evidence="现场核查")


def _through_reply(world, complaint, finding=Finding.SUBSTANTIATED,
                   outcome=Outcome.RECTIFICATION):
    officer = world.a.users["officer"]
    services.complaint_verify(actor=officer, complaint=complaint, finding=finding,
                              evidence="现场核查属实")
    services.complaint_handle(actor=officer, complaint=complaint, outcome=outcome,
                              note="已下达整改通知书")
    services.complaint_reply(actor=officer, complaint=complaint, text="已责令整改。")
    complaint.refresh_from_db()
    return complaint


def test_verify_handle_reply_rate_closes(world):
    inst = register(world)
    complaint, code, _ = submit(world, institution=inst)
    complaint = _through_reply(world, complaint)
    assert complaint.status == ComplaintStatus.AWAITING_RATING
    with pytest.raises(PermissionDenied):
        services.complaint_rate(complaint=complaint, code="WRONG", rating=Rating.SATISFIED)
    services.complaint_rate(complaint=complaint, code=code, rating=Rating.SATISFIED)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.case.state == CaseState.CLOSED


def test_unsubstantiated_has_nothing_further_only(world):
    inst = register(world)
    complaint, _c, _ = submit(world, institution=inst)
    officer = world.a.users["officer"]
    services.complaint_verify(actor=officer, complaint=complaint,
                              finding=Finding.UNSUBSTANTIATED, evidence="未发现")
    with pytest.raises(DomainError):
        services.complaint_handle(actor=officer, complaint=complaint,
                                  outcome=Outcome.ENFORCEMENT, note="立案")


def test_unsatisfied_rating_reopens_once_for_the_head(world):
    inst = register(world)
    complaint, code, _ = submit(world, institution=inst)
    complaint = _through_reply(world, complaint)
    services.complaint_rate(complaint=complaint, code=code, rating=Rating.UNSATISFIED)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REVIEW and complaint.reopened
    assert lead(complaint).step == "review"
    with pytest.raises(PermissionDenied):  # the officer is not the head
        services.complaint_reply(actor=world.a.users["officer"], complaint=complaint,
                                 text="复核")
    services.complaint_reply(actor=world.a.users["head"], complaint=complaint,
                             text="经复核，处理恰当。")
    services.complaint_rate(complaint=complaint, code=code, rating=Rating.UNSATISFIED)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED  # reopened once only


def test_silence_closes_without_rating(world):
    inst = register(world)
    complaint, _code, _ = submit(world, institution=inst)
    complaint = _through_reply(world, complaint)
    later = add_workdays(timezone.localdate(complaint.replied_at), 11)
    assert services.complaints_close_unrated(today=later) == 1
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.rating == ""
    assert services.complaints_close_unrated(today=later) == 0


def test_12345_ticket_is_idempotent(world):
    first, code, created = submit(world, channel=Channel.HOTLINE_12345,
                                  actor=world.a.users["joint"], external_ticket="GD-1")
    again, code2, created2 = submit(world, channel=Channel.HOTLINE_12345,
                                    actor=world.a.users["joint"], external_ticket="GD-1")
    assert created and not created2 and again.pk == first.pk and code2 == ""
    assert Complaint.objects.count() == 1


def test_forwarded_needs_origin(world):
    with pytest.raises(DomainError) as err:
        submit(world, channel=Channel.FORWARDED, actor=world.a.users["joint"])
    assert err.value.field == "origin"
    complaint, _c, _ = submit(world, channel=Channel.FORWARDED, actor=world.a.users["joint"],
                              origin="市双减办")
    assert complaint.origin == "市双减办"


def test_grid_officer_may_not_enter(world):
    with pytest.raises(PermissionDenied):
        submit(world, channel=Channel.WALK_IN, actor=world.a.users["grid"])


def test_attachments_are_checked(world):
    bad = SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError) as err:
        submit(world, files=[bad])
    assert err.value.field == "files"
    assert not Complaint.objects.exists()
    image = SimpleUploadedFile("p.png", png(), content_type="image/png")
    complaint, _c, _ = submit(world, files=[image])
    assert complaint.files.get().content_type == "image/png"


def test_duplicates_suggested_and_merged(world):
    inst = register(world)
    first, _c, _ = submit(world, institution=inst)
    second, _c, _ = submit(world, institution=inst, description="这家机构收费后拒不退费，沟通无果。")
    other, _c, _ = submit(world, institution=inst, complainant_phone="13000000000",
                          description="安全通道被堵塞，存在消防隐患。")
    admin = world.a.users["county_admin"]
    assert first in selectors.duplicates(admin, second)
    assert other not in selectors.duplicates(admin, second)
    services.complaint_merge(actor=admin, complaint=second, into=first)
    second.refresh_from_db()
    assert second.status == ComplaintStatus.MERGED and second.duplicate_of == first
    assert second.case.state == CaseState.CANCELLED
    assert selectors.repeat_count(first) == 3


def test_identity_masked_for_other_departments(world):
    inst = register(world)
    complaint, _c, _ = submit(world, institution=inst)
    assert selectors.identity(world.a.users["officer"], complaint) == ("王女士", "13900001111")
    assert selectors.identity(world.a.users["discipline"], complaint) == ("王**", "139******11")
    assert not Complaint.objects.restrict(world.a.users["health"]).exists()
    assert not Complaint.objects.restrict(world.a.users["institution"]).exists()


def test_complaint_in_b_is_not_seen_from_a(world):
    submit(world, "b")
    assert not Complaint.objects.restrict(world.a.users["county_admin"]).exists()
    assert Complaint.objects.restrict(world.b.users["county_admin"]).count() == 1


def test_analytics_counts(world):
    inst = register(world)
    complaint, code, _ = submit(world, institution=inst)
    submit(world, institution=inst)
    complaint = _through_reply(world, complaint)
    services.complaint_rate(complaint=complaint, code=code, rating=Rating.BASICALLY)
    data = selectors.analytics(world.a.users["county_admin"])
    assert data["total"] == 2 and data["completion_rate"] == 50.0
    assert data["satisfaction_rate"] == 100.0
    assert data["repeats"][0]["n"] == 2


def test_wrong_step_is_refused(world):
    inst = register(world)
    complaint, _c, _ = submit(world, institution=inst)
    with pytest.raises(InvalidState):
        services.complaint_reply(actor=world.a.users["officer"], complaint=complaint,
                                 text="答复")


