"""Reads of the joint meeting and the campaigns, through the scope gateway."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cases.models import Task
from governance.models import (
    Attendance,
    Campaign,
    Decision,
    Meeting,
    MemberUnit,
    Problem,
    ProblemStatus,
    RosterEntry,
    ScreeningEntity,
)


def meetings(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(user).select_related("region").annotate(
        n_decisions=Count("decisions", distinct=True),
        n_units=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        n_confirmed=Count("attendance", filter=Q(attendance__confirmed_at__isnull=False),
                          distinct=True)).order_by("-held_on", "-id")


def meeting_detail(user: Any, pk: int) -> Meeting:
    """One meeting with its attendance and decisions (and each decision's case tasks)."""
    return Meeting.objects.restrict(user).select_related("region").prefetch_related(
        Prefetch("attendance", Attendance.objects.select_related(
            "unit__department", "confirmed_by")),
        Prefetch("decisions", Decision.objects.select_related("lead", "case").prefetch_related(
            "assisting", Prefetch("case__tasks", Task.objects.select_related("department")))),
    ).get(pk=pk)


def units(user: Any) -> QuerySet[MemberUnit]:
    return MemberUnit.objects.restrict(user).select_related("department", "region").prefetch_related(
        Prefetch("roster", RosterEntry.objects.order_by("position", "-start", "-id")))


def campaigns(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.restrict(user).select_related("region").prefetch_related(
        "phases").annotate(
        n_problems=Count("problems", distinct=True),
        n_closed=Count("problems", filter=Q(problems__status=ProblemStatus.CLOSED),
                       distinct=True)).order_by("-created_at", "-id")


def campaign_detail(user: Any, pk: int) -> Campaign:
    return Campaign.objects.restrict(user).select_related("region").prefetch_related(
        "phases", Prefetch("problems", Problem.objects.select_related(
            "department", "requested_by", "approved_by"))).get(pk=pk)


def screened(user: Any) -> QuerySet[ScreeningEntity]:
    return ScreeningEntity.objects.restrict(user).select_related(
        "region", "institution", "case").order_by("region__code", "credit_code")
