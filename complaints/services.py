"""Complaints own the intake of complaints and reports from every channel (the public
form, officers' entry of hotline calls, walk-ins, letters, e-mail and complaints forwarded
from above, and the 12345 system's REST client), their routing by the policy profile, the
hand-offs between departments with a working-day deadline each, and the handling steps
verify → handle → reply → rate (有举必核、核实必处, 004 §6(2)2).

Each complaint is one case of the kind "complaint" (TS-…); each step is a task of that
case, so every hand-off has its department, its deadline and its place in the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import filetypes
from cases import services as case_services
from cases.audit import audit_record, snapshot
from cases.models import Case, CaseState, Notification, Task, TaskRole, TaskStatus
from complaints import outcomes
from complaints.models import (
    KIND,
    Channel,
    Complaint,
    ComplaintFile,
    ComplaintStatus,
    FileStage,
    Finding,
    Outcome,
    Rating,
    ReportBack,
    Topic,
)
from core.abilities import may, require
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType
from institutions.models import Institution
from org.models import Department, Region, RegionLevel, User
from org.scope import Action
from policy.profile import active_profile

#: The steps of a complaint, each a task with its deadline key (issue 10 "Routing and
#: hand-offs": documented defaults in policy/profiles/base.yaml, not seed rules).
DISPATCH, VERIFY, HANDLE, REPLY, REVIEW = "dispatch", "verify", "handle", "reply", "review"
#: Reporting a forwarded complaint back up (004 §6(2)4), beside the lead's steps.
REPORT_BACK = "report_back"
DEADLINE_KEYS = {DISPATCH: "complaint_accept", VERIFY: "complaint_verify",
                 HANDLE: "complaint_resolve", REPLY: "complaint_reply",
                 REVIEW: "complaint_review", REPORT_BACK: "complaint_report_back"}
#: How long a reply waits for the complainant's rating before the complaint closes unrated.
RATING_WAIT_KEY = "complaint_rating_wait"
STEP_STATUS = {DISPATCH: ComplaintStatus.DISPATCH, VERIFY: ComplaintStatus.VERIFYING,
               HANDLE: ComplaintStatus.HANDLING, REPLY: ComplaintStatus.REPLYING,
               REVIEW: ComplaintStatus.REVIEW}
#: The joint-meeting office sits at the education bureau (001 §4(1); DOMAIN.md §4.6): a
#: complaint that no routing rule places goes to it as dispatcher, never nowhere.
DISPATCHER_TYPES = (DepartmentType.EDUCATION_SPORTS, DepartmentType.EDUCATION)
MAX_FILES = 5
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class RoutePlan:
    """Where a complaint goes: a lead department and assisting ones, with the rule."""

    lead: Department
    assists: list[Department] = field(default_factory=list)
    source: str = ""
    dispatched: bool = False  # no rule placed it: the joint-meeting office dispatches


def county_of(region: Region) -> Region:
    """The county (or the nearest level above a town) a region belongs to."""
    node = region
    while node.level > RegionLevel.COUNTY and node.parent_id is not None:
        node = node.parent  # type: ignore[assignment]
    return node


def dispatcher(county: Region) -> Department:
    for type_ in DISPATCHER_TYPES:
        dept = Department.objects.filter(region=county, type=type_, is_active=True).first()
        if dept is not None:
            return dept
    raise DomainError(_("This county has no joint-meeting office to dispatch complaints."),
                      field="region")


def route(*, category: str, topic: Topic, county: Region) -> RoutePlan:
    """The route of the active profile (001 §5(3): by the institution's category to its
    supervising department, cross-cutting ones with a lead and assists; 004 annex 1:
    ads, contracts and prices to market regulation; 000 §3: where the matrix gives daily
    supervision to education-sports, it leads complaint handling with the category's
    department assisting). A rule whose lead department the county lacks, or no rule at
    all (001's hard-to-classify complaints), goes to the dispatcher."""
    rule = active_profile().route(category or "", topic.route_topic)
    if rule is not None:
        depts = {d.type: d for d in Department.objects.filter(
            region=county, is_active=True, type__in=[rule.lead_type, *rule.assist_types])}
        lead = depts.get(rule.lead_type)
        if lead is not None:
            assists = [depts[t] for t in rule.assist_types if t in depts and t != lead.type]
            return RoutePlan(lead=lead, assists=assists, source=rule.source)
    return RoutePlan(lead=dispatcher(county), dispatched=True,
                     source="001 §4(1) 联席会议办公室")


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(10))


