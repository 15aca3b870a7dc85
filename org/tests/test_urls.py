"""The API of regions and departments, through the generic URL test case
(tests/generic.py). Both are public facts: every signed-in role reads both counties."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.vocab import DepartmentType
from org.models import Department, Region
from tests.factories import COUNTY_ROLES, World
from tests.generic import URLTests
from tests.growth import grow_regions

pytestmark = pytest.mark.django_db


class TestRegionURLs(URLTests):
    api_list = "/api/v1/regions/"
    viewers = set(COUNTY_ROLES)
    other_county_hidden = False
    #: Growing adds towns of county A; the world has two towns already.
    api_budget_url = "/api/v1/regions/?level=4&page_size=200"
    api_budget = 8
    budget_base = 2
    budget_role = "officer"

    def build(self, world: World, key: str) -> Region:
        return world.county(key).town

    def api_detail(self, obj: Region) -> str:
        return f"/api/v1/regions/{obj.code}/"

    def api_key(self, obj: Region) -> tuple[str, Any]:
        return ("code", obj.code)

    def grow(self, world: World, start: int, stop: int) -> None:
        grow_regions(world, start, stop)


class TestDepartmentURLs(URLTests):
    api_list = "/api/v1/departments/"
    viewers = set(COUNTY_ROLES)
    other_county_hidden = False
    #: Growing adds towns of county A with their town government; the world has two.
    api_budget_url = "/api/v1/departments/?type=town_government&page_size=200"
    api_budget = 8
    budget_base = 2
    budget_role = "officer"

    def build(self, world: World, key: str) -> Department:
        return world.county(key).depts[DepartmentType.HEALTH]

    def api_detail(self, obj: Department) -> str:
        return f"/api/v1/departments/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        grow_regions(world, start, stop)


def test_the_admins_of_the_city_and_the_system_read_both_counties(world: World) -> None:
    """The county roles are covered by the classes above; the city and system admins
    read regions and departments of every county too."""
    for user in (world.city_admin, world.system_admin):
        client = Client()
        client.force_login(user)
        for county in (world.a, world.b):
            for url in (f"/api/v1/regions/{county.region.code}/",
                        f"/api/v1/departments/{county.depts[DepartmentType.HEALTH].pk}/"):
                assert client.get(url).status_code == 200, (user.username, url)
