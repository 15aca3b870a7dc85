"""Inspections own the annual inspection (年检: rounds, groups, results, publication, the
per-year "inspected" record), daily inspections of every kind (日常检查, random draws with
their seed) and rectification orders (整改) with their deadline and re-check.

Each write is atomic, checked with the app's abilities (inspections.abilities), audited in
the same transaction, and opens its Case and tasks through `cases.services` as the system:
the inspection's own ability decides who may act, the audit event names the actor.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.audit import audit_record, snapshot
from cases.models import Case, CaseState, Task, TaskRole, TaskStatus
from core.abilities import require
from core.errors import DomainError, InvalidState
from core.vocab import Category, DepartmentType, Nature, Phase, Step, label_of
from funds import selectors as funds_selectors
from inspections.kinds import ANNUAL, BLACKLIST, DAILY, ENFORCEMENT, RECTIFICATION, ZOMBIE
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    AppealState,
    BlacklistEntry,
    BlacklistState,
    ChecklistItem,
    ChecklistPurpose,
    ChecklistTemplate,
    DailyInspection,
    DailyMode,
    DailyOutcome,
    DailyState,
    Enforcement,
    EnforcementMode,
    InspectionGroup,
    InspectionRound,
    InspectionYear,
    OrderState,
    Penalty,
    RandomDraw,
    RectificationOrder,
    RoundState,
    SiteType,
    ViolationType,
    ZombieCleanup,
    ZombieOutcome,
)
from institutions import services as registry
from institutions.models import Institution, InstitutionStatus
from org.models import Department, Region, RegionLevel, Role, User
from policy.calendar import workdays_between
from policy.profile import Cell, active_profile

#: Deadline keys this app reads (policy/profiles/base.yaml `deadlines`).
RECTIFICATION_DEADLINE = "rectification_default"
DAILY_DEADLINE = "daily_inspection"
ZOMBIE_DEADLINE = "zombie_cleanup"
ENFORCEMENT_DEADLINE = "enforcement_decision"
APPEAL_DEADLINE = "blacklist_appeal"
DEADLINE_KEYS = (RECTIFICATION_DEADLINE, DAILY_DEADLINE, ZOMBIE_DEADLINE, ENFORCEMENT_DEADLINE,
                 APPEAL_DEADLINE)

#: Institutions an annual inspection covers: those holding a licence.
INSPECTED_STATUSES = (InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED)
#: Answers of a daily checklist item.
DAILY_ANSWERS = ("ok", "problem", "na")
PHOTO_TYPES = {"image/jpeg", "image/png"}
#: What an institution proves its rectification with: photos, and a scanned or printed
#: receipt, certificate or contract as a PDF.
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


# -- helpers -------------------------------------------------------------------------------

def department_of(dept_type: str, region: Region) -> Department:
    """The active department of that type serving a region: the nearest one up the
    region's path (its county's, else the city's)."""
    codes = region.ancestor_codes()
    found = {d.region.code: d for d in Department.objects.filter(
        type=dept_type, is_active=True, region__code__in=codes).select_related("region")}
    for code in reversed(codes):
        if code in found:
            return found[code]
    raise DomainError(_("No active %(type)s serves this region.")
                      % {"type": label_of(DepartmentType, dept_type)})


def town_code(region: Region) -> str:
    """The town (镇/街道) a region lies in; a county-level address counts as its own."""
    codes = region.ancestor_codes()
    return codes[RegionLevel.TOWN - 1] if len(codes) >= RegionLevel.TOWN else region.code


def annual_cell(region: Region, category: str) -> Cell:
    cell = active_profile().cell(category, Phase.ANNUAL_INSPECTION, region.county_code)
    if cell is None:
        raise DomainError(_("The policy profile has no annual-inspection cell for this "
                            "category."), field="category")
    return cell


def template_for(purpose: str, category: str = "", department_type: str = ""
                 ) -> ChecklistTemplate:
    """The checklist of a purpose and category; a safety check's is the inspecting
    department's own (002 §2(4)), and a department without one uses the general list."""
    templates = ChecklistTemplate.objects.filter(purpose=purpose)
    template = None
    if department_type:
        template = templates.filter(department_type=department_type).first()
    templates = templates.filter(department_type="")
    template = (template or templates.filter(category=category).first()
                or templates.filter(category="").first())
    if template is None:
        raise DomainError(_("No checklist template is loaded for this inspection."))
    return template


# -- annual inspection ---------------------------------------------------------------------

@transaction.atomic
def round_create(*, actor: User | None, county: Region, year: int, category: str, plan: str,
                 starts_on: dt.date, ends_on: dt.date) -> InspectionRound:
    """Plan a round (年检方案) for a county, year and category. The lead department and
    the assisting ones come from the profile's (category, annual inspection) cell (000
    §3(1)2: culture-tourism leads arts with education-sports assisting; (3)2: sports has
    no assist). Every licensed institution of the category in the county is in it."""
    if county.level != RegionLevel.COUNTY:
        raise DomainError(_("An annual inspection round belongs to a county."), field="county")
    if category not in Category.values:
        raise DomainError(_("Unknown category."), field="category")
    require(actor, "inspections.plan_round", (county, category))
    if not plan.strip():
        raise DomainError(_("Describe the plan."), field="plan")
    if ends_on < starts_on:
        raise DomainError(_("The round ends before it starts."), field="ends_on")
    if InspectionRound.objects.filter(region=county, year=year, category=category).exists():
        raise DomainError(_("This county already has a round for this year and category."),
                          field="year")
    cell = annual_cell(county, category)
    lead = department_of(cell.lead.department_type, county)
    assists = [department_of(a.department_type, county) for a in cell.assists]
    case = case_services.case_open(
        actor=None, kind=ANNUAL, region=county, category=category,
        phase=Phase.ANNUAL_INSPECTION,
        title=_("%(year)s annual inspection: %(category)s")
        % {"year": year, "category": label_of(Category, category)}, description=plan)
    rnd = InspectionRound.objects.create(
        case=case, region=county, year=year, category=category, lead_department=lead,
        plan=plan.strip(), starts_on=starts_on, ends_on=ends_on,
        template=template_for(ChecklistPurpose.ANNUAL, category))
    rnd.assisting_departments.set(assists)
    workdays = max(1, workdays_between(timezone.localdate(), ends_on))
    case_services.task_assign(actor=None, case=case, department=lead, role=TaskRole.LEAD,
                              step=Step.INSPECTION, duty=cell.lead.duty, workdays=workdays)
    for dept, duty in zip(assists, cell.assists, strict=True):
        case_services.task_assign(actor=None, case=case, department=dept,
                                  role=TaskRole.ASSIST, step=Step.INSPECTION, duty=duty.duty,
                                  workdays=workdays)
    institutions = Institution.objects.filter(
        region__path__startswith=county.path, category=category,
        status__in=INSPECTED_STATUSES).select_related("region")
    AnnualInspection.objects.bulk_create([
        AnnualInspection(round=rnd, institution=inst, town_code=town_code(inst.region))
        for inst in institutions])
    audit_record(actor=actor, action="inspections.round.create", case=case, obj=rnd,
                 after={**snapshot(rnd, ["year", "category", "lead_department", "starts_on",
                                         "ends_on"]),
                        "assisting_departments": [d.pk for d in assists],
                        "institutions": len(institutions)})
    return rnd


