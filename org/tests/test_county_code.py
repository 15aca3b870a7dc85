"""Issue 13: institutions and cases keep their county's code, and a county's principal is
scoped by one equality on it (the `(county_code, id)` index) — correct after a save that
moves the row and after a region moves to another county."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Task
from institutions.models import Institution
from institutions.tests.helpers import register
from org.scope import Action
from tests.factories import RegionFactory, make_case, make_task

pytestmark = pytest.mark.django_db


def test_rows_take_the_county_of_their_region_and_follow_a_move(world):
    inst = register(world, "a", 1)
    case = make_case(world.a, region=world.a.town)
    assert inst.county_code == world.a.region.code
    assert Case.objects.get(pk=case.pk).county_code == world.a.region.code
    inst = Institution.objects.get(pk=inst.pk)
    inst.region = world.b.town
    inst.save(update_fields=["region"])
    assert Institution.objects.get(pk=inst.pk).county_code == world.b.region.code
    # a town moved to the other county takes its rows along
    town = world.a.town
    town.parent = world.b.region
    town.save()
    assert Case.objects.get(pk=case.pk).county_code == world.b.region.code


def test_a_county_principal_is_scoped_by_the_county_code(world):
    register(world, "a", 1)
    register(world, "b", 2)
    admin = world.a.users["county_admin"]
    with CaptureQueriesContext(connection) as queries:
        mine = list(Institution.objects.restrict(admin, Action.VIEW))
    assert [i.county_code for i in mine] == [world.a.region.code]
    assert '"county_code" =' in queries.captured_queries[-1]["sql"]
    empty = RegionFactory(code="530199", name="空区", level=3, parent=world.city)
    admin.region = empty
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    assert not Institution.objects.restrict(admin, Action.VIEW).exists()
    assert not Case.objects.restrict(admin, Action.VIEW).exists()
    # the city reads by the region tree, both counties
    assert Institution.objects.restrict(world.city_admin, Action.VIEW).count() == 2


def test_tasks_keep_their_case_county_code_through_moves(world):
    """A task copies its case's county code (`Task.county_code`): when created, when its
    case moves to another county and when the case's town moves to another county."""
    case = make_case(world.a, region=world.a.town)
    task = make_task(world.a, case)
    assert Task.objects.get(pk=task.pk).county_code == world.a.region.code
    case = Case.objects.get(pk=case.pk)
    case.region = world.b.town
    case.save(update_fields=["region"])
    assert Task.objects.get(pk=task.pk).county_code == world.b.region.code
    case.region = world.a.town
    case.save()
    assert Task.objects.get(pk=task.pk).county_code == world.a.region.code
    town = world.a.town
    town.parent = world.b.region
    town.save()
    assert Task.objects.get(pk=task.pk).county_code == world.b.region.code


def test_a_county_admin_reads_tasks_by_their_own_county_code(world):
    """The county's task pages read the tasks' county code, not their cases' region."""
    from cases.selectors import assignable_tasks, department_tasks

    make_task(world.a, make_case(world.a))
    make_task(world.b, make_case(world.b))
    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    for qs in (assignable_tasks(admin), Task.objects.restrict(admin, Action.VIEW),
               department_tasks(officer)):
        sql = str(qs.query)
        assert '"cases_task"."county_code" =' in sql, sql
        assert [t.county_code for t in qs] == [world.a.region.code]
    where = str(assignable_tasks(admin).query).split(" WHERE ")[1]
    assert '"cases_case"' not in where, where
