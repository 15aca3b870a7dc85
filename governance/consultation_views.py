"""The monthly consultation's reports (004 §6(3)): every invited unit's complaint analysis
for the month before the meeting, prefilled from the complaints analytics; each unit
edits its own until the meeting day, the office reads the figures again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.abilities import may
from core.errors import DomainError
from governance import consultation, selectors
from governance.models import ConsultationReport, MeetingKind, MeetingStatus
from governance.views import _saved, _status, _viewer


class ReportForm(forms.Form):
    analysis = forms.CharField(label=_("Complaint analysis"),
                               widget=forms.Textarea(attrs={"rows": 5}))
    progress = forms.CharField(label=_("Progress of daily control"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))


def _meeting(request: HttpRequest, pk: int) -> Any:
    try:
        meeting = selectors.meeting_detail(_viewer(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if meeting.kind != MeetingKind.CONSULTATION:
        raise Http404
    return meeting


def _open(meeting: Any) -> bool:
    return meeting.status == MeetingStatus.PLANNED and timezone.localdate() <= meeting.held_on


@login_required
def reports(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    user: Any = request.user
    open_ = _open(meeting)
    rows = [(r, open_ and may(user, "governance.write_consultation_report", r))
            for r in consultation.reports(user, meeting)]
    return render(request, "governance/consultation_reports.html", {
        "meeting": meeting, "rows": rows,
        "may_refresh": open_ and consultation.holds_consultation() and
        may(user, "governance.manage_meetings", meeting.region)})


@login_required
@require_POST
def reports_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    user: Any = request.user
    if not may(user, "governance.manage_meetings", meeting.region):
        raise Forbidden
    try:
        consultation.reports_refresh(actor=user, meeting=meeting)
        messages.success(request, _("Figures read again from the complaints."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("governance:consultation_reports", pk=pk)


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    report = ConsultationReport.objects.restrict(user).select_related(
        "meeting__region", "unit__department").filter(pk=pk).first()
    if report is None:
        raise Http404
    if not may(user, "governance.write_consultation_report", report):
        raise Forbidden
    form = ReportForm(request.POST or None, initial={"analysis": report.analysis,
                                                     "progress": report.progress})
    if _saved(request, form, lambda data: consultation.report_update(
            actor=user, report=report, analysis=data["analysis"], progress=data["progress"]),
            _("Saved.")):
        return redirect("governance:consultation_reports", pk=report.meeting_id)
    return render(request, "governance/consultation_report.html", {
        "report": report, "form": form}, status=_status(form))