def _locked_round(rnd: InspectionRound) -> InspectionRound:
    return InspectionRound.objects.select_for_update(of=("self",)).select_related(
        "region", "case").get(pk=rnd.pk)


def _open_round(rnd: InspectionRound) -> None:
    if rnd.state == RoundState.PUBLISHED:
        raise InvalidState(_("The results of this round are published."))


@transaction.atomic
def group_save(*, actor: User | None, round: InspectionRound, name: str,
               members: Sequence[User]) -> InspectionGroup:
    """A group (分组) of inspectors, all from the round's lead or assisting departments."""
    rnd = _locked_round(round)
    require(actor, "inspections.plan_round", (rnd.region, rnd.category))
    _open_round(rnd)
    if not name.strip():
        raise DomainError(_("Name the group."), field="name")
    allowed = {rnd.lead_department_id, *rnd.assisting_departments.values_list("pk", flat=True)}
    if any(m.department_id not in allowed for m in members):
        raise DomainError(_("Inspectors come from the round's lead or assisting departments."),
                          field="members")
    group, _created = InspectionGroup.objects.get_or_create(round=rnd, name=name.strip())
    group.members.set(members)
    audit_record(actor=actor, action="inspections.group.save", case=rnd.case, obj=group,
                 after={"name": group.name, "members": [m.pk for m in members]})
    return group


def balance_by_town(towns: Mapping[str, int], groups: Sequence[int]) -> dict[str, int]:
    """Which group takes each town: whole towns go to one group, so a group works one
    area; the largest towns first, each to the group with the fewest institutions so far
    (ties: the first group). Pure, so the split is predictable and testable."""
    load = {g: 0 for g in groups}
    out: dict[str, int] = {}
    for town, count in sorted(towns.items(), key=lambda kv: (-kv[1], kv[0])):
        group = min(groups, key=lambda g: (load[g], groups.index(g)))
        out[town] = group
        load[group] += count
    return out


@transaction.atomic
def round_balance(*, actor: User | None, round: InspectionRound) -> dict[str, int]:
    """Assign the round's institutions that have no group yet, balanced by town."""
    rnd = _locked_round(round)
    require(actor, "inspections.plan_round", (rnd.region, rnd.category))
    _open_round(rnd)
    groups = list(rnd.groups.values_list("pk", flat=True))
    if not groups:
        raise DomainError(_("Form the groups first."))
    pending = rnd.inspections.filter(group__isnull=True)
    towns: dict[str, int] = {}
    for code in pending.values_list("town_code", flat=True):
        towns[code] = towns.get(code, 0) + 1
    plan = balance_by_town(towns, groups)
    for code, group_id in plan.items():
        pending.filter(town_code=code).update(group_id=group_id)
    if rnd.state == RoundState.PLANNING:
        rnd.state = RoundState.INSPECTING
        rnd.save(update_fields=["state"])
    audit_record(actor=actor, action="inspections.assign", case=rnd.case, obj=rnd,
                 after={"towns": plan})
    return plan


@transaction.atomic
def inspection_move(*, actor: User | None, inspection: AnnualInspection,
                    group: InspectionGroup | None) -> AnnualInspection:
    """Move one institution to another group by hand."""
    rnd = _locked_round(inspection.round)
    require(actor, "inspections.plan_round", (rnd.region, rnd.category))
    _open_round(rnd)
    if group is not None and group.round_id != rnd.pk:
        raise DomainError(_("This group belongs to another round."), field="group")
    before = snapshot(inspection, ["group"])
    inspection.group = group
    inspection.save(update_fields=["group"])
    audit_record(actor=actor, action="inspections.assign", case=rnd.case, obj=inspection,
                 before=before, after=snapshot(inspection, ["group"]))
    return inspection


def score_checklist(items: Iterable[ChecklistItem], answers: Mapping[str, bool],
                    template: ChecklistTemplate) -> tuple[int, str]:
    """The score (0–100, weighted) and the result. A failed key indicator fails the
    inspection whatever the score (002 §2(4): 将培训质量纳入机构年检考核重要指标)."""
    items = list(items)
    missing = [i.code for i in items if i.code not in answers]
    if missing:
        raise DomainError(_("Answer every item of the checklist."), field="answers")
    total = sum(i.weight for i in items) or 1
    score = round(100 * sum(i.weight for i in items if answers[i.code]) / total)
    if any(i.key_indicator and not answers[i.code] for i in items):
        return score, AnnualResult.FAIL
    if score >= template.pass_score:
        return score, AnnualResult.PASS
    if score >= template.basic_pass_score:
        return score, AnnualResult.BASIC_PASS
    return score, AnnualResult.FAIL


def item_finding(item: ChecklistItem) -> str:
    """What a failed checklist item is found to be: its violation in the taxonomy
    (DOMAIN.md §6, §8), else "not met" with the item's wording. The wording alone says what
    should be ("无违规发布培训广告"), the opposite of the finding."""
    if item.violation is not None:
        return item.violation.label
    return _("Not met: %(item)s") % {"item": item.text}


