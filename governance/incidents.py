"""Incident cases (issue 12 "Incidents"): a safety incident or emergency (安全事故等突发
事件, 001 §4(2)13), a public-opinion event (舆情, 001 §4(2)15) and the takedown of a
non-compliant online platform or application (001 §4(2)16; 002 §2(1)).

Each is a case of the kind "incident" (TF-…) opened by the joint-meeting office or an
admin: the profile's `incidents` names the lead department and the assisting ones of each
kind; each gets a task on the shared engine, due in the kind's working days, so reminders,
overdue marks and escalation apply as to any task. The office closes the incident with its
outcome once every task is done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.audit import audit_record
from cases.models import Task, TaskRole, TaskStatus
from core.abilities import require
from core.errors import DomainError, InvalidState
from governance.models import Incident, IncidentKind, IncidentStatus
from org.models import Department, Region, User
from policy.profile import active_profile

#: The case kind of an incident (TF-…), registered in governance/kinds.py.
KIND = "incident"
STEP_LEAD = "lead"
STEP_ASSIST = "assist"
#: The working days of each kind's tasks (base.yaml `deadlines`).
DEADLINE_KEYS: dict[str, str] = {
    IncidentKind.INCIDENT: "incident_response",
    IncidentKind.PUBLIC_OPINION: "public_opinion_response",
    IncidentKind.ONLINE_TAKEDOWN: "online_takedown",
}


def department_of_type(region: Region, department_type: str) -> Department | None:
    """The active department of a type serving the region: the region's own, else the
    nearest one above it."""
    prefixes = []
    path = region.path
    while path and path != "/":
        prefixes.append(path)
        path = path[:path.rstrip("/").rfind("/") + 1]
    found = {d.region.path: d for d in Department.objects.filter(
        type=department_type, is_active=True, region__path__in=prefixes).select_related(
        "region").order_by("-id")}
    for prefix in prefixes:
        if prefix in found:
            return found[prefix]
    return None


def route_departments(region: Region, kind: str) -> tuple[Department | None, list[Department],
                                                           list[str]]:
    """The lead and assisting departments of a kind in a region, and the assisting types
    the region has no department for."""
    route = active_profile().incident_route(kind)
    lead = department_of_type(region, route["lead"])
    assists, missing = [], []
    for dept_type in route.get("assists") or []:
        dept = department_of_type(region, dept_type)
        if dept is None:
            missing.append(dept_type)
        elif lead is None or dept.pk != lead.pk:
            assists.append(dept)
    return lead, assists, missing


@transaction.atomic
def incident_report(*, actor: User, region: Region, kind: str, title: str, description: str,
                    occurred_on: dt.date, institution: Any = None, platform: str = "",
                    today: dt.date | None = None) -> Incident:
    """Register an incident and give its lead and assisting departments their tasks (001
    §4(2)13, 15, 16: who leads each kind is the profile's `incidents`)."""
    require(actor, "governance.manage_incidents", region)
    today = today or timezone.localdate()
    if kind not in IncidentKind.values:
        raise DomainError(_("Unknown kind of incident."), field="kind")
    if not title.strip():
        raise DomainError(_("Give the incident a title."), field="title")
    if not description.strip():
        raise DomainError(_("Describe what happened."), field="description")
    if occurred_on > today:
        raise DomainError(_("The date cannot be in the future."), field="occurred_on")
    if kind == IncidentKind.ONLINE_TAKEDOWN and not platform.strip():
        raise DomainError(_("Name the platform or application to take down."),
                          field="platform")
    if institution is not None and not institution.region.path.startswith(region.path):
        raise DomainError(_("This institution is not in the region."), field="institution")
    lead, assists, missing = route_departments(region, kind)
    if lead is None:
        raise DomainError(_("The region has no lead department for this kind of incident."),
                          field="kind")
    case = case_services.case_open(actor=actor, kind=KIND, region=region, title=title,
                                   description=description, institution=institution)
    workdays = active_profile().deadline(DEADLINE_KEYS[kind])
    duty = title.strip()
    case_services.task_assign(actor=actor, case=case, department=lead, role=TaskRole.LEAD,
                              duty=duty, step=STEP_LEAD, workdays=workdays, today=today)
    for dept in assists:
        case_services.task_assign(actor=actor, case=case, department=dept,
                                  role=TaskRole.ASSIST, duty=duty, step=STEP_ASSIST,
                                  workdays=workdays, today=today)
    incident = Incident.objects.create(
        region=region, kind=kind, title=title.strip(), description=description.strip(),
        occurred_on=occurred_on, institution=institution, platform=platform.strip(),
        lead=lead, case=case, created_by=actor)
    audit_record(actor=actor, action="governance.incident_report", case=case, obj=incident,
                 after={"kind": kind, "title": incident.title, "lead": lead.pk,
                        "assists": [d.pk for d in assists], "no_department": missing})
    return incident


@transaction.atomic
def incident_close(*, actor: User, incident: Incident, outcome: str) -> Incident:
    """Close an incident with its outcome, once every task of it is done."""
    incident = Incident.objects.restrict(actor).select_for_update(
        of=("self",)).select_related("region", "case").get(pk=incident.pk)
    require(actor, "governance.manage_incidents", incident.region)
    if incident.status == IncidentStatus.CLOSED:
        raise InvalidState(_("The incident is already closed."))
    if not outcome.strip():
        raise DomainError(_("Record the outcome."), field="outcome")
    if incident.case.tasks.filter(status=TaskStatus.OPEN).exists():
        raise InvalidState(_("The incident still has open tasks."))
    case_services.case_close(actor=actor, case=incident.case, reason=outcome.strip())
    incident.status = IncidentStatus.CLOSED
    incident.outcome = outcome.strip()
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "outcome", "closed_at"])
    audit_record(actor=actor, action="governance.incident_close", case=incident.case,
                 obj=incident, after={"outcome": incident.outcome})
    return incident


# -- reads ---------------------------------------------------------------------------------

def incidents(user: Any, *, kind: str = "", status: str = "") -> QuerySet[Incident]:
    qs = Incident.objects.restrict(user).select_related("region", "lead", "case").annotate(
        n_tasks=Count("case__tasks", distinct=True),
        n_open=Count("case__tasks", filter=Q(case__tasks__status=TaskStatus.OPEN),
                     distinct=True))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-occurred_on", "-id")


def incident_detail(user: Any, pk: int) -> Incident:
    return Incident.objects.restrict(user).select_related(
        "region", "lead", "case", "institution", "created_by").prefetch_related(
        Prefetch("case__tasks", Task.objects.select_related("department", "assignee")
                 .order_by("-role", "id"))).get(pk=pk)
