"""Issue 13: the complaint list (/api/v1/complaints/) answers from values() rows rendered
by orjson; its JSON must be `ComplaintSerializer`'s, field for field, for the same rows,
and its query count must not grow with the rows."""

import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from complaints import selectors
from complaints.models import Channel, Complaint
from complaints.serializers import ComplaintSerializer
from complaints.tests.helpers import submit
from institutions.tests.helpers import register

pytestmark = pytest.mark.django_db


def test_the_fast_list_writes_what_the_serializer_writes(world):
    institution = register(world, n=1)
    about, _code, _new = submit(world, institution=institution)
    submit(world, channel=Channel.HOTLINE_12345, external_ticket="T-1", origin="12345")
    Complaint.objects.filter(pk=about.pk).update(
        finding="substantiated", outcome="rectification", rating="satisfied",
        replied_at=timezone.now())
    admin = world.a.users["county_admin"]
    client = Client()
    client.force_login(admin)
    response = client.get("/api/v1/complaints/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    rows = selectors.office_qs(admin).order_by("-id")
    slow = json.loads(JSONRenderer().render(ComplaintSerializer(rows, many=True).data))
    assert len(fast) == 2 and fast == slow
    assert {r["institution"] is None for r in fast} == {True, False}
    assert {r["institution_name"] for r in fast} == {institution.name, "某培训点"}
    assert {r["replied_at"] is None for r in fast} == {True, False}


def test_the_fast_list_pages_by_cursor(world):
    for _n in range(3):
        submit(world)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    first = client.get("/api/v1/complaints/?page_size=2").json()
    second = client.get(first["next"]).json()
    numbers = [r["number"] for r in first["results"] + second["results"]]
    assert len(numbers) == len(set(numbers)) == 3
    assert client.get("/api/v1/complaints/?cursor=bm9wZQ").status_code == 400


def test_the_fast_list_runs_the_same_queries_for_more_rows(world, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def grow(start, stop):
        for _n in range(start, stop):
            submit(world)

    _few, many = query_budget(client, "/api/v1/complaints/", grow, small=2, large=6)
    assert len(many.response.json()["results"]) == 6
