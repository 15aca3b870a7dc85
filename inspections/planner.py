"""The cadence planner (004 §4(2): 工作日晚间临检 + 周末集中检查 + 假期专项检查): it proposes
inspection dates from the working-day calendar and the focus periods of 002 §2(2) (legal
holidays, rest days, winter and summer vacations, before and after the start of term)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inspections.models import DailyMode
from policy.calendar import CalendarMissing
from policy.models import CalendarDay, SchoolVacation

#: Days after a vacation's last day that count as the start of term (002 §2(2): 学期开学前后).
TERM_START_DAYS = 7

KINDS = {
    "weekday_evening": (_("Weekday-evening spot check"), DailyMode.NIGHT),
    "weekend": (_("Weekend concentrated check"), DailyMode.PATROL),
    "holiday": (_("Holiday special check"), DailyMode.UNANNOUNCED),
}


@dataclass(frozen=True)
class Proposal:
    date: dt.date
    kind: str
    focus: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(KINDS[self.kind][0])

    @property
    def mode(self) -> str:
        return str(KINDS[self.kind][1])


def propose(start: dt.date, end: dt.date, county_code: str = "") -> list[Proposal]:
    """Per week one weekday evening (the middle working day) and one weekend day (the
    first rest day that is not a legal holiday), and the first day of each legal holiday;
    each with the focus periods it falls in. Two queries, whatever the span."""
    days = {d.date: d for d in CalendarDay.objects.filter(date__range=(start, end))}
    if len(days) < (end - start).days + 1:
        missing = next(start + dt.timedelta(n) for n in range((end - start).days + 1)
                       if start + dt.timedelta(n) not in days)
        raise CalendarMissing(missing.year)
    vacations = list(SchoolVacation.objects.filter(
        Q(region_code="") | Q(region_code=county_code),
        start__lte=end, end__gte=start - dt.timedelta(days=TERM_START_DAYS)))

    def focus(day: dt.date) -> tuple[str, ...]:
        out = []
        row = days[day]
        if not row.is_workday and row.name:
            out.append(str(_("Legal holiday")))
        elif not row.is_workday:
            out.append(str(_("Rest day")))
        if any(v.start <= day <= v.end for v in vacations):
            out.append(str(_("School vacation")))
        if any(v.end < day <= v.end + dt.timedelta(days=TERM_START_DAYS) for v in vacations):
            out.append(str(_("Start of term")))
        return tuple(out)

    proposals: list[Proposal] = []
    week: list[dt.date] = []
    for n in range((end - start).days + 1):
        day = start + dt.timedelta(days=n)
        week.append(day)
        if day.weekday() == 6 or day == end:
            working = [d for d in week if days[d].is_workday and d.weekday() < 5]
            if working:
                pick = working[len(working) // 2]
                proposals.append(Proposal(pick, "weekday_evening", focus(pick)))
            weekend = [d for d in week if d.weekday() >= 5 and not days[d].is_workday
                       and not days[d].name]
            if weekend:
                proposals.append(Proposal(weekend[0], "weekend", focus(weekend[0])))
            week = []
        previous = days.get(day - dt.timedelta(days=1))
        if days[day].name and not days[day].is_workday and not (
                previous is not None and previous.name and not previous.is_workday):
            proposals.append(Proposal(day, "holiday", focus(day)))
    return sorted(proposals, key=lambda p: (p.date, p.kind))
