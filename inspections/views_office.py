"""Office pages added beside inspections.views: the analytics page with its .xlsx export,
the .xlsx exports of the office lists, and the towns' stop orders (001 §4(2)19). Every read
goes through the selectors' `restrict()`; missing and forbidden answer 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.abilities import may
from core.errors import DomainError
from core.exports import xlsx_response
from core.ratelimit import downloads_limited, exports_limited
from inspections import analytics, selectors, stoporders
from inspections.filters import DailyPageFilter
from inspections.forms_office import AnalyticsForm, StopOrderForm, StopReportForm
from inspections.models import StopOrderState

PAGE_SIZE = 30

CHART_TITLES = {
    "inspections_kind": gettext_lazy("Inspections done by kind"),
    "inspections_month": gettext_lazy("Inspections done by month"),
    "inspections_county": gettext_lazy("Inspections done by county"),
    "findings_violation": gettext_lazy("Findings by violation type"),
    "findings_month": gettext_lazy("Findings by month"),
    "rectification_month": gettext_lazy("On-time rectification by month (%)"),
    "rectification_county": gettext_lazy("On-time rectification by county (%)"),
    "penalties_type": gettext_lazy("Penalties by type"),
    "penalties_county": gettext_lazy("Penalties by county"),
}
FIGURE_TITLES = {
    "inspections": gettext_lazy("Inspections done"),
    "findings": gettext_lazy("Findings"),
    "rectification": gettext_lazy("Rectification orders due"),
    "penalties": gettext_lazy("Penalties"),
}


def _office(request: HttpRequest) -> None:
    if not may(request.user, "inspections.view"):
        raise Http404


@login_required
@exports_limited
def analytics_page(request: HttpRequest) -> HttpResponse:
    """Issue 9 "Analytics": charts (ECharts) each with its table, the filters, and the
    figures as .xlsx (`?export=xlsx`), by kind, month and county."""
    _office(request)
    form = AnalyticsForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "inspections/analytics.html", {"form": form}, status=400)
    data = analytics.figures(request.user, form.window(), today=timezone.localdate())
    if request.GET.get("export") == "xlsx":
        rows = [(FIGURE_TITLES[key], r["kind_label"], r["month"], r["county"], r["item"],
                 r["n"], r.get("on_time", ""), r.get("fines", ""))
                for key, entries in data.items()
                for r in sorted(entries, key=lambda r: (r["month"], r["county"],
                                                        r["kind_label"], r["item"]))]
        return xlsx_response(_("Inspection analysis"), [
            (_("Figure"), lambda r: str(r[0])), (_("Kind"), lambda r: r[1]),
            (_("Month"), lambda r: r[2]), (_("County"), lambda r: r[3]),
            (_("Item"), lambda r: r[4]), (_("Count"), lambda r: r[5]),
            (_("On time"), lambda r: r[6]),
            (_("Fines (yuan)"), lambda r: float(r[7]) if r[7] != "" else "")], rows)
    charts = analytics.charts(data)
    return render(request, "inspections/analytics.html", {
        "form": form, "totals": analytics.totals(data),
        "charts": [(key, CHART_TITLES[key], charts[key]) for key in CHART_TITLES],
        "query": request.GET.urlencode()})


# -- .xlsx exports of the office lists --------------------------------------------------------

EXPORTS: dict[str, tuple[Any, Callable[[Any], Any], list[tuple[Any, Callable[[Any], Any]]]]] = {
    "daily": (gettext_lazy("Daily inspections"), selectors.daily_list, [
        (gettext_lazy("Number"), lambda r: r.case.number),
        (gettext_lazy("Kind"), lambda r: r.get_mode_display()),
        (gettext_lazy("Institution or site"),
         lambda r: r.institution.name if r.institution_id else r.site_address),
        (gettext_lazy("Region"), lambda r: r.region.name),
        (gettext_lazy("Planned on"), lambda r: r.planned_on),
        (gettext_lazy("State"), lambda r: r.get_state_display()),
        (gettext_lazy("Outcome"), lambda r: r.get_outcome_display())]),
    "orders": (gettext_lazy("Rectification orders"), selectors.order_list, [
        (gettext_lazy("Number"), lambda r: r.case.number),
        (gettext_lazy("Institution"), lambda r: r.institution.name if r.institution_id else ""),
        (gettext_lazy("Department"), lambda r: r.department.name),
        (gettext_lazy("Findings"), lambda r: r.findings),
        (gettext_lazy("Due on"), lambda r: r.due_on),
        (gettext_lazy("Extended"), lambda r: _("Yes") if r.extended else ""),
        (gettext_lazy("State"), lambda r: r.get_state_display()),
        (gettext_lazy("Closed at"), lambda r: r.closed_at)]),
    "enforcement": (gettext_lazy("Enforcement cases"), selectors.enforcement_list, [
        (gettext_lazy("Number"), lambda r: r.case.number),
        (gettext_lazy("Subject"), lambda r: r.subject_label),
        (gettext_lazy("Violation"), lambda r: r.violation.label),
        (gettext_lazy("Competent department"), lambda r: r.department.name),
        (gettext_lazy("Enforcement mode"), lambda r: r.get_mode_display()),
        (gettext_lazy("Penalty"), lambda r: r.get_penalty_display()),
        (gettext_lazy("Fine (yuan)"), lambda r: float(r.fine_amount) if r.fine_amount else ""),
        (gettext_lazy("Decided at"), lambda r: r.decided_at)]),
    "blacklist": (gettext_lazy("Black list entries"), selectors.blacklist_list, [
        (gettext_lazy("Number"), lambda r: r.case.number),
        (gettext_lazy("Institution"), lambda r: r.institution.name),
        (gettext_lazy("Department"), lambda r: r.department.name),
        (gettext_lazy("Reason"), lambda r: r.reason),
        (gettext_lazy("State"), lambda r: r.get_state_display()),
        (gettext_lazy("Appeal"), lambda r: r.get_appeal_state_display()),
        (gettext_lazy("Listed at"), lambda r: r.listed_at),
        (gettext_lazy("Removed at"), lambda r: r.removed_at)]),
}


#: The lists whose export takes the page's filters.
LIST_FILTERS: dict[str, Any] = {"daily": DailyPageFilter}


@login_required
@downloads_limited
def list_export(request: HttpRequest, name: str) -> HttpResponse:
    """An office list as .xlsx: the rows the user sees on the list (the same selector,
    through the scope gateway), every text cell guarded (core.exports)."""
    _office(request)
    if name not in EXPORTS:
        raise Http404
    title, rows, columns = EXPORTS[name]
    qs = rows(request.user)
    if name in LIST_FILTERS:
        # the rows the filtered list shows (issue 12: a dashboard figure's list, exported)
        filterset = LIST_FILTERS[name](request.GET, queryset=qs)
        qs = filterset.qs if filterset.is_valid() else qs.none()
    return xlsx_response(str(title), columns, qs)


# -- stop orders by a town (001 §4(2)19) ----------------------------------------------------

@login_required
def stop_list(request: HttpRequest) -> HttpResponse:
    _office(request)
    page = Paginator(selectors.stop_order_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "inspections/stop_list.html", {
        "page": page, "may_issue": may(request.user, "inspections.stop_order")})


@login_required
def stop_new(request: HttpRequest) -> HttpResponse:
    """001 §4(2)19: the town orders training to stop; from a daily inspection (?daily=) its
    site, operator and findings are filled in and the order stays linked to it."""
    if not may(request.user, "inspections.stop_order"):
        raise Http404
    daily = None
    if request.GET.get("daily", "").isdigit():
        try:
            daily = selectors.daily_detail(request.user, int(request.GET["daily"]))
        except ObjectDoesNotExist:
            raise Http404 from None
    initial = {"region": daily.region_id, "site_address": daily.site_address,
               "subject_name": daily.institution.name if daily.institution else "",
               "category": daily.institution.category if daily.institution else None,
               "activity": daily.findings} if daily else {}
    form = StopOrderForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = stoporders.stop_order_issue(
                actor=request.user, region=data["region"], subject_name=data["subject_name"],
                site_address=data["site_address"], category=data["category"],
                activity=data["activity"], daily=daily)
            messages.success(request, _("Stop order issued: %(number)s")
                             % {"number": order.case.number})
            return redirect("inspections:stop_detail", pk=order.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return render(request, "inspections/form.html", {
        "form": form, "title": _("Order training to stop")},
        status=400 if request.method == "POST" else 200)


@login_required
def stop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = selectors.stop_order_detail(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    may_report = order.state == StopOrderState.ISSUED and \
        may(request.user, "inspections.stop_order", order)
    form = StopReportForm(request.POST or None) if may_report else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["defied"]:
                    stoporders.stop_order_report_defied(actor=request.user, order=order,
                                                        report=data["report"])
                    messages.success(request, _("Reported to the joint office and the "
                                                "supervising department."))
                else:
                    stoporders.stop_order_comply(actor=request.user, order=order,
                                                 note=data["report"])
                    messages.success(request, _("Recorded."))
                return redirect("inspections:stop_detail", pk=order.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None,
                               str(exc.message))
    return render(request, "inspections/stop_detail.html", {
        "order": order, "form": form, "tasks": order.case.tasks.select_related("department")},
        status=400 if request.method == "POST" else 200)
