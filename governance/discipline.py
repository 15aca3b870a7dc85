"""Discipline inspection's own records and the office's evaluation records (issue 12).

- Supervision proposals (纪检监察建议书) and their follow-ups, the figures of columns 11
  and 12 of the monthly form (004 annex 2), are written by discipline inspection only;
  discipline inspection reads every governance record of its region and writes nothing
  else (DOMAIN.md §1; `governance.write_discipline`). A proposal's reply is its
  department's task on the shared task engine, due in working days (the deadline key
  `supervision_proposal_reply`), so reminders, overdue marks and escalation apply.
- Evaluation records: notices (通报), interviews (约谈) and commendations of the units
  concerned, each linked to the lagging tasks it is about (002 §3(2):
  对责任不落实、措施不到位…的部门、镇街进行通报，适时约谈…评选先进集体与个人，予以表彰);
  the evaluation of county governments (004 §6(5): 将校外培训整治工作纳入对县级政府履行教育
  职责的重要内容); accountability records (001 §6(3): 建立问责机制…对相关责任人进行问责),
  written by the coordinators (`governance.record_evaluation`).

Every write is atomic, checked with `core.abilities.require` after the scope gateway and
audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.audit import audit_record, snapshot
from cases.kinds import CaseKindSpec
from cases.models import Task, TaskRole
from core.abilities import require
from core.errors import DomainError, InvalidState
from governance.models import (
    AccountabilityMeasure,
    Campaign,
    EvaluationKind,
    EvaluationRecord,
    ProposalFollowUp,
    SupervisionProposal,
)
from org.models import Department, Region, RegionLevel, User
from policy.profile import active_profile

#: The case kind of a proposal's reply (纪检监察建议书, "JJ-…").
KIND = "supervision_proposal"
STEP = "reply"
DEADLINE_KEY = "supervision_proposal_reply"


def kind_spec() -> CaseKindSpec:
    return CaseKindSpec(
        code=KIND, prefix="JJ", label=gettext_lazy("Supervision proposal"),
        steps={STEP: gettext_lazy("Reply to the supervision proposal")},
        audit_labels={"governance.proposal_issue": gettext_lazy("Supervision proposal issued")},
        on_task_done=_on_reply_done,
        panel=_panel,
    )


def _panel(*, request: Any, case: Any) -> Any:
    from governance.discipline_views import proposal_panel

    return proposal_panel(request=request, case=case)


def _on_reply_done(*, task: Task, actor: Any) -> None:
    """The department's reply closes the proposal's case; the follow-up stays with
    discipline inspection (column 12)."""
    if not task.case.tasks.exclude(pk=task.pk).filter(status="open").exists():
        case_services.case_close(actor=None, case=task.case, reason=_("The department replied."))


def _check_in_region(department: Department, region: Region) -> None:
    if not department.region.path.startswith(region.path):
        raise DomainError(_("This department is not in the region."), field="department")


def _check_campaign(campaign: Campaign | None, region: Region) -> None:
    if campaign is not None and not region.path.startswith(campaign.region.path) and \
            not campaign.region.path.startswith(region.path):
        raise DomainError(_("A campaign of another region."), field="campaign")


# -- supervision proposals -----------------------------------------------------------------

@transaction.atomic
def proposal_issue(*, actor: User, region: Region, department: Department, title: str,
                   content: str, issued_on: dt.date, number: str = "",
                   campaign: Campaign | None = None,
                   today: dt.date | None = None) -> SupervisionProposal:
    """Discipline inspection issues a proposal to a department of its region; the
    department's reply is a task due in the profile's working days."""
    require(actor, "governance.write_discipline", region)
    if not title.strip():
        raise DomainError(_("Give the proposal a title."), field="title")
    if not content.strip():
        raise DomainError(_("Write the proposal."), field="content")
    _check_in_region(department, region)
    _check_campaign(campaign, region)
    proposal = SupervisionProposal.objects.create(
        region=region, department=department, title=title.strip(), content=content.strip(),
        issued_on=issued_on, number=number.strip(), campaign=campaign, created_by=actor)
    # The system opens the reply case: discipline inspection neither opens nor assigns
    # cases otherwise (it writes only its own records).
    case = case_services.case_open(actor=None, kind=KIND, region=department.region,
                                   title=f"{proposal.title}（{department.name}）",
                                   description=proposal.content)
    case_services.task_assign(actor=None, case=case, department=department,
                              role=TaskRole.LEAD, duty=_("Reply to the supervision proposal: "
                                                         "%(title)s") % {"title": proposal.title},
                              step=STEP, workdays=active_profile().deadline(DEADLINE_KEY),
                              today=today)
    proposal.case = case
    proposal.save(update_fields=["case"])
    audit_record(actor=actor, action="governance.proposal_issue", obj=proposal, case=case,
                 after=snapshot(proposal, ["region", "department", "title", "issued_on",
                                           "number", "campaign"]))
    return proposal


@transaction.atomic
def followup_add(*, actor: User, proposal: SupervisionProposal, checked_on: dt.date,
                 note: str, rectified: bool = False) -> ProposalFollowUp:
    """Discipline inspection follows a proposal up; the follow-up that finds the
    rectification complete is the proposal's last (column 12)."""
    proposal = SupervisionProposal.objects.restrict(actor).select_for_update(
        of=("self",)).select_related("region").get(pk=proposal.pk)
    require(actor, "governance.write_discipline", proposal.region)
    if proposal.follow_ups.filter(rectified=True).exists():
        raise InvalidState(_("The rectification of this proposal is already complete."))
    if not note.strip():
        raise DomainError(_("Describe the follow-up."), field="note")
    if checked_on < proposal.issued_on:
        raise DomainError(_("A follow-up cannot precede the proposal."), field="checked_on")
    row = ProposalFollowUp.objects.create(proposal=proposal, checked_on=checked_on,
                                          note=note.strip(), rectified=rectified,
                                          created_by=actor)
    audit_record(actor=actor, action="governance.followup_add", obj=proposal,
                 after={"checked_on": checked_on, "note": row.note, "rectified": rectified})
    return row


