"""The office list and detail of institutions, HTML and API, through the generic URL
test case (tests/generic.py)."""

from __future__ import annotations

from typing import Any

import pytest

from institutions.models import Institution
from institutions.tests.helpers import licensed_with_gate
from tests.factories import World
from tests.generic import URLTests

pytestmark = pytest.mark.django_db


class TestInstitutionURLs(URLTests):
    """A licensed arts institution that meets the enrollment gate."""

    html_list = "/office/institutions/"
    api_list = "/api/v1/institutions/"
    #: Kunming arts: culture-tourism supervises and leads licensing; education-sports
    #: leads daily supervision; market regulation assists in arts daily supervision
    #: (000 §3(1)3); health has no part.
    viewers = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}
    html_budget, api_budget = 10, 7  # +1: the counties to filter by (issue 14 C9)
    budget_role = "county_admin"
    #: An institution takes a dozen service calls to license: 3 and 23 rows show an N+1
    #: as well as 10 and 200.
    budget_small, budget_large = 3, 23

    def build(self, world: World, key: str) -> Institution:
        return licensed_with_gate(world, key, 1)

    def html_detail(self, obj: Institution) -> str:
        return f"/office/institutions/{obj.uscc}/"

    def api_detail(self, obj: Institution) -> str:
        return f"/api/v1/institutions/{obj.uscc}/"

    def api_key(self, obj: Institution) -> tuple[str, Any]:
        return ("uscc", obj.uscc)

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start + 1, stop + 1):
            licensed_with_gate(world, "a", n + 1, name=f"机构{n}")
