"""Writes of the joint meeting and the campaigns: atomic, permission-checked with
`core.abilities.require` after the scope gateway, audited in the same transaction.

Sources: the joint meeting and its office, 001 §6(1) and 002 §3(2); campaign phases,
problem ledger and close-out (销号), 003 §3; the summary report by 25 November, 003 §3
(第三阶段); the campaign phases of 004 §5.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.audit import audit_record, snapshot
from cases.models import Notification, Task, TaskRole
from core.abilities import require
from core.errors import DomainError, InvalidState
from governance import consultation
from governance.models import (
    Attendance,
    Campaign,
    CampaignPhase,
    CountyPlan,
    Decision,
    FilingKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MemberUnit,
    Phase,
    Problem,
    ProblemStatus,
    RectificationMeasure,
    RosterEntry,
    SpotCheck,
    SpotCheckResult,
    UnitFiling,
)
from org.models import Department, Region, RegionLevel, Role, User
from org.scope import Action
from policy import deadlines
from policy.calendar import add_workdays, workdays_between
from policy.profile import active_profile

#: The case kind of a meeting decision (LX-…), registered in governance/kinds.py.
KIND = "meeting_decision"
STEP = "implement"
#: The deadline key a decision uses unless the office names another declared key.
DECISION_DEADLINE_KEY = "meeting_decision"
DEADLINE_KEYS = (DECISION_DEADLINE_KEY,)


def _check_department(department: Department, region: Region) -> None:
    if not region.path.startswith(department.region.path) and \
            not department.region.path.startswith(region.path):
        raise DomainError(_("This department does not serve the region."), field="department")


# -- member units and roster ---------------------------------------------------------------

@transaction.atomic
def unit_add(*, actor: User, region: Region, department: Department, is_convenor: bool = False,
             hosts_office: bool = False, order: int = 100) -> MemberUnit:
    require(actor, "governance.manage_meetings", region)
    _check_department(department, region)
    if MemberUnit.objects.filter(region=region, department=department).exists():
        raise DomainError(_("This department is already a member unit."), field="department")
    unit = MemberUnit.objects.create(region=region, department=department,
                                     is_convenor=is_convenor, hosts_office=hosts_office,
                                     order=order)
    audit_record(actor=actor, action="governance.unit_add", obj=unit,
                 after=snapshot(unit, ["region", "department", "is_convenor", "hosts_office"]))
    return unit


@transaction.atomic
def roster_change(*, actor: User, unit: MemberUnit, position: str, name: str, start: dt.date,
                  title: str = "", phone: str = "",
                  replaces: RosterEntry | None = None) -> RosterEntry:
    """A unit reports a change of its people: the replaced entry ends the day before the
    new one starts; nothing is overwritten, so the roster keeps its history."""
    unit = MemberUnit.objects.restrict(actor, Action.CHANGE).select_related("region").get(
        pk=unit.pk)
    require(actor, "governance.manage_meetings", unit.region)
    if not name.strip():
        raise DomainError(_("Give the person's name."), field="name")
    if replaces is not None:
        replaces = RosterEntry.objects.select_for_update().get(pk=replaces.pk)
        if replaces.unit_id != unit.pk or replaces.end is not None:
            raise InvalidState(_("Only a current entry of this unit can be replaced."))
        if start <= replaces.start:
            raise DomainError(_("The change must start after the current entry."),
                              field="start")
        replaces.end = start - dt.timedelta(days=1)
        replaces.save(update_fields=["end"])
        position = replaces.position
    entry = RosterEntry.objects.create(unit=unit, position=position, name=name.strip(),
                                       title=title, phone=phone, start=start,
                                       replaces=replaces)
    audit_record(actor=actor, action="governance.roster_change", obj=entry,
                 after=snapshot(entry, ["unit", "position", "name", "start", "replaces"]))
    return entry


# -- meetings ------------------------------------------------------------------------------

@transaction.atomic
def meeting_create(*, actor: User, region: Region, kind: str, title: str, held_on: dt.date,
                   agenda: str, units: Iterable[MemberUnit]) -> Meeting:
    require(actor, "governance.manage_meetings", region)
    if kind == MeetingKind.CONSULTATION and not consultation.holds_consultation():
        raise DomainError(_("The policy profile holds no monthly consultation."), field="kind")
    if not agenda.strip():
        raise DomainError(_("A meeting needs an agenda."), field="agenda")
    meeting = Meeting.objects.create(region=region, kind=kind, title=title.strip(),
                                     held_on=held_on, agenda=agenda.strip())
    for unit in units:
        if unit.region_id != region.pk:
            raise DomainError(_("A unit of another joint meeting."), field="units")
        Attendance.objects.create(meeting=meeting, unit=unit)
    # 004 §6(3): each unit's report, prefilled with its complaint analysis.
    consultation.reports_prefill(actor=actor, meeting=meeting)
    audit_record(actor=actor, action="governance.meeting_create", obj=meeting,
                 after=snapshot(meeting, ["region", "kind", "title", "held_on"]))
    return meeting


def _meeting_for_change(actor: User, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.restrict(actor, Action.CHANGE).select_for_update().select_related(
        "region").get(pk=meeting.pk)
    require(actor, "governance.manage_meetings", meeting.region)
    return meeting


@transaction.atomic
def decision_add(*, actor: User, meeting: Meeting, text: str, lead: Department,
                 assisting: Iterable[Department] = (),
                 deadline_key: str = DECISION_DEADLINE_KEY) -> Decision:
    meeting = _meeting_for_change(actor, meeting)
    if meeting.status == MeetingStatus.ISSUED:
        raise InvalidState(_("The minutes are issued; their decisions are fixed."))
    if not text.strip():
        raise DomainError(_("Write the decision."), field="text")
    if deadline_key not in deadlines.declared():
        raise DomainError(_("Unknown deadline."), field="deadline_key")
    _check_department(lead, meeting.region)
    assisting = [d for d in assisting if d.pk != lead.pk]
    for dept in assisting:
        _check_department(dept, meeting.region)
    decision = Decision.objects.create(meeting=meeting, text=text.strip(), lead=lead,
                                       deadline_key=deadline_key)
    decision.assisting.set(assisting)
    audit_record(actor=actor, action="governance.decision_add", obj=decision,
                 after={"meeting": meeting.pk, "text": decision.text, "lead": lead.pk,
                        "assisting": [d.pk for d in assisting], "deadline_key": deadline_key})
    return decision


@transaction.atomic
def minutes_draft(*, actor: User, meeting: Meeting, minutes: str,
                  absent: Iterable[MemberUnit] = ()) -> Meeting:
    """The office drafts the minutes and records who was absent; every present unit's
    confirmation starts again."""
    meeting = _meeting_for_change(actor, meeting)
    if meeting.status == MeetingStatus.ISSUED:
        raise InvalidState(_("The minutes are already issued."))
    if not minutes.strip():
        raise DomainError(_("Write the minutes."), field="minutes")
    absent_ids = {u.pk for u in absent}
    for row in meeting.attendance.all():
        row.present = row.unit_id not in absent_ids
        row.confirmed_at = None
        row.confirmed_by = None
        row.save(update_fields=["present", "confirmed_at", "confirmed_by"])
    meeting.minutes = minutes.strip()
    meeting.status = MeetingStatus.DRAFTED
    meeting.save(update_fields=["minutes", "status"])
    audit_record(actor=actor, action="governance.minutes_draft", obj=meeting,
                 after={"minutes": meeting.minutes, "absent": sorted(absent_ids)})
    return meeting


@transaction.atomic
def minutes_confirm(*, actor: User, attendance: Attendance) -> Attendance:
    """An attending unit confirms the drafted minutes (an officer of its department)."""
    row = Attendance.objects.restrict(actor).select_for_update(of=("self",)).select_related(
        "meeting", "unit").get(pk=attendance.pk)
    require(actor, "governance.confirm_minutes", row,
            _("Only the unit's own officers confirm its minutes."))
    if row.meeting.status != MeetingStatus.DRAFTED:
        raise InvalidState(_("There are no drafted minutes to confirm."))
    if not row.present:
        raise InvalidState(_("An absent unit does not confirm the minutes."))
    if row.confirmed_at is not None:
        raise InvalidState(_("Already confirmed."))
    row.confirmed_at = timezone.now()
    row.confirmed_by = actor
    row.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(actor=actor, action="governance.minutes_confirm", obj=row.meeting,
                 after={"unit": row.unit_id})
    return row


@transaction.atomic
def minutes_issue(*, actor: User, meeting: Meeting, today: dt.date | None = None) -> Meeting:
    """Issue confirmed minutes: each decision becomes a case (LX-…) with a lead task for
    the implementing department and an assisting task for each assisting unit, due in
    working days from the decision's deadline key, on the shared task engine (so reminders,
    overdue marks and escalation apply as to any task)."""
    meeting = _meeting_for_change(actor, meeting)
    if meeting.status != MeetingStatus.DRAFTED:
        raise InvalidState(_("Only drafted minutes can be issued."))
    if meeting.attendance.filter(present=True, confirmed_at__isnull=True).exists():
        raise InvalidState(_("Every attending unit must confirm the minutes first."))
    profile = active_profile()
    for decision in meeting.decisions.select_related("lead").prefetch_related("assisting"):
        case = case_services.case_open(
            actor=actor, kind=KIND, region=meeting.region,
            title=f"{meeting.title}：{decision.text}", description=decision.text)
        workdays = profile.deadline(decision.deadline_key)
        case_services.task_assign(actor=actor, case=case, department=decision.lead,
                                  role=TaskRole.LEAD, duty=decision.text, step=STEP,
                                  workdays=workdays, today=today)
        for dept in decision.assisting.all():
            case_services.task_assign(actor=actor, case=case, department=dept,
                                      role=TaskRole.ASSIST, duty=decision.text, step=STEP,
                                      workdays=workdays, today=today)
        decision.case = case
        decision.save(update_fields=["case"])
    meeting.status = MeetingStatus.ISSUED
    meeting.issued_at = timezone.now()
    meeting.save(update_fields=["status", "issued_at"])
    audit_record(actor=actor, action="governance.minutes_issue", obj=meeting,
                 after={"decisions": list(meeting.decisions.values_list("case__number",
                                                                        flat=True))})
    return meeting


def on_task_done(*, task: Task, actor: Any) -> None:
    """When every task of a decision is done, the decision's case closes."""
    case = task.case
    if not case.tasks.exclude(pk=task.pk).filter(status="open").exists():
        case_services.case_close(actor=None, case=case, reason=_("Every task is done."))


