"""Issue 13: the case list endpoint answers from values() rows rendered by orjson; its
JSON must be the documented serializer's, field for field, for the same rows."""

import json

import pytest
from django.test import Client
from rest_framework.renderers import JSONRenderer

from cases import selectors
from cases.serializers import CaseSerializer
from cases.services import case_close
from tests.factories import make_case, make_task

pytestmark = pytest.mark.django_db


def test_the_fast_list_writes_what_the_serializer_writes(world):
    open_case = make_case(world.a, title="有任务")
    make_task(world.a, open_case)
    make_task(world.a, open_case)
    closed = make_case(world.a, title="已办结")
    case_close(actor=world.a.users["county_admin"], case=closed, reason="办结")
    user = world.a.users["county_admin"]
    client = Client()
    client.force_login(user)
    fast = client.get("/api/v1/cases/").json()["results"]
    rows = selectors.case_list_qs(user).order_by("-id")
    slow = json.loads(JSONRenderer().render(CaseSerializer(rows, many=True).data))
    assert fast == slow and len(fast) >= 2
    assert {r["open_tasks"] for r in fast} >= {0, 2}
    assert any(r["closed_at"] for r in fast)
