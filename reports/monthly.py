"""The columns of the monthly form (004 annex 2, 整治群众身边腐败和作风问题工作情况表), which
record feeds each computed column, and the records behind each figure.

A row is a campaign (整治项目) of the county; a county department's report counts the
records of the month (the reported month, in Asia/Shanghai) that concern that department
and that campaign. The form is a picture of the department's work in the campaign, so
the sources are the campaign's own records and discipline inspection's:

- 1 整治项目名称: the campaign's title (governance.Campaign).
- 2 责任单位: the lead is the joint meeting's convening unit (001 §6(1); 003 §2 the leading
  group); the participating units are the other member units of the county.
- 3 整治的重点问题: manual (the department states its focus; no record holds it).
- 4 整治时间及进度安排: the campaign's phases with their dates (003 §3; 004 §5).
- 5 查处腐败和作风问题数: accountability records (001 §6(3) 问责) of the month concerning the
  department: each is a work-style problem investigated and dealt with.
- 6 批评教育帮助和处理人数 / 7 党纪政务处分人数: the persons of those accountability records,
  by measure (criticism and education / party or government sanction).
- 8 发现职能部门问题数: problems entered in the campaign's problem ledger in the month with
  the department responsible (003 §3 问题清单: the functional department's problems found).
- 9 推动整改问题数: problems of the department closed out (销号) in the month, each with its
  evidence and approval (003 §3).
- 10 推动建立和完善制度数: manual (rules and systems are not records of the system).
- 11 制发纪检监察建议书数: supervision proposals issued to the department in the month
  (discipline inspection's own records, issue 12).
- 12 追踪完成整改建议书份数: proposals to the department whose follow-up found the
  rectification complete in the month.
- 13 通报曝光 批次数 | 案件数: the notices (通报, 002 §3(2)) of the month concerning the
  department: each notice is a batch, and its cases made public are the cases.
- 14 公布成果 批次数 | 项目数: manual. No record of the system is a publication of a
  campaign's results: the published annual-inspection results (inspections, 000 §3) are
  another duty and belong to no campaign, so they cannot fill a campaign's row.
- 15 工作成效, 16 整治工作存在问题, 备注: manual text.
- 合计: the sum of the lines, each computed total opening the records of every line.
- The county line of annex 2 note 2 (围绕“点题整治”，通报曝光 批 起典型案例，公布成果 批 个项目，
  不计入表中1-16项目的数据) is manual: by the note it is *not* counted in items 1–16, so it
  is not the sum of the rows (that is 合计) and no record marks a case as publicised
  around the 点题整治 outside the rows.

A city department's report relays its counties' submitted reports (the city science,
culture-tourism and sports bureaus forward to city education, which consolidates: annex 2
note 1); its figures are the sums of the county figures, and each opens the records behind
each county's figure. A submitted report keeps the figures it was submitted with; its
records pages say so when the records have changed since.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.i18n import join_list
from governance.models import (
    AccountabilityMeasure,
    Campaign,
    CampaignPhase,
    EvaluationKind,
    EvaluationRecord,
    MemberUnit,
    Problem,
    ProblemStatus,
    SupervisionProposal,
)
from org.models import RegionLevel
from reports.models import (
    MonthlyReport,
    MonthlyReportRow,
    ReportStatus,
    education_types,
    forwarding_types,
)


@dataclass(frozen=True)
class Figure:
    """A computed column: the model of its records, the lookup from a record to the
    department it concerns, the filter of the month, and what is counted."""

    code: str
    label: Any
    model: Any  # the record's model class
    department: str
    sum_field: str | None = None


#: The computed columns in the form's order (13 and 14 have two sub-columns each).
FIGURES: tuple[Figure, ...] = (
    Figure("5", _("Corruption and work-style problems investigated"), EvaluationRecord,
           "departments"),
    Figure("6", _("Persons criticised, educated or handled"), EvaluationRecord, "departments",
           "persons"),
    Figure("7", _("Persons given party or government sanctions"), EvaluationRecord,
           "departments", "persons"),
    Figure("8", _("Problems of functional departments found"), Problem, "department"),
    Figure("9", _("Problems whose rectification was driven"), Problem, "department"),
    Figure("11", _("Supervision proposals issued"), SupervisionProposal, "department"),
    Figure("12", _("Proposals followed up to completed rectification"), SupervisionProposal,
           "department"),
    Figure("13a", _("Notices: batches"), EvaluationRecord, "departments"),
    Figure("13b", _("Notices: cases"), EvaluationRecord, "departments", "cases_count"),
)
BY_CODE = {f.code: f for f in FIGURES}

#: The manual fields of a row, by column (shown as manual in the page and the exports).
MANUAL_ROW_FIELDS: tuple[tuple[str, str], ...] = (
    ("3", "key_problems"), ("10", "systems"), ("14a", "published_batches"),
    ("14b", "published_projects"), ("15", "effects"), ("16", "shortcomings"),
    ("remarks", "remarks"))


def month_bounds(period: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of the month and the first day of the next."""
    start = period.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_q(code: str, period: dt.date) -> Q:
    start, nxt = month_bounds(period)
    if code in ("5", "6", "7"):
        q = Q(kind=EvaluationKind.ACCOUNTABILITY, issued_on__gte=start, issued_on__lt=nxt)
        if code == "6":
            q &= Q(measure=AccountabilityMeasure.CRITICISM)
        if code == "7":
            q &= Q(measure=AccountabilityMeasure.SANCTION)
        return q
    if code in ("13a", "13b"):
        return Q(kind=EvaluationKind.NOTICE, issued_on__gte=start, issued_on__lt=nxt)
    if code == "8":
        return Q(created_at__gte=_aware(start), created_at__lt=_aware(nxt))
    if code == "9":
        return Q(status=ProblemStatus.CLOSED, closed_at__gte=_aware(start),
                 closed_at__lt=_aware(nxt))
    if code == "11":
        return Q(issued_on__gte=start, issued_on__lt=nxt)
    if code == "12":
        return Q(follow_ups__rectified=True, follow_ups__checked_on__gte=start,
                 follow_ups__checked_on__lt=nxt)
    raise KeyError(code)