# -- campaigns -----------------------------------------------------------------------------

@transaction.atomic
def campaign_create(*, actor: User, region: Region, title: str, summary_due: dt.date,
                    phases: Mapping[str, tuple[dt.date, dt.date]]) -> Campaign:
    """A campaign with its phases (003 §3: mobilise, concentrated rectification,
    inspection and acceptance; 004 §5 adds the self-check) and the due date of its
    summary report (003 §3: 11月25日前报送工作总结)."""
    require(actor, "governance.manage_campaigns", region)
    if not title.strip():
        raise DomainError(_("A campaign needs a title."), field="title")
    if not phases:
        raise DomainError(_("Give at least one phase with its dates."), field="phases")
    campaign = Campaign.objects.create(region=region, title=title.strip(),
                                       summary_due=summary_due)
    _phases_set(campaign, phases)
    audit_record(actor=actor, action="governance.campaign_create", obj=campaign,
                 after={"title": campaign.title, "summary_due": summary_due,
                        "phases": {k: [v[0], v[1]] for k, v in phases.items()}})
    return campaign


def _phases_set(campaign: Campaign, phases: Mapping[str, tuple[dt.date, dt.date]]) -> None:
    """The phases in their order (003 §3; 004 §5), each within its dates, one after the
    other; a phase left out is removed."""
    order = list(Phase.values)
    if any(code not in order for code in phases):
        raise DomainError(_("Unknown phase."), field="phases")
    last_end: dt.date | None = None
    for code in sorted(phases, key=order.index):
        start, end = phases[code]
        if end < start:
            raise DomainError(_("A phase ends before it starts."), field=code)
        if last_end is not None and start < last_end:
            raise DomainError(_("The phases must follow one another."), field=code)
        last_end = end
    campaign.phases.exclude(phase__in=list(phases)).delete()
    for code, (start, end) in phases.items():
        CampaignPhase.objects.update_or_create(campaign=campaign, phase=code,
                                               defaults={"start": start, "end": end})


