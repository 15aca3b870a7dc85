"""Working days on the Chinese calendar (issue 3 §3; DOMAIN.md §5 note)."""

import datetime as dt

import pytest

from policy.calendar import (
    CalendarMissing,
    add_workdays,
    add_year_with_weekends,
    is_workday,
    workdays_between,
)
from policy.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
D = dt.date


def test_national_day_2026_is_skipped():
    # 2026-10-01..07 are legal holidays; the next working day after 09-30 is 10-08.
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 9, 30), 2) == D(2026, 10, 9)


def test_make_up_working_days_count():
    # 调休: Saturday 2026-10-10 and Sunday 2026-09-20 are working days.
    assert is_workday(D(2026, 10, 10)) is True
    assert is_workday(D(2026, 9, 20)) is True
    assert add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert add_workdays(D(2026, 9, 19), 1) == D(2026, 9, 20)
    assert is_workday(D(2026, 10, 11)) is False


def test_workdays_between_across_the_holiday():
    # (09-30, 10-10]: 10-08, 10-09 and the make-up Saturday 10-10.
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert workdays_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert workdays_between(D(2026, 5, 5), D(2026, 5, 5)) == 0


def test_counting_backwards():
    assert add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert add_workdays(D(2026, 10, 8), 0) == D(2026, 10, 8)


def _without_years_after_2026() -> None:
    """The test database holds the next year in weekdays (conftest); these tests are about
    a year with no data, as 2027 was before it was added."""
    CalendarYear.objects.filter(year__gt=2026).delete()


def test_a_year_without_calendar_data_raises_a_clear_error():
    _without_years_after_2026()
    with pytest.raises(CalendarMissing) as exc:
        add_workdays(D(2026, 12, 28), 10)
    assert exc.value.year == 2027
    assert "2027" in str(exc.value.message)
    with pytest.raises(CalendarMissing):
        workdays_between(D(2026, 12, 1), D(2027, 1, 10))


def test_an_admin_added_year_is_used_once_present():
    _without_years_after_2026()
    add_year_with_weekends(2027)
    # Mark 2027-01-01 as a holiday, as an admin would once it is published.
    CalendarDay.objects.filter(date=D(2027, 1, 1)).update(is_workday=False, name="元旦")
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_the_coverage_task_warns_of_the_years_the_dashboard_names(caplog):
    """The monthly beat task (policy.tasks.calendar_coverage_check) and the dashboard's
    warning ask one rule, policy.calendar.years_missing: this year, and from October the
    next (published by the State Council in the autumn; from December deadlines reach
    into it, issue 3 §3). Before October a missing next year is no warning yet."""
    import logging

    from policy.calendar import years_missing
    from policy.tasks import calendar_coverage_check
    from tests.clock import on_day

    _without_years_after_2026()
    caplog.set_level(logging.WARNING, logger="policy.tasks")
    days = [D(2026, 6, 1), D(2026, 9, 30), D(2026, 10, 1), D(2026, 12, 1)]
    for day in days:
        with on_day(day):
            assert calendar_coverage_check() is (years_missing(day) == []), day
    assert [r.getMessage() for r in caplog.records] == [
        "working-day calendar has no data for 2027"] * 2
    caplog.clear()
    with on_day(D(2026, 6, 1)):
        assert calendar_coverage_check() is True
    with on_day(D(2028, 3, 1)):  # a year whose own calendar is missing
        assert calendar_coverage_check() is False
    assert "working-day calendar has no data for 2028" in caplog.text
    add_year_with_weekends(2027)
    with on_day(D(2026, 12, 1)):
        assert calendar_coverage_check() is True
