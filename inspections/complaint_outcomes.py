"""What a complaint's handling opens in inspections (核实必处, 004 §6(2)2): a rectification
order addressed to the institution, or an enforcement case handed to the violation's
competent department. Registered in complaints' outcome registry from this app's
AppConfig.ready() (inspections sits above complaints and may import it); each handler
calls this app's own service, which checks its own rules."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import outcomes
from complaints.models import Outcome
from core.errors import DomainError
from inspections import services
from inspections.models import ViolationType


def _rectification(*, actor: Any, complaint: Any, department: Any, note: str,
                   params: dict[str, str]) -> outcomes.Link:
    institution = complaint.case.institution
    if institution is None:
        raise DomainError(_("A rectification order is addressed to a registered institution; "
                            "this complaint names none."), field="outcome")
    order = services.order_open(
        actor=actor, department=department, institution=institution,
        region=institution.region,
        findings=_("Complaint %(number)s: %(note)s") % {"number": complaint.case.number,
                                                       "note": note})
    return outcomes.Link(kind=Outcome.RECTIFICATION, id=order.pk, number=order.case.number)


def _violations() -> list[tuple[str, str]]:
    return [(v.code, v.label) for v in ViolationType.objects.order_by("code")]


def _enforcement(*, actor: Any, complaint: Any, department: Any, note: str,
                 params: dict[str, str]) -> outcomes.Link:
    code = (params.get("violation") or "").strip()
    violation = ViolationType.objects.filter(code=code).first() if code else None
    if violation is None:
        raise DomainError(_("Choose the violation."), field="violation")
    institution = complaint.case.institution
    enforcement = services.enforcement_open(
        actor=actor, violation=violation, region=complaint.case.region,
        institution=institution,
        subject_name="" if institution is not None else complaint.institution_text,
        findings=_("Complaint %(number)s: %(note)s") % {"number": complaint.case.number,
                                                       "note": note})
    return outcomes.Link(kind=Outcome.ENFORCEMENT, id=enforcement.pk,
                         number=enforcement.case.number)


def register() -> None:
    outcomes.register(
        Outcome.RECTIFICATION, gettext_lazy("Rectification order"), "inspections.recheck",
        _rectification, target=lambda complaint: None,
        url=lambda pk, number: reverse("inspections:order_detail", args=[pk]))
    outcomes.register(
        Outcome.ENFORCEMENT, gettext_lazy("Enforcement case"), "inspections.open_enforcement",
        _enforcement,
        params=(outcomes.Param("violation", gettext_lazy("Violation"), choices=_violations,
                               help_text=gettext_lazy("For an enforcement case: it goes to "
                                                      "the violation's competent "
                                                      "department.")),),
        url=lambda pk, number: reverse("inspections:enforcement_detail", args=[pk]))