@transaction.atomic
def problem_add(*, actor: User, campaign: Campaign, description: str, subject: str,
                department: Department, rectify_by: dt.date) -> Problem:
    campaign = Campaign.objects.restrict(actor, Action.CHANGE).select_related("region").get(
        pk=campaign.pk)
    require(actor, "governance.manage_campaigns", campaign.region)
    if not description.strip():
        raise DomainError(_("Describe the problem."), field="description")
    _check_department(department, campaign.region)
    problem = Problem.objects.create(campaign=campaign, description=description.strip(),
                                     subject=subject.strip(), department=department,
                                     rectify_by=rectify_by)
    audit_record(actor=actor, action="governance.problem_add", obj=problem,
                 after=snapshot(problem, ["campaign", "subject", "department", "rectify_by"]))
    return problem


@transaction.atomic
def closeout_request(*, actor: User, problem: Problem, evidence_note: str,
                     upload: UploadedFile | None = None) -> Problem:
    """The responsible department asks to close out (销号) with its rectification
    evidence: a note, and a file checked as case attachments are."""
    problem = Problem.objects.restrict(actor).select_for_update(of=("self",)).get(pk=problem.pk)
    require(actor, "governance.request_closeout", problem)
    if problem.status != ProblemStatus.OPEN:
        raise InvalidState(_("Only an open problem can be put up for close-out."))
    if not evidence_note.strip():
        raise DomainError(_("Describe the rectification evidence."), field="evidence_note")
    if upload is not None:
        problem.evidence_type = case_services.attachment_check(upload, field="evidence_file")
        problem.evidence_file = upload
    problem.evidence_note = evidence_note.strip()
    problem.status = ProblemStatus.PENDING
    problem.requested_by = actor
    problem.save()
    audit_record(actor=actor, action="governance.closeout_request", obj=problem,
                 after={"evidence_note": problem.evidence_note,
                        "evidence_file": bool(problem.evidence_file)})
    return problem


