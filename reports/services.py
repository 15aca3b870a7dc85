"""Writes of the reports app: the monthly statutory report (004 §6(8), annex 2).

The reports app owns the monthly reports: their opening each month with the reporting
tasks (a case of the kind "monthly_report", YB-…, on the shared task engine, so reminders,
overdue marks and escalation apply), the manual fields, and the submission. Everything
is atomic, checked with `core.abilities.require` after the scope gateway, and audited.

Dates (004 annex 2 note 1, the profile's `monthly_report`): the county departments report
by the 1st of the next month, the city science, culture-tourism and sports bureaus forward
to city education by the 3rd, and city education consolidates within
`monthly_report_consolidate` working days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.audit import audit_record
from cases.kinds import CaseKindSpec
from cases.models import Task, TaskRole, TaskStatus
from core.abilities import require
from core.errors import DomainError, InvalidState
from org.models import Department, RegionLevel, User
from org.scope import Action
from policy.calendar import workdays_between
from policy.profile import active_profile
from reports import monthly
from reports.models import (
    MonthlyReport,
    MonthlyReportRow,
    ReportStatus,
    education_types,
    reporting_types,
)

KIND = "monthly_report"
STEP = "report"
DEADLINE_KEY = "monthly_report_consolidate"
MANUAL_REPORT_FIELDS = ("post", "contact", "typical_batches", "typical_cases",
                        "results_batches", "results_projects")


def kind_spec() -> CaseKindSpec:
    return CaseKindSpec(
        code=KIND, prefix="YB", label=gettext_lazy("Monthly report"),
        steps={STEP: gettext_lazy("Submit the monthly report")},
        decision_steps=frozenset({STEP}),
        audit_labels={"reports.monthly_open": gettext_lazy("Monthly report opened"),
                      "reports.monthly_submit": gettext_lazy("Monthly report submitted")},
        panel=_panel,
    )


def _panel(*, request: Any, case: Any) -> Any:
    from reports.views import monthly_panel

    return monthly_panel(request=request, case=case)


def _due(report: MonthlyReport) -> dt.date:
    """The date a report is due by: the profile's `monthly_report` days of the next month
    (004 annex 2 note 1: 每月1日前…报送; 市科技局、市文旅局、市体育局于每月3日前报送市教育局汇总)."""
    _start, nxt = monthly.month_bounds(report.period)
    key = "submit_day" if report.region.level == RegionLevel.COUNTY else "forward_day"
    return nxt.replace(day=int(active_profile().monthly_report_setting(key)))


def _workdays_until(today: dt.date, report: MonthlyReport) -> int:
    n = max(1, workdays_between(today, _due(report)))
    if report.region.level != RegionLevel.COUNTY and \
            report.department.type in education_types():
        n += active_profile().deadline(DEADLINE_KEY)
    return n


def _reporting_departments() -> Any:
    """Every active reporting department of a county, and the city departments that
    relay them (education, and the bureaus of the counties' kinds)."""
    return Department.objects.filter(
        is_active=True, type__in=reporting_types(),
        region__level__in=[RegionLevel.COUNTY, RegionLevel.CITY]).select_related("region")


def _sync_rows(report: MonthlyReport) -> None:
    if monthly.is_city(report):
        return
    have = set(report.rows.values_list("campaign_id", flat=True))
    MonthlyReportRow.objects.bulk_create(
        [MonthlyReportRow(report=report, campaign=c)
         for c in monthly.campaigns_for(report) if c.pk not in have])


@transaction.atomic
def _open_one(department: Department, period: dt.date, today: dt.date) -> bool:
    report, _created = MonthlyReport.objects.get_or_create(
        department=department, period=period, defaults={"region": department.region})
    if report.status != ReportStatus.OPEN:
        return False  # a submitted report is fixed
    _sync_rows(report)
    if report.case_id is not None:
        return False
    report = MonthlyReport.objects.select_for_update().select_related(
        "region", "department").get(pk=report.pk)
    if report.case_id is not None:
        return False
    case = case_services.case_open(
        actor=None, kind=KIND, region=department.region,
        title=_("Monthly report %(month)s: %(department)s") % {
            "month": f"{period:%Y-%m}", "department": department.name})
    case_services.task_assign(
        actor=None, case=case, department=department, role=TaskRole.LEAD, step=STEP,
        duty=str(gettext_lazy("Submit the monthly report of %(month)s")) % {
            "month": f"{period:%Y-%m}"},
        workdays=_workdays_until(today, report), today=today)
    report.case = case
    report.save(update_fields=["case"])
    audit_record(actor=None, action="reports.monthly_open", obj=report, case=case,
                 after={"department": department.pk, "period": period})
    return True


def monthly_open(*, period: dt.date | None = None, today: dt.date | None = None) -> int:
    """Open the month's reports of every reporting department with their tasks, once
    (the beat job; a second run opens nothing: one report per department and month, one
    case per report). Returns the number of tasks opened."""
    today = today or timezone.localdate()
    period = (period or today).replace(day=1)
    opened = 0
    for department in _reporting_departments():
        opened += _open_one(department, period, today)
    return opened


def _locked(actor: User, report: MonthlyReport) -> MonthlyReport:
    report = MonthlyReport.objects.restrict(actor, Action.CHANGE).select_for_update(
        of=("self",)).select_related("region", "department").get(pk=report.pk)
    require(actor, "reports.submit_monthly", report)
    if report.status != ReportStatus.OPEN:
        raise InvalidState(_("The report is already submitted."))
    return report


@transaction.atomic
def monthly_save(*, actor: User, report: MonthlyReport, fields: Mapping[str, Any],
                 rows: Mapping[int, Mapping[str, Any]]) -> MonthlyReport:
    """Save the manual fields (the footer, the county total line, and each row's manual
    columns); computed columns are never typed in."""
    report = _locked(actor, report)
    _sync_rows(report)  # a campaign started since the report opened gets its row
    before: dict[str, Any] = {}
    for name in MANUAL_REPORT_FIELDS:
        if name in fields:
            before[name] = getattr(report, name)
            setattr(report, name, fields[name])
    report.save()
    manual = [name for _code, name in monthly.MANUAL_ROW_FIELDS]
    known = {r.pk: r for r in report.rows.all()}
    for row_id, data in rows.items():
        row = known.get(row_id)
        if row is None:
            raise DomainError(_("A row of another report."))
        for name in manual:
            if name in data:
                setattr(row, name, data[name])
        row.save()
    audit_record(actor=actor, action="reports.monthly_save", obj=report, before=before,
                 after={**{n: getattr(report, n) for n in before},
                        "rows": {str(k): dict(v) for k, v in rows.items()}})
    return report


@transaction.atomic
def monthly_submit(*, actor: User, report: MonthlyReport) -> MonthlyReport:
    """Submit a county report to the city, or forward (science, culture-tourism, sports)
    or consolidate (education) the county reports at city level; the report's task is
    done."""
    report = _locked(actor, report)
    if monthly.is_city(report) and not monthly.included_reports(report).exists():
        raise InvalidState(_("No county report has been submitted yet."))
    if not monthly.is_city(report):
        _sync_rows(report)
        for line in monthly.table(report).lines:
            line.row.submitted_figures = line.figures
            line.row.save(update_fields=["submitted_figures"])
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.save(update_fields=["status", "submitted_at", "submitted_by"])
    if report.case_id is not None:
        for task in Task.objects.filter(case_id=report.case_id, status=TaskStatus.OPEN):
            case_services.task_complete(actor=None, task=task, note=_("Report submitted."))
        case = report.case
        assert case is not None
        case.refresh_from_db()
        if not case.tasks.filter(status=TaskStatus.OPEN).exists():
            case_services.case_close(actor=None, case=case, reason=_("Report submitted."))
    audit_record(actor=actor, action="reports.monthly_submit", obj=report, case=report.case,
                 after={"status": report.status})
    return report