@transaction.atomic
def result_record(*, actor: User | None, inspection: AnnualInspection,
                  answers: Mapping[str, bool], notes: str = "",
                  inspected_on: dt.date | None = None) -> AnnualInspection:
    """Record an institution's annual inspection; the year counts as inspected. A fail
    opens a rectification order."""
    inspection = AnnualInspection.objects.select_for_update(of=("self",)).select_related(
        "round__region", "round__case", "round__template", "round__lead_department",
        "institution").get(pk=inspection.pk)
    rnd = inspection.round
    require(actor, "inspections.record_result", (rnd.region, rnd.category))
    _open_round(rnd)
    if inspection.result != AnnualResult.PENDING:
        raise InvalidState(_("This institution's result is already recorded."))
    items = list(rnd.template.items.select_related("violation"))
    known = {i.code for i in items}
    clean = {k: bool(v) for k, v in answers.items() if k in known}
    score, result = score_checklist(items, clean, rnd.template)
    inspection.answers = clean
    inspection.score = score
    inspection.result = result
    inspection.notes = notes.strip()
    inspection.inspected_on = inspected_on or timezone.localdate()
    inspection.inspected_by = actor
    inspection.save()
    InspectionYear.objects.update_or_create(
        institution=inspection.institution, year=rnd.year,
        defaults={"inspected": True, "inspection": inspection})
    if rnd.state == RoundState.PLANNING:
        rnd.state = RoundState.INSPECTING
        rnd.save(update_fields=["state"])
    audit_record(actor=actor, action="inspections.result", case=rnd.case, obj=inspection,
                 after=snapshot(inspection, ["result", "score", "answers", "inspected_on"]))
    if result == AnnualResult.FAIL:
        failed = [item_finding(i) for i in items if not clean[i.code]]
        order_open(actor=None, department=rnd.lead_department,
                   institution=inspection.institution, region=inspection.institution.region,
                   findings=_("Annual inspection failed: %(items)s")
                   % {"items": "；".join(failed) or _("score below the basic pass mark")},
                   annual=inspection, opened_by=actor)
    return inspection


@transaction.atomic
def round_publish(*, actor: User | None, round: InspectionRound) -> InspectionRound:
    """The lead department publishes the results (000 §3: 负责公示年检结果). Institutions
    still pending did not take part: their year counts as not inspected (000 §4(3))."""
    rnd = _locked_round(round)
    require(actor, "inspections.publish_results", (rnd.region, rnd.category))
    _open_round(rnd)
    pending = list(rnd.inspections.filter(result=AnnualResult.PENDING))
    for inspection in pending:
        inspection.result = AnnualResult.ABSENT
        inspection.save(update_fields=["result"])
        InspectionYear.objects.get_or_create(
            institution_id=inspection.institution_id, year=rnd.year,
            defaults={"inspected": False, "inspection": inspection})
    rnd.state = RoundState.PUBLISHED
    rnd.published_at = timezone.now()
    rnd.save(update_fields=["state", "published_at"])
    for task in Task.objects.filter(case=rnd.case, status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note=_("Results published."))
    case_services.case_close(actor=None, case=rnd.case, reason=_("Results published."))
    audit_record(actor=actor, action="inspections.publish", case=rnd.case, obj=rnd,
                 after={"state": rnd.state, "absent": len(pending)})
    return rnd


# -- daily inspections ---------------------------------------------------------------------

def _daily_title(mode: str, institution: Institution | None, address: str) -> str:
    target = institution.name if institution is not None else address
    return f"{label_of(DailyMode, mode)}：{target}"


@transaction.atomic
def daily_open(*, actor: User | None, mode: str, region: Region, planned_on: dt.date,
               departments: Sequence[Department], institution: Institution | None = None,
               site_type: str = "", site_address: str = "",
               inspectors: Sequence[User] = (), followup_of: DailyInspection | None = None,
               draw: RandomDraw | None = None,
               lead: Department | None = None) -> DailyInspection:
    """Plan a daily inspection of an institution, or of a site where disguised training
    hides, entered by address and region (002 §2(2): 商务楼宇、居民区). `lead` leads
    (one of `departments`; without it, the first one); a joint check gives every department
    its own task (002 §2(2) 联检; 002 §2(4) safety checks by police, market regulation,
    fire and health)."""
    if mode not in DailyMode.values:
        raise DomainError(_("Unknown kind of inspection."), field="mode")
    if institution is not None:
        region = institution.region
    require(actor, "inspections.open_daily", region)
    if institution is None:
        if not site_address.strip():
            raise DomainError(_("Give an institution, or the address of the site."),
                              field="site_address")
        if site_type not in SiteType.values:
            raise DomainError(_("Say what kind of place the site is."), field="site_type")
    if not departments:
        raise DomainError(_("Name the department that inspects."), field="departments")
    if lead is not None:
        if lead.pk not in {d.pk for d in departments}:
            raise DomainError(_("The lead department must be one of the departments."),
                              field="lead")
        departments = [lead, *(d for d in departments if d.pk != lead.pk)]
    if mode == DailyMode.JOINT and len({d.pk for d in departments}) < 2:
        raise DomainError(_("A joint check needs at least two departments."),
                          field="departments")
    if mode == DailyMode.FOLLOWUP and followup_of is None:
        raise DomainError(_("Say which inspection this re-checks."), field="followup_of")
    for dept in departments:
        if not region.path.startswith(dept.region.path):
            raise DomainError(_("This department does not serve the site's region."),
                              field="departments")
    category = institution.category if institution is not None else ""
    case = case_services.case_open(
        actor=None, kind=DAILY, region=region, institution=institution, category=category,
        phase=Phase.DAILY_SUPERVISION if category else "",
        title=_daily_title(mode, institution, site_address.strip()))
    inspection = DailyInspection.objects.create(
        case=case, mode=mode, region=region, institution=institution,
        site_type=site_type if institution is None else "",
        site_address=site_address.strip() if institution is None else "",
        planned_on=planned_on, followup_of=followup_of, draw=draw,
        template=template_for(ChecklistPurpose.DAILY,
                              institution.category if institution else "",
                              departments[0].type if mode == DailyMode.SAFETY else ""))
    inspection.inspectors.set(inspectors)
    seen: set[int] = set()
    for n, dept in enumerate(departments):
        if dept.pk in seen:
            continue
        seen.add(dept.pk)
        case_services.task_assign(
            actor=None, case=case, department=dept,
            role=TaskRole.LEAD if n == 0 else TaskRole.ASSIST, step=Step.PATROL,
            duty=_("%(mode)s on %(date)s") % {"mode": label_of(DailyMode, mode),
                                              "date": planned_on.isoformat()},
            deadline_key=DAILY_DEADLINE)
    audit_record(actor=actor, action="inspections.daily.create", case=case, obj=inspection,
                 after={**snapshot(inspection, ["mode", "region", "institution", "site_type",
                                                "site_address", "planned_on", "followup_of"]),
                        "departments": sorted(seen),
                        "inspectors": [u.pk for u in inspectors]})
    return inspection