@transaction.atomic
def closeout_decide(*, actor: User, problem: Problem, approve: bool, reason: str = "") -> Problem:
    """The office approves the close-out, or sends it back with a reason."""
    problem = Problem.objects.restrict(actor).select_for_update(
        of=("self",)).select_related("campaign__region").get(pk=problem.pk)
    require(actor, "governance.approve_closeout", problem.campaign.region)
    if problem.status != ProblemStatus.PENDING:
        raise InvalidState(_("No close-out is awaiting approval."))
    if approve:
        problem.status = ProblemStatus.CLOSED
        problem.approved_by = actor
        problem.closed_at = timezone.now()
    else:
        if not reason.strip():
            raise DomainError(_("Give a reason for sending it back."), field="reason")
        problem.status = ProblemStatus.OPEN
    problem.save(update_fields=["status", "approved_by", "closed_at"])
    audit_record(actor=actor, action="governance.closeout_" + ("approve" if approve else "reject"),
                 obj=problem, after={"status": problem.status}, reason=reason)
    return problem


@transaction.atomic
def summary_submit(*, actor: User, campaign: Campaign) -> Campaign:
    campaign = Campaign.objects.restrict(actor, Action.CHANGE).select_for_update().get(
        pk=campaign.pk)
    require(actor, "governance.manage_campaigns", campaign.region)
    if campaign.summary_submitted_at is not None:
        raise InvalidState(_("The summary is already submitted."))
    campaign.summary_submitted_at = timezone.now()
    campaign.save(update_fields=["summary_submitted_at"])
    audit_record(actor=actor, action="governance.summary_submit", obj=campaign,
                 after={"summary_submitted_at": campaign.summary_submitted_at})
    return campaign


