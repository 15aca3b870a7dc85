"""Reads of the joint meeting and the campaigns, through the scope gateway."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cases.models import Task
from governance.models import (
    Attendance,
    Campaign,
    CountyPlan,
    Decision,
    Meeting,
    MemberUnit,
    Problem,
    ProblemStatus,
    RosterEntry,
    ScreeningEntity,
    SpotCheck,
    UnitFiling,
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
    """One campaign with its phases, its problem ledger and each problem's rectification
    measures, its spot-checks and the county plans the reader may see."""
    return Campaign.objects.restrict(user).select_related("region").prefetch_related(
        "phases", Prefetch("problems", Problem.objects.select_related(
            "department", "requested_by", "approved_by").prefetch_related("measures")),
        Prefetch("spot_checks", SpotCheck.objects.restrict(user).select_related(
            "recorded_by").prefetch_related("sample")),
        Prefetch("county_plans", CountyPlan.objects.restrict(user).select_related(
            "county", "case", "filed_by")),
    ).get(pk=pk)


def screened(user: Any) -> QuerySet[ScreeningEntity]:
    return ScreeningEntity.objects.restrict(user).select_related(
        "region", "institution", "case", "outcome").order_by("region__code", "credit_code", "id")


# -- issue 12, governance part A --------------------------------------------------------------

def screened_entity(user: Any, pk: int) -> ScreeningEntity:
    return ScreeningEntity.objects.restrict(user).select_related(
        "region", "institution", "case", "first_import", "outcome__institution",
        "outcome__enforcement__case", "outcome__blacklist__case",
        "outcome__recorded_by").get(pk=pk)


def county_plan(user: Any, pk: int) -> CountyPlan:
    return CountyPlan.objects.restrict(user).select_related(
        "campaign__region", "county", "case", "filed_by").get(pk=pk)


def filings(user: Any) -> QuerySet[UnitFiling]:
    return UnitFiling.objects.restrict(user).select_related(
        "unit__department", "unit__region", "filed_by").order_by(
        "unit__region__code", "unit__order", "unit_id", "kind", "-year", "-filed_at", "-id")


def meetings_api(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(user).select_related("region").prefetch_related(
        Prefetch("decisions", Decision.objects.select_related("lead", "case").prefetch_related(
            Prefetch("case__tasks", Task.objects.select_related("department").order_by(
                "id"))))).order_by("-id")


def campaigns_api(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.restrict(user).select_related("region").prefetch_related(
        "phases").annotate(
        n_open=Count("problems", filter=Q(problems__status=ProblemStatus.OPEN)),
        n_pending=Count("problems", filter=Q(problems__status=ProblemStatus.PENDING)),
        n_closed=Count("problems", filter=Q(problems__status=ProblemStatus.CLOSED)),
    ).order_by("-id")


def screened_api(user: Any) -> QuerySet[ScreeningEntity]:
    return ScreeningEntity.objects.restrict(user).select_related(
        "region", "institution", "case", "outcome__enforcement__case",
        "outcome__blacklist__case").order_by("-id")


def open_county_plans(user: Any, limit: int = 20) -> list[CountyPlan]:
    """The county plans the reader may see that are not filed yet, soonest due first: a
    county finds here the plans a city campaign asks of it (DOMAIN.md §4.8)."""
    return list(CountyPlan.objects.restrict(user).filter(filed_at__isnull=True).select_related(
        "campaign", "county").order_by("due", "county__code", "id")[:limit])
