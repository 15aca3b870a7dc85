"""The navbar's "Cases" menu lists only the case kinds the reader can read (issue 14), as
the visibility rules say: the department roles and admins every kind, institution staff
only what a kind opens to them."""

import pytest
from django.test import Client

from tests.factories import build_world, make_case

pytestmark = pytest.mark.django_db


def _menu(user):
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_a_role_sees_only_the_kinds_it_reads():
    world = build_world()
    make_case(world.a, kind="supervision")
    # the county admin reads the county's supervision case
    assert "/cases/?kind=supervision" in _menu(world.a.users["county_admin"])
    # institution staff read their own applications and nothing else: no supervision entry,
    # no licensing entry while they belong to no institution
    staff = _menu(world.a.users["institution"])
    assert "/cases/?kind=supervision" not in staff and "/cases/?kind=licensing" not in staff
    # the county's officers and county B's admin read every kind (by the matrix)
    assert "/cases/?kind=supervision" in _menu(world.b.users["county_admin"])


def test_institution_staff_see_the_licensing_kind_once_they_belong_to_an_institution():
    from institutions.tests.helpers import register

    world = build_world()
    inst = register(world, "a", 1)
    staff = world.a.users["institution"]
    staff.institution = inst
    staff.save()
    body = _menu(staff)
    assert "/cases/?kind=licensing" in body and "/cases/?kind=supervision" not in body