# -- evaluation records --------------------------------------------------------------------

@transaction.atomic
def evaluation_record(*, actor: User, region: Region, kind: str, title: str, content: str,
                      issued_on: dt.date, departments: Iterable[Department] = (),
                      tasks: Iterable[Task] = (), campaign: Campaign | None = None,
                      evaluated_region: Region | None = None, cases_count: int = 0,
                      measure: str = "", persons: int = 0) -> EvaluationRecord:
    """Record a notice, interview, commendation, county-government evaluation or
    accountability record of the region (002 §3(2); 004 §6(5); 001 §6(3))."""
    require(actor, "governance.record_evaluation", region)
    if kind not in EvaluationKind.values:
        raise DomainError(_("Unknown kind of record."), field="kind")
    if not title.strip():
        raise DomainError(_("Give the record a title."), field="title")
    if not content.strip():
        raise DomainError(_("Write the record's content."), field="content")
    departments, tasks = list(departments), list(tasks)
    for dept in departments:
        _check_in_region(dept, region)
    task_ids = [t.pk for t in tasks]
    if task_ids and Task.objects.restrict(actor).filter(
            pk__in=task_ids, case__region__path__startswith=region.path).count() != len(
            set(task_ids)):
        raise DomainError(_("A task of another region."), field="tasks")
    _check_campaign(campaign, region)
    # A record concerns the departments of its lagging tasks too (the monthly form
    # counts a notice for each department it concerns, reports/monthly.py).
    seen = {d.pk for d in departments}
    for task in tasks:
        if task.department_id not in seen:
            seen.add(task.department_id)
            departments.append(task.department)
    if kind == EvaluationKind.COUNTY_EVALUATION:
        if evaluated_region is None or evaluated_region.level != RegionLevel.COUNTY or \
                not evaluated_region.path.startswith(region.path):
            raise DomainError(_("Choose the county evaluated."), field="evaluated_region")
    else:
        evaluated_region = None
    if kind == EvaluationKind.ACCOUNTABILITY:
        if measure not in AccountabilityMeasure.values:
            raise DomainError(_("Choose the measure taken."), field="measure")
        if persons < 1:
            raise DomainError(_("Give the number of persons held accountable."),
                              field="persons")
    else:
        measure, persons = "", 0
    if kind != EvaluationKind.NOTICE:
        cases_count = 0
    record = EvaluationRecord.objects.create(
        region=region, kind=kind, title=title.strip(), content=content.strip(),
        issued_on=issued_on, campaign=campaign, evaluated_region=evaluated_region,
        cases_count=cases_count, measure=measure, persons=persons, created_by=actor)
    record.departments.set(departments)
    record.tasks.set(tasks)
    audit_record(actor=actor, action="governance.evaluation_record", obj=record,
                 after={**snapshot(record, ["region", "kind", "title", "issued_on", "campaign",
                                            "evaluated_region", "cases_count", "measure",
                                            "persons"]),
                        "departments": [d.pk for d in departments], "tasks": task_ids})
    return record


# -- reads ---------------------------------------------------------------------------------

def proposals(user: Any) -> QuerySet[SupervisionProposal]:
    return SupervisionProposal.objects.restrict(user).select_related(
        "region", "department", "campaign", "case").annotate(
        n_followups=Count("follow_ups", distinct=True),
        n_rectified=Count("follow_ups", filter=Q(follow_ups__rectified=True), distinct=True),
    ).order_by("-issued_on", "-id")


def proposal_detail(user: Any, pk: int) -> SupervisionProposal:
    return SupervisionProposal.objects.restrict(user).select_related(
        "region", "department", "campaign", "case", "created_by").prefetch_related(
        Prefetch("case__tasks", Task.objects.select_related("department")),
        Prefetch("follow_ups", ProposalFollowUp.objects.select_related("created_by")),
    ).get(pk=pk)


def evaluations(user: Any) -> QuerySet[EvaluationRecord]:
    return EvaluationRecord.objects.restrict(user).select_related(
        "region", "campaign", "evaluated_region").prefetch_related(
        "departments", Prefetch("tasks", Task.objects.select_related("case", "department")),
    ).order_by("-issued_on", "-id")