def _assign(*, actor: User | None, complaint: Complaint, department: Department, step: str,
            role: str = TaskRole.LEAD, duty: str = "", today: dt.date | None = None) -> Task:
    duty = duty or _("Complaint %(number)s: %(step)s") % {
        "number": complaint.case.number, "step": STEP_LABELS[step]}
    task = case_services.task_assign(actor=actor, case=complaint.case, department=department,
                                     role=role, step=step, duty=duty,
                                     deadline_key=DEADLINE_KEYS[step], today=today)
    if role == TaskRole.LEAD:
        complaint.status = STEP_STATUS[step]
        complaint.save(update_fields=["status"])
    return task


STEP_LABELS: dict[str, Any] = {}  # filled by complaints.kinds (translated labels)


@transaction.atomic
def complaint_submit(*, actor: User | None, channel: str, topic: Topic, description: str,
                     institution: Institution | None = None, institution_text: str = "",
                     address: str = "", region: Region | None = None,
                     complainant_name: str = "", complainant_phone: str = "",
                     external_ticket: str = "", origin: str = "",
                     files: Sequence[UploadedFile] = (), via: Any = None,
                     today: dt.date | None = None) -> tuple[Complaint, str, bool]:
    """Take a complaint in and route it. Returns (complaint, tracking code, created). A
    repeated external ticket of the same channel (the 12345 system sending again)
    returns the first complaint, creates nothing and hands out no new code.

    The complaint goes to the institution's county; without a registered institution, to
    the region the complainant gave (004 §6(1): 以县为主). `via` names a token client that
    sent it (the audit trail's actor when there is no user); `today` counts the first
    deadlines from another day (a ticket taken earlier, the demo)."""
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if actor is not None and channel not in (Channel.WEB, Channel.OPEN311):
        require(actor, "complaints.enter")
    external_ticket = external_ticket.strip()
    if external_ticket:
        found = Complaint.objects.filter(channel=channel, external_ticket=external_ticket
                                         ).select_related("case").first()
        if found is not None:
            return found, "", False
    if len(files) > MAX_FILES:
        raise DomainError(_("Attach at most %(n)s files.") % {"n": MAX_FILES}, field="files")
    types = [case_services.attachment_check(f, field="files") for f in files]
    if channel == Channel.FORWARDED and not origin.strip():
        raise DomainError(_("Say who forwarded the complaint."), field="origin")
    if not topic.is_active:
        raise DomainError(_("This topic is no longer used."), field="topic")
    description = description.strip()
    if len(description) < 10:
        raise DomainError(_("Describe the problem in at least 10 characters."),
                          field="description")
    if institution is None and not institution_text.strip():
        raise DomainError(_("Name the institution, or describe it."), field="institution_text")
    place = institution.region if institution is not None else region
    if place is None:
        raise DomainError(_("Give the region where the institution is."), field="region")
    county = county_of(place)
    category = institution.category if institution is not None else ""
    plan = route(category=category, topic=topic, county=county)
    name = institution.name if institution is not None else institution_text.strip()
    case = case_services.case_open(
        actor=None, kind=KIND, title=f"{topic.name}：{name}"[:200], region=place,
        description=description, category=category, institution=institution)
    code = new_tracking_code()
    complaint = Complaint(
        case=case, topic=topic, channel=channel, external_ticket=external_ticket,
        origin=origin.strip(), complainant_name=complainant_name.strip(),
        complainant_phone=complainant_phone.strip(),
        institution_text=institution_text.strip(), address=address.strip(), region=region,
        description=description, tracking_hash=Complaint.hash_code(code),
        open311_token=secrets.token_hex(16) if channel == Channel.OPEN311 else "",
        route_source=plan.source)
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError:  # the same ticket, sent twice at once
        raise InvalidState(_("This ticket was just received; send it again to read it."))
    for upload, content_type in zip(files, types, strict=True):
        _store_file(complaint, upload, content_type)
    audit_record(actor=actor or via, action="complaint.submit", case=case, obj=complaint,
                 after={**snapshot(complaint, ["topic", "channel", "external_ticket",
                                               "origin", "region"]),
                        "lead": plan.lead.pk, "assists": [d.pk for d in plan.assists],
                        "route": plan.source})
    step = DISPATCH if plan.dispatched else VERIFY
    _assign(actor=None, complaint=complaint, department=plan.lead, step=step, today=today)
    for dept in plan.assists:
        _assign(actor=None, complaint=complaint, department=dept, step=VERIFY,
                role=TaskRole.ASSIST, today=today,
                duty=_("Complaint %(number)s: assist the verification")
                % {"number": case.number})
    return complaint, code, True


