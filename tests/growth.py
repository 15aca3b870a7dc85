"""Rows grown through the services for query budgets (tests/budget.py): each
`grow_*(world, start, stop)` adds the rows numbered start..stop-1 in county A."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import TaskRole
from core.vocab import DepartmentType
from org.models import RegionLevel
from tests.factories import DepartmentFactory, RegionFactory, World, make_case, make_task

#: Tasks per case when growing task lists: rows share cases, which still shows an N+1
#: (Django has no identity map), and keeps the growth fast.
TASKS_PER_CASE = 10


def grow_my_tasks(world: World, start: int, stop: int) -> None:
    """Open education-sports tasks of county A: half assigned to the officer, half
    unassigned in the department; a third of them already past their due date."""
    county = world.a
    officer = county.users["officer"]
    case = None
    long_ago = timezone.localdate() - dt.timedelta(days=40)
    for i in range(start, stop):
        if case is None or i % TASKS_PER_CASE == 0:
            case = make_case(county, title=f"事项{i}")
        make_task(county, case, assignee=officer if i % 2 else None, workdays=1 + i % 7,
                  today=long_ago if i % 3 == 0 else None)


def grow_county_tasks(world: World, start: int, stop: int) -> None:
    """Open tasks of county A spread over several departments, lead and assist."""
    county = world.a
    depts = [DepartmentType.EDUCATION_SPORTS, DepartmentType.CULTURE_TOURISM,
             DepartmentType.MARKET_REGULATION, DepartmentType.HEALTH]
    case = None
    long_ago = timezone.localdate() - dt.timedelta(days=40)
    for i in range(start, stop):
        if case is None or i % TASKS_PER_CASE == 0:
            case = make_case(county, title=f"事项{i}")
        dept = depts[i % len(depts)]
        make_task(county, case, dept=dept,
                  role=TaskRole.LEAD if dept == DepartmentType.EDUCATION_SPORTS
                  else TaskRole.ASSIST,
                  assignee=county.users["officer"] if i % 8 == 0 else None,
                  today=long_ago if i % 3 == 0 else None)


def grow_cases(world: World, start: int, stop: int) -> None:
    """Cases of county A of several kinds, in the county and its town, half of them with
    an open task (the open-task count is an annotation, not a query per row)."""
    county = world.a
    kinds = ["supervision", "licensing"]
    for i in range(start, stop):
        case = make_case(county, title=f"事项{i}", kind=kinds[i % len(kinds)],
                         region=county.town if i % 4 == 0 else None)
        if i % 2 == 0:
            make_task(county, case)


def grow_regions(world: World, start: int, stop: int) -> None:
    """Towns of county A, each with its town government (a department)."""
    for i in range(start, stop):
        town = RegionFactory(code=f"{world.a.region.code}{500 + i:03d}", name=f"新街道{i}",
                             level=RegionLevel.TOWN, parent=world.a.region)
        DepartmentFactory(region=town, type=DepartmentType.TOWN_GOVERNMENT,
                          name=f"新街道{i}办事处")


def grow_counties(world: World, start: int, stop: int) -> None:
    """Counties of the test city (the public pages list counties)."""
    for i in range(start, stop):
        RegionFactory(code=f"5302{i:03d}", name=f"新区{i}",
                      level=RegionLevel.COUNTY, parent=world.city)
