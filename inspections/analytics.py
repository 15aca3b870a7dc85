"""Inspection analytics (issue 9 "Analytics"): by kind, month and county, the inspections
done, the findings by violation type, the on-time rate of rectification and the penalties.

Every figure is read through `restrict()` (a county's officers count their county only)
and grouped in the database: a fixed number of queries whatever the number of rows. Each
figure is a list of rows {kind, month, county, item, n} (the .xlsx export writes them as
they are); `charts()` sums them along one dimension for the page's charts and tables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.vocab import label_of
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    DailyInspection,
    DailyMode,
    DailyState,
    Enforcement,
    OrderState,
    Penalty,
    RectificationOrder,
)
from org.models import Region

#: The kind of an annual inspection among the daily kinds (DailyMode).
ANNUAL = "annual"


def kind_choices() -> list[tuple[str, Any]]:
    return [(ANNUAL, gettext_lazy("Annual inspection")), *DailyMode.choices]


def kind_label(kind: str) -> str:
    return _("Annual inspection") if kind == ANNUAL else label_of(DailyMode, kind) if kind \
        else "—"


@dataclass(frozen=True)
class Window:
    """The filters: the months [first, last] (first days), a county (or all the user
    sees) and a kind of inspection (or all)."""

    first: dt.date
    last: dt.date
    county: Region | None = None
    kind: str = ""

    @property
    def end(self) -> dt.date:
        """The first day after the window."""
        return (self.last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _in_county(qs: QuerySet[Any], window: Window, field: str) -> QuerySet[Any]:
    if window.county is None:
        return qs
    return qs.filter(**{f"{field}__path__startswith": window.county.path})


def _month(value: Any) -> str:
    return value.strftime("%Y-%m") if value else ""


def inspections_done(user: Any, window: Window) -> list[dict[str, Any]]:
    """Daily inspections done (by the day they were done) and annual inspections
    recorded (by their inspection day), per kind, month and region."""
    rows: list[dict[str, Any]] = []
    if window.kind != ANNUAL:
        daily = _in_county(DailyInspection.objects.restrict(user), window, "region").filter(
            state=DailyState.DONE, done_at__date__gte=window.first,
            done_at__date__lt=window.end)
        if window.kind:
            daily = daily.filter(mode=window.kind)
        rows += [{"kind": r["mode"], "month": r["m"], "region": r["region_id"], "item": "",
                  "n": r["n"]} for r in daily.annotate(m=TruncMonth("done_at")).values(
            "mode", "m", "region_id").annotate(n=Count("pk")).order_by()]
    if window.kind in ("", ANNUAL):
        annual = _in_county(AnnualInspection.objects.restrict(user), window,
                            "round__region").exclude(
            result__in=[AnnualResult.PENDING, AnnualResult.ABSENT]).filter(
            inspected_on__gte=window.first, inspected_on__lt=window.end)
        rows += [{"kind": ANNUAL, "month": r["m"], "region": r["round__region_id"],
                  "item": "", "n": r["n"]}
                 for r in annual.annotate(m=TruncMonth("inspected_on")).values(
                     "m", "round__region_id").annotate(n=Count("pk")).order_by()]
    return rows


def _enforcements(user: Any, window: Window) -> QuerySet[Enforcement]:
    qs = _in_county(Enforcement.objects.restrict(user), window, "region")
    if window.kind == ANNUAL:
        return qs.none()  # enforcement comes from daily inspections and reports
    if window.kind:
        qs = qs.filter(daily__mode=window.kind)
    return qs


def findings(user: Any, window: Window) -> list[dict[str, Any]]:
    """Findings handed to enforcement, by violation type (the taxonomy of DOMAIN.md §6,
    §8), month opened, kind of the inspection that found them and region."""
    qs = _enforcements(user, window).filter(created_at__date__gte=window.first,
                                            created_at__date__lt=window.end)
    return [{"kind": r["daily__mode"] or "", "month": r["m"], "region": r["region_id"],
             "item": r["violation__label"], "n": r["n"]}
            for r in qs.annotate(m=TruncMonth("created_at")).values(
                "daily__mode", "m", "region_id", "violation__label").annotate(
                n=Count("pk")).order_by()]


def penalties(user: Any, window: Window) -> list[dict[str, Any]]:
    """Penalties decided, by type, month decided, kind and region, with the fines'
    total in yuan."""
    qs = _enforcements(user, window).exclude(penalty=Penalty.NONE).filter(
        decided_at__date__gte=window.first, decided_at__date__lt=window.end)
    return [{"kind": r["daily__mode"] or "", "month": r["m"], "region": r["region_id"],
             "item": r["penalty"], "n": r["n"], "fines": r["fines"] or 0}
            for r in qs.annotate(m=TruncMonth("decided_at")).values(
                "daily__mode", "m", "region_id", "penalty").annotate(
                n=Count("pk"), fines=Sum("fine_amount")).order_by()]


def rectification(user: Any, window: Window, today: dt.date) -> list[dict[str, Any]]:
    """Rectification orders due in the window (by the month of their deadline), counted
    once due: `n` orders due, `on_time` closed after re-check by their deadline. An order
    still open before its deadline is not yet counted; one open after it is late."""
    qs = _in_county(RectificationOrder.objects.restrict(user), window, "case__region").filter(
        due_on__gte=window.first, due_on__lt=window.end).filter(
        Q(state=OrderState.CLOSED) | Q(due_on__lt=today))
    if window.kind == ANNUAL:
        qs = qs.filter(annual__isnull=False)
    elif window.kind:
        qs = qs.filter(daily__mode=window.kind)
    on_time = Q(state=OrderState.CLOSED, closed_at__date__lte=F("due_on"))
    return [{"kind": ANNUAL if r["annual_id"] else (r["daily__mode"] or ""),
             "month": r["m"], "region": r["case__region_id"], "item": "", "n": r["n"],
             "on_time": r["on_time"]}
            for r in qs.annotate(m=TruncMonth("due_on")).values(
                "annual_id", "daily__mode", "m", "case__region_id").annotate(
                n=Count("pk"), on_time=Count("pk", filter=on_time)).order_by()]


def _counties(region_ids: Iterable[int]) -> dict[int, str]:
    """Each region's county name, in two queries."""
    paths = dict(Region.objects.filter(pk__in=set(region_ids)).values_list("pk", "path"))
    codes = {pk: Region(path=path).county_code for pk, path in paths.items()}
    names = dict(Region.objects.filter(code__in=set(codes.values())).values_list("code", "name"))
    return {pk: names.get(code, "—") for pk, code in codes.items()}


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures(user: Any, window: Window, *, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The four figures, each row named by kind, month and county."""
    data = {"inspections": inspections_done(user, window), "findings": findings(user, window),
            "rectification": rectification(user, window, today),
            "penalties": penalties(user, window)}
    counties = _counties(r["region"] for rows in data.values() for r in rows)
    for key, rows in data.items():
        for r in rows:
            r["county"] = counties.get(r.pop("region"), "—")
            r["month"] = _month(r["month"])
            r["kind_label"] = kind_label(r["kind"])
            if key == "penalties":
                r["item"] = label_of(Penalty, r["item"])
    return data


def _sum(rows: list[dict[str, Any]], dim: str, label: Any = None
         ) -> list[dict[str, Any]]:
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r[dim] if label is None else label(r)] += r["n"]
    order = sorted(totals) if dim == "month" else sorted(totals, key=lambda k: (-totals[k], k))
    return [{"label": k, "n": totals[k]} for k in order]


def _on_time(rows: list[dict[str, Any]], dim: str) -> list[dict[str, Any]]:
    due: dict[str, int] = defaultdict(int)
    kept: dict[str, int] = defaultdict(int)
    for r in rows:
        due[r[dim]] += r["n"]
        kept[r[dim]] += r["on_time"]
    return [{"label": k, "n": rate(kept[k], due[k]), "due": due[k], "on_time": kept[k]}
            for k in sorted(due)]


#: The charts of the page: (key, title, figure, dimension).
CHARTS = (("inspections_kind", "inspections", "kind_label"),
          ("inspections_month", "inspections", "month"),
          ("inspections_county", "inspections", "county"),
          ("findings_violation", "findings", "item"),
          ("findings_month", "findings", "month"),
          ("rectification_month", "rectification", "month"),
          ("rectification_county", "rectification", "county"),
          ("penalties_type", "penalties", "item"),
          ("penalties_county", "penalties", "county"))


def charts(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Each chart's rows {label, n}; the rectification charts give the on-time rate (%)
    with its counts."""
    return {key: _on_time(data[fig], dim) if fig == "rectification" else _sum(data[fig], dim)
            for key, fig, dim in CHARTS}


def totals(data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    rect = data["rectification"]
    return {"inspections": sum(r["n"] for r in data["inspections"]),
            "findings": sum(r["n"] for r in data["findings"]),
            "due": sum(r["n"] for r in rect), "on_time": sum(r["on_time"] for r in rect),
            "on_time_rate": rate(sum(r["on_time"] for r in rect), sum(r["n"] for r in rect)),
            "penalties": sum(r["n"] for r in data["penalties"]),
            "fines": sum(r["fines"] for r in data["penalties"])}
