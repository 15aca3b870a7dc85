"""Reads of rounds, daily inspections and rectification orders, each through the scope
gateway, shaped for their lists (no query per row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from cases.models import Attachment
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    BlacklistEntry,
    DailyInspection,
    Enforcement,
    InspectionRound,
    OrderState,
    RandomDraw,
    RectificationOrder,
    RoundState,
    StopOrder,
    ZombieCleanup,
)
from org.models import Region
from org.scope import Action


def round_list(user: Any) -> QuerySet[InspectionRound]:
    return InspectionRound.objects.restrict(user).select_related(
        "case", "region", "lead_department").annotate(
        total=Count("inspections", distinct=True),
        done=Count("inspections", filter=~Q(inspections__result=AnnualResult.PENDING),
                   distinct=True)).order_by("-year", "category", "-id")


def round_totals(rounds: QuerySet[InspectionRound]) -> dict[str, int]:
    """The assignments of the listed rounds, done and in all, in one query: what the
    dashboards' annual figures count (issue 12 "Dashboards")."""
    return AnnualInspection.objects.filter(round__in=rounds.values("pk")).aggregate(
        total=Count("id"), done=Count("id", filter=~Q(result=AnnualResult.PENDING)))


def round_detail(user: Any, pk: int) -> InspectionRound:
    return InspectionRound.objects.restrict(user).select_related(
        "case", "region", "lead_department", "template").get(pk=pk)


def round_inspections(rnd: InspectionRound) -> QuerySet[AnnualInspection]:
    return rnd.inspections.select_related("institution", "group").order_by(
        "town_code", "institution__name", "pk")


def round_town_names(rnd: InspectionRound) -> dict[str, str]:
    """The towns' names by the division codes the round's inspections are grouped by:
    users read 华山街道, not 530102001."""
    return dict(Region.objects.filter(code__in=rnd.inspections.values("town_code"))
                .values_list("code", "name"))


def annual_detail(user: Any, pk: int) -> AnnualInspection:
    return AnnualInspection.objects.restrict(user).select_related(
        "round__region", "round__case", "round__template", "institution", "group").get(pk=pk)


def published_years() -> list[int]:
    return sorted(set(InspectionRound.objects.filter(state=RoundState.PUBLISHED)
                      .values_list("year", flat=True)), reverse=True)


def published_results(user: Any, year: int) -> QuerySet[AnnualInspection]:
    """The results a lead department published (000 §3: 负责公示年检结果): anyone reads
    them, signed in or not."""
    return AnnualInspection.objects.restrict(user, Action.PUBLIC).filter(
        round__year=year).select_related("institution", "round__region",
                                         "round__lead_department").order_by(
        "round__region__code", "round__category", "institution__name", "pk")


def daily_list(user: Any) -> QuerySet[DailyInspection]:
    return DailyInspection.objects.restrict(user).select_related(
        "case", "region", "institution").order_by("-planned_on", "-id")


def daily_detail(user: Any, pk: int) -> DailyInspection:
    return DailyInspection.objects.restrict(user).select_related(
        "case", "region", "institution", "template", "followup_of", "draw").get(pk=pk)


def draw_detail(user: Any, pk: int) -> RandomDraw:
    return RandomDraw.objects.restrict(user).select_related("region", "created_by").get(pk=pk)


def order_list(user: Any) -> QuerySet[RectificationOrder]:
    return RectificationOrder.objects.restrict(user).select_related(
        "case", "institution", "department").order_by("-created_at", "-id")


def evidence_due(qs: QuerySet[RectificationOrder], *, overdue_on: dt.date | None = None
                 ) -> QuerySet[RectificationOrder]:
    """The orders of `qs` that wait for the institution's evidence: being rectified,
    before any evidence and again after a re-check found it wanting (order_recheck);
    with `overdue_on`, only those whose deadline fell before that day. The institution's
    dashboard counts these and its figures open this list."""
    qs = qs.filter(state=OrderState.OPEN)
    return qs.filter(due_on__lt=overdue_on) if overdue_on else qs


def order_evidence_files(user: Any, order: RectificationOrder) -> QuerySet[Attachment]:
    """The files the institution's staff uploaded with their evidence (order_submit_evidence
    keeps them on the order's case), oldest first, that `user` may open; none for an
    order on no institution."""
    if order.institution_id is None:
        return Attachment.objects.none()
    return (Attachment.objects.restrict(user)
            .filter(case_id=order.case_id, uploaded_by__institution_id=order.institution_id)
            .select_related("uploaded_by").order_by("uploaded_at", "id"))


def order_detail(user: Any, pk: int) -> RectificationOrder:
    return RectificationOrder.objects.restrict(user).select_related(
        "case", "institution", "department", "annual__round", "daily").get(pk=pk)


def zombie_list(user: Any) -> QuerySet[ZombieCleanup]:
    return ZombieCleanup.objects.restrict(user).select_related(
        "case", "institution__region").order_by("-flagged_on", "-id")


def zombie_detail(user: Any, pk: int) -> ZombieCleanup:
    return ZombieCleanup.objects.restrict(user).select_related(
        "case", "institution__region").get(pk=pk)


def enforcement_list(user: Any) -> QuerySet[Enforcement]:
    return Enforcement.objects.restrict(user).select_related(
        "case", "institution", "department", "violation", "region").order_by(
        "-created_at", "-id")


def enforcement_detail(user: Any, pk: int) -> Enforcement:
    return Enforcement.objects.restrict(user).select_related(
        "case", "institution", "department", "violation", "daily", "decision_document").get(
        pk=pk)


def blacklist_list(user: Any) -> QuerySet[BlacklistEntry]:
    return BlacklistEntry.objects.restrict(user).select_related(
        "case", "institution", "department").order_by("-listed_at", "-id")


def blacklist_detail(user: Any, pk: int) -> BlacklistEntry:
    return BlacklistEntry.objects.restrict(user).select_related(
        "case", "institution", "department", "daily__case", "enforcement__case").get(pk=pk)


# -- stop orders by a town (001 §4(2)19) --------------------------------------------------

def stop_order_list(user: Any) -> QuerySet[StopOrder]:
    return StopOrder.objects.restrict(user).select_related(
        "case", "region", "department", "institution", "supervisor").order_by(
        "-issued_at", "-id")


def stop_order_detail(user: Any, pk: int) -> StopOrder:
    return StopOrder.objects.restrict(user).select_related(
        "case", "region", "department", "institution", "supervisor", "daily__case",
        "issued_by").get(pk=pk)