def _store_file(complaint: Complaint, upload: UploadedFile, content_type: str,
                stage: str = FileStage.INTAKE) -> ComplaintFile:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = filetypes.display_name((upload.name or "file").rsplit("/", 1)[-1][:190],
                                  content_type)
    row = ComplaintFile(complaint=complaint, original_name=name, content_type=content_type,
                        size=upload.size or 0, sha256=digest.hexdigest(), stage=stage)
    row.file.save(filetypes.safe_name(name, content_type), upload, save=False)
    row.save()
    return row


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related(
        "case", "case__region", "topic").get(pk=complaint.pk)


def open_lead_task(complaint: Complaint) -> Task | None:
    return complaint.case.tasks.filter(role=TaskRole.LEAD, status=TaskStatus.OPEN
                                       ).select_related("department").order_by("-id").first()


def _hand_off(task: Task, note: str) -> None:
    """A hand-off ends the holder's task (done, with the note saying where it went), so
    the chain shows who held the complaint, for how long and whether on time, and a
    returned task never blocks the close."""
    case_services.task_complete(actor=None, task=task, note=note)


def _lead_task(complaint: Complaint, step: str) -> Task:
    task = open_lead_task(complaint)
    if task is None or task.step != step:
        raise InvalidState(_("This complaint is not at this step."))
    return task


def _work(actor: User, task: Task) -> None:
    """The lead department's officers work the step (and only they)."""
    if not Task.objects.restrict(actor, Action.CHANGE).filter(pk=task.pk).exists():
        raise PermissionDenied()
    require(actor, "complaints.work", task)


@transaction.atomic
def complaint_dispatch(*, actor: User, complaint: Complaint, department: Department,
                       assists: list[Department] | None = None, reason: str = "") -> Complaint:
    """The joint-meeting office (or an admin) sends a complaint on (转办): the open lead
    task is returned with the reason and the department gets a new task with its own
    deadline, so the chain shows who held it and for how long."""
    complaint = _locked(complaint)
    require(actor, "complaints.dispatch", complaint.case.region)
    if not Complaint.objects.restrict(actor, Action.ASSIGN).filter(pk=complaint.pk).exists():
        raise PermissionDenied()
    if complaint.status in (ComplaintStatus.CLOSED, ComplaintStatus.MERGED,
                            ComplaintStatus.AWAITING_RATING):
        raise InvalidState(_("This complaint is no longer being handled."))
    current = open_lead_task(complaint)
    step = VERIFY
    if current is not None:
        if current.department_id == department.pk:
            raise DomainError(_("The complaint is already with this department."),
                              field="department")
        step = current.step if current.step != DISPATCH else VERIFY
        _hand_off(current, _("Transferred to %(department)s. %(reason)s")
                  % {"department": department.name, "reason": reason.strip()})
    _assign(actor=actor, complaint=complaint, department=department, step=step)
    for dept in assists or []:
        if dept.pk != department.pk:
            _assign(actor=actor, complaint=complaint, department=dept, step=VERIFY,
                    role=TaskRole.ASSIST,
                    duty=_("Complaint %(number)s: assist the verification")
                    % {"number": complaint.case.number})
    audit_record(actor=actor, action="complaint.transfer", case=complaint.case, obj=complaint,
                 after={"department": department.pk}, reason=reason)
    return complaint


