"""Issue 13: the office complaint list pages by keyset (core.paging): every row once in
its order forward and back, no COUNT(*), the deepest page costing the first page's
queries, with the filters the dashboards link with kept on every page; and the overdue
flag read per row of the page, never by hashing every county's overdue tasks."""

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases.models import Task
from complaints import selectors, views
from complaints.models import Complaint, ComplaintStatus
from complaints.tests.helpers import submit
from tests.factories import World
from tests.keyset import assert_walks_every_row_once

pytestmark = pytest.mark.django_db


def _complaints(world: World, n: int) -> list[int]:
    for i in range(n):
        submit(world, complainant_phone=f"1390001{i:04d}")
    return list(Complaint.objects.filter(case__county_code=world.a.region.code)
                .order_by("-received_at", "-id").values_list("pk", flat=True))


def test_office_list_walks_every_row_once_forward_and_back(world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    expected = _complaints(world, 11)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    assert_walks_every_row_once(client, "/office/complaints/", expected)
    # The dashboards' filters (issue 12) ride along on every page's links.
    month = timezone.localdate().strftime("%Y-%m")
    url = (f"/office/complaints/?status=received&month={month}"
           f"&region={world.a.region.code}")
    assert_walks_every_row_once(client, url, expected)


def test_export_link_drops_the_position(world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _complaints(world, 5)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    token = client.get("/office/complaints/").context["page"].next_token
    response = client.get("/office/complaints/", {"after": token})
    assert "after=" not in response.context["export_query"]


def test_overdue_flag_marks_the_case_with_an_open_overdue_task(world):
    _complaints(world, 2)
    late = Complaint.objects.filter(case__county_code=world.a.region.code).first()
    assert late is not None
    Task.objects.filter(case=late.case, status="open").update(
        overdue_since=timezone.localdate())
    flags = {c.pk: c.open_overdue
             for c in selectors.office_list(world.a.users["county_admin"])}
    assert flags[late.pk] is True and list(flags.values()).count(True) == 1
    assert ComplaintStatus.CLOSED != late.status


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_overdue_flag_is_a_per_row_subquery_the_planner_cannot_hash(world):
    """An EXISTS became a hashed subplan over every county's open overdue tasks (302k
    rows, about a second, at 2M tasks); a scalar subquery runs per row on the index."""
    sql, params = selectors.office_list(world.a.users["county_admin"])[:51] \
        .query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "hashed SubPlan" not in plan, plan