@transaction.atomic
def daily_record(*, actor: User | None, inspection: DailyInspection,
                 answers: Mapping[str, str], notes: str = "", findings: str = "",
                 latitude: Any = None, longitude: Any = None,
                 photos: Sequence[UploadedFile] = (), rectify: bool = False,
                 unreachable: bool = False,
                 client_id: uuid.UUID | None = None) -> DailyInspection:
    """The inspection form, filled on site: the checklist, notes, photos (through the
    attachment checks: size and real file type) and an optional position. Findings may
    open a rectification order with its deadline (004 §4(2)).

    `client_id` is the id the inspector's phone gave this submission (issue 9: a form
    filled offline is sent when the network returns, maybe more than once). A resend of
    the submission already recorded returns the inspection and changes nothing: no second
    audit entry, photo or order."""
    inspection = DailyInspection.objects.select_for_update(of=("self",)).select_related(
        "case", "region", "institution", "template").get(pk=inspection.pk)
    require(actor, "inspections.inspect", inspection)
    if client_id is not None and inspection.client_id == client_id:
        return inspection
    if inspection.state != DailyState.PLANNED:
        raise InvalidState(_("This inspection is already recorded."))
    if client_id is not None and DailyInspection.objects.filter(client_id=client_id).exists():
        raise DomainError(_("This submission id belongs to another inspection."),
                          field="client_id")
    items = list(inspection.template.items.select_related("violation"))
    clean = {i.code: answers.get(i.code, "") for i in items}
    if any(v not in DAILY_ANSWERS for v in clean.values()):
        raise DomainError(_("Answer every item of the checklist."), field="answers")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="latitude")
    for photo in photos:
        if case_services.attachment_check(photo, field="photos") not in PHOTO_TYPES:
            raise DomainError(_("Photos must be JPEG or PNG images."), field="photos")
    problems = [item_finding(i) for i in items if clean[i.code] == "problem"]
    findings = findings.strip()
    if problems and not findings:
        findings = "；".join(problems)
    if rectify and not findings:
        raise DomainError(_("Describe the findings to order a rectification."),
                          field="findings")
    if rectify and inspection.institution is None:
        raise DomainError(_("A rectification order needs an institution; a site without "
                            "one goes to enforcement."), field="rectify")
    inspection.answers = clean
    inspection.notes = notes.strip()
    inspection.findings = findings
    inspection.outcome = DailyOutcome.FINDINGS if findings else DailyOutcome.CLEAR
    inspection.latitude, inspection.longitude = latitude, longitude
    inspection.unreachable = unreachable
    inspection.state = DailyState.DONE
    inspection.done_at = timezone.now()
    inspection.done_by = actor
    inspection.client_id = client_id
    inspection.save()
    case = inspection.case
    for photo in photos:
        if actor is not None:
            case_services.attachment_add(actor=actor, case=case, upload=photo)
    audit_record(actor=actor, action="inspections.daily.record", case=case, obj=inspection,
                 after=snapshot(inspection, ["answers", "outcome", "findings", "latitude",
                                             "longitude", "unreachable", "state"]))
    dept_id = getattr(actor, "department_id", None)
    mine = Task.objects.filter(case=case, status=TaskStatus.OPEN)
    if dept_id is not None:
        mine = mine.filter(department_id=dept_id)
    for task in mine:
        case_services.task_complete(actor=None, task=task, note=_("Inspection form submitted."))
    order_dept = Task.objects.filter(case=case, role=TaskRole.LEAD).select_related(
        "department").first()
    if rectify and inspection.institution is not None and order_dept is not None:
        order_open(actor=None, department=order_dept.department,
                   institution=inspection.institution, region=inspection.region,
                   findings=findings, daily=inspection, opened_by=actor)
    _close_daily_if_done(inspection)
    return inspection


def _close_daily_if_done(inspection: DailyInspection) -> None:
    case = Case.objects.get(pk=inspection.case_id)
    if inspection.state == DailyState.DONE and case.state in (CaseState.OPEN,
                                                             CaseState.IN_PROGRESS) and \
            not Task.objects.filter(case=case, status=TaskStatus.OPEN).exists():
        case_services.case_close(actor=None, case=case, reason=_("Inspection done."))


def on_daily_task_done(*, task: Task, actor: Any) -> None:
    """An assisting department's task of a joint check done: the case closes once the
    form is in and every task is done."""
    inspection = DailyInspection.objects.filter(case_id=task.case_id).first()
    if inspection is not None and inspection.state == DailyState.DONE:
        _close_daily_if_done(inspection)


# -- random draws (双随机) --------------------------------------------------------------------

def draw_sample(seed: int, pool: Sequence[int], count: int) -> list[int]:
    """`count` ids from the pool, repeatable from the seed: the pool is sorted first, so
    the same pool and seed always give the same draw (004 §4(2) 随机抽查)."""
    return sorted(random.Random(seed).sample(sorted(pool), min(count, len(pool))))


def inspector_pool(region: Region) -> list[User]:
    """Officers and heads of the departments of the county (and its towns)."""
    county = region if region.level == RegionLevel.COUNTY else \
        Region.objects.get(code=region.county_code)
    return list(User.objects.filter(
        is_active=True, role__in=[Role.OFFICER, Role.DEPARTMENT_HEAD],
        department__region__path__startswith=county.path).order_by("pk"))


