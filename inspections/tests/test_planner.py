"""The cadence planner (004 §4(2); focus periods of 002 §2(2))."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections import planner
from policy.models import CalendarDay, SchoolVacation

pytestmark = pytest.mark.django_db


def test_national_day_week_gets_a_holiday_check_and_no_weekday_evening_on_rest_days():
    start, end = dt.date(2026, 9, 28), dt.date(2026, 10, 11)
    names = {d.date: d.name for d in CalendarDay.objects.filter(date__range=(start, end))}
    proposals = planner.propose(start, end)
    holidays = [p for p in proposals if p.kind == "holiday"]
    first_holiday = min(d for d, n in names.items() if n and d.month == 10)
    assert [p.date for p in holidays] == [first_holiday]
    assert "法定节假日" in holidays[0].focus or "Legal holiday" in holidays[0].focus
    days = {d.date: d for d in CalendarDay.objects.filter(date__range=(start, end))}
    for p in proposals:
        if p.kind == "weekday_evening":
            assert days[p.date].is_workday and p.date.weekday() < 5
        if p.kind == "weekend":
            assert not days[p.date].is_workday and not days[p.date].name
    assert {p.kind for p in proposals} == {"weekday_evening", "weekend", "holiday"}


def test_an_ordinary_week_and_the_focus_of_vacation_and_start_of_term():
    SchoolVacation.objects.create(name="暑假", start=dt.date(2026, 7, 11),
                                  end=dt.date(2026, 8, 31))
    proposals = planner.propose(dt.date(2026, 8, 24), dt.date(2026, 9, 6))
    assert [(p.date, p.kind) for p in proposals] == [
        (dt.date(2026, 8, 26), "weekday_evening"), (dt.date(2026, 8, 29), "weekend"),
        (dt.date(2026, 9, 2), "weekday_evening"), (dt.date(2026, 9, 5), "weekend")]
    assert len(proposals[0].focus) == 1  # 暑假
    assert len(proposals[2].focus) == 1  # 开学前后
    assert proposals[0].focus != proposals[2].focus


def test_the_planner_page_links_each_proposal_to_the_form(world):
    from django.test import Client

    client = Client()
    client.force_login(world.a.users["officer"])
    page = client.get("/office/inspections/planner/?weeks=2").content.decode()
    assert "/office/inspections/daily/new/?mode=" in page
    client.force_login(world.a.users["institution"])
    assert client.get("/office/inspections/planner/").status_code == 404
