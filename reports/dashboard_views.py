"""The dashboards and the coverage pages (issue 12 "Dashboards"). Thin: the figures come from
`reports.dashboards` and `reports.coverage`, both read through the scope gateway."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.abilities import may
from core.exports import xlsx_response
from core.ratelimit import exports_limited
from org.models import Region, RegionLevel
from org.scope import Action
from reports import coverage, dashboards

PAGE_SIZE = 50


def chart_export(chart: dashboards.Chart) -> HttpResponse:
    """One chart's table as .xlsx: a row per category, a column per series."""
    columns: list[tuple[Any, Any]] = [(chart.dimension, lambda row: row[0])]
    for i, series in enumerate(chart.series):
        columns.append((f"{series.name}{' (%)' if chart.unit else ''}",
                        lambda row, i=i: row[1][i][0]))
    return xlsx_response(str(chart.title), columns, chart.rows())


@login_required
@exports_limited
def dashboard(request: HttpRequest) -> HttpResponse:
    """The reader's overview: each chart with its table (the view without script) and its
    .xlsx export (`?export=<chart>`, rate limited as every export is)."""
    if not may(request.user, "reports.view_dashboard"):
        raise Http404
    charts = dashboards.charts(request.user)
    wanted = request.GET.get("export")
    if wanted:
        chart = next((c for c in charts if c.key == wanted), None)
        if chart is None:
            raise Http404
        return chart_export(chart)
    return render(request, "reports/dashboard.html", {
        "charts": charts, "by_county": dashboards.reader_of(request.user).by_county,
        "may_coverage": may(request.user, "reports.view_coverage")})


@login_required
@exports_limited
def coverage_list(request: HttpRequest) -> HttpResponse:
    """The licensed institutions behind a coverage figure of 004 §2: one target, one
    county, those that meet it or miss it. An unknown filter value is ignored."""
    if not may(request.user, "reports.view_coverage"):
        raise Http404
    target = request.GET.get("target", "")
    if target not in coverage.TARGETS:
        target = "platform"
    counties = {r.code: r for r in Region.objects.restrict(request.user, Action.MANAGE)
                .filter(level=RegionLevel.COUNTY).order_by("code")}
    county = request.GET.get("county", "")
    if county not in counties:
        county = ""
    met = {"yes": True, "no": False}.get(request.GET.get("met", ""))
    qs = coverage.institutions(request.user, target=target, county=county, met=met)
    if request.GET.get("export") == "xlsx":
        columns: list[tuple[Any, Any]] = [
            (_("Name"), lambda i: i.name),
            (_("Unified social credit code"), lambda i: i.uscc),
            (_("Region"), lambda i: i.region.name),
            (_("Status"), lambda i: i.get_status_display()),
        ]
        if target == "funds":
            columns += [(_("Paid into supervision (yuan)"), lambda i: i.prepaid_supervised),
                        (_("Prepaid fees known (yuan)"), lambda i: i.prepaid_received)]
        columns.append((_("Meets the target"), lambda i: _("Yes") if i.met else _("No")))
        return xlsx_response(str(coverage.TARGETS[target].label), columns, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/dashboard_coverage.html", {
        "page": page, "target": coverage.TARGETS[target], "targets": coverage.TARGETS.values(),
        "county": county, "counties": counties.values(),
        "met": request.GET.get("met", "") if met is not None else "",
        "rows": dashboards.coverage_rows(request.user)})