@transaction.atomic
def random_draw(*, actor: User, region: Region, institution_count: int, inspector_count: int,
                planned_on: dt.date, category: str = "", seed: int | None = None,
                ) -> RandomDraw:
    """Draw institutions and inspectors at random (双随机) and plan one random check per
    institution. The seed and both pools are recorded, so that the draw can be audited
    and repeated (`draw_verify`)."""
    require(actor, "inspections.random_draw", region)
    if institution_count < 1 or inspector_count < 1:
        raise DomainError(_("Draw at least one institution and one inspector."),
                          field="institution_count")
    if category and category not in Category.values:
        raise DomainError(_("Unknown category."), field="category")
    institutions = Institution.objects.filter(region__path__startswith=region.path,
                                              status__in=INSPECTED_STATUSES)
    if category:
        institutions = institutions.filter(category=category)
    inst_pool = sorted(institutions.values_list("pk", flat=True))
    people = inspector_pool(region)
    insp_pool = [u.pk for u in people]
    if not inst_pool or not insp_pool:
        raise DomainError(_("The pool is empty: no institution or no inspector to draw."))
    if seed is None:
        seed = secrets.randbits(62)
    drawn_inst = draw_sample(seed, inst_pool, institution_count)
    drawn_insp = draw_sample(seed + 1, insp_pool, inspector_count)
    draw = RandomDraw.objects.create(
        region=region, category=category, seed=seed, institution_pool=inst_pool,
        inspector_pool=insp_pool, institution_count=institution_count,
        inspector_count=inspector_count, drawn_institutions=drawn_inst,
        drawn_inspectors=drawn_insp, planned_on=planned_on, created_by=actor)
    by_pk = {u.pk: u for u in people}
    team = [by_pk[pk] for pk in drawn_insp]
    departments: list[Department] = []
    for user in team:
        if user.department is not None and user.department not in departments:
            departments.append(user.department)
    for inst in Institution.objects.filter(pk__in=drawn_inst).select_related("region"):
        inspection = daily_open(actor=None, mode=DailyMode.RANDOM, region=inst.region,
                                planned_on=planned_on, departments=departments,
                                institution=inst, inspectors=team, draw=draw)
        audit_record(actor=actor, action="inspections.draw", case=inspection.case, obj=draw,
                     after={"seed": seed, "institutions": drawn_inst, "inspectors": drawn_insp})
    return draw


def draw_verify(draw: RandomDraw) -> bool:
    """Repeat a recorded draw from its seed and pools: the same result, or tampering."""
    return (draw_sample(draw.seed, draw.institution_pool, draw.institution_count)
            == draw.drawn_institutions and
            draw_sample(draw.seed + 1, draw.inspector_pool, draw.inspector_count)
            == draw.drawn_inspectors)


# -- rectification orders ------------------------------------------------------------------

@transaction.atomic
def order_open(*, actor: User | None, department: Department, institution: Institution,
               region: Region, findings: str, annual: AnnualInspection | None = None,
               daily: DailyInspection | None = None,
               opened_by: User | None = None) -> RectificationOrder:
    """A rectification order with its deadline in working days (profile deadline
    `rectification_default`); overdue, its task escalates through the deadline scan.
    Opened by an inspection's service (`actor` None), which names who found it."""
    if actor is not None:
        require(actor, "inspections.recheck", None)
    if not findings.strip():
        raise DomainError(_("Describe the findings."), field="findings")
    case = case_services.case_open(
        actor=None, kind=RECTIFICATION, region=region, institution=institution,
        category=institution.category, phase=Phase.DAILY_SUPERVISION,
        title=_("Rectification: %(name)s") % {"name": institution.name},
        description=findings.strip())
    task = case_services.task_assign(
        actor=None, case=case, department=department, role=TaskRole.LEAD,
        step=Step.ENFORCEMENT, duty=_("Follow the rectification and re-check it."),
        deadline_key=RECTIFICATION_DEADLINE)
    order = RectificationOrder.objects.create(
        case=case, institution=institution, department=department, annual=annual,
        daily=daily, findings=findings.strip(), due_on=task.due_date)
    audit_record(actor=actor or opened_by, action="inspections.order.open", case=case,
                 obj=order, after=snapshot(order, ["institution", "department", "findings",
                                                   "due_on", "annual", "daily"]))
    return order


def _locked_order(order: RectificationOrder) -> RectificationOrder:
    return RectificationOrder.objects.select_for_update(of=("self",)).select_related(
        "case", "institution").get(pk=order.pk)


def _evidence_check(upload: UploadedFile) -> None:
    """A PDF, JPEG or PNG by its content (cases.filetypes: a PDF must parse and hide no
    page markup or archive), under the attachment size limit. A refusal other than the
    size or an empty file names the file: a "收据.pdf" that is not a PDF is told so."""
    try:
        kind: str | None = case_services.attachment_check(upload, field="files")
    except DomainError:
        if not upload.size or upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise
        kind = None
    if kind not in EVIDENCE_TYPES:
        raise DomainError(_("“%(name)s” is not a PDF, JPEG or PNG file: evidence files are "
                            "checked by their content, not by their name.")
                          % {"name": upload.name}, field="files")


@transaction.atomic
def order_submit_evidence(*, actor: User, order: RectificationOrder, evidence: str,
                          files: Sequence[UploadedFile] = ()) -> RectificationOrder:
    """The institution reports its rectification with evidence, through its portal."""
    order = _locked_order(order)
    require(actor, "inspections.submit_evidence", order)
    if order.state == OrderState.CLOSED:
        raise InvalidState(_("This order is closed."))
    if not evidence.strip():
        raise DomainError(_("Describe what was rectified."), field="evidence")
    for upload in files:
        _evidence_check(upload)
    for upload in files:
        case_services.attachment_add(actor=actor, case=order.case, upload=upload)
    before = snapshot(order, ["state", "evidence"])
    order.evidence = evidence.strip()
    order.state = OrderState.SUBMITTED
    order.save(update_fields=["evidence", "state"])
    audit_record(actor=actor, action="inspections.order.evidence", case=order.case, obj=order,
                 before=before, after=snapshot(order, ["state", "evidence"]))
    return order


