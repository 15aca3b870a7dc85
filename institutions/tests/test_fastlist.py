"""Issue 13: the institutions list endpoint answers from values() rows rendered by orjson;
its JSON must be the documented serializer's, field for field, for the same rows."""

import datetime as dt
import json

import pytest
from django.test import Client
from rest_framework.renderers import JSONRenderer

from institutions.models import Institution
from institutions.serializers import InstitutionListSerializer
from institutions.tests.helpers import licensed_with_gate, register

pytestmark = pytest.mark.django_db


def test_the_fast_list_writes_what_the_serializer_writes(world):
    licensed_with_gate(world)
    register(world, n=2, name="无部门机构")
    Institution.objects.filter(name="无部门机构").update(supervising_department=None,
                                                        address="", list_reason="原因")
    Institution.objects.filter(name="机构1").update(
        licence_valid_until=dt.date(2027, 1, 31), converted_from_academic=True)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get("/api/v1/institutions/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    rows = Institution.objects.filter(uscc__in=[r["uscc"] for r in fast]).select_related(
        "region", "supervising_department").order_by("-id")
    slow = json.loads(JSONRenderer().render(InstitutionListSerializer(rows, many=True).data))
    assert len(fast) == 2 and fast == slow
    assert {r["supervising_department"] is None for r in fast} == {True, False}


def test_the_fast_list_pages_by_cursor_and_refuses_a_forged_one(world):
    for n in range(5):
        register(world, n=10 + n, name=f"机构{n}")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    first = client.get("/api/v1/institutions/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {r["uscc"] for r in first["results"]} & {r["uscc"] for r in second["results"]}
    assert client.get("/api/v1/institutions/?cursor=bm9wZQ").status_code == 400
