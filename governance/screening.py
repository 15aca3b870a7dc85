"""Market-entity screening (004 §6(2)3): market regulation's list (.xlsx) of entities
whose names contain 教育咨询, 教育科技 or 文化传播 is imported by the office; each entity is
matched by its unified social credit code against the registry, and each unmatched one
becomes a check task for its county's education department, with market regulation
assisting (由县级教育、市场监管等部门开展全面排查).

Every row is checked first and each bad one reported; only when all are good is anything
recorded, in one transaction. A credit code seen before (in this file or an earlier
import) is counted as repeated and creates nothing twice.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import filetypes
from cases import services as case_services
from cases.audit import audit_record
from cases.models import TaskRole
from core.abilities import require
from core.errors import DomainError, InvalidState
from core.vocab import Category, DepartmentType, Nature
from governance.models import (
    ScreeningEntity,
    ScreeningImport,
    ScreeningOutcome,
    ScreeningOutcomeKind,
)
from institutions.models import Institution
from institutions.uscc import normalise, validate_uscc
from org.models import Department, Region, RegionLevel, User
from org.scope import Action

KIND = "screening"
STEP = "check"
DEADLINE_KEY = "screening_check"
COLUMNS = [("credit_code", gettext_lazy("Unified social credit code")),
           ("name", gettext_lazy("Name")),
           ("county_code", gettext_lazy("County code")),
           ("address", gettext_lazy("Address"))]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_UNPACKED = 30 * 1024 * 1024
LEAD_TYPES = (DepartmentType.EDUCATION_SPORTS, DepartmentType.EDUCATION)


@dataclass
class Row:
    number: int
    values: dict[str, str]


def read_rows(upload: Any) -> list[Row]:
    """The rows of the first sheet after the header, checked for size and real type."""
    from openpyxl import load_workbook

    if not upload or not upload.size:
        raise DomainError(_("The file is empty."), field="file")
    if upload.size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 1048576},
                          field="file")
    if filetypes.detect(upload) != filetypes.XLSX:
        raise DomainError(_("Upload the list as an Excel .xlsx file."), field="file")
    upload.seek(0)
    data = upload.read()
    unreadable = DomainError(_("The file is not a readable Excel workbook."), field="file")
    try:
        if sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist()) > MAX_UNPACKED:
            raise DomainError(_("The workbook unpacks to more than %(mb)s MB.")
                              % {"mb": MAX_UNPACKED // 1048576}, field="file")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows: list[Row] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=len(COLUMNS), values_only=True),
                                       start=1):
            if number == 1:
                continue
            texts = [("" if v is None else str(v).strip()) for v in cells]
            texts += [""] * (len(COLUMNS) - len(texts))
            if not any(texts):
                continue
            if len(rows) >= MAX_ROWS:
                raise DomainError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS},
                                  field="file")
            rows.append(Row(number, dict(zip([k for k, _l in COLUMNS], texts, strict=True))))
        workbook.close()
        return rows
    except DomainError:
        raise
    except Exception:  # zipfile and openpyxl raise many types for a broken file
        raise unreadable from None


def _county_departments(county: Region) -> tuple[Department | None, Department | None]:
    depts = {d.type: d for d in Department.objects.filter(region=county, is_active=True)}
    lead = next((depts[t] for t in LEAD_TYPES if t in depts), None)
    return lead, depts.get(DepartmentType.MARKET_REGULATION)


@transaction.atomic
def screening_import(*, actor: User, upload: Any) -> ScreeningImport:
    """Check the list and, when every row is good, record the new entities: matched ones
    with their institution, unmatched ones with a check case for their county."""
    require(actor, "governance.import_screening")
    home = Region.objects.restrict(actor, Action.MANAGE).order_by("path").first()
    if home is None:
        raise DomainError(_("You do not work in a region."), field="file")
    rows = read_rows(upload)
    if not rows:
        raise DomainError(_("The list holds no rows."), field="file")
    counties = {r.code: r for r in Region.objects.restrict(actor, Action.MANAGE).filter(
        level=RegionLevel.COUNTY, code__in={r.values["county_code"] for r in rows})}
    codes = {normalise(r.values["credit_code"]) for r in rows}
    known = set(ScreeningEntity.objects.filter(credit_code__in=codes).values_list(
        "credit_code", flat=True))
    registered = {i.uscc: i for i in Institution.objects.filter(uscc__in=codes)}
    errors: list[dict[str, Any]] = []
    todo: list[tuple[Row, str, Region]] = []
    seen: set[str] = set()
    repeated = 0
    for row in rows:
        v = row.values
        code = normalise(v["credit_code"])
        try:
            validate_uscc(code)
        except ValidationError as exc:
            errors.append({"row": row.number, "field": "credit_code",
                           "message": " ".join(str(m) for m in exc.messages)})
            continue
        if not v["name"]:
            errors.append({"row": row.number, "field": "name",
                           "message": _("Give the entity's name.")})
            continue
        county = counties.get(v["county_code"])
        if county is None:
            errors.append({"row": row.number, "field": "county_code",
                           "message": _("No county with this code in your region.")})
            continue
        if code in seen or code in known:
            repeated += 1
            continue
        seen.add(code)
        todo.append((row, code, county))
    job = ScreeningImport(region=home, created_by=actor,
                          original_name=(getattr(upload, "name", "") or "")[:200],
                          total_rows=len(rows), repeated_rows=repeated, errors=errors)
    job.save()
    if errors:
        return job
    for row, code, county in todo:
        v = row.values
        entity = ScreeningEntity(region=county, credit_code=code, name=v["name"][:200],
                                 address=v["address"][:200], first_import=job,
                                 institution=registered.get(code))
        if entity.institution is None:
            lead, market = _county_departments(county)
            if lead is None:
                raise DomainError(_("%(county)s has no education department to check the "
                                    "entity.") % {"county": county.name}, field="file")
            case = case_services.case_open(
                actor=actor, kind=KIND, region=county,
                title=_("Screening check: %(name)s") % {"name": entity.name},
                description=f"{code} {entity.name} {entity.address}")
            duty = _("Check whether %(name)s (%(code)s) runs training without a "
                     "licence.") % {"name": entity.name, "code": code}
            case_services.task_assign(actor=actor, case=case, department=lead,
                                      role=TaskRole.LEAD, duty=duty, step=STEP,
                                      deadline_key=DEADLINE_KEY)
            if market is not None:
                case_services.task_assign(actor=actor, case=case, department=market,
                                          role=TaskRole.ASSIST, duty=duty, step=STEP,
                                          deadline_key=DEADLINE_KEY)
            entity.case = case
            job.created_rows += 1
        else:
            job.matched_rows += 1
        entity.save()
    job.save(update_fields=["created_rows", "matched_rows"])
    audit_record(actor=actor, action="governance.screening_import", obj=job,
                 after={"rows": len(rows), "created": job.created_rows,
                        "matched": job.matched_rows, "repeated": repeated})
    return job


# -- the outcome of a check (issue 12, governance part A) ------------------------------------

def _close_check(entity: ScreeningEntity, note: str) -> None:
    """The check is done: its open tasks complete and its case closes (the system's step
    of the workflow once the outcome is recorded)."""
    from cases.models import Case, CaseState, Task, TaskStatus

    case = entity.case
    if case is None:
        return
    for task in Task.objects.filter(case=case, status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note=note)
    if Case.objects.filter(pk=case.pk, state__in=(CaseState.OPEN, CaseState.IN_PROGRESS)
                           ).exists():
        case_services.case_close(actor=None, case=case, reason=note)


@transaction.atomic
def screening_outcome_record(*, actor: User, entity: ScreeningEntity, kind: str,
                             other_reference: str = "", note: str = "", category: str = "",
                             legal_representative: str = "") -> ScreeningOutcome:
    """Record what the check of an unmatched entity found (004 §6(2)3): licensed
    elsewhere (with the other registry's reference), not training, or unlicensed
    training. Unlicensed training enters the entity in the registry as not approved,
    opens an enforcement case for unlicensed training (the violation's competent
    department) and black-lists it with that case as evidence (004 §6(4)), through the
    inspections services and their own permission rules. The check's tasks complete and
    its case closes."""
    from inspections import services as inspections
    from inspections.models import ViolationType
    from institutions import services as registry
    from institutions.models import InstitutionStatus

    entity = ScreeningEntity.objects.restrict(actor).select_for_update(of=("self",)).select_related(
        "region", "case").get(pk=entity.pk)
    require(actor, "governance.record_screening_outcome", entity)
    if entity.case_id is None:
        raise InvalidState(_("A matched entity needs no check."))
    if ScreeningOutcome.objects.filter(entity=entity).exists():
        raise InvalidState(_("The outcome of this check is already recorded."))
    if kind not in ScreeningOutcomeKind.values:
        raise DomainError(_("Choose the outcome."), field="kind")
    other_reference, note = other_reference.strip(), note.strip()
    outcome = ScreeningOutcome(entity=entity, kind=kind, note=note, recorded_by=actor)
    if kind == ScreeningOutcomeKind.LICENSED_ELSEWHERE:
        if not other_reference:
            raise DomainError(_("Give the other registry's reference (licence or record "
                                "number)."), field="other_reference")
        outcome.other_reference = other_reference[:100]
    elif kind == ScreeningOutcomeKind.UNLICENSED:
        if not note:
            raise DomainError(_("Describe the training found."), field="note")
        institution = Institution.objects.filter(uscc=entity.credit_code).first()
        if institution is None:
            if category not in Category.values:
                raise DomainError(_("Choose the category of the training."), field="category")
            if not legal_representative.strip():
                raise DomainError(_("Give the legal representative."),
                                  field="legal_representative")
            # A company on market regulation's list is a for-profit enterprise (000 §3).
            institution = registry.institution_register(
                actor=actor, name=entity.name, uscc=entity.credit_code,
                nature=Nature.FOR_PROFIT, category=category,
                legal_representative=legal_representative,
                safety_person=legal_representative, address=entity.address or entity.name,
                region=entity.region, status=InstitutionStatus.NOT_APPROVED)
        violation = ViolationType.objects.get(code="unlicensed")
        enforcement = inspections.enforcement_open(
            actor=actor, violation=violation, region=entity.region, findings=note,
            institution=institution)
        outcome.institution = institution
        outcome.enforcement = enforcement
        outcome.blacklist = inspections.blacklist_enter(
            actor=actor, institution=institution, reason=note, enforcement=enforcement)
    outcome.save()
    _close_check(entity, ScreeningOutcomeKind(kind).label)
    audit_record(actor=actor, action="governance.screening_outcome", obj=entity,
                 case=entity.case,
                 after={"kind": kind, "other_reference": outcome.other_reference,
                        "note": note, "institution": outcome.institution_id,
                        "enforcement": outcome.enforcement_id,
                        "blacklist": outcome.blacklist_id})
    return outcome