@transaction.atomic
def complaint_return(*, actor: User, complaint: Complaint, reason: str) -> Complaint:
    """The lead department hands the complaint back to the dispatcher with a reason (not
    its remit); the dispatcher gets a task with its own deadline."""
    complaint = _locked(complaint)
    if not reason.strip():
        raise DomainError(_("Give a reason for returning the complaint."), field="reason")
    task = open_lead_task(complaint)
    if task is None or task.step == DISPATCH:
        raise InvalidState(_("Only a complaint with a department can be returned."))
    _work(actor, task)
    _hand_off(task, _("Returned to the dispatcher: %(reason)s") % {"reason": reason.strip()})
    audit_record(actor=actor, action="complaint.return", case=complaint.case, obj=complaint,
                 after={"department": task.department_id}, reason=reason.strip())
    _assign(actor=None, complaint=complaint, department=dispatcher(county_of(complaint.case.region)),
            step=DISPATCH, duty=_("Complaint %(number)s returned: %(reason)s")
            % {"number": complaint.case.number, "reason": reason.strip()})
    return complaint


@transaction.atomic
def complaint_verify(*, actor: User, complaint: Complaint, finding: str, evidence: str,
                     files: Sequence[UploadedFile] = ()) -> Complaint:
    """有举必核 (004 §6(2)2): every complaint is verified, with evidence: the note and any
    files (checked as the case's attachments are, stored as the complaint's verification
    files)."""
    complaint = _locked(complaint)
    task = _lead_task(complaint, VERIFY)
    _work(actor, task)
    if finding not in Finding.values:
        raise DomainError(_("Choose what the verification found."), field="finding")
    if not evidence.strip():
        raise DomainError(_("Record the evidence of the verification."), field="evidence")
    if len(files) > MAX_FILES:
        raise DomainError(_("Attach at most %(n)s files.") % {"n": MAX_FILES}, field="files")
    types = [case_services.attachment_check(f, field="files") for f in files]
    before = snapshot(complaint, ["status", "finding"])
    complaint.finding, complaint.finding_note = finding, evidence.strip()
    complaint.save(update_fields=["finding", "finding_note"])
    for upload, content_type in zip(files, types, strict=True):
        _store_file(complaint, upload, content_type, stage=FileStage.VERIFICATION)
    case_services.task_complete(actor=actor, task=task, note=evidence)
    _assign(actor=None, complaint=complaint, department=task.department, step=HANDLE)
    audit_record(actor=actor, action="complaint.verify", case=complaint.case, obj=complaint,
                 before=before, after=snapshot(complaint, ["status", "finding"]))
    return complaint


@transaction.atomic
def complaint_ask_explanation(*, actor: User, complaint: Complaint,
                              question: str) -> Complaint:
    """The lead department asks the institution to explain itself while it verifies or
    handles the complaint; from then on the institution's staff read the complaint's
    substance (never the complainant, issue 10 "Privacy") and answer."""
    complaint = _locked(complaint)
    task = open_lead_task(complaint)
    if task is None or task.step not in (VERIFY, HANDLE):
        raise InvalidState(_("The institution is asked while the complaint is verified or "
                             "handled."))
    _work(actor, task)
    if complaint.case.institution_id is None:
        raise DomainError(_("Only a registered institution can be asked."), field="question")
    if not question.strip():
        raise DomainError(_("Write what the institution should explain."), field="question")
    complaint.explanation_question = question.strip()
    complaint.explanation_requested_at = timezone.now()
    complaint.explanation, complaint.explained_at = "", None
    complaint.save(update_fields=["explanation_question", "explanation_requested_at",
                                  "explanation", "explained_at"])
    audit_record(actor=actor, action="complaint.ask_explanation", case=complaint.case,
                 obj=complaint, after={"question": complaint.explanation_question})
    case_services.notify(
        recipients=list(complaint.case.institution.staff_users.filter(is_active=True)),  # type: ignore[union-attr]
        kind=Notification.Kind.CASE, title=gettext_lazy("Complaint %(number)s: please explain"),
        title_params={"number": complaint.case.number}, body=complaint.explanation_question)
    return complaint


