"""Issue 13: institutions and cases keep their county's code, and a county's principal is
scoped by one equality on it (the `(county_code, id)` index) — correct after a save that
moves the row and after a region moves to another county."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from institutions.models import Institution
from institutions.tests.helpers import register
from org.scope import Action
from tests.factories import RegionFactory, make_case

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
