"""The licensing workflow: establishment, re-licensing, change and termination of an
institution's licence, driven by the profile's (category, licensing) cell.

Stages run in order; the steps of a stage become parallel tasks for the departments the
profile names as owners (000 §3: the lead does not own every step). A stage ends when
all its tasks are done; the kind's task-done handler (`licensing.kinds`) then opens the
next one in the same transaction.

- acceptance (受理), by the owner of the acceptance step: accept or not, with a reason;
- review: the lead's material review, and the co-review, training-materials review or
  assisting departments' duties, in parallel, each with its duty text (000 §3(1)1);
- on-site inspection (现场勘验), convened by the step's owner with its participants, with
  a checklist and photos (for tech, 000 §3(2)1 has education-sports convene);
- teacher-credential verification (education) and staff violation-record check (police);
- consultation of the supervising department, where the approval rule asks for it
  (001 §4(2)4: only for establishment);
- conclusion by the approver's department head once every other task is done, with
  co-signers (000 §3: education-sports for arts and tech); nobody concludes an
  application they reviewed themselves;
- registration by market regulation or civil affairs by nature (000 §3);
- filing (备案), and the approval pushed to the departments the rule names (001 §4(2)4);
- licence issue with its number, and the fund-supervision account (000 §4(3)).

The approval rule's `steps` name the steps each action runs (a stage runs when one of its
steps is listed); without them, change and termination skip the on-site, verification and
licence stages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.audit import audit_record
from cases.models import Case, Notification, Task, TaskRole, TaskStatus
from core.abilities import may, require
from core.errors import DomainError, InvalidState, PermissionDenied
from core.i18n import stored
from core.vocab import DepartmentType, LicenceAction, Phase, Step, label_of
from institutions import rules, selectors, services
from institutions.models import Course, Institution, InstitutionStatus
from institutions.rules import Slot
from licensing.models import APPLIES_TO, ApplicationAction, LicensingApplication, Stage
from org.models import Department, Role, User
from org.scope import Action
from policy.profile import Cell, Document, ProfileData, active_profile
from policy.sources import cite, is_default

STAGE_STEPS: dict[str, tuple[str, ...]] = {
    Stage.ACCEPTANCE: (Step.ACCEPTANCE,),
    Stage.REVIEW: (Step.MATERIAL_REVIEW, Step.CO_REVIEW, Step.MATERIALS_REVIEW),
    Stage.ONSITE: (Step.ONSITE_INSPECTION, Step.PREMISES_APPROVAL),
    Stage.VERIFICATION: (Step.CREDENTIAL_VERIFICATION, Step.RECORD_CHECK),
    Stage.CONSULTATION: (Step.CONSULTATION,),
    Stage.CONCLUSION: (Step.CONCLUSION,),
    Stage.REGISTRATION: (Step.REGISTRATION,),
    Stage.FILING: (Step.FILING, Step.APPROVAL_NOTICE),
    Stage.LICENCE: (Step.LICENCE_ISSUE, Step.FUND_ACCOUNT),
}

FULL = [Stage.ACCEPTANCE, Stage.REVIEW, Stage.ONSITE, Stage.VERIFICATION, Stage.CONSULTATION,
        Stage.CONCLUSION, Stage.REGISTRATION, Stage.FILING, Stage.LICENCE]
SHORT = [Stage.ACCEPTANCE, Stage.REVIEW, Stage.CONSULTATION, Stage.CONCLUSION,
         Stage.REGISTRATION, Stage.FILING]
TERMINAL = {Stage.COMPLETED, Stage.NOT_ACCEPTED, Stage.REJECTED}

PHOTO_TYPES = {"image/jpeg", "image/png"}
#: Steps decided with their own form (a generic "complete" is refused).
DECISION_STEPS = {Step.ACCEPTANCE, Step.ONSITE_INSPECTION, Step.CONCLUSION, Step.REGISTRATION,
                  Step.LICENCE_ISSUE}
#: Steps whose doers may not conclude the same application (no self-approval).
REVIEW_STEPS = {Step.ACCEPTANCE, Step.MATERIAL_REVIEW, Step.CO_REVIEW, Step.MATERIALS_REVIEW,
                Step.ONSITE_INSPECTION, Step.CREDENTIAL_VERIFICATION, Step.RECORD_CHECK,
                Step.PREMISES_APPROVAL}

DEADLINE_KEYS = {
    Step.ACCEPTANCE: "licensing_acceptance", Step.MATERIAL_REVIEW: "licensing_review",
    Step.CO_REVIEW: "licensing_co_review", Step.MATERIALS_REVIEW: "licensing_co_review",
    Step.ONSITE_INSPECTION: "licensing_onsite", Step.CREDENTIAL_VERIFICATION:
    "licensing_credential", Step.RECORD_CHECK: "licensing_record_check",
    Step.CONSULTATION: "licensing_review", Step.CONCLUSION: "licensing_conclusion",
    Step.REGISTRATION: "licensing_registration", Step.FILING: "licensing_filing",
    Step.APPROVAL_NOTICE: "licensing_filing", Step.LICENCE_ISSUE: "licensing_licence_issue",
    Step.FUND_ACCOUNT: "licensing_fund_account", Step.PREMISES_APPROVAL: "licensing_onsite",
}

CHANGEABLE_FIELDS = services.CHANGEABLE_FIELDS
#: Course changes ride in `change_details["courses"]`, one entry per course, each with the
#: values before and after; see `course_change_submit`.
COURSES_KEY = "courses"
#: The case kind of an application (registered in `licensing.kinds`).
KIND = "licensing"


def course_values(course: Course) -> dict[str, Any]:
    """A course's values as JSON, for a change application's before and after."""
    return {
        "name": course.name, "mode": course.mode, "is_academic": course.is_academic,
        "lesson_minutes": course.lesson_minutes, "break_minutes": course.break_minutes,
        "class_hours": course.class_hours, "price": f"{Decimal(course.price):.2f}",
        "starts_on": course.starts_on.isoformat() if course.starts_on else None,
        "ends_on": course.ends_on.isoformat() if course.ends_on else None,
        "slots": [[s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}"] for s in course.slots.all()],
    }


def _values_from_json(data: dict[str, Any]) -> tuple[dict[str, Any], list[Slot]]:
    values = {k: data.get(k) for k in services.COURSE_FIELDS}
    values["price"] = Decimal(str(data["price"]))
    for key in ("starts_on", "ends_on"):
        values[key] = dt.date.fromisoformat(data[key]) if data.get(key) else None
    slots = [Slot(int(day), dt.time.fromisoformat(start), dt.time.fromisoformat(end))
             for day, start, end in data["slots"]]
    return values, slots


def _licence_action(action: str) -> str:
    actions: dict[str, str] = {ApplicationAction.CHANGE: LicenceAction.CHANGE,
            ApplicationAction.TERMINATE: LicenceAction.TERMINATE}
    return actions.get(action, LicenceAction.ESTABLISH)


def _cell(application: LicensingApplication, profile: ProfileData) -> Cell:
    inst = application.institution
    cell = profile.cell(inst.category, Phase.LICENSING, inst.region.county_code)
    if cell is None:
        raise DomainError(_("The policy profile has no licensing cell for this category."))
    return cell


def _listed_steps(application: LicensingApplication,
                  profile: ProfileData | None = None) -> frozenset[str]:
    """The steps the approval rule of the application's action lists; empty when it lists
    none (then the action runs its default stages)."""
    rule = (profile or active_profile()).approval(_licence_action(application.action))
    return frozenset(rule.steps) if rule else frozenset()


def stages_for(application: LicensingApplication) -> list[str]:
    """The stages an application runs, in order. When the approval rule lists `steps`, a
    stage runs if one of its steps is listed; consultation and conclusion keep their own
    rules (consultation where the rule's `consult` asks; the conclusion always). Without
    `steps`, establishment and re-licensing run every stage, change and termination the
    short list. The stage a stored application is at stays in, so a profile edit never
    strands a running application."""
    listed = _listed_steps(application)
    if listed:
        stages = [stage for stage in FULL if stage in (Stage.CONSULTATION, Stage.CONCLUSION)
                  or listed.intersection(STAGE_STEPS[stage])]
    else:
        full = application.action in (ApplicationAction.ESTABLISH, ApplicationAction.RELICENSE)
        stages = FULL if full else SHORT
    current = application.stage if application.pk else None
    return [stage for stage in FULL if stage in stages or stage == current]


def department_for(dept_type: str, institution: Institution) -> Department:
    """The department of that type serving the institution: its county's, else the
    city's."""
    county = selectors.county_of(institution.region)
    codes = institution.region.ancestor_codes()
    candidates = Department.objects.filter(type=dept_type, is_active=True,
                                           region__code__in=codes).select_related("region")
    by_region = {d.region.code: d for d in candidates}
    if county is not None and county.code in by_region:
        return by_region[county.code]
    for code in reversed(codes):
        if code in by_region:
            return by_region[code]
    raise DomainError(_("No active %(type)s serves this institution's region.")
                      % {"type": label_of(DepartmentType, dept_type)})


def _cited(step_code: str, source: str) -> str:
    """A step's label with its seed source as users read it (the document's number and
    section, issue 14 C10); a profile default cites nothing."""
    if is_default(source):
        return label_of(Step, step_code)
    return _("%(step)s (%(src)s)") % {"step": label_of(Step, step_code), "src": cite(source)}


def planned_tasks(application: LicensingApplication, stage: str) -> list[dict[str, Any]]:
    """The tasks a stage opens: (department type, role, step, duty).

    Whether a step owner's task leads or assists is the profile's `role` of the step
    (000 §3: the lead does not own every step, and an owner may only assist, as
    education-sports co-reviews for arts, 000 §3(1)1); participants and co-signers always
    assist. Consultation and conclusion follow the approval rule (001 §4(2)4); other steps
    are planned only if the rule's `steps` list them, when it lists any."""
    profile = active_profile()
    cell = _cell(application, profile)
    listed = _listed_steps(application, profile)
    inst = application.institution
    assist_duty = {a.department_type: a.duty for a in cell.assists}
    out: list[dict[str, Any]] = []

    def add(dept_type: str | None, role: str, step: str, duty: str) -> None:
        if not any(t["type"] == dept_type and t["step"] == step for t in out):
            out.append({"type": dept_type, "role": role, "step": step, "duty": duty})

    if stage == Stage.CONSULTATION:
        rule = profile.approval(_licence_action(application.action))
        if not rule or not rule.consult:
            return []
        for t in rule.consult:
            dept_type = profile.supervisor_type(inst.category) if t == "supervisor" else t
            if dept_type:
                add(dept_type, TaskRole.ASSIST, Step.CONSULTATION,
                    _("Give the supervising department's opinion before approval (%(src)s).")
                    % {"src": cite(rule.source)})
        return out
    if stage == Stage.CONCLUSION:
        rule = profile.approval(_licence_action(application.action))
        approver = profile.approver_type(_licence_action(application.action), inst.category,
                                         inst.region.county_code)
        step = cell.step_owner(Step.CONCLUSION)
        add(approver, TaskRole.LEAD, Step.CONCLUSION,
            _("Conclude the review: approve, or reject with reasons (%(src)s).")
            % {"src": cite(rule.source if rule else cell.lead.source)})
        if step is not None:
            for cosigner in step.cosigners:
                add(cosigner, TaskRole.ASSIST, Step.CONCLUSION,
                    _("Co-sign the review conclusion (%(src)s).") % {"src": cite(step.source)})
        return out
    for step_code in STAGE_STEPS.get(stage, ()):
        owner = cell.step_owner(step_code, inst.nature)
        if owner is None or (listed and step_code not in listed):
            continue
        role = TaskRole(owner.role)  # the profile's StepRole: same values as TaskRole
        duty = assist_duty.get(owner.owner_type) if role == TaskRole.ASSIST else None
        add(owner.owner_type, role, step_code, duty or _cited(step_code, owner.source))
        for participant in owner.participants:
            add(participant, TaskRole.ASSIST, step_code,
                assist_duty.get(participant) or _("Take part: %(step)s (%(src)s)")
                % {"step": label_of(Step, step_code), "src": cite(owner.source)})
    return out


def _open_stage(application: LicensingApplication, stages: list[str], start: int) -> None:
    """Open the first stage from `start` that has tasks; complete when none is left.
    Duty texts are stored in the deployment's language, whatever the requester's."""
    for stage in stages[start:]:
        with translation.override(settings.LANGUAGE_CODE):
            plan = planned_tasks(application, stage)
        if not plan:
            continue
        application.stage = stage
        application.save(update_fields=["stage"])
        for item in plan:
            case_services.task_assign(
                actor=None, case=application.case,
                department=department_for(item["type"], application.institution),
                role=item["role"], step=item["step"], duty=item["duty"],
                deadline_key=DEADLINE_KEYS.get(item["step"], "task_default"))
        audit_record(actor=None, action="licensing.stage", case=application.case,
                     obj=application, after={"stage": stage})
        return
    _complete(application)


def _complete(application: LicensingApplication) -> None:
    inst = Institution.objects.select_for_update().get(pk=application.institution_id)
    case = application.case
    if application.action == ApplicationAction.CHANGE:
        inst = services.institution_change_from_case(case=case, institution=inst,
                                                     changes=application.change_details)
        for item in application.change_details.get(COURSES_KEY, []):
            course = Course.objects.get(pk=item["course"], institution=inst)
            if item.get("list"):
                services.course_change_from_case(case=case, course=course, values=None)
                continue
            values, slots = _values_from_json(item["after"])
            services.course_change_from_case(case=case, course=course, values=values,
                                             slots=slots)
    elif application.action == ApplicationAction.TERMINATE:
        services.institution_set_status(
            actor=None, institution=inst, status=InstitutionStatus.TERMINATED,
            reason=stored(gettext_lazy("Termination approved")), case=case)
    application.stage = Stage.COMPLETED
    application.save(update_fields=["stage"])
    _tell_applicant(application, gettext_lazy("Application %(number)s completed"), "")
    audit_record(actor=None, action="licensing.completed", case=application.case,
                 obj=application, after={"stage": Stage.COMPLETED})
    _close_if_done(application.case, stored(gettext_lazy("Licensing workflow completed")))


def _not_approved(application: LicensingApplication, actor: User, reason: str) -> None:
    """A refused establishment leaves the institution not approved, no longer applying
    (issue 14 C3); it may apply again. Other actions leave the licence as it was."""
    if application.action == ApplicationAction.ESTABLISH and \
            application.institution.status == InstitutionStatus.APPLYING:
        services.institution_set_status(
            actor=actor, institution=application.institution,
            status=InstitutionStatus.NOT_APPROVED, reason=reason, case=application.case)


def _tell_applicant(application: LicensingApplication, title: Any, body: str) -> None:
    """The institution hears how its application ended: its staff accounts, and whoever
    submitted it."""
    people = list(User.objects.filter(institution_id=application.institution_id,
                                      role=Role.INSTITUTION_STAFF, is_active=True))
    if application.submitted_by not in people:
        people.append(application.submitted_by)
    case_services.notify(recipients=people, kind=Notification.Kind.CASE, case=application.case,
                         title=title, title_params={"number": application.case.number},
                         body=body)


def reopen_refusal(*, case: Case) -> str | None:
    """A licensing application that has ended stays ended: its decisions have been
    applied to the register. A new application starts a new case."""
    application = LicensingApplication.objects.filter(case=case).only("stage").first()
    if application is not None and application.stage in TERMINAL:
        return _("This licensing application has ended and its decisions are in the "
                 "register; submit a new application instead of reopening it.")
    return None


def _require_staff_checks(application: LicensingApplication, task: Task) -> None:
    """The verification tasks end only when every current staff member's check is
    recorded on the staff list (000 §3: credentials by education, records by police)."""
    fields: dict[str, str] = {Step.CREDENTIAL_VERIFICATION: "credential_check",
                              Step.RECORD_CHECK: "record_check"}
    field = fields.get(task.step)
    if field is None:
        return
    staff = application.institution.staff.filter(left_on__isnull=True)
    if field == "credential_check":
        staff = staff.filter(is_teacher=True)
    pending = staff.filter(**{field: "pending"}).count()
    if pending:
        raise DomainError(_("%(n)s staff members still wait for this check: record each "
                            "result on the institution's staff list first.") % {"n": pending},
                          field="note")


def _close_if_done(case: Case, reason: str) -> None:
    """Close the case when the workflow ends, unless someone added other work to it."""
    if not Task.objects.filter(case=case).exclude(status=TaskStatus.DONE).exists():
        case_services.case_close(actor=None, case=case, reason=reason)


def on_task_done(*, task: Task, actor: Any) -> None:
    application = LicensingApplication.objects.select_for_update(of=("self",)).select_related(
        "institution__region", "case").get(case_id=task.case_id)
    _require_staff_checks(application, task)
    decided_in = next((st for st, steps in STAGE_STEPS.items() if task.step in steps), None)
    if task.step in DECISION_STEPS and task.role == TaskRole.LEAD and \
            decided_in not in application.decisions:
        raise DomainError(_("This step is decided with its own form."), field="note")
    advance(application)


def advance(application: LicensingApplication) -> None:
    """Open the next stage once every task of the current one is done."""
    if application.stage in TERMINAL:
        return
    steps = STAGE_STEPS.get(application.stage, ())
    pending = Task.objects.filter(case=application.case, step__in=steps).exclude(
        status=TaskStatus.DONE)
    if pending.exists():
        return
    stages = stages_for(application)
    _open_stage(application, stages, stages.index(application.stage) + 1)


# -- services -----------------------------------------------------------------------------

def required_documents(institution: Institution, action: str) -> tuple[Document, ...]:
    """The documents the profile's licensing cell asks of this application (issue 14 C1),
    each with its source."""
    cell = active_profile().cell(institution.category, Phase.LICENSING,
                                 institution.region.county_code)
    return cell.documents_for(action) if cell is not None else ()


def _check_documents(institution: Institution, action: str,
                     documents: Mapping[str, UploadedFile]) -> list[tuple[Document, UploadedFile]]:
    """Every document the cell asks for is there and passes the attachment checks (size,
    real type); nothing else is taken. Checked before anything is stored."""
    required = required_documents(institution, action)
    known = {d.code for d in required}
    unknown = sorted(set(documents) - known)
    if unknown:
        raise DomainError(_("This application takes no document %(code)s.")
                          % {"code": unknown[0]}, field="documents")
    missing = [d for d in required if not documents.get(d.code)]
    if missing:
        raise DomainError(_("Upload every document the application needs; missing: "
                            "%(missing)s.") % {"missing": "、".join(d.label for d in missing)},
                          field=f"doc_{missing[0].code}")
    for document in required:
        case_services.attachment_check(documents[document.code], field=f"doc_{document.code}")
    return [(d, documents[d.code]) for d in required]


@transaction.atomic
def application_submit(*, actor: User, institution: Institution, action: str,
                       change_details: dict[str, Any] | None = None,
                       documents: Mapping[str, UploadedFile] | None = None
                       ) -> LicensingApplication:
    """An institution's staff apply through the portal, or an officer enters a walk-in.
    The documents the profile's licensing cell lists for the action come with it, each
    checked as a case attachment is (size, real type) before anything is stored; they are
    kept with the case, the applicant's own (issue 14 C1)."""
    institution = Institution.objects.select_for_update(of=("self",)).select_related("region").get(
        pk=institution.pk)
    require(actor, "licensing.apply", institution)
    own_staff = may(actor, "licensing.apply_as_applicant", institution)
    if action not in ApplicationAction.values:
        raise DomainError(_("Unknown application type."), field="action")
    if LicensingApplication.objects.running().filter(institution=institution).exists():
        raise InvalidState(_("The institution already has an application in progress."))
    if institution.status not in APPLIES_TO[action]:
        raise InvalidState(_("This application does not fit an institution that is %(status)s.")
                           % {"status": institution.get_status_display()})
    if action == ApplicationAction.ESTABLISH:
        refused = rules.establishment_violations(category=institution.category,
                                                 serves_preschool=institution.serves_preschool)
        if refused:
            raise rules.RuleViolation(refused)
    details = {k: v for k, v in (change_details or {}).items() if v not in ("", None, [])}
    if action == ApplicationAction.CHANGE:
        unknown = set(details) - {*CHANGEABLE_FIELDS, COURSES_KEY}
        if unknown or not details:
            raise DomainError(_("Name what changes: name, address, town or grid, legal "
                                "representative, safety responsible person, premises or "
                                "courses."), field="change_details")
        if "region" in details:
            moved = selectors.towns_in_county(institution.region).filter(
                code=str(details["region"])).first()
            if moved is None:
                raise DomainError(_("A change moves the institution within its county, to a "
                                    "town or grid; moving to another county is a new "
                                    "establishment there."), field="region")
        for item in details.get(COURSES_KEY, []):
            try:
                _values_from_json(item["after"])
                known = Course.objects.filter(pk=item["course"], institution=institution,
                                              is_listed=not item.get("list")).exists()
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
                known = False
            if not known:
                raise DomainError(_("A course change must name a listed course of this "
                                    "institution and its new values."), field="change_details")
    uploads = _check_documents(institution, action, documents or {})
    probe = LicensingApplication(institution=institution, action=action)
    for stage in stages_for(probe):
        for item in planned_tasks(probe, stage):
            department_for(item["type"], institution)  # refuse now, not stuck later
    case = case_services.case_open(
        actor=None, kind=KIND, region=institution.region,
        title=f"{stored(ApplicationAction(action).label)} · {institution.name}",
        category=institution.category, phase=Phase.LICENSING, institution=institution)
    application = LicensingApplication.objects.create(
        case=case, institution=institution, action=action, change_details=details,
        channel="portal" if own_staff else "walk_in", submitted_by=actor)
    if action == ApplicationAction.ESTABLISH and \
            institution.status == InstitutionStatus.NOT_APPROVED:
        services.institution_set_status(
            actor=None, institution=institution, status=InstitutionStatus.APPLYING,
            reason=stored(gettext_lazy("Applies again")), case=case)
    audit_record(actor=actor, action="licensing.submit", case=case, obj=application,
                 after={"action": action, "changes": details, "channel": application.channel})
    _open_stage(application, stages_for(application), 0)
    stored_documents = {}
    for document, upload in uploads:  # last, so nothing after them can fail
        attachment = case_services.attachment_add(actor=actor, case=case, upload=upload)
        stored_documents[document.code] = {"attachment": attachment.pk, "label": document.label,
                                           "source": document.source}
    if stored_documents:
        application.documents = stored_documents
        application.save(update_fields=["documents"])
    return application


@transaction.atomic
def course_change_submit(*, actor: User, course: Course, name: str, mode: str,
                         is_academic: bool, lesson_minutes: int, break_minutes: int | None,
                         class_hours: int, price: Decimal, slots: list[Slot],
                         starts_on: dt.date | None = None, ends_on: dt.date | None = None
                         ) -> LicensingApplication:
    """Submit a change (变更) of a licensed, listed course as a change application. The
    course keeps its current values until the application completes; the rules are
    checked now and again when the change is applied (002 §2(4), 004 §3)."""
    course = Course.objects.select_related("institution__region").get(pk=course.pk)
    if not selectors.course_is_licensed(course):
        raise InvalidState(_("This course is not part of a licence: change it directly."))
    if not Course.objects.restrict(actor, Action.CHANGE).filter(pk=course.pk).exists():
        raise PermissionDenied()
    values: dict[str, Any] = {"name": name.strip(), "mode": mode, "is_academic": is_academic,
              "lesson_minutes": lesson_minutes, "break_minutes": break_minutes,
              "class_hours": class_hours, "price": price, "starts_on": starts_on,
              "ends_on": ends_on}
    rules.refuse_course_violations(county_code=course.institution.region.county_code,
                                   slots=slots, **values)
    after = {k: (f"{v:.2f}" if isinstance(v, Decimal) else
                 v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    after["slots"] = [[s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}"] for s in slots]
    before = course_values(course)
    if after == before:
        raise DomainError(_("Nothing is changed."), field="name")
    return application_submit(actor=actor, institution=course.institution,
                              action=ApplicationAction.CHANGE,
                              change_details={COURSES_KEY: [{"course": course.pk,
                                                             "before": before,
                                                             "after": after}]})


@transaction.atomic
def course_listing_submit(*, actor: User, course: Course) -> LicensingApplication:
    """A licensed institution adds a course to its listing through a change application
    (变更 covers courses); the course is listed when the application completes."""
    course = Course.objects.select_related("institution__region").get(pk=course.pk)
    if course.is_listed:
        raise InvalidState(_("The course is already listed."))
    if not selectors.listing_needs_change(course):
        raise InvalidState(_("This course was reviewed with the licence application: list it "
                             "directly."))
    if not Course.objects.restrict(actor, Action.CHANGE).filter(pk=course.pk).exists():
        raise PermissionDenied()
    return application_submit(actor=actor, institution=course.institution,
                              action=ApplicationAction.CHANGE,
                              change_details={COURSES_KEY: [{"course": course.pk, "list": True,
                                                             "before": {},
                                                             "after": course_values(course)}]})


def conclusion_waits(case: Case) -> bool:
    """The conclusion comes once every other task of the case, co-signatures included, is
    done (issue 4 step 5). The workflow's own rule: it reads all the case's tasks, whoever
    asks, and answers only yes or no."""
    return Task.objects.filter(case=case).exclude(status=TaskStatus.DONE).exclude(
        step=Step.CONCLUSION, role=TaskRole.LEAD).exists()


def _decision_task(application: LicensingApplication, actor: User, step: str) -> Task:
    task = Task.objects.restrict(actor, Action.CHANGE).filter(
        case=application.case, step=step, role=TaskRole.LEAD, status=TaskStatus.OPEN).first()
    if task is None:
        raise PermissionDenied(_("You do not hold this step's task."))
    return task


def _locked_application(application: LicensingApplication, stage: str) -> LicensingApplication:
    application = LicensingApplication.objects.select_for_update(of=("self",)).select_related(
        "institution__region", "case").get(pk=application.pk)
    if application.stage != stage:
        raise InvalidState(_("The application is not at this stage."))
    return application


def _decide(application: LicensingApplication, actor: User, decision: dict[str, Any]) -> None:
    application.decisions = {**application.decisions, application.stage: {
        **decision, "by": actor.pk, "at": timezone.now().isoformat()}}
    application.save(update_fields=["decisions"])
    audit_record(actor=actor, action=f"licensing.decide.{application.stage}",
                 case=application.case, obj=application, after=decision,
                 reason=str(decision.get("reason", "")))


@transaction.atomic
def application_accept(*, actor: User, application: LicensingApplication, accept: bool,
                       reason: str = "") -> LicensingApplication:
    """Acceptance (受理), or non-acceptance with a reason."""
    application = _locked_application(application, Stage.ACCEPTANCE)
    task = _decision_task(application, actor, Step.ACCEPTANCE)
    if not accept and not reason.strip():
        raise DomainError(_("Give the reason for not accepting."), field="reason")
    _decide(application, actor, {"accept": accept, "reason": reason})
    if not accept:
        application.stage = Stage.NOT_ACCEPTED
        application.save(update_fields=["stage"])
    with translation.override(settings.LANGUAGE_CODE):
        note = reason or _("Accepted")
    case_services.task_complete(actor=actor, task=task, note=note)
    if not accept:
        _not_approved(application, actor, reason)
        _tell_applicant(application, gettext_lazy("Application %(number)s not accepted"),
                        reason)
        _close_if_done(application.case, reason)
    application.refresh_from_db()
    return application


@transaction.atomic
def application_record_onsite(*, actor: User, application: LicensingApplication,
                              checklist: dict[str, bool], note: str,
                              photos: Sequence[UploadedFile] = ()) -> LicensingApplication:
    """The convenor records the on-site checklist (现场勘验) with its photos, which go to
    the case's attachments (issue 4 step 3). Every photo is checked before any is stored."""
    application = _locked_application(application, Stage.ONSITE)
    task = _decision_task(application, actor, Step.ONSITE_INSPECTION)
    if not checklist:
        raise DomainError(_("Fill in the on-site checklist."), field="checklist")
    for photo in photos:
        if case_services.attachment_check(photo, field="photos") not in PHOTO_TYPES:
            raise DomainError(_("Photos are JPEG or PNG images."), field="photos")
    application.onsite_checklist = checklist
    application.save(update_fields=["onsite_checklist"])
    _decide(application, actor, {"checklist": checklist, "reason": note})
    case_services.task_complete(actor=actor, task=task, note=note)
    for photo in photos:  # last, so nothing after them can fail and strand the files
        case_services.attachment_add(actor=actor, case=application.case, upload=photo)
    application.refresh_from_db()
    return application


@transaction.atomic
def application_conclude(*, actor: User, application: LicensingApplication, approve: bool,
                         reason: str) -> LicensingApplication:
    """The conclusion by the approving department's head, once every other task is done;
    nobody concludes an application they reviewed themselves."""
    application = _locked_application(application, Stage.CONCLUSION)
    task = _decision_task(application, actor, Step.CONCLUSION)
    if not may(actor, "licensing.conclude", task):
        raise PermissionDenied(_("Only the head of %(dept)s may conclude.")
                               % {"dept": task.department})
    if application.submitted_by_id == actor.pk or Task.objects.filter(
            case=application.case, completed_by=actor, step__in=REVIEW_STEPS).exists():
        raise PermissionDenied(_("You entered, accepted or reviewed this application "
                                 "yourself, so you may not conclude it. Another head must "
                                 "conclude."))
    if conclusion_waits(application.case):
        raise InvalidState(_("Every other task, co-signatures included, must be done before "
                             "the conclusion."))
    if not approve and not reason.strip():
        raise DomainError(_("Give the reasons for rejecting."), field="reason")
    if approve and application.action in (ApplicationAction.ESTABLISH,
                                          ApplicationAction.RELICENSE):
        current = application.institution.staff.filter(left_on__isnull=True)
        if current.filter(Q(is_teacher=True) & ~Q(credential_check="passed") |
                          ~Q(record_check="passed")).exists():
            raise DomainError(_("Every current staff member must have passed the credential "
                                "verification (teachers) and the violation-record check "
                                "before approval (%(src)s).") % {"src": cite("000 §3")},
                              field="approve")
    if approve:
        for item in application.change_details.get(COURSES_KEY, []):
            values, slots = _values_from_json(item["after"])
            rules.refuse_course_violations(county_code=application.institution.region.county_code,
                                  slots=slots, **values)
    _decide(application, actor, {"approve": approve, "reason": reason})
    application.concluded_by = actor
    if not approve:
        application.stage = Stage.REJECTED
    application.save(update_fields=["concluded_by", "stage"])
    case_services.task_complete(actor=actor, task=task,
                                note=reason or stored(gettext_lazy("Approved")))
    if not approve:
        _not_approved(application, actor, reason)
        _tell_applicant(application, gettext_lazy("Application %(number)s rejected"), reason)
        _close_if_done(application.case, reason)
    application.refresh_from_db()
    return application


@transaction.atomic
def application_record_registration(*, actor: User, application: LicensingApplication,
                                    registration_number: str,
                                    certificate: UploadedFile) -> LicensingApplication:
    """Registration (登记) by market regulation for a for-profit institution or civil
    affairs for a non-profit one (000 §3): the fact it produces, the registration number,
    and its certificate, checked as a case attachment is and shared with the applicant
    (issue 14 C4)."""
    application = _locked_application(application, Stage.REGISTRATION)
    task = _decision_task(application, actor, Step.REGISTRATION)
    number = registration_number.strip()
    if not number:
        raise DomainError(_("Enter the registration number."), field="registration_number")
    case_services.attachment_check(certificate, field="certificate")
    application.registration_number = number
    application.save(update_fields=["registration_number"])
    attachment = case_services.attachment_add(actor=actor, case=application.case,
                                              upload=certificate, to_applicant=True)
    _decide(application, actor, {"registration_number": number,
                                 "certificate": attachment.pk})
    case_services.task_complete(actor=actor, task=task,
                                note=stored(gettext_lazy("Registered under %(number)s"),
                                            number=number))
    application.refresh_from_db()
    return application


@transaction.atomic
def application_issue_licence(*, actor: User, application: LicensingApplication,
                              licence_number: str, valid_until: Any = None
                              ) -> LicensingApplication:
    """The licence, issued by the department the profile names, with its number."""
    application = _locked_application(application, Stage.LICENCE)
    task = _decision_task(application, actor, Step.LICENCE_ISSUE)
    if not licence_number.strip():
        raise DomainError(_("Enter the licence number."), field="licence_number")
    inst = Institution.objects.select_for_update().get(pk=application.institution_id)
    _decide(application, actor, {"licence_number": licence_number.strip()})
    services.institution_set_status(
        actor=actor, institution=inst, status=InstitutionStatus.LICENSED,
        reason=_("Licence issued"), licence_number=licence_number, issuer=task.department,
        valid_from=timezone.localdate(), valid_until=valid_until, case=application.case)
    case_services.task_complete(actor=actor, task=task,
                                note=stored(gettext_lazy("Licence %(number)s issued"),
                                            number=licence_number))
    application.refresh_from_db()
    return application


def application_for_case(user: Any, case: Case) -> LicensingApplication | None:
    return LicensingApplication.objects.restrict(user).select_related("institution").filter(
        case=case).first()