def summary_reminders(*, today: dt.date | None = None) -> int:
    """Remind the region's admins and joint-meeting office of a summary report due within
    the profile's reminder period (`reminder_days_before` working days), once."""
    today = today or timezone.localdate()
    before = active_profile().deadline("reminder_days_before")
    horizon = add_workdays(today, before) if before else today
    sent = 0
    due = Campaign.objects.filter(summary_submitted_at__isnull=True,
                                  summary_reminded_at__isnull=True, summary_due__lte=horizon)
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            if not Campaign.objects.filter(pk=campaign_id, summary_reminded_at__isnull=True
                                           ).update(summary_reminded_at=timezone.now()):
                continue
            campaign = Campaign.objects.select_related("region").get(pk=campaign_id)
            recipients = User.objects.filter(
                is_active=True, region__code=campaign.region.code,
                role__in=[Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE])
            case_services.notify(
                recipients=list(recipients), kind=Notification.Kind.REMINDER,
                title=gettext_lazy("Campaign summary due on %(due)s: %(title)s"),
                title_params={"due": campaign.summary_due.isoformat(),
                              "title": campaign.title})
            sent += 1
    return sent



# -- issue 12, governance part A: editing units and campaigns, county plans, the
# -- rectification ledger, spot-checks, member-unit filings ---------------------------------

#: The case kind of a county's campaign plan filed with the city (FA-…).
PLAN_KIND = "campaign_plan"
PLAN_STEP = "file"


@transaction.atomic
def unit_update(*, actor: User, unit: MemberUnit, is_convenor: bool, hosts_office: bool,
                order: int) -> MemberUnit:
    """The office changes a member unit's part in the joint meeting (001 §6(1)); the
    department itself stays (a new department is a new unit)."""
    unit = MemberUnit.objects.restrict(actor, Action.CHANGE).select_for_update().select_related(
        "region").get(pk=unit.pk)
    require(actor, "governance.manage_meetings", unit.region)
    before = snapshot(unit, ["is_convenor", "hosts_office", "order"])
    unit.is_convenor, unit.hosts_office, unit.order = is_convenor, hosts_office, order
    unit.save(update_fields=["is_convenor", "hosts_office", "order"])
    audit_record(actor=actor, action="governance.unit_update", obj=unit, before=before,
                 after=snapshot(unit, ["is_convenor", "hosts_office", "order"]))
    return unit


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, title: str, summary_due: dt.date,
                    phases: Mapping[str, tuple[dt.date, dt.date]]) -> Campaign:
    """Change a campaign's title, summary due date and phases (003 §3; 004 §5)."""
    campaign = Campaign.objects.restrict(actor, Action.CHANGE).select_for_update().select_related(
        "region").get(pk=campaign.pk)
    require(actor, "governance.manage_campaigns", campaign.region)
    if not title.strip():
        raise DomainError(_("A campaign needs a title."), field="title")
    if not phases:
        raise DomainError(_("Give at least one phase with its dates."), field="phases")
    before = {"title": campaign.title, "summary_due": campaign.summary_due}
    campaign.title = title.strip()
    if summary_due != campaign.summary_due:
        campaign.summary_reminded_at = None
    campaign.summary_due = summary_due
    campaign.save(update_fields=["title", "summary_due", "summary_reminded_at"])
    _phases_set(campaign, phases)
    audit_record(actor=actor, action="governance.campaign_update", obj=campaign, before=before,
                 after={"title": campaign.title, "summary_due": summary_due,
                        "phases": {k: [v[0], v[1]] for k, v in phases.items()}})
    return campaign


