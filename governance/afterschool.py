"""Institutions in school after-school services (学校课后服务), issue 12: 002 §2(4)
(区教体局会同区发改委、文广旅局、科技局等部门做好非学科类校外培训机构进校园遴选和监管，建立
非学科类校外培训机构参与课后服务的评估退出机制) and §3(1) (进校园指导组织工作).

Only a licensed institution on the white list is selected; a selection is evaluated once a
term and removed with a reason; a removed one is not evaluated. Each step is decided by an
officer of the department the profile's `after_school` names for it, in the county of the
selection.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import audit_record, snapshot
from core.abilities import require
from core.errors import DomainError, InvalidState
from governance.incidents import department_of_type
from governance.models import (
    AfterSchoolEvaluation,
    AfterSchoolSelection,
    AfterSchoolStatus,
    EvaluationResult,
)
from institutions.models import Institution, InstitutionStatus, ListStatus
from institutions.selectors import white_list
from org.models import Department, Region, User
from policy.profile import active_profile

SELECT, EVALUATE, REMOVE = "select", "evaluate", "remove"
#: A term is written as its school year and its number: 2026-2027-1.
TERM = re.compile(r"^(\d{4})-(\d{4})-([12])$")


def deciding_department(region: Region, action: str) -> Department | None:
    """The department of the region that decides the step (the profile's `after_school`)."""
    rule = active_profile().after_school_decider(action)
    return department_of_type(region, rule["department"])


def _decider(actor: User, region: Region, action: str) -> Department:
    department = deciding_department(region, action)
    if department is None:
        raise DomainError(_("The region has no department that decides this."))
    require(actor, "governance.decide_after_school", department,
            _("Only the department the policy names decides this."))
    return department


def _check_term(term: str) -> str:
    match = TERM.match(term.strip())
    if not match or int(match[2]) != int(match[1]) + 1:
        raise DomainError(_("Write the term as the school year and its number, for example "
                            "2026-2027-1."), field="term")
    return term.strip()


@transaction.atomic
def afterschool_select(*, actor: User, region: Region, institution: Institution, school: str,
                       service: str, selected_on: dt.date | None = None) -> AfterSchoolSelection:
    """Select an institution into a school's after-school services: only a licensed
    institution on the white list of the county (002 §2(4) 进校园遴选)."""
    department = _decider(actor, region, SELECT)
    institution = Institution.objects.select_for_update().select_related("region").get(
        pk=institution.pk)
    if not institution.region.path.startswith(region.path):
        raise DomainError(_("This institution is not in the county."), field="institution")
    if institution.status != InstitutionStatus.LICENSED or \
            institution.list_status != ListStatus.WHITE:
        raise DomainError(_("Only a licensed institution on the white list can be selected."),
                          field="institution")
    if not school.strip():
        raise DomainError(_("Name the school."), field="school")
    if not service.strip():
        raise DomainError(_("Name the service it provides."), field="service")
    if AfterSchoolSelection.objects.filter(institution=institution, school=school.strip(),
                                           status=AfterSchoolStatus.SELECTED).exists():
        raise DomainError(_("This institution already serves this school."), field="school")
    selection = AfterSchoolSelection.objects.create(
        region=region, institution=institution, school=school.strip(), service=service.strip(),
        selected_on=selected_on or timezone.localdate(), selected_by=department,
        created_by=actor)
    audit_record(actor=actor, action="governance.afterschool_select", obj=selection,
                 after=snapshot(selection, ["region", "institution", "school", "service",
                                            "selected_on", "selected_by"]))
    return selection


def _locked(actor: User, selection: AfterSchoolSelection) -> AfterSchoolSelection:
    return AfterSchoolSelection.objects.restrict(actor).select_for_update(
        of=("self",)).select_related("region").get(pk=selection.pk)


@transaction.atomic
def afterschool_evaluate(*, actor: User, selection: AfterSchoolSelection, term: str,
                         result: str, note: str = "") -> AfterSchoolEvaluation:
    """The evaluation of a selected institution for a term (002 §2(4) 评估); an
    unqualified result needs a note, as it is the ground for removal."""
    selection = _locked(actor, selection)
    department = _decider(actor, selection.region, EVALUATE)
    if selection.status != AfterSchoolStatus.SELECTED:
        raise InvalidState(_("A removed institution is not evaluated."))
    term = _check_term(term)
    if result not in EvaluationResult.values:
        raise DomainError(_("Unknown result."), field="result")
    if result == EvaluationResult.UNQUALIFIED and not note.strip():
        raise DomainError(_("Say why it is unqualified."), field="note")
    if selection.evaluations.filter(term=term).exists():
        raise DomainError(_("This term is already evaluated."), field="term")
    evaluation = AfterSchoolEvaluation.objects.create(
        selection=selection, term=term, result=result, note=note.strip(),
        department=department, created_by=actor)
    audit_record(actor=actor, action="governance.afterschool_evaluate", obj=selection,
                 after={"term": term, "result": result, "note": evaluation.note})
    return evaluation


@transaction.atomic
def afterschool_remove(*, actor: User, selection: AfterSchoolSelection, reason: str,
                       removed_on: dt.date | None = None) -> AfterSchoolSelection:
    """Remove an institution from the school's after-school services (002 §2(4) 退出)."""
    selection = _locked(actor, selection)
    department = _decider(actor, selection.region, REMOVE)
    if selection.status != AfterSchoolStatus.SELECTED:
        raise InvalidState(_("The institution is already removed."))
    if not reason.strip():
        raise DomainError(_("Give the reason for removal."), field="reason")
    selection.status = AfterSchoolStatus.REMOVED
    selection.removed_on = removed_on or timezone.localdate()
    selection.removed_by = department
    selection.removal_reason = reason.strip()
    selection.save(update_fields=["status", "removed_on", "removed_by", "removal_reason"])
    audit_record(actor=actor, action="governance.afterschool_remove", obj=selection,
                 after={"status": selection.status, "removed_by": department.pk},
                 reason=selection.removal_reason)
    return selection


# -- reads ---------------------------------------------------------------------------------

def selections(user: Any, *, status: str = "") -> QuerySet[AfterSchoolSelection]:
    qs = AfterSchoolSelection.objects.restrict(user).select_related(
        "region", "institution", "selected_by", "removed_by").prefetch_related(
        Prefetch("evaluations", AfterSchoolEvaluation.objects.select_related(
            "department").order_by("-term", "-id")))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "school", "id")


def selection_detail(user: Any, pk: int) -> AfterSchoolSelection:
    return selections(user).get(pk=pk)


def selectable(user: Any, region: Region) -> QuerySet[Institution]:
    """The institutions the selection form offers: the county's published white list
    (licensed, white-listed; 004 §6(4))."""
    return white_list(user).filter(region__path__startswith=region.path).order_by("name", "id")
