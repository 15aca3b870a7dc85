"""The funds lists and details, HTML and API, through the generic URL test case
(tests/generic.py): who sees county A's records, nobody sees county B's, 404 across
counties, constant query counts."""

from __future__ import annotations

from typing import Any

import pytest

from funds.models import Order
from funds.tests.helpers import order, paid_order, supervised
from institutions.models import Institution
from tests.factories import World
from tests.generic import URLTests

pytestmark = pytest.mark.django_db

#: Issue 11 "Access": education-sports (officer, head) and market regulation read the
#: funds of the county's institutions; culture-tourism supervises arts in Kunming; the
#: admins. Joint office, discipline, health, grid and supervisors do not.
VIEWERS = {"officer", "head", "culture", "market", "county_admin"}


class TestOrderURLs(URLTests):
    api_list = "/api/v1/funds/orders/"
    viewers = VIEWERS
    api_budget = 8
    budget_small, budget_large = 3, 23

    def build(self, world: World, key: str) -> Order:
        inst, course = supervised(world, key, n=1 if key == "a" else 2)
        return paid_order(world, inst, course, key)

    def html_detail(self, obj: Order) -> str:
        return f"/office/funds/orders/{obj.number}/"

    def api_detail(self, obj: Order) -> str:
        return f"/api/v1/funds/orders/{obj.number}/"

    def api_key(self, obj: Order) -> tuple[str, Any]:
        return ("number", obj.number)

    def grow(self, world: World, start: int, stop: int) -> None:
        inst = Institution.objects.filter(name="机构1").first()
        if inst is None:
            inst, course = supervised(world, "a", n=1)
        course = inst.courses.get()
        for n in range(start, stop):
            order(world, inst, course, learner=f"学员{n}", phone=f"139{n:08d}")


class TestFundInstitutionURLs(URLTests):
    html_list = "/office/funds/"
    viewers = VIEWERS
    html_budget = 9
    budget_small, budget_large = 2, 12

    def build(self, world: World, key: str) -> Institution:
        inst, course = supervised(world, key, n=1 if key == "a" else 2)
        paid_order(world, inst, course, key)
        return inst

    def html_detail(self, obj: Institution) -> str:
        return f"/office/funds/{obj.uscc}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            inst, course = supervised(world, "a", n=10 + n)
            paid_order(world, inst, course)
