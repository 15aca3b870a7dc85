"""The task VIEW rule as written for the planner (`Task._view_q`, issue 13) shows exactly
the rows of the rule it replaced: a task is visible when its case is (DESIGN.md "Scope"),
the case rule being region AND (a task of the department on the case OR the
participation matrix), plus the kinds' own openings and per-object grants."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases import kinds
from cases.models import Case, Task, TaskRole, _matrix_parts
from core.vocab import Category, Phase
from org.models import DEPARTMENT_ROLES, DepartmentType
from org.scope import Action, _grant_q, scope_of
from tests.factories import COUNTY_ROLES, World, make_case, make_task

pytestmark = pytest.mark.django_db


def _old_case_q(scope: Any, p: str) -> Q | None:
    """The case VIEW rule before issue 13 (`pk IN` the department's cases)."""
    q = Case.scope_q(scope, Action.VIEW, p)
    if scope.kind != "user" or scope.role not in DEPARTMENT_ROLES or not scope.department_id:
        return q
    part = Q(**{f"{p}pk__in": Task.objects.filter(
        department_id=scope.department_id).values("case_id")})
    for pair in _matrix_parts(scope, p):
        part |= pair
    q = scope.region_q(p, county_field="county_code") & part
    extra = kinds.visible_outside_matrix(scope, Action.VIEW, p)
    return q if extra is None else q | extra


def _old_task_q(scope: Any) -> Q | None:
    """The task VIEW rule before issue 13: own department's tasks in the region OR the case
    rule, through a join to the case."""
    seen = _old_case_q(scope, "case__")
    if scope.kind == "user" and scope.role in DEPARTMENT_ROLES and scope.department_id \
            and seen is not None:
        own = scope.region_q("case__", county_field="county_code") & Q(
            department_id=scope.department_id)
        return own | seen
    return seen


def _mixed(world: World) -> None:
    """Cases of both counties in and out of the matrix, tasks of several departments, one
    task of a county's department on the other county's case, and a grant."""
    today = timezone.localdate()
    for county in (world.a, world.b):
        for category, phase in ((Category.ARTS, Phase.DAILY_SUPERVISION),
                                (Category.ARTS, Phase.LICENSING),
                                (Category.TECH, Phase.ANNUAL_INSPECTION),
                                ("", "")):
            case = make_case(county, category=category, phase=phase)
            make_task(county, case)
            make_task(county, case, dept=DepartmentType.MARKET_REGULATION,
                      role=TaskRole.ASSIST)
        lone = make_case(county, category=Category.TECH, phase=Phase.DAILY_SUPERVISION)
        make_task(county, lone, dept=DepartmentType.HEALTH)
        make_case(county, category=Category.ARTS, phase=Phase.DAILY_SUPERVISION)
    stray = make_case(world.a, category="", phase="")
    Task.objects.create(case=stray, department=world.b.depts[DepartmentType.EDUCATION_SPORTS],
                        role=TaskRole.ASSIST, duty="跨区协办", due_date=today)
    granted = make_case(world.b, category="", phase="")
    make_task(world.b, granted, dept=DepartmentType.HEALTH)
    assign_perm("view_case", world.a.users["culture"], granted)


def test_task_view_rule_shows_the_rows_of_the_rule_it_replaced(world: World) -> None:
    _mixed(world)
    users = [*(c.users[r] for c in (world.a, world.b) for r in COUNTY_ROLES),
             world.city_admin, world.city_officer]
    seen_any = 0
    for user in users:
        scope = scope_of(user)
        old = _old_task_q(scope)
        grants = _grant_q(Task, scope, Action.VIEW)
        qs = Task.objects.all() if old is None else Task.objects.filter(
            old if grants is None else old | grants)
        expected = set(qs.values_list("id", flat=True))
        got = set(Task.objects.restrict(user, Action.VIEW).values_list("id", flat=True))
        assert got == expected, user.username
        # And the task rule is the case rule: a task is visible when its case is.
        cases = Case.objects.restrict(user, Action.VIEW)
        assert got == set(Task.objects.filter(case__in=cases).values_list("id", flat=True)), \
            user.username
        seen_any += bool(got)
    assert seen_any > len(users) // 2  # the world is not empty for most readers


def test_case_view_rule_shows_the_rows_of_the_rule_it_replaced(world: World) -> None:
    _mixed(world)
    for county in (world.a, world.b):
        for role in COUNTY_ROLES:
            user = county.users[role]
            scope = scope_of(user)
            old = _old_case_q(scope, "")
            qs = Case.objects.all() if old is None else Case.objects.filter(old)
            grants = _grant_q(Case, scope, Action.VIEW)
            if old is not None and grants is not None:
                qs = Case.objects.filter(old | grants)
            assert set(Case.objects.restrict(user, Action.VIEW).values_list("id", flat=True)) \
                == set(qs.values_list("id", flat=True)), user.username


def test_department_task_list_checks_each_task_by_its_case(world: World) -> None:
    """The plan walks the task table and probes the case per row: no join on the case
    columns decides which tasks a department reads."""
    _mixed(world)
    user = world.a.users["officer"]
    sql = str(Task.objects.restrict(user, Action.VIEW).filter(
        department_id=user.department_id).query)
    assert 'INNER JOIN "cases_case"' not in sql.split("WHERE")[0], sql
    assert "EXISTS" in sql, sql