@transaction.atomic
def order_recheck(*, actor: User | None, order: RectificationOrder, passed: bool, note: str,
                  extend_workdays: int | None = None) -> RectificationOrder:
    """The re-check (回头看, 004 §4(2)): rectified, and the order closes; or not, and the
    deadline may be extended once, with the note as its reason. Otherwise the order stays
    open and its overdue task escalates (cases deadline scan)."""
    order = _locked_order(order)
    require(actor, "inspections.recheck", order)
    if order.state == OrderState.CLOSED:
        raise InvalidState(_("This order is closed."))
    if not note.strip():
        raise DomainError(_("Write the re-check note."), field="note")
    before = snapshot(order, ["state", "due_on", "extended", "recheck_note"])
    order.recheck_note = note.strip()
    task = Task.objects.filter(case=order.case, role=TaskRole.LEAD,
                               status=TaskStatus.OPEN).first()
    if passed:
        order.state = OrderState.CLOSED
        order.closed_at = timezone.now()
        order.save()
        if task is not None:
            case_services.task_complete(actor=None, task=task, note=note.strip())
        case_services.case_close(actor=None, case=order.case, reason=note.strip())
    elif extend_workdays:
        if order.extended:
            raise InvalidState(_("The deadline was extended once already."))
        if task is None:
            raise InvalidState(_("The order has no open task to extend."))
        if extend_workdays < 1:
            raise DomainError(_("The deadline must be at least one working day."),
                              field="extend_workdays")
        # cases has no service that moves a due date: the task's new dates are written
        # here and audited below with the order (the one extension the seed allows).
        due, remind = case_services.due_dates(timezone.localdate(), extend_workdays)
        Task.objects.filter(pk=task.pk).update(due_date=due, remind_on=remind,
                                               overdue_since=None, reminded_at=None)
        order.extended = True
        order.extension_reason = note.strip()
        order.due_on = due
        order.state = OrderState.OPEN
        order.save()
        audit_record(actor=actor, action="inspections.order.extend", case=order.case,
                     obj=order, before=before, after=snapshot(order, ["due_on", "extended"]),
                     reason=note.strip())
        return order
    else:
        order.state = OrderState.OPEN
        order.save()
    audit_record(actor=actor, action="inspections.order.recheck", case=order.case, obj=order,
                 before=before, after={**snapshot(order, ["state", "recheck_note"]),
                                       "passed": passed})
    return order


# -- zombie institutions (000 §4(3)) -----------------------------------------------------

#: A year of orders (enrolments, funds since issue 11): an institution without one has
#: "no training activity".
ACTIVITY_DAYS = 365
CRITERIA = ("missed_years", "no_activity", "unreachable")


def missed_run(years: Mapping[int, bool]) -> list[int]:
    """The latest run of consecutive years without annual inspection: counted back from
    the latest recorded year, stopping at an inspected year or a gap in the calendar
    (000 §4(3): 连续两年及以上未参加年检)."""
    run: list[int] = []
    for year in sorted(years, reverse=True):
        if years[year] or (run and year != run[-1] - 1):
            break
        run.append(year)
    return sorted(run)


def zombie_flags(*, years: Mapping[int, bool], min_years: int, active: bool,
                 unreachable: bool) -> dict[str, Any]:
    """Which of the three criteria of 000 §4(3) an institution meets."""
    run = missed_run(years)
    return {"missed_years": run if len(run) >= min_years else [],
            "no_activity": not active, "unreachable": unreachable}


def is_zombie(flags: Mapping[str, Any], combination: str) -> bool:
    """Any one criterion, or all of them: the seed reads either way, so the profile
    decides (`zombie.combination`, DOMAIN.md §2)."""
    met = [bool(flags[c]) for c in CRITERIA]
    return all(met) if combination == "all" else any(met)


def zombie_candidates(today: dt.date) -> list[tuple[Institution, dict[str, Any]]]:
    """Licensed (or suspended) institutions that the profile's criteria flag, read in a
    constant number of queries."""
    profile = active_profile()
    min_years = int(profile.rule("zombie_years_without_inspection"))
    institutions = list(Institution.objects.filter(status__in=INSPECTED_STATUSES)
                        .select_related("region").order_by("pk"))
    years: dict[int, dict[int, bool]] = {}
    for inst_id, year, inspected in InspectionYear.objects.values_list(
            "institution_id", "year", "inspected"):
        years.setdefault(inst_id, {})[year] = inspected
    since = today - dt.timedelta(days=ACTIVITY_DAYS)
    active = funds_selectors.institutions_with_orders_since(since)
    latest: dict[int, bool] = {}
    for inst_id, flag in DailyInspection.objects.filter(
            institution__isnull=False, state=DailyState.DONE).order_by(
            "institution_id", "-done_at", "-pk").values_list("institution_id", "unreachable"):
        latest.setdefault(inst_id, flag)
    out = []
    for inst in institutions:
        flags = zombie_flags(years=years.get(inst.pk, {}), min_years=min_years,
                             active=inst.pk in active, unreachable=latest.get(inst.pk, False))
        if is_zombie(flags, profile.zombie_combination):
            out.append((inst, flags))
    return out


def zombie_scan(*, today: dt.date | None = None) -> int:
    """The daily scan: one cleanup case per flagged institution that has none open; a
    second run creates nothing (a partial unique constraint backs it)."""
    today = today or timezone.localdate()
    combination = active_profile().zombie_combination
    opened = 0
    for inst, flags in zombie_candidates(today):
        if ZombieCleanup.objects.filter(institution=inst, outcome=ZombieOutcome.OPEN).exists():
            continue
        try:
            with transaction.atomic():
                _zombie_open(inst, flags, combination, today)
                opened += 1
        except IntegrityError:
            continue  # a concurrent scan opened it first
    return opened


def _zombie_open(inst: Institution, flags: dict[str, Any], combination: str,
                 today: dt.date) -> ZombieCleanup:
    case = case_services.case_open(
        actor=None, kind=ZOMBIE, region=inst.region, institution=inst,
        category=inst.category, phase=Phase.ANNUAL_INSPECTION,
        title=_("Suspected zombie institution: %(name)s") % {"name": inst.name})
    cleanup = ZombieCleanup.objects.create(case=case, institution=inst, criteria=flags,
                                           combination=combination, flagged_on=today)
    supervisor = inst.supervising_department or department_of(
        DepartmentType.EDUCATION_SPORTS, inst.region)
    registrar = department_of(DepartmentType.MARKET_REGULATION if inst.nature ==
                              Nature.FOR_PROFIT else DepartmentType.CIVIL_AFFAIRS, inst.region)
    for dept, role, step, duty in (
            (supervisor, TaskRole.LEAD, Step.PATROL,
             _("Verify on site whether the institution still trains.")),
            (supervisor, TaskRole.LEAD, Step.ENFORCEMENT,
             _("Contact the legal representative at the registered address.")),
            (registrar, TaskRole.ASSIST, Step.REGISTRATION,
             _("Push the institution to deregister."))):
        case_services.task_assign(actor=None, case=case, department=dept, role=role, step=step,
                                  duty=duty, deadline_key=ZOMBIE_DEADLINE, today=today)
    audit_record(actor=None, action="inspections.zombie.flag", case=case, obj=cleanup,
                 after={"criteria": flags, "combination": combination})
    return cleanup


