"""Institutions own the registry of training institutions: identity and licence, the
supervising department derived from the policy profile (001 §3(2)), staff with the
employment-ban check (002 §2(4)), courses and fee plans checked against the profile's
numeric rules (002 §2(4)), training materials, the enrollment gate (000 §4(3)) and the
white and black lists (004 §6(4)).

The licensing workflow (issue 4) builds on these services and the cases app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import audit_record, snapshot
from cases.models import Case, CaseState
from core.abilities import may, require
from core.errors import DomainError, InvalidState, PermissionDenied
from core.i18n import join_list, stored
from core.vocab import Category, DepartmentType, label_of
from institutions import ports, selectors
from institutions.idnumbers import hash_id_number, mask_id_number, validate_id_number
from institutions.models import (
    STATUS_TRANSITIONS,
    Course,
    CourseSlot,
    EmploymentBan,
    FeePlan,
    Institution,
    InstitutionStatus,
    ListStatus,
    Staff,
    StaffCheck,
    TrainingMaterial,
)
from institutions.rules import (
    RuleViolation,
    Slot,
    fee_plan_violations,
    refuse_course_violations,
)
from institutions.selectors import (
    LICENSED_STATES,
    active_ban,
    course_in_application,
    course_is_licensed,
    listing_needs_change,
    staff_check_owner,
    supervising_department_for,
)
from institutions.uscc import normalise, validate_uscc
from org.models import Department, Region, RegionLevel, User
from org.scope import Action
from policy.profile import active_profile
from policy.sources import cite

INSTITUTION_FIELDS = ["name", "uscc", "nature", "category", "status", "list_status",
                      "list_reason", "supervising_department", "licence_number",
                      "national_platform_account"]


GATE_LABELS = [
    ("fund_account", gettext_lazy("a fund-supervision arrangement (account and payment "
                                  "channel)")),
    ("national_platform", gettext_lazy("an account on the national platform")),
    ("courses_listed", gettext_lazy("courses listed")),
]


# -- registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisorMove:
    """One institution whose stored supervising department differs from the profile's."""

    institution_id: int
    county: str
    category: str
    old: str
    new: str
    problem: str = ""  # why it could not move (then `new` is empty)


@transaction.atomic
def supervisors_follow_profile(*, actor: User | None = None,
                               dry_run: bool = False) -> list[SupervisorMove]:
    """Give every institution the supervising department that the active profile names
    for its category in its county (001 §3(2)): after a switch of profile the
    culture-tourism (sports) bureau supervises the existing sports institutions, not only
    new ones. One audit event per moved institution; terminated institutions keep theirs.
    Institutions that cannot move (category not supervised, no such department in the
    county) are reported with the reason and left as they are. `actor` None is the system
    (the management command); a person must be a system admin."""
    require(actor, "institutions.follow_profile_supervisors", None,
            _("Only a system admin moves institutions to the profile's supervising "
              "departments."))
    profile = active_profile()
    institutions = list(Institution.objects.select_for_update(of=("self",)).exclude(
        status=InstitutionStatus.TERMINATED).select_related(
        "region", "supervising_department").order_by("pk"))
    counties = {i.pk: i.region.county_code for i in institutions}
    departments = {(d.region.code, d.type): d for d in Department.objects.filter(
        is_active=True, region__code__in=set(counties.values())).select_related("region")}
    county_names = dict(Region.objects.filter(code__in=set(counties.values())).values_list(
        "code", "name"))
    moves = []
    for inst in institutions:
        county = counties[inst.pk]
        old = str(inst.supervising_department or "")
        name = county_names.get(county, county)
        try:
            target = supervising_department_for(category=inst.category, region=inst.region,
                                                departments=departments)
        except DomainError as exc:
            moves.append(SupervisorMove(inst.pk, name, inst.category, old, "",
                                        str(exc.message)))
            continue
        if target.pk == inst.supervising_department_id:
            continue
        moves.append(SupervisorMove(inst.pk, name, inst.category, old, str(target)))
        if dry_run:
            continue
        before = {**snapshot(inst, ["supervising_department"]), "department": old}
        inst.supervising_department = target
        inst.save(update_fields=["supervising_department", "updated_at"])
        audit_record(actor=actor or "follow_profile_supervisors",
                     action="institution.supervisor", obj=inst, before=before,
                     after={**snapshot(inst, ["supervising_department"]),
                            "department": str(target)},
                     reason=_("The policy profile %(profile)s names this supervising "
                              "department (%(src)s).") % {"profile": profile.code,
                                                          "src": cite("001 §3(2)")})
    return moves