def _county_lead(county: Region) -> Department:
    from governance.screening import LEAD_TYPES

    lead = Department.objects.filter(region=county, is_active=True,
                                     type__in=LEAD_TYPES).order_by("type").first()
    if lead is None:
        raise DomainError(_("%(county)s has no education department.") % {"county": county.name},
                          field="due")
    return lead


@transaction.atomic
def plan_call(*, actor: User, campaign: Campaign, due: dt.date,
              today: dt.date | None = None) -> list[CountyPlan]:
    """The city asks each county for its campaign plan by a date (DOMAIN.md §4.8: county
    plans filed with city education by mid-July): one case (FA-…) per county with a task
    for the county's education department due on that date, so the task engine reminds
    and marks it overdue. A county already asked is left alone."""
    campaign = Campaign.objects.restrict(actor, Action.CHANGE).select_related("region").get(
        pk=campaign.pk)
    require(actor, "governance.manage_campaigns", campaign.region)
    if campaign.region.level >= RegionLevel.COUNTY:
        raise DomainError(_("Only a city campaign asks the counties for plans."), field="due")
    today = today or timezone.localdate()
    workdays = workdays_between(today, due)
    if workdays < 1:
        raise DomainError(_("The due date must be at least one working day away."),
                          field="due")
    asked = set(campaign.county_plans.values_list("county_id", flat=True))
    created = []
    for county in Region.objects.filter(parent=campaign.region, level=RegionLevel.COUNTY
                                        ).exclude(pk__in=asked).order_by("code"):
        case = case_services.case_open(
            actor=actor, kind=PLAN_KIND, region=county,
            title=_("Campaign plan: %(title)s") % {"title": campaign.title},
            description=campaign.title)
        case_services.task_assign(
            actor=actor, case=case, department=_county_lead(county), role=TaskRole.LEAD,
            duty=_("File the county's plan for %(title)s with the city.")
            % {"title": campaign.title}, step=PLAN_STEP, workdays=workdays, today=today)
        created.append(CountyPlan.objects.create(campaign=campaign, county=county, due=due,
                                                 case=case))
    audit_record(actor=actor, action="governance.plan_call", obj=campaign,
                 after={"due": due, "counties": [p.county_id for p in created]})
    return created


@transaction.atomic
def plan_file(*, actor: User, plan: CountyPlan, text: str,
              upload: UploadedFile | None = None) -> CountyPlan:
    """A county files its plan with the city: the text, and a document checked as case
    attachments are (size, real type); the county's task completes."""
    plan = CountyPlan.objects.restrict(actor, Action.CHANGE).select_for_update(
        of=("self",)).select_related("county", "case").get(pk=plan.pk)
    require(actor, "governance.file_county_plan", plan.county)
    if plan.filed_at is not None:
        raise InvalidState(_("The plan is already filed."))
    if not text.strip():
        raise DomainError(_("Write the plan."), field="text")
    if upload is not None:
        plan.file_type = case_services.attachment_check(upload, field="file")
        plan.file = upload
    plan.text = text.strip()
    plan.filed_at = timezone.now()
    plan.filed_by = actor
    plan.save()
    for task in plan.case.tasks.filter(status="open"):
        case_services.task_complete(actor=None, task=task, note=_("Plan filed."))
    case_services.case_close(actor=None, case=plan.case, reason=_("Plan filed."))
    audit_record(actor=actor, action="governance.plan_file", obj=plan, case=plan.case,
                 after={"text": plan.text, "file": bool(plan.file)})
    return plan


def _problem_for_ledger(actor: User, problem: Problem) -> Problem:
    problem = Problem.objects.restrict(actor).select_for_update(of=("self",)).get(pk=problem.pk)
    require(actor, "governance.request_closeout", problem)
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidState(_("The problem is closed out; its ledger is fixed."))
    return problem


