"""An institution's record as this app knows it, for the registry's institution pages
(institutions/ports.py `RecordFacts`, registered in apps.py): the registry sits below
this app and cannot import it.

The office page shows the inspections, findings, rectification orders, penalties and list
entries as one history (issue 9), each read through `restrict()` so a user sees what they
may (an unannounced inspection stays hidden from the institution's staff until done). The
public page shows only the published annual results (000 §3) and the black-list entries
(004 §6(4)), with their reason and dates, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from core.i18n import labelled, parenthesized
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    BlacklistEntry,
    BlacklistState,
    DailyInspection,
    DailyState,
    Enforcement,
    OrderState,
    RectificationOrder,
    ZombieCleanup,
)
from institutions.ports import RecordEvent
from org.scope import Action

RESULT_TONES = {AnnualResult.PASS: "success", AnnualResult.BASIC_PASS: "warning",
                AnnualResult.FAIL: "danger", AnnualResult.ABSENT: "danger"}


def _annual_title(a: AnnualInspection) -> str:
    title = labelled(f"{a.round.year} {a.round.get_category_display()}", a.get_result_display())
    return title + (parenthesized(a.score) if a.score is not None else "")


def office_history(user: Any, institution: Any) -> Iterator[RecordEvent]:
    """Every inspection, finding, order, penalty and list entry of the institution that
    `user` sees; a constant number of queries."""
    annual = AnnualInspection.objects.restrict(user).filter(institution=institution).exclude(
        result=AnnualResult.PENDING).select_related("round")
    for a in annual:
        yield RecordEvent(when=a.inspected_on or a.round.published_at or a.round.starts_on,
                          kind=_("Annual inspection"), title=_annual_title(a),
                          url=reverse("inspections:annual_detail", args=[a.pk]),
                          tone=RESULT_TONES.get(a.result, "secondary"))
    for d in DailyInspection.objects.restrict(user).filter(institution=institution):
        url = reverse("inspections:daily_detail", args=[d.pk])
        if d.state != DailyState.DONE or d.done_at is None:
            yield RecordEvent(when=d.planned_on, kind=d.get_mode_display(), title=_("Planned"),
                              url=url)
            continue
        yield RecordEvent(when=d.done_at, kind=d.get_mode_display(),
                          title=d.get_outcome_display(), url=url,
                          tone="warning" if d.findings else "success")
        if d.findings:
            yield RecordEvent(when=d.done_at, kind=_("Finding"), title=d.findings, url=url,
                              tone="danger", order=1)
    orders = RectificationOrder.objects.restrict(user).filter(
        institution=institution).select_related("case")
    for o in orders:
        url = reverse("inspections:order_detail", args=[o.pk])
        yield RecordEvent(when=o.created_at, kind=_("Rectification order"),
                          title=labelled(o.case.number, o.findings), url=url, tone="warning",
                          detail=_("Due on %(date)s") % {"date": o.due_on.isoformat()},
                          order=2)
        if o.state == OrderState.CLOSED and o.closed_at is not None:
            yield RecordEvent(when=o.closed_at, kind=_("Rectification order"),
                              title=labelled(o.case.number, o.get_state_display()),
                              detail=o.recheck_note, url=url, tone="success", order=3)
    cases = Enforcement.objects.restrict(user).filter(institution=institution).select_related(
        "case", "violation", "department")
    for e in cases:
        url = reverse("inspections:enforcement_detail", args=[e.pk])
        yield RecordEvent(when=e.created_at, kind=_("Enforcement case"),
                          title=labelled(e.case.number, e.violation.label), detail=e.findings,
                          url=url, tone="warning", order=2)
        if e.penalty and e.decided_at is not None:
            title = e.get_penalty_display() + (
                f" ¥{e.fine_amount}" if e.fine_amount is not None else "")
            yield RecordEvent(when=e.decided_at, kind=_("Penalty"), title=title,
                              detail=f"{e.department.name} · {e.legal_basis}", url=url,
                              tone="danger", order=3)
    entries = BlacklistEntry.objects.restrict(user).filter(institution=institution)
    for b in entries:
        url = reverse("inspections:blacklist_detail", args=[b.pk])
        yield RecordEvent(when=b.listed_at, kind=_("Black list"), title=b.reason, url=url,
                          tone="danger", order=4)
        if b.removed_at is not None:
            yield RecordEvent(when=b.removed_at, kind=_("Black list"),
                              title=b.get_state_display(), detail=b.removal_reason, url=url,
                              tone="success", order=5)
    for z in ZombieCleanup.objects.restrict(user).filter(institution=institution):
        yield RecordEvent(when=z.flagged_on, kind=_("Zombie institutions"),
                          title=z.get_outcome_display(),
                          url=reverse("inspections:zombie_detail", args=[z.pk]),
                          tone="warning", order=6)


def public_history(user: Any, institution: Any) -> Iterator[RecordEvent]:
    """The published annual results and the black-list entries: reason and dates only."""
    annual = AnnualInspection.objects.restrict(user, Action.PUBLIC).filter(
        institution=institution).select_related("round")
    for a in annual:
        yield RecordEvent(when=a.round.published_at or a.round.ends_on,
                          kind=_("Annual inspection"), title=_annual_title(a),
                          url=reverse("inspections:public_results_year", args=[a.round.year]),
                          tone=RESULT_TONES.get(a.result, "secondary"))
    for b in BlacklistEntry.objects.restrict(user, Action.PUBLIC).filter(
            institution=institution):
        yield RecordEvent(when=b.listed_at, kind=_("Black list"), title=b.reason,
                          tone="danger", order=1)
        if b.removed_at is not None:
            yield RecordEvent(when=b.removed_at, kind=_("Black list"),
                              title=b.get_state_display(), tone="success", order=2)


def listed_since() -> Any:
    """When the institution's current black-listing began (annotation over
    `OuterRef("pk")`)."""
    return Subquery(BlacklistEntry.objects.filter(
        institution=OuterRef("pk"), state=BlacklistState.LISTED).values("listed_at")[:1])
