"""Role × region × object for the endpoints of the cases app that write (cases/api.py;
issue 3 §2). The case and notification lists and the case detail are declared once in
test_urls.py."""

import pytest

from cases.tests.test_views import build
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

API = [
    Endpoint("api task complete", lambda o: f"/api/v1/tasks/mine/{o['lead'].pk}/complete/",
             {"officer", "head"}, method="post", api=True, data=lambda o: {"note": "办结"},
             denied=(403, 404)),
]


def test_api_matrix(world):
    assert_matrix(world, API, build)
