"""The dashboards' figures (issue 12 "Dashboards"): each chart is one or two grouped queries
over rows read through the scope gateway (`restrict()`), so a chart never counts a row its
reader may not open, and its number of queries does not grow with the rows.

A reader sees the overview it works from: a city (or system) admin the counties side by
side, a county admin the county (tasks by department, licensing by stage), a department
head the department (its own tasks; the other figures as far as the gateway shows them to
its department). Every figure carries the address of the list behind it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Task, TaskRole, TaskStatus
from complaints.filters import RECEIVED
from complaints.models import Complaint, ComplaintStatus
from complaints.services import KIND as COMPLAINT_KIND
from core.abilities import may
from core.errors import DomainError
from core.vocab import Category
from funds import selectors as funds_selectors
from inspections import planner
from inspections.models import AnnualInspection, AnnualResult, DailyInspection, DailyState
from institutions.models import Institution, InstitutionStatus
from licensing.models import LicensingApplication, Stage
from licensing.services import KIND as LICENSING_KIND
from org.models import Region, RegionLevel, Role
from org.scope import Action, scope_of
from reports import coverage

#: Stages where an application is no longer in progress.
FINISHED_STAGES = (Stage.COMPLETED, Stage.NOT_ACCEPTED, Stage.REJECTED)
#: How many months the complaint trend shows, the current one included.
TREND_MONTHS = 12


@dataclass
class Series:
    name: Any
    values: list[Any]
    links: list[str]
    #: what the table shows instead of the bare value (a rate with its counts), if anything
    texts: list[str] = field(default_factory=list)


@dataclass
class Chart:
    key: str
    title: Any
    dimension: Any  # what the categories are: county, department, stage, month
    categories: list[str]
    series: list[Series]
    note: Any = ""
    kind: str = "bar"  # bar, stack (stacked bars) or line
    unit: str = ""  # "%" for rates
    #: figures too long for half the page (the coverage rates with their counts and
    #: amounts), whatever their number
    wide: bool = False

    #: Figures a row that half the page holds at 1024-1366 px: the licensing stages by
    #: county (up to nine) scrolled inside their half-width card there.
    HALF_WIDTH_SERIES = 4

    @property
    def full_width(self) -> bool:
        """Whether the chart takes the page's whole width from 992 px (reports/
        dashboard.css): its table fits half of it otherwise."""
        return self.wide or len(self.series) > self.HALF_WIDTH_SERIES

    def payload(self) -> dict[str, Any]:
        """The chart's data for the page's json_script (ECharts reads it)."""
        return {"kind": self.kind, "unit": self.unit, "categories": self.categories,
                "series": [{"name": str(s.name), "data": s.values, "links": s.links}
                           for s in self.series]}

    def rows(self) -> list[tuple[str, list[tuple[Any, str, str, Any]]]]:
        """The table view: per category, each series' (value, text, link, name); the name
        labels the figure where a phone shows the row as a card (issue 14 C6)."""
        return [(category, [
            (s.values[i], s.texts[i] if s.texts else _text(s.values[i], self.unit),
             s.links[i], s.name) for s in self.series])
            for i, category in enumerate(self.categories)]

    @property
    def empty(self) -> bool:
        return not self.categories or not any(
            v for s in self.series for v in s.values if v is not None)


def _text(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value}{unit}"


@dataclass(frozen=True)
class Reader:
    """What the dashboards need to know about the reader."""

    counties: list[Region]
    #: a department's officer or head: its own department's tasks only
    department_id: int | None

    @property
    def by_county(self) -> bool:
        """A reader of more than one county compares the counties."""
        return len(self.counties) > 1


def reader_of(user: Any) -> Reader:
    """The counties the reader works in (its own subtree: one for a county's people, all of
    them for a city's) and its department, if it reads as a department."""
    scope = scope_of(user)
    counties = list(Region.objects.restrict(user, Action.MANAGE)
                    .filter(level=RegionLevel.COUNTY).order_by("code"))
    department = scope.department_id if scope.role in (Role.OFFICER, Role.DEPARTMENT_HEAD) \
        else None
    return Reader(counties=counties, department_id=department)


def county_of(path: str | None) -> str:
    """The county code on a region path ('/53/5301/530191/…' -> '530191')."""
    codes = [c for c in (path or "").split("/") if c]
    return codes[RegionLevel.COUNTY - 1] if len(codes) >= RegionLevel.COUNTY else ""


def _by_county(rows: Iterable[Any], path_key: str, *keys: str
               ) -> dict[str, dict[str, int]]:
    """Sums grouped rows (one per region) into their counties."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(keys, 0))
    for row in rows:
        sums = out[county_of(row[path_key])]
        for key in keys:
            sums[key] += row[key] or 0
    return out


def _url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return reverse(name) + (f"?{query}" if query else "")


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# -- tasks ---------------------------------------------------------------------------------

def tasks_chart(user: Any, reader: Reader | None = None, today: dt.date | None = None) -> Chart:
    """Open, overdue and escalated tasks: by county for a city, by department for a county;
    a department reads its own. Each figure opens the task overview so filtered: open,
    overdue (`overdue=yes`) or escalated (`escalated=yes`)."""
    reader = reader or reader_of(user)
    today = today or timezone.localdate()
    # The joint-meeting office reads the figures but does not oversee the tasks: its
    # figures link nowhere (the overview would answer 404).
    linked = may(user, "cases.oversee_tasks")
    qs = Task.objects.restrict(user, Action.ASSIGN).filter(status=TaskStatus.OPEN)
    if reader.department_id is not None:
        qs = qs.filter(department_id=reader.department_id)
    # Counted on due_date (never null) and grouped by the tasks' own county code: the
    # counts read task_open_county_idx (task_dept_idx for a department) alone, with no
    # case or region joined (issue 13: 0.8 s for a city's 190k open tasks at 600k cases).
    counts = {"open": Count("due_date"),
              "overdue": Count("due_date", filter=Q(due_date__lt=today)),
              "escalated": Count("due_date", filter=Q(escalation_level__gt=0))}
    names = {"open": _("Open"), "overdue": _("Overdue"), "escalated": _("Escalated")}
    #: what each series adds to the overview's filter
    filters = {"open": {}, "overdue": {"overdue": "yes"}, "escalated": {"escalated": "yes"}}
    if reader.by_county:
        sums = {row["county_code"]: row for row in
                qs.values("county_code").annotate(**counts).order_by()}
        categories = [c.name for c in reader.counties]
        series = [Series(names[key], [sums[c.code][key] if c.code in sums else 0
                                      for c in reader.counties],
                         [_url("cases:overview", region=c.code, **filters[key]) if linked else ""
                          for c in reader.counties]) for key in counts]
        dimension = _("County")
    else:
        grouped: Any = qs.values("department_id", "department__name").annotate(**counts)
        rows: list[dict[str, Any]] = list(grouped.order_by("-overdue", "department__name"))
        categories = [r["department__name"] for r in rows]
        series = [Series(names[key], [r[key] for r in rows],
                         [_url("cases:overview", department=r["department_id"],
                               **filters[key]) if linked else ""
                          for r in rows])
                  for key in counts]
        dimension = _("Department")
    return Chart("tasks", _("Overdue and escalated tasks"), dimension, categories, series,
                 note=_("Open tasks; overdue once past their due date, escalated once the "
                        "deadline scan raised them to the head or the county admin."))


# -- licensing -----------------------------------------------------------------------------

def licensing_chart(user: Any, reader: Reader | None = None) -> Chart:
    """Licensing applications in progress by stage (000 §3 steps), by county for a city."""
    reader = reader or reader_of(user)
    qs = LicensingApplication.objects.restrict(user, Action.VIEW).exclude(
        stage__in=FINISHED_STAGES)
    stages = [s for s in Stage if s not in FINISHED_STAGES]
    if reader.by_county:
        sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(stages, 0))
        for row in qs.values("case__region__path", "stage").annotate(n=Count("id")).order_by():
            sums[county_of(row["case__region__path"])][row["stage"]] += row["n"]
        used = [s for s in stages if any(sums[c.code][s] for c in reader.counties)]
        series = [Series(s.label, [sums[c.code][s] for c in reader.counties],
                         [_url("cases:case_list", kind=LICENSING_KIND, region=c.code)
                          for c in reader.counties]) for s in used]
        return Chart("licensing", _("Licensing in progress by stage"), _("County"),
                     [c.name for c in reader.counties], series, kind="stack")
    found = {r["stage"]: r["n"] for r in qs.values("stage").annotate(n=Count("id")).order_by()}
    county = reader.counties[0].code if reader.counties else ""
    used = [s for s in stages if found.get(s)]
    return Chart("licensing", _("Licensing in progress by stage"), _("Stage"),
                 [str(s.label) for s in used],
                 [Series(_("Applications"), [found[s] for s in used],
                         [_url("cases:case_list", kind=LICENSING_KIND, region=county)
                          for _s in used])])


# -- inspections ---------------------------------------------------------------------------

def cadence_occasions(start: dt.date, end: dt.date) -> int | None:
    """How many inspection occasions the cadence of 004 §4(2) plans between two dates
    (a weekday evening and a weekend day a week, and each legal holiday), or None when the
    working-day calendar of those dates is missing."""
    try:
        return len(planner.propose(start, end))
    except DomainError:
        return None


def inspections_chart(user: Any, reader: Reader | None = None,
                      today: dt.date | None = None) -> Chart:
    """Inspections against plan, per county: this year's annual-round assignments done
    against assigned (000; 002), and this month's daily inspections done against the
    occasions the cadence of 004 §4(2) plans.

    Each figure opens the list behind it so filtered (issue 12 "Dashboards"): the annual
    ones the county's rounds of the year (a round is one county's, so the assignments are
    counted by the round's county, as the list filters them; its footer sums them), the
    daily one the county's daily inspections planned this month and done."""
    reader = reader or reader_of(user)
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    annual = _by_county(
        AnnualInspection.objects.restrict(user, Action.VIEW).filter(round__year=today.year)
        .values("round__region__path")
        .annotate(assigned=Count("id"), done=Count("id", filter=~Q(result=AnnualResult.PENDING)))
        .order_by(), "round__region__path", "assigned", "done")
    daily = _by_county(
        DailyInspection.objects.restrict(user, Action.VIEW)
        .filter(planned_on__gte=month_start, planned_on__lt=_next_month(month_start))
        .values("region__path")
        .annotate(done=Count("id", filter=Q(state=DailyState.DONE))).order_by(),
        "region__path", "done")
    plan = cadence_occasions(month_start, today)
    codes = [c.code for c in reader.counties]

    def get(sums: dict[str, dict[str, int]], key: str) -> list[Any]:
        return [sums[c][key] if c in sums else 0 for c in codes]

    rounds = [_url("inspections:round_list", region=c, year=today.year) for c in codes]
    dailies = [_url("inspections:daily_list", region=c, month=month_start.strftime("%Y-%m"),
                    state=DailyState.DONE) for c in codes]
    series = [
        Series(_("Annual: assigned"), get(annual, "assigned"), rounds),
        Series(_("Annual: done"), get(annual, "done"), rounds),
        Series(_("Daily this month: planned by the cadence"), [plan] * len(codes),
               [reverse("inspections:planner")] * len(codes)),
        Series(_("Daily this month: done"), get(daily, "done"), dailies),
    ]
    return Chart("inspections", _("Inspections against plan"), _("County"),
                 [c.name for c in reader.counties], series,
                 note=_("Annual rounds of this year (each figure opens the county's rounds, "
                        "whose assignments it sums); daily inspections of this month against "
                        "the cadence (weekday evenings, weekends, holidays)."))


# -- complaints ----------------------------------------------------------------------------

def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _months(today: dt.date) -> list[dt.date]:
    months = []
    year, month = today.year, today.month
    for _i in range(TREND_MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def complaint_trend_chart(user: Any, reader: Reader | None = None,
                          today: dt.date | None = None) -> Chart:
    """Complaints received per month over the last twelve months (004 §6(2)1), a line per
    county for a city. Each point opens the office list of the complaints received that
    month in that county (or the reader's), merged duplicates left out as here."""
    reader = reader or reader_of(user)
    today = today or timezone.localdate()
    months = _months(today)
    since = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    rows = (Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
            .filter(received_at__gte=since)
            .annotate(month=TruncMonth("received_at")).values("month", "case__county_code")
            .annotate(n=Count("id")).order_by())
    sums: dict[tuple[str, dt.date], int] = defaultdict(int)
    for row in rows:
        month = timezone.localtime(row["month"]).date() if isinstance(row["month"], dt.datetime) \
            else row["month"]
        sums[(row["case__county_code"], month.replace(day=1))] += row["n"]
    labels = [m.strftime("%Y-%m") for m in months]

    def links(region: str) -> list[str]:
        return [_url("complaints:office_list", status=RECEIVED, month=label, region=region)
                for label in labels]

    if reader.by_county:
        series = [Series(c.name, [sums[(c.code, m)] for m in months], links(c.code))
                  for c in reader.counties]
    else:
        totals: dict[dt.date, int] = defaultdict(int)
        for (_county, month), n in sums.items():
            totals[month] += n
        own = reader.counties[0].code if len(reader.counties) == 1 else ""
        series = [Series(_("Complaints"), [totals[m] for m in months], links(own))]
    return Chart("complaint_trend", _("Complaint trend"), _("Month"), labels, series,
                 kind="line")


def complaint_rates_chart(user: Any, reader: Reader | None = None) -> Chart:
    """Per county, the completion rate (closed among received) and the on-time rate (lead
    hand-offs finished by their due date among those finished), as the analytics of
    004 §6(2)1 count them. A rate opens the list of its denominator: the county's
    complaints received (merged duplicates left out), and the county's finished lead
    hand-offs of complaints in the task overview (none for a reader who does not oversee
    the tasks: the overview would answer 404)."""
    reader = reader or reader_of(user)
    linked = may(user, "cases.oversee_tasks")
    complaints = Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
    # Grouped by the county code the case and its tasks keep, not the region's path. The
    # complaints' lead hand-offs are the reader's tasks of complaint cases (a task is
    # visible when its case is, as a complaint is: `Task.case_kind`), but those of merged
    # duplicates (few, on complaint_status_idx), read on task_kind_done_idx without
    # joining the tasks to the cases and the complaints (issue 13: 2.1 s for a city at
    # 100k complaints).
    received = {row["case__county_code"]: row for row in
                complaints.values("case__county_code")
                .annotate(total=Count("id"),
                          closed=Count("id", filter=Q(status=ComplaintStatus.CLOSED)))
                .order_by()}
    handed = {row["county_code"]: row for row in
              Task.objects.restrict(user)
              .filter(case_kind=COMPLAINT_KIND, role=TaskRole.LEAD, completed_at__isnull=False)
              .exclude(case_id__in=Complaint.objects.filter(status=ComplaintStatus.MERGED)
                       .values("case_id"))
              .values("county_code")
              .annotate(done=Count("due_date"), on_time=Count(
                  "due_date", filter=Q(completed_at__date__lte=F("due_date"))))
              .order_by()}
    codes = [c.code for c in reader.counties]

    def rates(sums: dict[str, Any], part: str, whole: str,
              links: list[str]) -> Series:
        values, texts = [], []
        for code in codes:
            p, w = (sums[code][part], sums[code][whole]) if code in sums else (0, 0)
            values.append(_rate(p, w))
            texts.append(f"{_text(_rate(p, w), '%')} ({p}/{w})")
        return Series("", values, links, texts)

    completion = rates(received, "closed", "total",
                       [_url("complaints:office_list", status=RECEIVED, region=c)
                        for c in codes])
    completion.name = _("Completion rate")
    on_time = rates(handed, "on_time", "done",
                    [_url("cases:overview", status=TaskStatus.DONE, role=TaskRole.LEAD,
                          case_kind=COMPLAINT_KIND, region=c) if linked else ""
                     for c in codes])
    on_time.name = _("On-time rate")
    return Chart("complaint_rates", _("Complaint completion and on-time rates"), _("County"),
                 [c.name for c in reader.counties], [completion, on_time], unit="%",
                 note=_("Each rate opens the list of what it is counted among: the "
                        "complaints received (completion) or the lead hand-offs finished "
                        "(on time)."))


# -- institutions --------------------------------------------------------------------------

def _institutions_by(user: Any, reader: Reader, key: str, title: Any, dimension: Any,
                     choices: Any) -> Chart:
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(choices.values, 0))
    for row in (Institution.objects.restrict(user, Action.VIEW)
                .values("region__path", key).annotate(n=Count("id")).order_by()):
        sums[county_of(row["region__path"])][row[key]] += row["n"]
    used = [v for v in choices if any(sums[c.code][v] for c in reader.counties)]
    series = [Series(value.label, [sums[c.code][value] for c in reader.counties],
                     [_url("institutions:office_list", **{key: value.value, "county": c.code})
                      for c in reader.counties]) for value in used]
    return Chart(f"institutions_{key}", title, _("County"),
                 [c.name for c in reader.counties], series, kind="stack")


def institutions_status_chart(user: Any, reader: Reader | None = None) -> Chart:
    """Institutions by licence status and county; each cell opens the register so
    filtered."""
    return _institutions_by(user, reader or reader_of(user), "status",
                            _("Institutions by status"), _("County"), InstitutionStatus)


def institutions_category_chart(user: Any, reader: Reader | None = None) -> Chart:
    """Institutions by category and county; each cell opens the register so filtered."""
    return _institutions_by(user, reader or reader_of(user), "category",
                            _("Institutions by category"), _("County"), Category)


# -- coverage (004 §2) ---------------------------------------------------------------------

def coverage_rows(user: Any, reader: Reader | None = None, today: dt.date | None = None
                  ) -> list[dict[str, Any]]:
    """Per county: the base (licensed institutions), how many meet the platform and audit
    targets, and the prepaid fees supervised against those received (the funds target is
    a share of money, `funds.selectors.coverage`); `cells` holds each target's figure as
    the page shows it."""
    reader = reader or reader_of(user)
    counted = [t for t in coverage.TARGETS if t != "funds"]
    counts = {t: Count("id", filter=Q(**{f"met_{t}": True})) for t in counted}
    sums = _by_county(coverage.annotated(user, today).values("region__path")
                      .annotate(total=Count("id"), **counts).order_by(),
                      "region__path", "total", *counted)
    money = {c.region_code: c for c in funds_selectors.coverage(user)}
    out = []
    for county in reader.counties:
        row = sums[county.code] if county.code in sums else dict.fromkeys(["total", *counted], 0)
        funds = money.get(county.code)
        supervised, received = (funds.prepaid_supervised, funds.prepaid_received) if funds \
            else (Decimal("0.00"), Decimal("0.00"))
        rate = float(funds.supervised_percent) if funds and funds.supervised_percent is not None \
            else None
        out.append({"county": county, "total": row["total"],
                    **{t: row[t] for t in counted},
                    **{f"{t}_rate": _rate(row[t], row["total"]) for t in counted},
                    "funds": supervised, "funds_received": received, "funds_rate": rate,
                    "cells": {**{t: f"{row[t]}/{row['total']}" for t in counted},
                              "funds": _("%(supervised)s/%(received)s yuan") % {
                                  "supervised": f"{supervised:,.2f}",
                                  "received": f"{received:,.2f}"}}})
    return out


def coverage_chart(user: Any, reader: Reader | None = None, today: dt.date | None = None
                   ) -> Chart:
    """The three targets of 004 §2 per county, as rates; each opens the records behind it
    (reports.coverage defines each measurably)."""
    reader = reader or reader_of(user)
    rows = coverage_rows(user, reader, today)
    series = [Series(target.label, [r[f"{key}_rate"] for r in rows],
                     [_url("reports:coverage", target=key, county=r["county"].code)
                      for r in rows],
                     [f"{_text(r[f'{key}_rate'], '%')} ({r['cells'][key]})" for r in rows])
              for key, target in coverage.TARGETS.items()]
    return Chart("coverage", _("Coverage targets"), _("County"),
                 [r["county"].name for r in rows], series, unit="%", wide=True,
                 note=_("Shares of the licensed institutions (prepaid funds: of the prepaid "
                        "fees known); the target is 100%."))


# -- the dashboard -------------------------------------------------------------------------

def charts(user: Any, today: dt.date | None = None) -> list[Chart]:
    """Every chart of the reader's overview, in the page's order."""
    reader = reader_of(user)
    today = today or timezone.localdate()
    return [
        tasks_chart(user, reader, today),
        licensing_chart(user, reader),
        inspections_chart(user, reader, today),
        complaint_trend_chart(user, reader, today),
        complaint_rates_chart(user, reader),
        coverage_chart(user, reader, today),
        institutions_status_chart(user, reader),
        institutions_category_chart(user, reader),
    ]


CHART_KEYS = ("tasks", "licensing", "inspections", "complaint_trend", "complaint_rates",
              "coverage", "institutions_status", "institutions_category")