@transaction.atomic
def zombie_close(*, actor: User | None, cleanup: ZombieCleanup, outcome: str,
                 note: str) -> ZombieCleanup:
    """Record the outcome of a cleanup and close its case."""
    cleanup = ZombieCleanup.objects.select_for_update(of=("self",)).select_related(
        "case", "institution__region").get(pk=cleanup.pk)
    require(actor, "inspections.close_zombie", cleanup.institution.region)
    if cleanup.outcome != ZombieOutcome.OPEN:
        raise InvalidState(_("This cleanup is closed."))
    if outcome not in ZombieOutcome.values or outcome == ZombieOutcome.OPEN:
        raise DomainError(_("Choose the outcome."), field="outcome")
    if not note.strip():
        raise DomainError(_("Explain the outcome."), field="note")
    cleanup.outcome = outcome
    cleanup.outcome_note = note.strip()
    cleanup.closed_at = timezone.now()
    cleanup.save()
    for task in Task.objects.filter(case=cleanup.case, status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note=note.strip())
    case_services.case_close(actor=None, case=cleanup.case, reason=note.strip())
    audit_record(actor=actor, action="inspections.zombie.close", case=cleanup.case,
                 obj=cleanup, after=snapshot(cleanup, ["outcome", "outcome_note"]))
    return cleanup


# -- enforcement and penalties ----------------------------------------------------------------

#: Penalties that change the licence, and the status they set (000 §4(2); outcomes of
#: 002 §2(4) enforcement; a shutdown ends an unlicensed operation, not a licence).
LICENCE_PENALTIES: dict[str, str] = {Penalty.SUSPENSION: InstitutionStatus.SUSPENDED,
                                     Penalty.REVOCATION: InstitutionStatus.REVOKED}


@transaction.atomic
def enforcement_open(*, actor: User | None, violation: ViolationType, region: Region,
                     findings: str, mode: str = EnforcementMode.COMPREHENSIVE,
                     institution: Institution | None = None, subject_name: str = "",
                     daily: DailyInspection | None = None) -> Enforcement:
    """Hand a finding to the violation's competent department (DOMAIN.md §8: fees and
    advertising to market regulation, safety to police and fire, labour to human
    resources, disguised academic training to education). The subject may be a person
    (003 §5(1))."""
    if institution is not None:
        region = institution.region
    require(actor, "inspections.open_enforcement", region)
    if mode not in EnforcementMode.values:
        raise DomainError(_("Unknown enforcement mode."), field="mode")
    if institution is None and not subject_name.strip():
        raise DomainError(_("Name the institution or the individual."), field="subject_name")
    if not findings.strip():
        raise DomainError(_("Describe the findings."), field="findings")
    department = department_of(violation.competent_department, region)
    subject = institution.name if institution is not None else subject_name.strip()
    case = case_services.case_open(
        actor=None, kind=ENFORCEMENT, region=region, institution=institution,
        category=institution.category if institution is not None else "",
        phase=Phase.DAILY_SUPERVISION if institution is not None else "",
        title=_("Enforcement: %(subject)s") % {"subject": subject},
        description=findings.strip())
    case_services.task_assign(actor=None, case=case, department=department,
                              role=TaskRole.LEAD, step=Step.ENFORCEMENT,
                              duty=_("Investigate and decide: %(violation)s")
                              % {"violation": violation.label},
                              deadline_key=ENFORCEMENT_DEADLINE)
    enforcement = Enforcement.objects.create(
        case=case, violation=violation, mode=mode, region=region, institution=institution,
        subject_name=subject_name.strip() if institution is None else "",
        department=department, findings=findings.strip(), daily=daily)
    audit_record(actor=actor, action="inspections.enforcement.open", case=case,
                 obj=enforcement, after=snapshot(enforcement, [
                     "violation", "mode", "institution", "subject_name", "department",
                     "findings", "daily"]))
    return enforcement


@transaction.atomic
def penalty_decide(*, actor: User | None, enforcement: Enforcement, penalty: str,
                   legal_basis: str, document: UploadedFile, fine_amount: Decimal | None = None,
                   ) -> Enforcement:
    """The decision: warning, fine with its amount, suspension, revocation or shutdown,
    with its legal basis and the decision document. Suspension and revocation change the
    licence through this open case."""
    enforcement = Enforcement.objects.select_for_update(of=("self",)).select_related(
        "case", "institution", "department", "violation").get(pk=enforcement.pk)
    require(actor, "inspections.decide_penalty", enforcement)
    if enforcement.penalty:
        raise InvalidState(_("The penalty is already decided."))
    if penalty not in Penalty.values or penalty == Penalty.NONE:
        raise DomainError(_("Choose the penalty."), field="penalty")
    if penalty == Penalty.FINE and (fine_amount is None or fine_amount <= 0):
        raise DomainError(_("A fine needs its amount."), field="fine_amount")
    if penalty != Penalty.FINE:
        fine_amount = None
    if penalty in LICENCE_PENALTIES and enforcement.institution is None:
        raise DomainError(_("Only a licensed institution can be suspended or revoked."),
                          field="penalty")
    if not legal_basis.strip():
        raise DomainError(_("Give the legal basis."), field="legal_basis")
    case_services.attachment_check(document, field="document")
    if actor is None:
        raise DomainError(_("A person decides the penalty."))
    attachment = case_services.attachment_add(actor=actor, case=enforcement.case,
                                              upload=document)
    if penalty in LICENCE_PENALTIES and enforcement.institution is not None:
        registry.institution_set_status(
            actor=actor, institution=enforcement.institution,
            status=LICENCE_PENALTIES[penalty], reason=legal_basis.strip(),
            case=enforcement.case)
    enforcement.penalty = penalty
    enforcement.fine_amount = fine_amount
    enforcement.legal_basis = legal_basis.strip()
    enforcement.decision_document = attachment
    enforcement.decided_at = timezone.now()
    enforcement.decided_by = actor
    enforcement.save()
    for task in Task.objects.filter(case=enforcement.case, status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note=enforcement.legal_basis)
    case_services.case_close(actor=None, case=enforcement.case,
                             reason=label_of(Penalty, penalty))
    audit_record(actor=actor, action="inspections.penalty", case=enforcement.case,
                 obj=enforcement, after=snapshot(enforcement, [
                     "penalty", "fine_amount", "legal_basis", "decision_document"]))
    return enforcement