def _pairs_q(figure: Figure, pairs: Iterable[tuple[int, int]]) -> Q:
    """Records of (campaign, department) pairs."""
    q = Q(pk__in=[])
    by_dept: dict[int, list[int]] = defaultdict(list)
    for campaign_id, dept_id in pairs:
        by_dept[dept_id].append(campaign_id)
    for dept_id, campaign_ids in by_dept.items():
        q |= Q(**{figure.department: dept_id, "campaign__in": campaign_ids})
    return q



def values(figure: Figure, period: dt.date, pairs: list[tuple[int, int]]
           ) -> dict[tuple[int, int], int]:
    """The figure of each (campaign, department) pair, in one query."""
    if not pairs:
        return {}
    qs = figure.model.objects.filter(_month_q(figure.code, period), _pairs_q(figure, pairs))
    agg = Sum(figure.sum_field) if figure.sum_field else Count("pk", distinct=True)
    rows = qs.values("campaign_id", figure.department).annotate(n=agg).order_by()
    return {(r["campaign_id"], r[figure.department]): r["n"] or 0 for r in rows}


def records(user: Any, figure: Figure, period: dt.date, campaign_id: int,
            department_id: int) -> QuerySet:
    """The records behind one figure, read through the scope gateway."""
    return figure.model.objects.restrict(user).filter(
        _month_q(figure.code, period), **{figure.department: department_id},
        campaign_id=campaign_id).distinct().order_by("pk")


def record_value(figure: Figure, rows: Iterable[Any]) -> int:
    """What the records add up to: their number, or the sum of the counted field."""
    rows = list(rows)
    if figure.sum_field:
        return sum(getattr(r, figure.sum_field) for r in rows)
    return len(rows)


# -- which campaigns and which reports -----------------------------------------------------

