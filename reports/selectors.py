"""Reads of the monthly report, through the scope gateway."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from reports.models import MonthlyReport


def monthly_reports(user: Any) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.restrict(user).select_related(
        "region", "department", "case", "submitted_by").order_by(
        "-period", "region__path", "department__type", "id")


def monthly_report(user: Any, pk: int) -> MonthlyReport:
    return monthly_reports(user).get(pk=pk)