@transaction.atomic
def measure_add(*, actor: User, problem: Problem, measure: str,
                node: dt.date) -> RectificationMeasure:
    """A line of the rectification ledger (003 §3 整改台账): a measure and its time node,
    by the responsible department or the office."""
    problem = _problem_for_ledger(actor, problem)
    if not measure.strip():
        raise DomainError(_("Describe the measure."), field="measure")
    row = RectificationMeasure.objects.create(problem=problem, measure=measure.strip(),
                                              node=node)
    audit_record(actor=actor, action="governance.measure_add", obj=problem,
                 after={"measure": row.measure, "node": node})
    return row


@transaction.atomic
def measure_done(*, actor: User, measure: RectificationMeasure,
                 done_on: dt.date | None = None) -> RectificationMeasure:
    row = RectificationMeasure.objects.restrict(actor).select_for_update(of=("self",)).get(
        pk=measure.pk)
    problem = _problem_for_ledger(actor, row.problem)
    if row.done_on is not None:
        raise InvalidState(_("The measure is already done."))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise DomainError(_("A measure cannot be done in the future."), field="done_on")
    row.done_on, row.done_by = done_on, actor
    row.save(update_fields=["done_on", "done_by"])
    audit_record(actor=actor, action="governance.measure_done", obj=problem,
                 after={"measure": row.pk, "done_on": done_on})
    return row


@transaction.atomic
def spotcheck_record(*, actor: User, campaign: Campaign, checked_on: dt.date,
                     sample: Iterable[Problem], result: str, remarks: str = "") -> SpotCheck:
    """Discipline inspection's acceptance spot-check (003 §6: 纪检监察部门对整改情况进行
    抽查): a sample of the campaign's closed-out problems, the result, remarks (required
    when the rectification is not confirmed)."""
    campaign = Campaign.objects.restrict(actor).select_related("region").get(pk=campaign.pk)
    require(actor, "governance.record_spotcheck", campaign.region)
    if result not in SpotCheckResult.values:
        raise DomainError(_("Choose the result."), field="result")
    if checked_on > timezone.localdate():
        raise DomainError(_("A spot-check cannot be dated in the future."), field="checked_on")
    ids = {p.pk for p in sample}
    if not ids:
        raise DomainError(_("Choose at least one closed-out problem."), field="sample")
    rows = list(Problem.objects.filter(pk__in=ids, campaign=campaign,
                                       status=ProblemStatus.CLOSED))
    if len(rows) != len(ids):
        raise DomainError(_("Only the campaign's closed-out problems can be sampled."),
                          field="sample")
    if result == SpotCheckResult.FAILED and not remarks.strip():
        raise DomainError(_("Say what was not rectified."), field="remarks")
    check = SpotCheck.objects.create(campaign=campaign, checked_on=checked_on, result=result,
                                     remarks=remarks.strip(), recorded_by=actor)
    check.sample.set(rows)
    audit_record(actor=actor, action="governance.spotcheck_record", obj=check,
                 after={"campaign": campaign.pk, "sample": sorted(ids), "result": result,
                        "remarks": check.remarks})
    return check


@transaction.atomic
def filing_submit(*, actor: User, unit: MemberUnit, kind: str, year: int, text: str,
                  upload: UploadedFile | None = None) -> UnitFiling:
    """A member unit files its supervision plan or working-group roster with the joint
    office (001 §6(1)): a text, and a document checked as case attachments are."""
    unit = MemberUnit.objects.restrict(actor).select_related("region").get(pk=unit.pk)
    require(actor, "governance.file_unit_filing", unit,
            _("Only the unit's own officers or the office file for a unit."))
    if kind not in FilingKind.values:
        raise DomainError(_("Choose what is filed."), field="kind")
    if not 2000 <= year <= 2100:
        raise DomainError(_("Give the year."), field="year")
    if not text.strip():
        raise DomainError(_("Write the content."), field="text")
    filing = UnitFiling(unit=unit, kind=kind, year=year, text=text.strip(), filed_by=actor)
    if upload is not None:
        filing.file_type = case_services.attachment_check(upload, field="file")
        filing.file = upload
    filing.save()
    audit_record(actor=actor, action="governance.filing_submit", obj=filing,
                 after={"unit": unit.pk, "kind": kind, "year": year, "file": bool(filing.file)})
    return filing
