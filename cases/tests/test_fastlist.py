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


def test_a_state_filter_reads_the_page_without_distinct(world):
    """Several states are one column's IN, not a to-many join: django-filter's
    MultipleChoiceFilter would add DISTINCT, and PostgreSQL then de-duplicated every case
    of the scope before the page (seconds at 2M cases, issue 13)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_case = make_case(world.a, title="进行中")
    closed = make_case(world.a, title="已办结")
    case_close(actor=world.a.users["county_admin"], case=closed, reason="办结")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    for url in ("/api/v1/cases/?state=open&state=closed", "/office/cases/?state=closed"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        cases = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"]]
        assert cases and not any("DISTINCT" in sql.upper() for sql in cases), cases
    numbers = {r["number"] for r in client.get(
        "/api/v1/cases/?state=open&state=closed").json()["results"]}
    assert {open_case.number, closed.number} <= numbers
