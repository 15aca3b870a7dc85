"""The monthly consultation (部门联席会商会, 004 §6(3)): 牵头部门每月召开一次部门联席会商会，
各相关成员单位分别通报校外培训信访投诉分析情况和日常管控工作进展.

Whether a city holds it is a profile setting (`monthly_consultation.enabled`). When the
office calls one, each invited member unit gets a report prefilled with its complaint
analysis for the month before the meeting, read from the complaints analytics (004 §6(2)1:
by topic, completion rate, satisfaction...), limited to the complaints the unit's department
leads. The unit edits its analysis and its progress of daily control until the meeting day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import audit_record
from complaints import selectors as complaint_selectors
from core.abilities import require
from core.errors import DomainError, InvalidState
from governance.models import ConsultationReport, Meeting, MeetingKind, MeetingStatus
from org.models import User
from org.scope import Action
from policy.profile import active_profile

#: The figures of the complaints analytics a report carries.
FIGURES = ("total", "closed", "completion_rate", "on_time_rate", "satisfaction_rate")
TOP = 5


def holds_consultation() -> bool:
    return active_profile().holds_monthly_consultation


def month_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month before `day`'s month."""
    end = day.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def figures_of(data: dict[str, Any]) -> dict[str, Any]:
    """What a report keeps of `complaints.selectors.analytics`: the totals and rates, the
    leading topics and the institutions complained of more than once."""
    rows = complaint_selectors.chart_rows(data)
    return {**{key: data[key] for key in FIGURES},
            "topics": rows["topic"][:TOP], "repeats": rows["repeats"][:TOP]}


def _rate(value: Any) -> str:
    return "—" if value is None else f"{value}%"


def summary(figures: dict[str, Any], start: dt.date, end: dt.date) -> str:
    text = _("From %(start)s to %(end)s: %(total)s complaints received, %(closed)s closed "
             "(completion rate %(completion)s, on time %(on_time)s, satisfaction "
             "%(satisfaction)s).") % {
        "start": start.isoformat(), "end": end.isoformat(), "total": figures["total"],
        "closed": figures["closed"], "completion": _rate(figures["completion_rate"]),
        "on_time": _rate(figures["on_time_rate"]),
        "satisfaction": _rate(figures["satisfaction_rate"])}
    if figures["topics"]:
        text += " " + _("Main topics: %(topics)s.") % {"topics": "、".join(
            f"{row['label']} {row['n']}" for row in figures["topics"])}
    return text


def unit_figures(actor: User, meeting: Meeting, department: Any) -> dict[str, Any]:
    start, end = month_before(meeting.held_on)
    return figures_of(complaint_selectors.analytics(actor, since=start, until=end,
                                                    department=department))


@transaction.atomic
def reports_prefill(*, actor: User, meeting: Meeting, keep_text: bool = False
                    ) -> list[ConsultationReport]:
    """Fill each invited unit's report with its figures for the month before the meeting
    (read through the caller's scope); on a refresh (`keep_text`) the units' own text
    stays."""
    if meeting.kind != MeetingKind.CONSULTATION or not holds_consultation():
        return []
    start, end = month_before(meeting.held_on)
    reports = []
    for row in meeting.attendance.select_related("unit__department"):
        figures = unit_figures(actor, meeting, row.unit.department)
        report, created = ConsultationReport.objects.get_or_create(
            meeting=meeting, unit=row.unit,
            defaults={"period_start": start, "period_end": end, "figures": figures,
                      "analysis": summary(figures, start, end)})
        if not created:
            report.period_start, report.period_end, report.figures = start, end, figures
            if not keep_text:
                report.analysis = summary(figures, start, end)
            report.save(update_fields=["period_start", "period_end", "figures", "analysis"])
        reports.append(report)
    return reports


@transaction.atomic
def reports_refresh(*, actor: User, meeting: Meeting) -> list[ConsultationReport]:
    """The office reads the figures again (the month may not have been over when the
    meeting was called); what the units wrote stays."""
    meeting = Meeting.objects.restrict(actor, Action.CHANGE).select_for_update().select_related(
        "region").get(pk=meeting.pk)
    require(actor, "governance.manage_meetings", meeting.region)
    if meeting.kind != MeetingKind.CONSULTATION or not holds_consultation():
        raise InvalidState(_("This meeting is not a monthly consultation."))
    if meeting.status != MeetingStatus.PLANNED:
        raise InvalidState(_("The meeting is held; its reports are fixed."))
    reports = reports_prefill(actor=actor, meeting=meeting, keep_text=True)
    audit_record(actor=actor, action="governance.consultation_refresh", obj=meeting,
                 after={"reports": [r.pk for r in reports]})
    return reports


@transaction.atomic
def report_update(*, actor: User, report: ConsultationReport, analysis: str, progress: str,
                  today: dt.date | None = None) -> ConsultationReport:
    """The unit edits its report before the meeting (until the meeting day)."""
    report = ConsultationReport.objects.restrict(actor).select_for_update(
        of=("self",)).select_related("meeting", "unit").get(pk=report.pk)
    require(actor, "governance.write_consultation_report", report,
            _("Only the unit's own officers write its report."))
    today = today or timezone.localdate()
    if report.meeting.status != MeetingStatus.PLANNED or today > report.meeting.held_on:
        raise InvalidState(_("The meeting is held; its reports are fixed."))
    if not analysis.strip():
        raise DomainError(_("Write the complaint analysis."), field="analysis")
    report.analysis = analysis.strip()
    report.progress = progress.strip()
    report.updated_by = actor
    report.updated_at = timezone.now()
    report.save(update_fields=["analysis", "progress", "updated_by", "updated_at"])
    audit_record(actor=actor, action="governance.consultation_report", obj=report.meeting,
                 after={"unit": report.unit_id, "analysis": report.analysis,
                        "progress": report.progress})
    return report


def reports(user: Any, meeting: Meeting) -> QuerySet[ConsultationReport]:
    return ConsultationReport.objects.restrict(user).filter(meeting=meeting).select_related(
        "unit__department", "updated_by").order_by("unit__order", "id")