# -- black list entries and appeals (004 §6(4)) ---------------------------------------------

@transaction.atomic
def blacklist_enter(*, actor: User, institution: Institution, reason: str,
                    enforcement: Enforcement | None = None,
                    daily: DailyInspection | None = None) -> BlacklistEntry:
    """Put an institution on the black list with its reason and evidence (004 §6(4)): an
    approved one found doing something on the negative list leaves the white list; an
    unapproved one found training goes on it too. The register's own rule decides who may
    (institutions.services.blacklist_add); the entry's case records it."""
    require(actor, "inspections.blacklist", institution.region)
    if enforcement is not None and enforcement.institution_id != institution.pk or \
            daily is not None and daily.institution_id != institution.pk:
        raise DomainError(_("The evidence concerns another institution."), field="reason")
    registry.blacklist_add(actor=actor, institution=institution, reason=reason)
    department = (enforcement.department if enforcement is not None else
                  institution.supervising_department or
                  department_of(DepartmentType.EDUCATION_SPORTS, institution.region))
    case = case_services.case_open(
        actor=None, kind=BLACKLIST, region=institution.region, institution=institution,
        category=institution.category, phase=Phase.DAILY_SUPERVISION,
        title=_("Black list: %(name)s") % {"name": institution.name},
        description=reason.strip())
    entry = BlacklistEntry.objects.create(case=case, institution=institution,
                                          department=department, reason=reason.strip(),
                                          enforcement=enforcement, daily=daily)
    audit_record(actor=actor, action="inspections.blacklist.enter", case=case, obj=entry,
                 after=snapshot(entry, ["institution", "department", "reason", "enforcement",
                                        "daily"]))
    return entry


def _locked_entry(entry: BlacklistEntry) -> BlacklistEntry:
    return BlacklistEntry.objects.select_for_update(of=("self",)).select_related(
        "case", "institution", "department").get(pk=entry.pk)


@transaction.atomic
def appeal_submit(*, actor: User, entry: BlacklistEntry, text: str) -> BlacklistEntry:
    """The institution appeals (申诉); the listing department decides within the profile's
    `blacklist_appeal` working days."""
    entry = _locked_entry(entry)
    require(actor, "inspections.appeal", entry)
    if entry.state != BlacklistState.LISTED:
        raise InvalidState(_("The institution is no longer on the black list."))
    if entry.appeal_state != AppealState.NONE:
        raise InvalidState(_("An appeal was already made."))
    if not text.strip():
        raise DomainError(_("Give the grounds of the appeal."), field="text")
    task = case_services.task_assign(
        actor=None, case=entry.case, department=entry.department, role=TaskRole.LEAD,
        step=Step.ENFORCEMENT, duty=_("Decide the appeal against the black-listing."),
        deadline_key=APPEAL_DEADLINE)
    entry.appeal_text = text.strip()
    entry.appeal_state = AppealState.PENDING
    entry.appeal_due = task.due_date
    entry.save()
    audit_record(actor=actor, action="inspections.appeal.submit", case=entry.case, obj=entry,
                 after=snapshot(entry, ["appeal_text", "appeal_state", "appeal_due"]))
    return entry


def _remove(actor: User | None, entry: BlacklistEntry, reason: str) -> None:
    # The department's head was checked by this app's ability; the register changes as
    # the workflow's system step (the entry's case holds no task for the head to work).
    registry.blacklist_remove(actor=None, institution=entry.institution, reason=reason,
                              case=entry.case)
    entry.state = BlacklistState.REMOVED
    entry.removed_at = timezone.now()
    entry.removal_reason = reason


@transaction.atomic
def appeal_decide(*, actor: User, entry: BlacklistEntry, grant: bool,
                  reason: str) -> BlacklistEntry:
    """The head of the listing department decides the appeal, with a reason; granted, the
    listing is lifted."""
    entry = _locked_entry(entry)
    require(actor, "inspections.decide_blacklist", entry)
    if entry.appeal_state != AppealState.PENDING:
        raise InvalidState(_("No appeal is pending."))
    if not reason.strip():
        raise DomainError(_("Give the reason of the decision."), field="reason")
    entry.appeal_state = AppealState.OVERTURNED if grant else AppealState.UPHELD
    entry.appeal_reason = reason.strip()
    if grant:
        _remove(actor, entry, reason.strip())
    entry.save()
    for task in Task.objects.filter(case=entry.case, status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note=reason.strip())
    if grant:
        case_services.case_close(actor=None, case=entry.case, reason=reason.strip())
    audit_record(actor=actor, action="inspections.appeal.decide", case=entry.case, obj=entry,
                 after=snapshot(entry, ["appeal_state", "appeal_reason", "state"]))
    return entry


def rectified_since_listing(entry: BlacklistEntry) -> bool:
    """A rectification order of the institution closed after the re-check since it was
    listed (004 §6(4))."""
    return RectificationOrder.objects.filter(
        institution_id=entry.institution_id, state=OrderState.CLOSED,
        closed_at__gte=entry.listed_at).exists()


@transaction.atomic
def blacklist_remove(*, actor: User, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Removal needs a completed rectification and a department head's approval."""
    entry = _locked_entry(entry)
    require(actor, "inspections.decide_blacklist", entry)
    if entry.state != BlacklistState.LISTED:
        raise InvalidState(_("The institution is no longer on the black list."))
    if entry.appeal_state == AppealState.PENDING:
        raise InvalidState(_("Decide the pending appeal first."))
    if not rectified_since_listing(entry):
        raise InvalidState(_("No rectification has been completed since the listing."))
    if not reason.strip():
        raise DomainError(_("Give a reason."), field="reason")
    _remove(actor, entry, reason.strip())
    entry.save()
    case_services.case_close(actor=None, case=entry.case, reason=reason.strip())
    audit_record(actor=actor, action="inspections.blacklist.remove", case=entry.case,
                 obj=entry, after=snapshot(entry, ["state", "removal_reason"]))
    return entry
