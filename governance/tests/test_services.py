"""The joint meeting (minutes → tasks → overdue escalation, confirmation, roster history)
and campaigns (close-out needs evidence and an approval; the summary reminder)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services as case_services
from cases.models import CaseState, Escalation, Notification, TaskRole, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from governance import services
from governance.models import MeetingStatus, ProblemStatus, RosterEntry, RosterPosition
from governance.tests.helpers import (
    CULTURE,
    EDU,
    MARKET,
    campaign,
    confirm_all,
    drafted_meeting,
    issued_meeting,
    problem,
    units,
)
from policy.calendar import add_workdays
from policy.profile import active_profile
from tests import samplefiles
from tests.factories import World

pytestmark = pytest.mark.django_db
D = dt.date


def test_minutes_become_tasks_that_escalate_when_overdue(world: World):
    meeting = issued_meeting(world, today=D(2026, 6, 1))
    assert meeting.status == MeetingStatus.ISSUED
    decision = meeting.decisions.get()
    case = decision.case
    assert case.kind == "meeting_decision" and case.number.startswith("LX-530191-")
    tasks = {t.department.type: t for t in case.tasks.select_related("department")}
    assert tasks[CULTURE].role == TaskRole.LEAD and tasks[MARKET].role == TaskRole.ASSIST
    workdays = active_profile().deadline("meeting_decision")
    assert tasks[CULTURE].due_date == add_workdays(D(2026, 6, 1), workdays)

    due = tasks[CULTURE].due_date
    case_services.deadline_scan(today=add_workdays(due, 1))
    assert Escalation.objects.filter(task=tasks[CULTURE], level=1).exists()
    later = add_workdays(due, 2 + active_profile().deadline("escalation_level2_after"))
    case_services.deadline_scan(today=later)
    assert Escalation.objects.filter(task=tasks[CULTURE], level=2).exists()
    assert Notification.objects.filter(recipient=world.a.users["county_admin"],
                                       kind=Notification.Kind.ESCALATION).exists()


def test_the_case_closes_when_its_tasks_are_done(world: World):
    case = issued_meeting(world).decisions.get().case
    for task in case.tasks.select_related("department"):
        actor = world.a.users["culture" if task.department.type == CULTURE else "market"]
        case_services.task_complete(actor=actor, task=task, note="已落实")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_issue_waits_for_every_attending_unit(world: World):
    meeting = drafted_meeting(world)
    joint = world.a.users["joint"]
    with pytest.raises(InvalidState):
        services.minutes_issue(actor=joint, meeting=meeting)
    absent = meeting.attendance.get(unit__department__type=MARKET)
    with pytest.raises(InvalidState):  # an absent unit has nothing to confirm
        services.minutes_confirm(actor=world.a.users["market"], attendance=absent)
    culture_row = meeting.attendance.get(unit__department__type=CULTURE)
    with pytest.raises(PermissionDenied):  # education does not confirm for culture
        services.minutes_confirm(actor=world.a.users["officer"], attendance=culture_row)
    confirm_all(world, meeting)
    services.minutes_issue(actor=joint, meeting=meeting)
    assert meeting.decisions.get().case.tasks.filter(status=TaskStatus.OPEN).count() == 2
    with pytest.raises(InvalidState):
        services.minutes_issue(actor=joint, meeting=meeting)


def test_redrafting_the_minutes_asks_for_confirmation_again(world: World):
    meeting = drafted_meeting(world)
    confirm_all(world, meeting)
    services.minutes_draft(actor=world.a.users["joint"], meeting=meeting, minutes="修改稿")
    assert not meeting.attendance.filter(confirmed_at__isnull=False).exists()


def test_only_coordinators_of_the_region_run_meetings(world: World):
    unit = units(world)
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=world.a.users["officer"], region=world.a.region,
                                kind="special", title="x", held_on=D(2026, 6, 1), agenda="x",
                                units=[])
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=world.b.users["joint"], region=world.a.region,
                                kind="special", title="x", held_on=D(2026, 6, 1), agenda="x",
                                units=[])
    with pytest.raises(DomainError):  # a unit of another county's joint meeting
        services.meeting_create(actor=world.b.users["joint"], region=world.b.region,
                                kind="special", title="x", held_on=D(2026, 6, 1), agenda="x",
                                units=[unit[EDU]])


def test_decision_deadline_key_must_be_declared(world: World):
    meeting = drafted_meeting(world)
    with pytest.raises(DomainError) as exc:
        services.decision_add(actor=world.a.users["joint"], meeting=meeting, text="x",
                              lead=world.a.depts[EDU], deadline_key="no_such_key")
    assert exc.value.field == "deadline_key"


def test_roster_keeps_its_history(world: World):
    unit = units(world)[CULTURE]
    joint = world.a.users["joint"]
    first = services.roster_change(actor=joint, unit=unit, position=RosterPosition.LIAISON,
                                   name="王五", start=D(2026, 1, 1))
    with pytest.raises(DomainError):
        services.roster_change(actor=joint, unit=unit, position="", name="赵六",
                               start=D(2025, 12, 1), replaces=first)
    second = services.roster_change(actor=joint, unit=unit, position="", name="赵六",
                                    start=D(2026, 7, 1), replaces=first)
    first.refresh_from_db()
    assert first.end == D(2026, 6, 30) and second.position == RosterPosition.LIAISON
    assert list(RosterEntry.objects.filter(unit=unit, end__isnull=True)) == [second]
    with pytest.raises(InvalidState):  # a past entry is not replaced again
        services.roster_change(actor=joint, unit=unit, position="", name="钱七",
                               start=D(2026, 8, 1), replaces=first)


def test_campaign_phases_must_follow_one_another(world: World):
    with pytest.raises(DomainError):
        services.campaign_create(actor=world.a.users["joint"], region=world.a.region,
                                 title="x", summary_due=D(2026, 11, 25),
                                 phases={"mobilise": (D(2026, 5, 1), D(2026, 6, 30)),
                                         "rectify": (D(2026, 6, 1), D(2026, 10, 31))})
    c = campaign(world)
    assert [p.phase for p in c.phases.all()] == ["mobilise", "rectify", "accept"]


def test_closeout_needs_evidence_and_an_approval(world: World):
    p = problem(world)
    culture, joint = world.a.users["culture"], world.a.users["joint"]
    with pytest.raises(InvalidState):  # nothing to approve before the evidence
        services.closeout_decide(actor=joint, problem=p, approve=True)
    with pytest.raises(DomainError) as exc:
        services.closeout_request(actor=culture, problem=p, evidence_note=" ")
    assert exc.value.field == "evidence_note"
    with pytest.raises(PermissionDenied):  # another department's problem
        services.closeout_request(actor=world.a.users["market"], problem=p, evidence_note="x")
    with pytest.raises(DomainError) as exc:  # the file is checked by its content
        services.closeout_request(actor=culture, problem=p, evidence_note="已取缔",
                                  upload=SimpleUploadedFile("x.pdf", b"MZ not a pdf"))
    assert exc.value.field == "evidence_file"
    services.closeout_request(actor=culture, problem=p, evidence_note="已取缔并张贴公告",
                              upload=SimpleUploadedFile("evidence.pdf", samplefiles.pdf()))
    p.refresh_from_db()
    assert p.status == ProblemStatus.PENDING and p.evidence_type == "application/pdf"
    with pytest.raises(PermissionDenied):  # the department does not approve its own
        services.closeout_decide(actor=culture, problem=p, approve=True)
    with pytest.raises(DomainError):
        services.closeout_decide(actor=joint, problem=p, approve=False, reason="")
    services.closeout_decide(actor=joint, problem=p, approve=False, reason="证据不足")
    p.refresh_from_db()
    assert p.status == ProblemStatus.OPEN
    services.closeout_request(actor=culture, problem=p, evidence_note="补充现场照片")
    services.closeout_decide(actor=joint, problem=p, approve=True)
    p.refresh_from_db()
    assert p.status == ProblemStatus.CLOSED and p.approved_by == joint and p.closed_at


def test_summary_reminder_once_before_the_due_date(world: World):
    c = campaign(world)
    before = active_profile().deadline("reminder_days_before")
    assert services.summary_reminders(today=add_workdays(c.summary_due, -before - 3)) == 0
    assert services.summary_reminders(today=add_workdays(c.summary_due, -before)) == 1
    assert services.summary_reminders(today=c.summary_due) == 0
    assert Notification.objects.filter(recipient=world.a.users["joint"],
                                       kind=Notification.Kind.REMINDER).count() == 1
    assert not Notification.objects.filter(recipient=world.b.users["joint"]).exists()
    services.summary_submit(actor=world.a.users["joint"], campaign=c)
    with pytest.raises(InvalidState):
        services.summary_submit(actor=world.a.users["joint"], campaign=c)