@transaction.atomic
def institution_register(*, actor: User, name: str, uscc: str, nature: str, category: str,
                         legal_representative: str, safety_person: str, address: str,
                         region: Region, **extra: Any) -> Institution:
    """Enter an institution (an officer for a walk-in, or an import). Status starts as
    applying; the supervising department comes from the profile."""
    if not may(actor, "institutions.register", (region, None)):
        raise PermissionDenied(_("You may not register institutions in this region."))
    if not may(actor, "institutions.register", (region, category)):
        raise PermissionDenied(_("Your department neither accepts nor supervises %(category)s "
                                 "institutions.") % {"category": label_of(Category, category)})
    if region.level < RegionLevel.COUNTY:
        raise DomainError(_("Choose the county, town or grid of the institution."),
                          field="region")
    code = normalise(uscc)
    try:
        validate_uscc(code)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="uscc")
    if Institution.objects.filter(uscc=code).exists():
        raise DomainError(_("An institution with this unified social credit code is already "
                            "registered."), field="uscc")
    institution = Institution(
        name=name.strip(), uscc=code, nature=nature, category=category,
        legal_representative=legal_representative.strip(), safety_person=safety_person.strip(),
        address=address.strip(), region=region,
        supervising_department=supervising_department_for(category=category, region=region),
        **extra)
    try:
        institution.full_clean(exclude=["supervising_department"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field)
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError:
        raise DomainError(_("An institution with this unified social credit code is already "
                            "registered."), field="uscc")
    audit_record(actor=actor, action="institution.register", obj=institution,
                 after=snapshot(institution, INSTITUTION_FIELDS))
    return institution


def _locked(institution: Institution, actor: User, action: str = Action.CHANGE) -> Institution:
    locked = Institution.objects.select_for_update().get(pk=institution.pk)
    if not Institution.objects.restrict(actor, action).filter(pk=locked.pk).exists():
        raise PermissionDenied()
    return locked


def _locked_for_case(institution: Institution, case: Any, actor: User | None) -> Institution:
    """The system path of a workflow: the register changes through an open case of this
    institution, worked by `actor` (None: the system itself)."""
    if case.institution_id != institution.pk or case.state not in (CaseState.OPEN,
                                                                     CaseState.IN_PROGRESS):
        raise InvalidState(_("Only an open case of this institution may change it."))
    if actor is not None and not Case.objects.restrict(actor, Action.CHANGE).filter(
            pk=case.pk).exists():
        raise PermissionDenied()
    return Institution.objects.select_for_update().get(pk=institution.pk)


def _locked_for_officers(institution: Institution, actor: User,
                         heads_only: bool = False) -> Institution:
    """Lock for an officers' decision: the admins of the region, or the supervising
    department (CHANGE through the gateway); never the institution's own staff."""
    require(actor, "institutions.set_status" if heads_only else "institutions.decide")
    return _locked(institution, actor, Action.CHANGE)


@transaction.atomic
def gate_record(*, actor: User, institution: Institution,
                national_platform_account: str | None = None) -> Institution:
    """Record the registry's fact of the enrollment gate (000 §4(3)): the account on the
    national platform. The fund-supervision account and payment channel are the funds
    app's supervision arrangement (issue 11), recorded there. Officers record them, so an
    institution cannot put itself on the white list."""
    institution = _locked_for_officers(institution, actor)
    before = snapshot(institution, INSTITUTION_FIELDS)
    if national_platform_account is not None:
        institution.national_platform_account = national_platform_account.strip()
    institution.save()
    audit_record(actor=actor, action="institution.gate", obj=institution, before=before,
                 after=snapshot(institution, INSTITUTION_FIELDS))
    return _list_refresh(institution=institution, actor=actor)


def gate_refresh(*, institution: Institution, actor: User | None = None) -> Institution:
    """Re-read the white list after a gate condition changed elsewhere: the funds app
    calls it when it records a supervision arrangement (issue 11)."""
    return _list_refresh(institution=Institution.objects.get(pk=institution.pk), actor=actor)


def _list_refresh(*, institution: Institution, actor: User | None = None) -> Institution:
    """White list: licensed institutions that pass the gate (004 §6(4), 000 §4(3)). The
    black list is set only by `blacklist_add` and wins over the white list."""
    if institution.list_status == ListStatus.BLACK:
        return institution
    white = institution.status == InstitutionStatus.LICENSED and institution.gate_met
    wanted = ListStatus.WHITE if white else ListStatus.NONE
    if institution.list_status != wanted:
        before = {"list_status": institution.list_status}
        Institution.objects.filter(pk=institution.pk).update(
            list_status=wanted, list_reason="", updated_at=timezone.now())
        selectors.public_lists_changed()
        transaction.on_commit(selectors.public_lists_changed)
        institution.list_status = wanted
        institution.list_reason = ""
        audit_record(actor=actor, action="institution.list", obj=institution, before=before,
                     after={"list_status": wanted})
    return institution


@transaction.atomic
def blacklist_add(*, actor: User, institution: Institution, reason: str) -> Institution:
    """An approved institution found on the negative list leaves the white list for the
    black list; an unapproved one running training goes on the black list (004 §6(4))."""
    if not reason.strip():
        raise DomainError(_("Give the reason for black-listing."), field="reason")
    institution = _locked_for_officers(institution, actor)
    if institution.list_status == ListStatus.BLACK:
        raise InvalidState(_("The institution is already on the black list."))
    before = snapshot(institution, INSTITUTION_FIELDS)
    institution.list_status = ListStatus.BLACK
    institution.list_reason = reason.strip()
    institution.listed_at = timezone.now()
    institution.save(update_fields=["list_status", "list_reason", "listed_at", "updated_at"])
    audit_record(actor=actor, action="institution.blacklist", obj=institution, before=before,
                 after=snapshot(institution, INSTITUTION_FIELDS), reason=reason)
    return institution


@transaction.atomic
def blacklist_remove(*, actor: User | None, institution: Institution, reason: str,
                     case: Any) -> Institution:
    """Take an institution off the black list (004 §6(4)), only through the open case of
    the workflow that decided it (inspections: a completed rectification approved by a
    department head, or an appeal found for the institution); the white list then
    follows the licence and the gate again."""
    if not reason.strip():
        raise DomainError(_("Give a reason."), field="reason")
    institution = _locked_for_case(institution, case, actor)
    if institution.list_status != ListStatus.BLACK:
        raise InvalidState(_("The institution is not on the black list."))
    before = snapshot(institution, INSTITUTION_FIELDS)
    institution.list_status = ListStatus.NONE
    institution.list_reason = ""
    institution.listed_at = None
    institution.save(update_fields=["list_status", "list_reason", "listed_at", "updated_at"])
    audit_record(actor=actor, action="institution.unblacklist", obj=institution, before=before,
                 after=snapshot(institution, INSTITUTION_FIELDS), reason=reason)
    return _list_refresh(institution=institution, actor=actor)


# -- staff -----------------------------------------------------------------------------

@transaction.atomic
def ban_add(*, actor: User, name: str, id_number: str, reason: str, source: str,
            until: dt.date | None = None) -> EmploymentBan:
    require(actor, "institutions.add_ban")
    value = validate_id_number(id_number)
    if not reason.strip():
        raise DomainError(_("Give the reason of the ban."), field="reason")
    existing = EmploymentBan.objects.select_for_update().filter(
        id_number_hash=hash_id_number(value)).first()
    if existing is not None and (existing.until is None or (until is not None and
                                                             until < existing.until)):
        raise InvalidState(_("This person is already banned for at least as long."))
    before = {"until": existing.until} if existing else {}
    was_banned = existing is not None and (existing.until is None or
                                           existing.until >= timezone.localdate())
    ban, _created = EmploymentBan.objects.update_or_create(
        id_number_hash=hash_id_number(value),
        defaults={"id_number_masked": mask_id_number(value), "name": name.strip(),
                  "reason": reason.strip(), "source": source.strip(), "until": until})
    audit_record(actor=actor, action="ban.add", obj=ban, before=before,
                 after={"name": ban.name, "id": ban.id_number_masked, "until": until},
                 reason=reason)
    if not was_banned:  # a longer ban does not flag the same people again
        _flag_banned_staff(ban)
    return ban


def _flag_banned_staff(ban: EmploymentBan) -> None:
    """A ban that matches someone already working gets a supervision case with a task for
    the supervising department: the person must leave (002 §2(4))."""
    from cases import services as case_services
    from cases.models import TaskRole
    from core.vocab import Phase

    matches = Staff.objects.filter(id_number_hash=ban.id_number_hash,
                                   left_on__isnull=True).select_related(
        "institution__region", "institution__supervising_department")
    for member in matches:
        inst = member.institution
        if inst.supervising_department is None:
            continue
        case = case_services.case_open(
            actor=None, kind="supervision", region=inst.region, institution=inst,
            category=inst.category, phase=Phase.DAILY_SUPERVISION,
            title=stored(gettext_lazy("Employment ban matches a current staff member · "
                                      "%(name)s"), name=inst.name))
        case_services.task_assign(
            actor=None, case=case, department=inst.supervising_department,
            role=TaskRole.LEAD, deadline_key="task_default",
            duty=stored(gettext_lazy("%(person)s (%(id)s) is under an employment ban: see that "
                                     "the institution ends the employment and record the "
                                     "leaving date (%(src)s)."),
                        person=member.name, id=member.id_number_masked, src=cite("002 §2(4)")))


@transaction.atomic
def staff_hire(*, actor: User, institution: Institution, name: str, id_number: str,
               is_teacher: bool = True, credential_kind: str = "", credential_number: str = "",
               hired_on: dt.date | None = None) -> Staff:
    """A hire is checked against the employment bans by ID number and refused with a
    clear message (入职查询和从业禁止, 002 §2(4))."""
    institution = _locked(institution, actor)
    value = validate_id_number(id_number)
    if active_ban(value) or (hired_on and active_ban(value, hired_on)):
        raise DomainError(_("This person is barred from working in off-campus training "
                            "(employment ban). The hire is refused."), field="id_number")
    digest = hash_id_number(value)
    if is_teacher and not credential_kind:
        raise DomainError(_("A teacher needs a teacher certificate or proof of professional "
                            "ability."), field="credential_kind")
    earlier = Staff.objects.select_for_update().filter(institution=institution,
                                                      id_number_hash=digest).first()
    if earlier is not None and earlier.left_on is None:
        raise DomainError(_("This person is already on the staff list."), field="id_number")
    fields = {"name": name.strip(), "is_teacher": is_teacher,
              "credential_kind": credential_kind,
              "credential_number": credential_number.strip(), "hired_on": hired_on}
    if earlier is not None:
        # Hired again after leaving: the same record, with fresh checks (000 §3).
        for field, val in fields.items():
            setattr(earlier, field, val)
        earlier.left_on = None
        earlier.credential_check = earlier.record_check = Staff.Check.PENDING
        earlier.save()
        staff = earlier
    else:
        staff = Staff.objects.create(institution=institution, id_number_hash=digest,
                                     id_number_masked=mask_id_number(value), **fields)
    audit_record(actor=actor, action="staff.hire", obj=staff,
                 after={"institution": institution.pk, "name": staff.name,
                        "id": staff.id_number_masked, "rehired": earlier is not None})
    return staff


# -- courses and fee plans -------------------------------------------------------------

@transaction.atomic
def course_create(*, actor: User, institution: Institution, name: str, mode: str,
                  is_academic: bool, lesson_minutes: int, break_minutes: int | None,
                  class_hours: int, price: Decimal, slots: list[Slot],
                  starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> Course:
    """Save a course only when it keeps the profile's timing rules (002 §2(4), 004 §3)."""
    institution = _locked(institution, actor)
    refuse_course_violations(county_code=institution.region.county_code, mode=mode,
                 is_academic=is_academic, lesson_minutes=lesson_minutes,
                 break_minutes=break_minutes, slots=slots, starts_on=starts_on,
                 ends_on=ends_on)
    course = Course.objects.create(
        institution=institution, name=name.strip(), mode=mode, is_academic=is_academic,
        lesson_minutes=lesson_minutes, break_minutes=break_minutes, class_hours=class_hours,
        price=price, starts_on=starts_on, ends_on=ends_on,
        added_after_licence=institution.status in LICENSED_STATES)
    CourseSlot.objects.bulk_create(CourseSlot(course=course, weekday=s.weekday, start=s.start,
                                              end=s.end) for s in slots)
    audit_record(actor=actor, action="course.create", obj=course,
                 after=snapshot(course, ["name", "mode", "is_academic", "lesson_minutes",
                                         "break_minutes", "class_hours", "price"]))
    return course


@transaction.atomic
def course_list_on_platform(*, actor: User, course: Course) -> Course:
    """List a course on the supervision platform (a condition of the enrollment gate,
    000 §4(3)); the public sees it only once the whole gate is met."""
    _locked(course.institution, actor)
    course = Course.objects.select_for_update(of=("self",)).select_related(
        "institution").get(pk=course.pk)
    if course.is_listed:
        raise InvalidState(_("The course is already listed."))
    if listing_needs_change(course):
        raise InvalidState(_("A licensed institution adds a course to its listing through a "
                             "change application."))
    return _course_list(course=course, actor=actor)


def _course_list(*, course: Course, actor: User | None, case: Any = None) -> Course:
    course.is_listed = True
    course.save(update_fields=["is_listed"])
    audit_record(actor=actor, action="course.list", obj=course, case=case,
                 after={"is_listed": True})
    _list_refresh(institution=course.institution, actor=actor)
    return course


@transaction.atomic
def course_change_from_case(*, case: Any, course: Course, values: dict[str, Any] | None,
                            slots: list[Slot] | None = None) -> Course:
    """The system path of a change application (变更) that completed: list the course
    (`values` None) or write its approved values, through the application's open case."""
    _locked_for_case(course.institution, case, None)
    course = Course.objects.select_for_update(of=("self",)).select_related(
        "institution__region").get(pk=course.pk)
    if values is None:
        return _course_list(course=course, actor=None, case=case)
    return _course_write(actor=None, course=course, values=values, slots=slots or [],
                         case=case)


#: What a change application may change on the institution itself (变更, 000 §3).
CHANGEABLE_FIELDS = ("name", "address", "region", "legal_representative", "safety_person",
                     "premises_area", "fire_safety_documents")


@transaction.atomic
def institution_change_from_case(*, case: Any, institution: Institution,
                                 changes: dict[str, Any]) -> Institution:
    """The system path of a change application that completed: apply its approved changes
    (a region is given by code, within the county) through the application's open case."""
    institution = _locked_for_case(institution, case, None)
    changes = {k: v for k, v in changes.items() if k in CHANGEABLE_FIELDS}
    if not changes:
        return institution
    before = {k: str(getattr(institution, k)) for k in changes}
    if "region" in changes:
        before["region"] = institution.region.code
    for field, value in changes.items():
        if field == "region":
            institution.region = Region.objects.get(code=value)
        else:
            setattr(institution, field, value)
    institution.save()
    audit_record(actor=None, action="institution.change", case=case, obj=institution,
                 before=before, after=changes)
    return institution


def _fee_plan_findings(**kwargs: Any) -> list[str]:
    """Refuse a fee plan with a blocking finding; return its flags."""
    found = fee_plan_violations(**kwargs)
    blocking = [v for v in found if v.blocking]
    if blocking:
        raise RuleViolation(blocking)
    return [str(v) for v in found if not v.blocking]


FEE_PLAN_FIELDS = ["course", "name", "amount", "months", "class_hours", "refund_terms",
                   "contract_version", "contract_clauses", "charge_on", "remaining_hours",
                   "flags"]


@transaction.atomic
def fee_plan_create(*, actor: User, course: Course, name: str, amount: Decimal, months: int,
                    class_hours: int, refund_terms: str, contract_version: str,
                    contract_clauses: list[str], charge_on: dt.date | None = None,
                    remaining_hours: int | None = None) -> FeePlan:
    """Save a fee plan only within the charging limits (002 §2(4)) and with the model
    contract's clauses (004 §4(5))."""
    _locked(course.institution, actor)
    flags = _fee_plan_findings(course=course, amount=amount, months=months,
                               class_hours=class_hours, refund_terms=refund_terms,
                               contract_version=contract_version,
                               contract_clauses=contract_clauses, charge_on=charge_on,
                               remaining_hours=remaining_hours)
    plan = FeePlan.objects.create(course=course, name=name.strip(), amount=amount,
                                  months=months, class_hours=class_hours,
                                  refund_terms=refund_terms.strip(),
                                  contract_version=contract_version,
                                  contract_clauses=list(contract_clauses), charge_on=charge_on,
                                  remaining_hours=remaining_hours, flags=flags)
    audit_record(actor=actor, action="feeplan.create", obj=plan,
                 after=snapshot(plan, FEE_PLAN_FIELDS))
    return plan


@transaction.atomic
def fee_plan_update(*, actor: User, plan: FeePlan, course: Course, name: str, amount: Decimal,
                    months: int, class_hours: int, refund_terms: str, contract_version: str,
                    contract_clauses: list[str], charge_on: dt.date | None = None,
                    remaining_hours: int | None = None) -> FeePlan:
    """Change a fee plan; the charging limits and contract clauses are checked again
    (002 §2(4), 004 §4(5)) and the price flags recomputed. Orders already made keep
    the amount they were charged."""
    plan = FeePlan.objects.select_for_update(of=("self",)).select_related(
        "course__institution").get(pk=plan.pk)
    _locked(plan.course.institution, actor)
    if course.pk != plan.course_id:
        raise DomainError(_("A fee plan stays with its course: add a new plan for another "
                            "course."), field="course")
    flags = _fee_plan_findings(course=course, amount=amount, months=months,
                               class_hours=class_hours, refund_terms=refund_terms,
                               contract_version=contract_version,
                               contract_clauses=contract_clauses, charge_on=charge_on,
                               remaining_hours=remaining_hours)
    before = snapshot(plan, FEE_PLAN_FIELDS)
    plan.course = course
    plan.name = name.strip()
    plan.amount = amount
    plan.months = months
    plan.class_hours = class_hours
    plan.refund_terms = refund_terms.strip()
    plan.contract_version = contract_version
    plan.contract_clauses = list(contract_clauses)
    plan.charge_on = charge_on
    plan.remaining_hours = remaining_hours
    plan.flags = flags
    plan.save()
    audit_record(actor=actor, action="feeplan.update", obj=plan, before=before,
                 after=snapshot(plan, FEE_PLAN_FIELDS))
    return plan


# -- licence status ----------------------------------------------------------------------

def _apply_status(*, actor: User | None, institution: Institution, status: str, reason: str,
                 licence_number: str = "", issuer: Department | None = None,
                 valid_from: dt.date | None = None, valid_until: dt.date | None = None,
                 case: Any = None) -> Institution:
    """Change a locked institution's licence status along `STATUS_TRANSITIONS`; callers
    check the actor (`institution_set_status`)."""
    issuing = status == InstitutionStatus.LICENSED and (
        institution.status == InstitutionStatus.APPLYING or licence_number)
    if status != institution.status and status not in STATUS_TRANSITIONS.get(institution.status,
                                                                              set()):
        raise InvalidState(_("A licence cannot go from %(old)s to %(new)s.")
                           % {"old": institution.get_status_display(),
                              "new": InstitutionStatus(status).label})
    before = snapshot(institution, INSTITUTION_FIELDS)
    if issuing:
        if not licence_number.strip() or issuer is None:
            raise DomainError(_("Issuing a licence needs its number and the issuing "
                                "department."), field="licence_number")
        institution.licence_number = licence_number.strip()
        institution.licence_issuer = issuer
        institution.licence_valid_from = valid_from
        institution.licence_valid_until = valid_until
    institution.status = status
    institution.save()
    audit_record(actor=actor, action=f"institution.status.{status}", case=case, obj=institution,
                 before=before, after=snapshot(institution, INSTITUTION_FIELDS), reason=reason)
    return _list_refresh(institution=institution, actor=actor)


@transaction.atomic
def institution_set_status(*, actor: User | None, institution: Institution, status: str, reason: str,
                           licence_number: str = "", issuer: Department | None = None,
                           valid_from: dt.date | None = None,
                           valid_until: dt.date | None = None, case: Any = None) -> Institution:
    """Suspend, reinstate, revoke or terminate a licence (enforcement outcomes), or issue
    one outside the workflow (the register of existing institutions). Issuing needs the
    licence number and the issuing department.

    With `case`, a workflow changes the status through its own open case (licensing
    issues or terminates a licence): the workflow has checked its decision, `actor` is the
    person deciding (or None, the system) and must be able to work that case."""
    if not reason.strip():
        raise DomainError(_("Give a reason."), field="reason")
    if case is not None:
        institution = _locked_for_case(institution, case, actor)
        return _apply_status(actor=actor, institution=institution, status=status,
                             reason=reason, licence_number=licence_number, issuer=issuer,
                             valid_from=valid_from, valid_until=valid_until, case=case)
    if actor is None:
        raise PermissionDenied(_("Without a person, a licence changes only through its case."))
    institution = _locked_for_officers(institution, actor, heads_only=True)
    if status == institution.status:
        raise InvalidState(_("The institution is already %(status)s.")
                           % {"status": institution.get_status_display()})
    if ports.licensing().application_case_open(institution):
        raise InvalidState(_("A licensing application is in progress: conclude it first."))
    return _apply_status(actor=actor, institution=institution, status=status, reason=reason,
                        licence_number=licence_number, issuer=issuer, valid_from=valid_from,
                        valid_until=valid_until)


# -- staff checks and training materials --------------------------------------------------

@transaction.atomic
def staff_check(*, actor: User, staff: Staff, kind: str, passed: bool, note: str = "") -> Staff:
    """Record the teacher-credential verification (education) or the violation-record
    check (police), by the department the profile names for that step (000 §3)."""
    from core.vocab import Step

    staff = Staff.objects.select_for_update(of=("self",)).select_related(
        "institution__region").get(pk=staff.pk)
    step = {"credential": Step.CREDENTIAL_VERIFICATION, "record": Step.RECORD_CHECK}.get(kind)
    if step is None:
        raise DomainError(_("Unknown check."), field="kind")
    owner = staff_check_owner(staff.institution, step)
    if not may(actor, "institutions.record_staff_check", owner):
        raise PermissionDenied(_("This check belongs to %(dept)s.")
                               % {"dept": label_of(DepartmentType, owner or "")})
    if not Institution.objects.restrict(actor).filter(pk=staff.institution_id).exists():
        raise PermissionDenied()
    if staff.left_on is not None:
        raise InvalidState(_("This staff member has left; no check is recorded."))
    field = "credential_check" if kind == "credential" else "record_check"
    before = {field: getattr(staff, field)}
    setattr(staff, field, Staff.Check.PASSED if passed else Staff.Check.FAILED)
    staff.save(update_fields=[field])
    StaffCheck.objects.create(staff=staff, kind=kind, result=getattr(staff, field),
                              note=note.strip(), department_id=actor.department_id,
                              checked_by=actor)
    audit_record(actor=actor, action=f"staff.check.{kind}", obj=staff, before=before,
                 after={field: getattr(staff, field)}, reason=note)
    return staff


STAFF_FIELDS = ["name", "is_teacher", "credential_kind", "credential_number", "hired_on",
                "credential_check"]


@transaction.atomic
def staff_update(*, actor: User, staff: Staff, name: str, is_teacher: bool,
                 credential_kind: str, credential_number: str,
                 hired_on: dt.date | None = None) -> Staff:
    """Correct a staff member's record. The ID number is the person and is not edited
    (hire again instead). A changed credential goes back to education for verification
    (000 §3), so an earlier pass no longer counts; a failed result stays until education
    records a new check."""
    staff = Staff.objects.select_for_update(of=("self",)).select_related("institution").get(
        pk=staff.pk)
    _locked(staff.institution, actor)
    if staff.left_on is not None:
        raise InvalidState(_("This staff member has left; the record is kept as it was."))
    if not name.strip():
        raise DomainError(_("Enter the name."), field="name")
    if is_teacher and not credential_kind:
        raise DomainError(_("A teacher needs a teacher certificate or proof of professional "
                            "ability."), field="credential_kind")
    before = snapshot(staff, STAFF_FIELDS)
    credential_changed = (credential_kind, credential_number.strip(), is_teacher) != (
        staff.credential_kind, staff.credential_number, staff.is_teacher)
    staff.name = name.strip()
    staff.is_teacher = is_teacher
    staff.credential_kind = credential_kind
    staff.credential_number = credential_number.strip()
    staff.hired_on = hired_on
    if credential_changed and staff.credential_check == Staff.Check.PASSED:
        staff.credential_check = Staff.Check.PENDING
        StaffCheck.objects.create(
            staff=staff, kind=StaffCheck.Kind.CREDENTIAL, result=Staff.Check.PENDING,
            note=stored(gettext_lazy("Credential changed: to be verified again.")),
            checked_by=actor, department_id=actor.department_id)
    staff.save()
    audit_record(actor=actor, action="staff.update", obj=staff, before=before,
                 after=snapshot(staff, STAFF_FIELDS))
    return staff


@transaction.atomic
def material_file(*, actor: User, institution: Institution, title: str,
                  age_range: str = "") -> TrainingMaterial:
    """Training materials are filed with the platform (002 §2(4))."""
    institution = _locked(institution, actor)
    if not title.strip():
        raise DomainError(_("Give the title of the material."), field="title")
    material = TrainingMaterial.objects.create(institution=institution, title=title.strip(),
                                               age_range=age_range.strip())
    audit_record(actor=actor, action="material.file", obj=material,
                 after={"title": material.title, "age_range": material.age_range})
    return material


@transaction.atomic
def material_review(*, actor: User, material: TrainingMaterial, approved: bool,
                    note: str) -> TrainingMaterial:
    """An officer of the supervising department records the review result: content suited
    to the learners' age, physique and cognitive level (002 §2(4))."""
    material = TrainingMaterial.objects.select_for_update(of=("self",)).select_related(
        "institution").get(pk=material.pk)
    _locked_for_officers(material.institution, actor)
    if not approved and not note.strip():
        raise DomainError(_("Say why the material is rejected."), field="note")
    before = {"review": material.review}
    material.review = TrainingMaterial.Review.APPROVED if approved else \
        TrainingMaterial.Review.REJECTED
    material.review_note = note.strip()
    material.reviewed_by = actor
    material.save(update_fields=["review", "review_note", "reviewed_by"])
    audit_record(actor=actor, action="material.review", obj=material, before=before,
                 after={"review": material.review}, reason=note)
    return material


@transaction.atomic
def staff_leave(*, actor: User, staff: Staff, left_on: dt.date) -> Staff:
    """A staff member leaves the institution; the record stays for the history."""
    staff = Staff.objects.select_for_update(of=("self",)).select_related("institution").get(
        pk=staff.pk)
    _locked(staff.institution, actor)
    if staff.left_on is not None:
        raise InvalidState(_("This staff member has already left."))
    if staff.hired_on and left_on < staff.hired_on:
        raise DomainError(_("The leaving date is before the hiring date."), field="left_on")
    staff.left_on = left_on
    staff.save(update_fields=["left_on"])
    audit_record(actor=actor, action="staff.leave", obj=staff, after={"left_on": left_on})
    return staff


COURSE_FIELDS = ["name", "mode", "is_academic", "lesson_minutes", "break_minutes",
                 "class_hours", "price", "starts_on", "ends_on"]


def _course_write(*, actor: User | None, course: Course, values: dict[str, Any],
                 slots: list[Slot], case: Any = None) -> Course:
    """Write checked values to a locked course, with its audit event."""
    before = {**snapshot(course, COURSE_FIELDS), "slots": [str(s) for s in course.slots.all()]}
    for field in COURSE_FIELDS:
        value = values.get(field)
        setattr(course, field, value.strip() if isinstance(value, str) and field == "name"
                else value)
    course.save()
    course.slots.all().delete()
    CourseSlot.objects.bulk_create(CourseSlot(course=course, weekday=s.weekday, start=s.start,
                                              end=s.end) for s in slots)
    audit_record(actor=actor, action="course.update", obj=course, case=case, before=before,
                 after={**snapshot(course, COURSE_FIELDS),
                        "slots": [str(s) for s in course.slots.all()]})
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, name: str, mode: str, is_academic: bool,
                  lesson_minutes: int, break_minutes: int | None, class_hours: int,
                  price: Decimal, slots: list[Slot], starts_on: dt.date | None = None,
                  ends_on: dt.date | None = None) -> Course:
    """Change a course that is not yet part of a licence; the profile's rules are checked
    again, as on creation. A licensed listed course goes through
    `licensing.course_change_submit` instead."""
    course = Course.objects.select_for_update(of=("self",)).select_related(
        "institution__region").get(pk=course.pk)
    _locked(course.institution, actor)
    if course_is_licensed(course):
        raise InvalidState(_("This listed course belongs to the licence: submit the change as "
                             "a change application."))
    if course_in_application(course):
        raise InvalidState(_("This course is part of a change application in progress; it "
                             "cannot be edited until that application ends."))
    values: dict[str, Any] = {"name": name, "mode": mode, "is_academic": is_academic,
              "lesson_minutes": lesson_minutes, "break_minutes": break_minutes,
              "class_hours": class_hours, "price": price, "starts_on": starts_on,
              "ends_on": ends_on}
    refuse_course_violations(county_code=course.institution.region.county_code, slots=slots, **values)
    return _course_write(actor=actor, course=course, values=values, slots=slots)


# -- the enrollment gate ---------------------------------------------------------------

def require_enrollment_gate(institution: Institution) -> None:
    """Refuse a sale (an order, the only way to enrol since issue 11) by an institution
    that may not enrol: one not licensed, a black-listed one (004 §6(4)), or one that
    does not meet the enrollment gate (a fund-supervision arrangement, an account on the
    national platform, courses listed: 000 §4(3)). The funds app calls it under its lock
    on the institution."""
    if institution.status != InstitutionStatus.LICENSED:
        raise InvalidState(_("Only a licensed institution may enrol students; this one is "
                             "%(status)s.") % {"status": institution.get_status_display()})
    if institution.list_status == ListStatus.BLACK:
        raise InvalidState(_("A black-listed institution may not enrol students."))
    missing = [label for key, label in GATE_LABELS if not institution.gate_conditions[key]]
    if missing:
        raise InvalidState(_("The enrollment gate is not met (%(src)s): %(missing)s.")
                           % {"missing": join_list(missing),
                              "src": cite("000 §4(3)")})
