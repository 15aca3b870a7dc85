"""The scope gateway builds a rule once per (model, action, scope) and reuses it while
the data it read is unchanged (`org.scope.ScopedQuerySet.restrict`, issue 13)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import EmptyResultSet
from django.test import override_settings

from cases import kinds
from cases.models import Case, Task
from complaints.models import Complaint
from institutions.models import Institution
from org.scope import Action, forget_built
from tests.factories import World, make_case, make_task

pytestmark = pytest.mark.django_db

MODELS = (Case, Task, Institution, Complaint)
USERS = ("officer", "head", "culture", "county_admin", "joint", "grid", "institution")


def _sql(qs) -> str:  # type: ignore[no-untyped-def]
    try:
        return str(qs.query)
    except EmptyResultSet:  # a rule that shows nothing
        return "nothing"


def _built_sql(model, user, action=Action.VIEW, own=False) -> str:  # type: ignore[no-untyped-def]
    return _sql(model.objects.restrict(user, action, own=own))


def _fresh_sql(model, user, action=Action.VIEW, own=False) -> str:  # type: ignore[no-untyped-def]
    with override_settings(SCOPE_QUERY_CACHE=False):
        return _sql(model.objects.restrict(user, action, own=own))


def test_a_reused_rule_is_the_rule_built_afresh(world: World) -> None:
    """For every model, role and action: the second restriction (reused) reads the same
    SQL, and the same rows, as one built without reuse."""
    case = make_case(world.a)
    make_task(world.a, case)
    for name in USERS:
        user = world.a.users[name]
        for model in MODELS:
            for action in (Action.VIEW, Action.CHANGE, Action.ASSIGN, Action.MANAGE):
                first = _built_sql(model, user, action)
                assert _built_sql(model, user, action) == first == _fresh_sql(
                    model, user, action), (name, model, action)
        assert set(Case.objects.restrict(user)) == set(
            Case.objects.restrict(user).filter(pk__in=Case.objects.values("pk")))
        assert _built_sql(Task, user, own=True) == _fresh_sql(Task, user, own=True)


def test_the_rule_is_built_once_and_a_filtered_queryset_builds_its_own(
        world: World) -> None:
    officer = world.a.users["officer"]
    with mock.patch.object(Task, "scope_q", wraps=Task.scope_q) as rule:
        Task.objects.restrict(officer)
        Task.objects.restrict(officer)
        assert rule.call_count == 1
        Task.objects.filter(status="open").restrict(officer)  # not the whole table
        assert rule.call_count == 2
        Task.objects.restrict(world.a.users["head"])  # another scope
        assert rule.call_count == 3
        Task.objects.restrict(officer, Action.CHANGE)  # another action
        assert rule.call_count == 4


def test_changing_a_reused_queryset_leaves_the_rule_as_built(world: World) -> None:
    officer = world.a.users["officer"]
    before = _built_sql(Case, officer)
    changed = Case.objects.restrict(officer).filter(title="x").select_related("region")
    changed = changed.order_by("id").exclude(state="closed")
    _sql(changed)
    list(changed)
    assert _built_sql(Case, officer) == before


def test_a_changed_profile_rebuilds_the_rules_that_read_it(world: World) -> None:
    """The culture officer's case rule reads the matrix: once the profile changes, the
    next restriction is built from the new one; the county admin's reads no profile."""
    from core.vocab import DepartmentType
    from policy.models import MatrixCell
    from policy.profile import invalidate_profile_cache

    culture = world.a.users["culture"]
    before = _built_sql(Case, culture)
    assert _built_sql(Case, culture) == before
    cells = MatrixCell.objects.filter(lead_type=DepartmentType.CULTURE_TOURISM)
    assert cells.exists()
    for cell in cells:
        cell.assists.all().delete()
    cells.delete()
    MatrixCell.objects.filter(assists__department_type=DepartmentType.CULTURE_TOURISM).delete()
    invalidate_profile_cache()
    after = _built_sql(Case, culture)
    assert after != before
    assert after == _fresh_sql(Case, culture)


def test_a_kind_registered_later_is_in_the_rules_built_after(world: World) -> None:
    from django.db.models import Q

    staff = world.a.users["institution"]
    before = _built_sql(Case, staff)

    def opening(scope, action, prefix):  # type: ignore[no-untyped-def]
        return Q(**{f"{prefix}title__startswith": "公开"}) if action == Action.VIEW else None

    kinds.register(kinds.CaseKindSpec(code="built_drill", prefix="ZQ", label="演练",
                                      visible_to=opening))
    try:
        after = _built_sql(Case, staff)
        assert after != before and "built_drill" in after
    finally:
        kinds.unregister("built_drill")
    assert _built_sql(Case, staff) == before


def test_forgetting_builds_again(world: World) -> None:
    officer = world.a.users["officer"]
    with mock.patch.object(Case, "scope_q", wraps=Case.scope_q) as rule:
        Case.objects.restrict(officer)
        forget_built()
        Case.objects.restrict(officer)
        assert rule.call_count == 2