@transaction.atomic
def complaint_explain(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    """The institution's explanation, where the handling department asked for one."""
    complaint = _locked(complaint)
    require(actor, "complaints.explain", complaint)
    if not Complaint.objects.restrict(actor).filter(pk=complaint.pk).exists():
        raise PermissionDenied()
    if complaint.explanation_requested_at is None or complaint.status in (
            ComplaintStatus.CLOSED, ComplaintStatus.MERGED):
        raise InvalidState(_("No explanation is asked for this complaint."))
    if not text.strip():
        raise DomainError(_("Write the explanation."), field="text")
    complaint.explanation, complaint.explained_at = text.strip(), timezone.now()
    complaint.save(update_fields=["explanation", "explained_at"])
    audit_record(actor=actor, action="complaint.explain", case=complaint.case, obj=complaint,
                 after={"explanation": complaint.explanation})
    return complaint


@transaction.atomic
def complaint_handle(*, actor: User, complaint: Complaint, outcome: str, note: str,
                     params: Mapping[str, str] | None = None) -> Complaint:
    """核实必处 (004 §6(2)2): a substantiated complaint leads to a rectification order, an
    enforcement case or a refund mediation; "nothing further" needs the reason, and is
    the only outcome of an unsubstantiated one. An outcome with a registered handler
    (complaints.outcomes) opens its record through the owning app's service, in this
    transaction, and the complaint keeps the link; `params` are the handler's inputs."""
    complaint = _locked(complaint)
    task = _lead_task(complaint, HANDLE)
    _work(actor, task)
    if outcome not in Outcome.values:
        raise DomainError(_("Choose what follows the verification."), field="outcome")
    if complaint.finding == Finding.UNSUBSTANTIATED and outcome != Outcome.NOTHING_FURTHER:
        raise DomainError(_("An unsubstantiated complaint has nothing further to handle."),
                          field="outcome")
    if not note.strip():
        raise DomainError(_("Describe the handling."), field="note")
    before = snapshot(complaint, ["status", "outcome"])
    complaint.outcome, complaint.outcome_note = outcome, note.strip()
    fields = ["outcome", "outcome_note"]
    entry = outcomes.get(outcome)
    if entry is not None:
        if not may(actor, entry.ability, entry.target(complaint)):
            raise PermissionDenied(_("You may not open this record."))
        link = entry.handler(actor=actor, complaint=complaint, department=task.department,
                             note=note.strip(), params=dict(params or {}))
        complaint.outcome_link_kind, complaint.outcome_link_id = link.kind, link.id
        complaint.outcome_link_number = link.number
        fields += ["outcome_link_kind", "outcome_link_id", "outcome_link_number"]
    complaint.save(update_fields=fields)
    case_services.task_complete(actor=actor, task=task, note=note)
    _assign(actor=None, complaint=complaint, department=task.department, step=REPLY)
    audit_record(actor=actor, action="complaint.handle", case=complaint.case, obj=complaint,
                 before=before, after=snapshot(complaint, ["status", "outcome",
                                                           "outcome_link_kind",
                                                           "outcome_link_number"]))
    return complaint


@transaction.atomic
def complaint_reply(*, actor: User, complaint: Complaint, text: str) -> Complaint:
    """The reply to the complainant, who then rates the handling with the tracking code.
    A complaint forwarded from above is reported back up in the same event (004 §6(2)4)."""
    complaint = _locked(complaint)
    step = REPLY if complaint.status != ComplaintStatus.REVIEW else REVIEW
    task = _lead_task(complaint, step)
    _work(actor, task)
    if step == REVIEW:
        require(actor, "complaints.review", task)
    if not text.strip():
        raise DomainError(_("Write the reply."), field="text")
    before = snapshot(complaint, ["status", "reply"])
    case_services.task_complete(actor=actor, task=task, note=text)
    complaint.reply, complaint.replied_at = text.strip(), timezone.now()
    complaint.status = ComplaintStatus.AWAITING_RATING
    complaint.save(update_fields=["reply", "replied_at", "status"])
    if complaint.channel == Channel.FORWARDED:
        _report_back_due(complaint, task.department)
    audit_record(actor=actor, action="complaint.reply", case=complaint.case, obj=complaint,
                 before=before, after=snapshot(complaint, ["status", "reply"]))
    return complaint


@transaction.atomic
def complaint_rate(*, complaint: Complaint, code: str, rating: str,
                   comment: str = "") -> Complaint:
    """The complainant rates the handling with the private code. An unsatisfied rating
    reopens the complaint once, for a review by the lead department's head; after that,
    or with any other rating, the complaint closes."""
    complaint = _locked(complaint)
    if not complaint.code_matches(code):
        raise PermissionDenied(_("The tracking code does not match."))
    if complaint.status != ComplaintStatus.AWAITING_RATING:
        raise InvalidState(_("This complaint is not waiting for a rating."))
    if rating not in Rating.values:
        raise DomainError(_("Choose a rating."), field="rating")
    before = snapshot(complaint, ["status", "rating"])
    complaint.rating, complaint.rating_note = rating, comment.strip()[:1000]
    complaint.rated_at = timezone.now()
    complaint.save(update_fields=["rating", "rating_note", "rated_at"])
    audit_record(actor="complainant", action="complaint.rate", case=complaint.case,
                 obj=complaint, before=before, after=snapshot(complaint, ["status", "rating"]))
    if rating == Rating.UNSATISFIED and not complaint.reopened:
        complaint.reopened = True
        complaint.save(update_fields=["reopened"])
        last = complaint.case.tasks.filter(role=TaskRole.LEAD).exclude(
            step=DISPATCH).select_related("department").order_by("-id").first()
        department = last.department if last is not None else \
            dispatcher(county_of(complaint.case.region))
        _assign(actor=None, complaint=complaint, department=department, step=REVIEW,
                duty=_("Complaint %(number)s: the complainant is unsatisfied; the "
                       "department head reviews the handling") % {"number": complaint.case.number})
        return complaint
    _close(complaint, reason=_("Rated: %(rating)s") % {"rating": Rating(rating).label})
    return complaint


def _close(complaint: Complaint, *, reason: str, status: str = ComplaintStatus.CLOSED) -> None:
    """Close (or merge) the complaint and its case. An open report back up stays open:
    the case closes once it is reported (`complaint_report`)."""
    complaint.status = status
    complaint.save(update_fields=["status"])
    if complaint.case.state in (CaseState.OPEN, CaseState.IN_PROGRESS):
        if status == ComplaintStatus.MERGED:
            case_services.case_cancel(actor=None, case=complaint.case, reason=reason)
        else:
            for task in complaint.case.tasks.filter(status=TaskStatus.OPEN).exclude(
                    step=REPORT_BACK):
                case_services.task_complete(actor=None, task=task, note=reason)
            if not complaint.case.tasks.filter(status=TaskStatus.OPEN).exists():
                case_services.case_close(actor=None, case=complaint.case, reason=reason)


def _report_back_due(complaint: Complaint, department: Department) -> ReportBack:
    """The replying department owes the forwarding office a report (004 §6(2)4), due in
    the profile's working days (`complaint_report_back`) from the reply. After a review
    the same record stays; a new reply reopens nothing already reported."""
    existing = ReportBack.objects.filter(complaint=complaint).first()
    if existing is not None:
        return existing
    task = _assign(actor=None, complaint=complaint, department=department, step=REPORT_BACK,
                   role=TaskRole.ASSIST,
                   duty=_("Complaint %(number)s: report acceptance and outcome back to "
                          "%(origin)s") % {"number": complaint.case.number,
                                           "origin": complaint.origin})
    return ReportBack.objects.create(complaint=complaint, task=task, due_date=task.due_date)


@transaction.atomic
def complaint_report(*, actor: User, report: ReportBack, accepted_on: dt.date, outcome: str,
                     reply: str) -> ReportBack:
    """Report a forwarded complaint's acceptance and outcome back up (004 §6(2)4: 及时受理
    并反馈受理情况和办理结果): the date it was accepted, the outcome and the reply. Done by
    the officers of the department that replied; it ends the report's task and, when the
    complaint is already closed, its case."""
    report = ReportBack.objects.select_for_update(of=("self",)).select_related(
        "complaint", "complaint__case", "task").get(pk=report.pk)
    complaint = report.complaint
    if report.reported_at is not None or report.task is None:
        raise InvalidState(_("This complaint was already reported back."))
    _work(actor, report.task)
    received = timezone.localdate(complaint.received_at)
    if accepted_on < received or accepted_on > timezone.localdate():
        raise DomainError(_("The acceptance date lies between the receipt and today."),
                          field="accepted_on")
    if not outcome.strip():
        raise DomainError(_("Describe the outcome."), field="outcome")
    if not reply.strip():
        raise DomainError(_("Give the reply text."), field="reply")
    report.accepted_on, report.outcome, report.reply = accepted_on, outcome.strip(), reply.strip()
    report.reported_at, report.reported_by = timezone.now(), actor
    report.save()
    case_services.task_complete(actor=actor, task=report.task,
                                note=_("Reported back to %(origin)s")
                                % {"origin": complaint.origin})
    audit_record(actor=actor, action="complaint.report_back", case=complaint.case,
                 obj=complaint, after={"reported_to": complaint.origin,
                                       "accepted_on": accepted_on.isoformat(),
                                       "outcome": report.outcome})
    case = complaint.case
    case.refresh_from_db()
    if complaint.status == ComplaintStatus.CLOSED and case.state in (
            CaseState.OPEN, CaseState.IN_PROGRESS) and \
            not case.tasks.filter(status=TaskStatus.OPEN).exists():
        case_services.case_close(actor=None, case=case,
                                 reason=_("Reported back to %(origin)s")
                                 % {"origin": complaint.origin})
    return report


def complaints_close_unrated(*, today: Any = None) -> int:
    """Silence closes a replied complaint with no rating once the profile's waiting time
    (complaint_rating_wait, working days) has passed."""
    from policy.calendar import add_workdays

    today = today or timezone.localdate()
    limit = add_workdays(today, -active_profile().deadline(RATING_WAIT_KEY))
    closed = 0
    for pk in Complaint.objects.filter(status=ComplaintStatus.AWAITING_RATING,
                                       replied_at__date__lt=limit).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update(of=("self",)).select_related(
                "case").get(pk=pk)
            if complaint.status != ComplaintStatus.AWAITING_RATING:
                continue
            _close(complaint, reason=_("No rating within the waiting time"))
            audit_record(actor=None, action="complaint.close_unrated", case=complaint.case,
                         obj=complaint, after={"status": complaint.status})
            closed += 1
    return closed


@transaction.atomic
def complaint_merge(*, actor: User, complaint: Complaint, into: Complaint) -> Complaint:
    """Merge a duplicate into the complaint it repeats; both stay, linked, and the
    duplicate's case is cancelled with the reason."""
    complaint = _locked(complaint)
    require(actor, "complaints.dispatch", complaint.case.region)
    visible = Complaint.objects.restrict(actor, Action.ASSIGN)
    if not visible.filter(pk=complaint.pk).exists() or \
            not visible.filter(pk=into.pk).exists():
        raise PermissionDenied()
    if into.pk == complaint.pk or into.duplicate_of_id is not None:
        raise DomainError(_("Merge into another, original complaint."), field="into")
    if complaint.status in (ComplaintStatus.CLOSED, ComplaintStatus.MERGED):
        raise InvalidState(_("This complaint is no longer being handled."))
    complaint.duplicate_of = into
    complaint.save(update_fields=["duplicate_of"])
    _close(complaint, status=ComplaintStatus.MERGED,
           reason=_("Merged into %(number)s") % {"number": into.case.number})
    audit_record(actor=actor, action="complaint.merge", case=complaint.case, obj=complaint,
                 after={"duplicate_of": into.pk, "into": into.case.number})
    return complaint


def case_of(complaint: Complaint) -> Case:
    return complaint.case
