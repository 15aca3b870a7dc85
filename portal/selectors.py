"""What the 工作台 reads besides the reader's tasks (cases.selectors): the work an
institution's staff owe that is not a Task row. A task names a department, so an
institution's staff hold none, and their dashboard said "暂无任务" while a complaint waited
for their explanation and a rectification order for their evidence (a user-facing
review). Each read starts from the owning app's selector, through the scope gateway."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from complaints import selectors as complaint_selectors
from complaints.models import Complaint
from core.abilities import may
from inspections import selectors as inspection_selectors
from inspections.models import RectificationOrder

#: How many of each kind the dashboard lists; the counts and the full lists say the rest.
SHOWN = 10


@dataclass(frozen=True)
class InstitutionWork:
    """The complaints that wait for the institution's explanation and the rectification
    orders that wait for its evidence, the first `SHOWN` of each with their totals."""

    explanations: list[Complaint]
    explanations_total: int
    orders: list[RectificationOrder]
    orders_total: int
    orders_overdue: int

    @property
    def total(self) -> int:
        return self.explanations_total + self.orders_total


def institution_work(user: Any, today: dt.date | None = None) -> InstitutionWork | None:
    """The reader's institution's waiting work, or None for a reader who works for no
    institution (no query then). Four queries whatever the number of rows: each kind's
    first rows and its count.

    An explanation waits from the handling department's question until it is answered,
    while the complaint is still open (complaints.services.complaint_explain refuses it
    afterwards). Evidence is due while the order is being rectified: before any evidence,
    and again after a re-check found the rectification wanting (inspections.services
    .order_recheck), oldest deadline first."""
    institution_id = getattr(user, "institution_id", None)
    if institution_id is None:
        return None
    today = today or timezone.localdate()
    explanations: list[Complaint] = []
    explanations_total = 0
    if may(user, "complaints.explain"):
        waiting = (complaint_selectors.awaiting_explanation(
            complaint_selectors.institution_qs(user)).order_by("explanation_requested_at", "id"))
        explanations = list(waiting[:SHOWN])
        explanations_total = waiting.count()
    due = (inspection_selectors.evidence_due(inspection_selectors.order_list(user))
           .filter(institution_id=institution_id).order_by("due_on", "id"))
    orders = list(due[:SHOWN])
    counts = due.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    return InstitutionWork(explanations=explanations, explanations_total=explanations_total,
                           orders=orders, orders_total=counts["total"],
                           orders_overdue=counts["overdue"])
