"""The monthly report's pages (004 annex 2): the list, the form with its computed figures
(each opening the records behind it) and its manual fields, submission (at city level:
forwarding and consolidation), and the .xlsx and PDF in the form's layout. Every read
goes through the scope gateway: another county's report answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Task
from core.abilities import may
from core.errors import DomainError
from core.exports import XLSX_MIME
from core.i18n import labelled, parenthesized
from governance.models import EvaluationRecord, Problem, SupervisionProposal
from reports import monthly, monthly_export, selectors, services
from reports.models import MonthlyReport, ReportStatus, education_types
from reports.monthly_forms import FooterForm, RowForm

PAGE_SIZE = 50


def _reader(request: HttpRequest, *, page: bool = True) -> Any:
    if not may(request.user, "reports.view_monthly"):
        raise Forbidden if page else Http404
    return request.user


def _report_or_404(request: HttpRequest, pk: int) -> MonthlyReport:
    try:
        return selectors.monthly_report(_reader(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None


@login_required
def monthly_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    qs = selectors.monthly_reports(user).prefetch_related(
        Prefetch("case__tasks", Task.objects.order_by("id")))
    month = request.GET.get("month", "")
    if month:
        try:
            qs = qs.filter(period=dt.date.fromisoformat(month + "-01"))
        except ValueError:
            month = ""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/monthly_list.html", {"page_obj": page, "month": month})


def _verb(report: MonthlyReport) -> str:
    if not monthly.is_city(report):
        return _("Submit to the city")
    if report.department.type in education_types():
        return _("Consolidate")
    return _("Forward to city education")


def _title_gloss() -> str:
    gloss = _("Work on rectifying corruption and work-style problems affecting the public: "
              "status form")
    return "" if gloss == monthly_export.TITLE else gloss


def _official_table(report: MonthlyReport) -> monthly.Table:
    """The table as the exports file it: in the form's Chinese whatever the reader's
    language (the exports go to the government; see reports.monthly_export)."""
    with translation.override("zh-hans"):
        return monthly.table(report)


def _page(request: HttpRequest, report: MonthlyReport, *, footer: Any = None,
          rows: dict[int, Any] | None = None) -> HttpResponse:
    user: Any = request.user
    table = monthly.table(report)
    editable = report.status == ReportStatus.OPEN and may(user, "reports.submit_monthly", report)
    city = monthly.is_city(report)
    forms: dict[int, Any] = {}
    if editable and not city:
        footer = footer or FooterForm(initial={n: getattr(report, n) for n in
                                               services.MANUAL_REPORT_FIELDS})
        for line in table.lines:
            forms[line.row.pk] = (rows or {}).get(line.row.pk) or RowForm(
                prefix=f"row{line.row.pk}",
                initial={n: getattr(line.row, n) for _c, n in monthly.MANUAL_ROW_FIELDS})
    lines = [(i, line, monthly_export.cells(table, line, i, official=False),
              forms.get(line.row.pk))
             for i, line in enumerate(table.lines, start=1)]
    return render(request, "reports/monthly.html", {
        "report": report, "table": table, "lines": lines, "city": city,
        "editable": editable, "footer_form": footer if editable and not city else None,
        "verb": _verb(report), "figures": monthly.FIGURES,
        # The form's title stays Chinese (it is the official form's name); a reader of
        # another language gets a gloss after it.
        "title_gloss": _title_gloss(),
        "note": monthly_export.note_text(table, official=False),
        "footer": monthly_export.footer(table, official=False),
        "total": monthly_export.total_cells(table), "labels": monthly_export.column_labels(),
    }, status=400 if (footer is not None and footer.errors) or any(
        f.errors for f in (rows or {}).values()) else 200)


@login_required
def monthly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _report_or_404(request, pk))


@login_required
@require_POST
def monthly_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    report = _report_or_404(request, pk)
    user: Any = request.user
    if verb not in ("save", "submit"):
        raise Http404
    if not may(user, "reports.submit_monthly", report):
        raise Forbidden
    if report.status != ReportStatus.OPEN:
        messages.error(request, _("The report is already submitted."))
        return redirect("reports:monthly_report", pk=report.pk)
    if verb == "submit":
        try:
            services.monthly_submit(actor=user, report=report)
            messages.success(request, _("Report submitted."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("reports:monthly_report", pk=report.pk)
    if monthly.is_city(report):
        raise Http404
    footer = FooterForm(request.POST)
    rows = {row.pk: RowForm(request.POST, prefix=f"row{row.pk}") for row in report.rows.all()}
    if footer.is_valid() and all(f.is_valid() for f in rows.values()):
        try:
            services.monthly_save(actor=user, report=report, fields=footer.cleaned_data,
                                  rows={k: f.cleaned_data for k, f in rows.items()})
            messages.success(request, _("Saved."))
            return redirect("reports:monthly_report", pk=report.pk)
        except DomainError as exc:
            footer.add_error(None, str(exc.message))
    return _page(request, report, footer=footer, rows=rows)


def _describe(user: Any, record: Any) -> tuple[str, str, str]:
    """(date, text, link) of a record behind a figure."""
    if isinstance(record, Problem):
        return (f"{record.created_at:%Y-%m-%d}", labelled(record.subject, record.description),
                reverse("governance:campaign", args=[record.campaign_id]) +
                f"#problem-{record.pk}")
    if isinstance(record, SupervisionProposal):
        return (f"{record.issued_on:%Y-%m-%d}", record.title,
                reverse("governance:proposal", args=[record.pk]))
    assert isinstance(record, EvaluationRecord)
    # In the reader's language's punctuation (issue 14 C11), as the form's page.
    extra = parenthesized(f"{record.get_measure_display()} {record.persons}") \
        if record.measure else (parenthesized(record.cases_count) if record.cases_count else "")
    return (f"{record.issued_on:%Y-%m-%d}",
            labelled(record.get_kind_display(), f"{record.title}{extra}"),
            reverse("governance:evaluations") + f"?kind={record.kind}")


@login_required
def monthly_records(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The records behind one figure: a row's, or the total's (each line's records, as
    the total is the sum of the lines)."""
    report = _report_or_404(request, pk)
    user: Any = request.user
    figure = monthly.BY_CODE.get(code)
    if figure is None:
        raise Http404
    table = monthly.table(report)
    lines = table.lines
    row = request.GET.get("row")
    if row:
        lines = [ln for ln in lines if str(ln.row.pk) == row]
        if not lines:
            raise Http404
    pairs = [(ln.row.campaign_id, ln.report.department_id) for ln in lines]
    found = list(figure.model.objects.restrict(user).filter(
        monthly._month_q(code, report.period), monthly._pairs_q(figure, pairs)).distinct()
        .prefetch_related("departments" if figure.model is EvaluationRecord else "campaign")
        .order_by("pk"))
    sections = []
    for line in lines:
        if figure.model is EvaluationRecord:
            mine = [r for r in found if r.campaign_id == line.row.campaign_id and
                    line.report.department_id in {d.pk for d in r.departments.all()}]
        else:
            mine = [r for r in found if r.campaign_id == line.row.campaign_id and
                    r.department_id == line.report.department_id]
        sections.append((line, line.figures[code], monthly.record_value(figure, mine),
                         [_describe(user, r) for r in mine]))
    return render(request, "reports/monthly_records.html", {
        "report": report, "figure": figure, "sections": sections,
        "total": sum(s[1] for s in sections)})


def _filename(report: MonthlyReport, ext: str) -> str:
    return f"{monthly_export.TITLE}-{report.region.name}-{report.department.name}-" \
           f"{report.period:%Y%m}.{ext}"


@login_required
def monthly_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    response = HttpResponse(monthly_export.xlsx(_official_table(report)), content_type=XLSX_MIME)
    response["Content-Disposition"] = content_disposition_header(
        True, _filename(report, "xlsx")) or ""
    return response


@login_required
def monthly_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    response = HttpResponse(monthly_export.pdf(_official_table(report)),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, _filename(report, "pdf")) or ""
    return response


def monthly_panel(*, request: HttpRequest, case: Any) -> tuple[str, dict[str, Any]] | None:
    """On the case page of a report's task: the link to the report itself."""
    report = selectors.monthly_reports(request.user).filter(case=case).first()
    if report is None:
        return None
    return "reports/_monthly_panel.html", {"report": report}
