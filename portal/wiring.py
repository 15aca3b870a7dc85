"""Wiring between sibling apps that may not import each other, done from the top.

Complaints and funds both sit below inspections and neither may import the other, so the
refund mediation that follows a verified complaint (核实必处, 004 §6(2)2; 002 §2(3)
"退费顺畅") is registered in complaints' outcome registry here: the handler refunds the
pupil's funds order through funds' own `order_refund` service (with its own permission
and scope checks), with the complaint as the reason and an idempotency key per complaint.
Called from PortalConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import outcomes
from complaints.models import Outcome
from core.errors import DomainError
from funds import services as funds_services
from funds.models import Order
from org.scope import Action


def _refund_mediation(*, actor: Any, complaint: Any, department: Any, note: str,
                      params: dict[str, str]) -> outcomes.Link:
    institution = complaint.case.institution
    if institution is None:
        raise DomainError(_("A refund is mediated with a registered institution; this "
                          "complaint names none."), field="outcome")
    number = (params.get("fund_order") or "").strip().upper()
    if not number:
        raise DomainError(_("Give the number of the funds order to refund."),
                          field="fund_order")
    order = Order.objects.restrict(actor, Action.CHANGE).filter(
        number=number, institution=institution).first()
    if order is None:
        raise DomainError(_("The institution has no funds order with this number that you "
                            "may refund."), field="fund_order")
    funds_services.order_refund(
        actor=actor, order=order, idempotency_key=f"complaint-{complaint.pk}",
        reason=_("Refund mediated on complaint %(number)s: %(note)s")
        % {"number": complaint.case.number, "note": note})
    return outcomes.Link(kind=Outcome.REFUND_MEDIATION, id=order.pk, number=order.number)


def wire() -> None:
    outcomes.register(
        Outcome.REFUND_MEDIATION, gettext_lazy("Refund mediation"), "funds.refund",
        _refund_mediation, target=lambda complaint: complaint.case.institution,
        params=(outcomes.Param("fund_order", gettext_lazy("Funds order number"),
                               help_text=gettext_lazy("For a refund mediation: the pupil's "
                                                      "order under funds supervision; its "
                                                      "unconsumed balance is refunded.")),),
        url=lambda pk, number: reverse("funds:order_detail", args=[number]))
