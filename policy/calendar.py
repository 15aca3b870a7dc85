"""Working days on the Chinese calendar, legal holidays and make-up days (调休) included.

The calendar is data (CalendarDay rows), seeded from the chinese-calendar package for
2020 up to the newest year it knows, and editable in the admin for later years. A
deadline that would fall in, or count across, a year with no calendar data raises
CalendarMissing: the service never guesses (issue 3 §3). Counting deadlines in working
days is national administrative practice (DOMAIN.md §5, note on sources).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from policy.models import CalendarDay, CalendarYear

FIRST_SEEDED_YEAR = 2020


class CalendarMissing(DomainError):
    code = "calendar_missing"
    default_message = _("The working-day calendar has no data for this period.")

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(_("The working-day calendar has no data for %(year)s. An administrator "
                           "must add that year before deadlines can be counted into it.")
                         % {"year": year})


def _require_years(first: int, last: int) -> None:
    wanted = set(range(min(first, last), max(first, last) + 1))
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    missing = sorted(wanted - known)
    if missing:
        raise CalendarMissing(missing[0])


def in_vacation(day: dt.date, county_code: str = "") -> bool:
    """Within a school vacation entered for the deployment or the county (004 §3(2))."""
    from django.db.models import Q

    from policy.models import SchoolVacation

    return SchoolVacation.objects.filter(Q(region_code="") | Q(region_code=county_code),
                                         start__lte=day, end__gte=day).exists()


def is_workday(day: dt.date) -> bool:
    try:
        return CalendarDay.objects.values_list("is_workday", flat=True).get(date=day)
    except CalendarDay.DoesNotExist:
        raise CalendarMissing(day.year)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The date n working days after `start` (start itself not counted); n < 0 counts
    backwards; n == 0 returns start."""
    if n == 0:
        return start
    if n > 0:
        qs = CalendarDay.objects.filter(date__gt=start, is_workday=True).order_by("date")
    else:
        qs = CalendarDay.objects.filter(date__lt=start, is_workday=True).order_by("-date")
    found = list(qs.values_list("date", flat=True)[abs(n) - 1: abs(n)])
    if not found:
        last = CalendarYear.objects.order_by("year" if n < 0 else "-year").first()
        raise CalendarMissing((last.year - 1 if n < 0 else last.year + 1) if last else start.year)
    result = found[0]
    _require_years(start.year, result.year)
    return result


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b] when b is after a; negative when b is before a."""
    if a == b:
        return 0
    lo, hi, sign = (a, b, 1) if a < b else (b, a, -1)
    _require_years(lo.year, hi.year)
    return sign * CalendarDay.objects.filter(date__gt=lo, date__lte=hi, is_workday=True).count()


def _holiday_name(day: dt.date) -> str:
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if not name:
        return ""
    chinese = next((h.chinese for h in Holiday if h.value == name), name)
    return chinese if on_holiday else f"{chinese}调休上班"


def known_package_years() -> range:
    from chinese_calendar import constants

    return range(FIRST_SEEDED_YEAR, max(constants.holidays).year + 1)


@transaction.atomic
def seed_year_from_package(year: int) -> int:
    """(Re)write one year from chinese-calendar; returns the number of days written."""
    import chinese_calendar

    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": "chinese_calendar", "note": ""})
    day = dt.date(year, 1, 1)
    rows = []
    while day.year == year:
        rows.append(CalendarDay(date=day, year=calendar_year,
                                is_workday=chinese_calendar.is_workday(day),
                                name=_holiday_name(day)))
        day += dt.timedelta(days=1)
    CalendarDay.objects.filter(year=calendar_year).delete()
    CalendarDay.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def add_year_with_weekends(year: int, note: str = "") -> int:
    """Add a year that the package does not know: Monday to Friday are working days.
    An administrator then marks the year's legal holidays and make-up days in the admin
    once the State Council publishes them."""
    calendar_year, created = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": "admin", "note": note})
    if not created:
        return 0
    day = dt.date(year, 1, 1)
    rows = []
    while day.year == year:
        rows.append(CalendarDay(date=day, year=calendar_year, is_workday=day.weekday() < 5))
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows)
    return len(rows)


def years_missing(today: dt.date) -> list[int]:
    """The years a deployment should hold by `today` and does not: this year, and from
    October the next (the State Council publishes next year's holidays and make-up days in
    the autumn; from December a deadline of a few weeks reaches into it, and without its
    calendar the service refuses to count it, `CalendarMissing`)."""
    wanted = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in known]


def seed_calendar(force: bool = False) -> list[int]:
    """Seed every year the package knows that is not in the database yet."""
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    written = []
    for year in known_package_years():
        if force or year not in existing:
            seed_year_from_package(year)
            written.append(year)
    return written