def campaigns_for(report: MonthlyReport) -> QuerySet[Campaign]:
    """The campaigns of a county report: its county's and its city's, with a phase in
    the month."""
    start, nxt = month_bounds(report.period)
    region = report.region
    paths = [region.path[:i + 1] for i, ch in enumerate(region.path) if ch == "/"] + [
        region.path]
    active = CampaignPhase.objects.filter(start__lt=nxt, end__gte=start).values("campaign_id")
    return Campaign.objects.filter(region__path__in=paths, pk__in=active).order_by(
        "created_at", "id")


def included_reports(report: MonthlyReport) -> QuerySet[MonthlyReport]:
    """The county reports a city report relays: those of its kind of department; city
    education's also those the forwarding bureaus have forwarded (annex 2 note 1)."""
    kind = report.department.type
    types = [kind]
    if kind in education_types():
        types = list(education_types()) + list(MonthlyReport.objects.filter(
            region=report.region, period=report.period, status=ReportStatus.SUBMITTED,
            department__type__in=forwarding_types()).values_list("department__type", flat=True))
    return MonthlyReport.objects.filter(
        period=report.period, status=ReportStatus.SUBMITTED, region__level=RegionLevel.COUNTY,
        region__path__startswith=report.region.path, department__type__in=types,
    ).select_related("region", "department").order_by("region__path", "department__type")


def is_city(report: MonthlyReport) -> bool:
    return report.region.level != RegionLevel.COUNTY


# -- the table -----------------------------------------------------------------------------

@dataclass
class Line:
    """One printed line: a county report's row, with its figures."""

    row: MonthlyReportRow
    report: MonthlyReport
    lead: str
    participants: str
    schedule: str
    figures: dict[str, int]


@dataclass
class Table:
    report: MonthlyReport
    lines: list[Line]
    totals: dict[str, int]
    reports: list[MonthlyReport]  # the county reports shown (itself, or those relayed)

    @property
    def typical(self) -> tuple[int, int, int, int]:
        fields = ("typical_batches", "typical_cases", "results_batches", "results_projects")
        a, b, c, d = (sum(getattr(r, f) for r in self.reports) for f in fields)
        return a, b, c, d


def _schedule(campaign: Campaign) -> str:
    """The phases and their dates, in the reader's language ("；" in Chinese, the form's)."""
    chinese = (get_language() or "zh-hans").lower().startswith("zh")
    return ("；" if chinese else "; ").join(
        f"{p.get_phase_display()} {p.start:%m.%d}—{p.end:%m.%d}" for p in campaign.phases.all())


def table(report: MonthlyReport) -> Table:
    """The report's lines and totals, in a number of queries that does not grow with the
    rows or the counties (one per figure, plus the rows and the member units)."""
    reports = list(included_reports(report)) if is_city(report) else [report]
    rows = list(MonthlyReportRow.objects.filter(report__in=reports).select_related(
        "report__region", "report__department", "campaign").prefetch_related(
        "campaign__phases").order_by("report__region__path", "report__department__type",
                                     "campaign__created_at", "campaign_id"))
    units: dict[int, list[MemberUnit]] = defaultdict(list)
    for unit in MemberUnit.objects.filter(region__in={r.region_id for r in reports}
                                          ).select_related("department"):
        units[unit.region_id].append(unit)
    pairs = [(r.campaign_id, r.report.department_id) for r in rows]
    computed = {f.code: values(f, report.period, pairs) for f in FIGURES}
    lines = []
    totals = {f.code: 0 for f in FIGURES}
    for row in rows:
        key = (row.campaign_id, row.report.department_id)
        figures = {code: computed[code].get(key, 0) for code in computed}
        if row.submitted_figures is not None:
            figures = {code: int(row.submitted_figures.get(code, 0)) for code in computed}
        for code, n in figures.items():
            totals[code] += n
        region_units = units.get(row.report.region_id, [])
        lead = [u.department.name for u in region_units if u.is_convenor]
        lines.append(Line(
            row=row, report=row.report, lead=join_list(lead),
            participants=join_list(u.department.name for u in region_units
                                   if not u.is_convenor),
            schedule=_schedule(row.campaign), figures=figures))
    return Table(report=report, lines=lines, totals=totals, reports=reports)


def column_label(code: str) -> str | Promise:
    return BY_CODE[code].label
