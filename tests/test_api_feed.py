"""Issue 13, the integrator's pull: a change feed ordered by (updated_at, id) with a signed
watermark, and tombstones for records that left the caller's regions or were deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.models import Case
from institutions.models import Institution
from institutions.tests.helpers import register
from org.models import Tombstone
from tests.factories import make_case
from tests.test_api import assert_error_body, issue_client

pytestmark = pytest.mark.django_db

INSTITUTIONS = "/api/v1/changes/institutions/"
CASES = "/api/v1/changes/cases/"


def pull(token: str, url: str, **params: Any) -> Any:
    return Client().get(url, params, HTTP_AUTHORIZATION=f"Token {token}")


def drain(token: str, url: str, since: str | None = None, limit: int = 200) -> tuple[list, list, str]:
    changes, graves = [], []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        body = pull(token, url, **params).json()
        changes += body["changes"]
        graves += body["tombstones"]
        since = body["watermark"]
        if not body["has_more"]:
            return changes, graves, since


def test_a_pull_sees_every_change_once_and_then_only_what_changed(world):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    made = [register(world, "a", n) for n in range(1, 8)]
    register(world, "b", 1)  # another county: never in this client's feed
    changes, graves, mark = drain(token, INSTITUTIONS, limit=3)
    assert sorted(c["uscc"] for c in changes) == sorted(i.uscc for i in made)
    assert graves == []
    again, _, mark = drain(token, INSTITUTIONS, mark)
    assert again == []
    Institution.objects.filter(pk=made[2].pk).update(name="改名机构")
    made[2].refresh_from_db()
    made[2].save()  # bumps updated_at, as every service write does
    later, _, mark = drain(token, INSTITUTIONS, mark)
    assert [c["uscc"] for c in later] == [made[2].uscc]


def test_a_record_that_moves_away_or_is_deleted_leaves_a_tombstone(world):
    _, token_a = issue_client(name="a", scopes=["institutions:read", "cases:read"],
                              regions=[world.a.region])
    _, token_b = issue_client(name="b", scopes=["institutions:read"], regions=[world.b.region])
    inst = register(world, "a", 1)
    _, _, mark_a = drain(token_a, INSTITUTIONS)
    _, _, mark_b = drain(token_b, INSTITUTIONS)
    inst.region = world.b.town
    inst.save()
    changes, graves, _ = drain(token_a, INSTITUTIONS, mark_a)
    assert changes == [] and [(g["key"], g["reason"]) for g in graves] == [(inst.uscc, "moved")]
    changes, graves, _ = drain(token_b, INSTITUTIONS, mark_b)
    assert [c["uscc"] for c in changes] == [inst.uscc] and graves == []

    # A case with no history yet (one with an audit trail cannot be deleted at all).
    case = Case.objects.create(number="DB-TEST-2026-999999", kind="supervision", title="误建",
                               region=world.a.town)
    _, _, mark = drain(token_a, CASES)
    number = case.number
    case.delete()
    changes, graves, _ = drain(token_a, CASES, mark)
    assert [(g["key"], g["reason"]) for g in graves] == [(number, "deleted")]
    assert Tombstone.objects.filter(kind="case", key=number).exists()


def test_a_move_within_the_callers_regions_is_no_tombstone(world):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.city])
    inst = register(world, "a", 1)
    _, _, mark = drain(token, INSTITUTIONS)
    inst.region = world.b.town
    inst.save()
    changes, graves, _ = drain(token, INSTITUTIONS, mark)
    assert [c["uscc"] for c in changes] == [inst.uscc] and graves == []


@pytest.mark.parametrize("since", ["abc", "cD1hYmM=", "x" * 300, "1:2:3"])
def test_a_forged_watermark_is_a_400_naming_it(world, since):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    body = assert_error_body(pull(token, INSTITUTIONS, since=since), 400)
    assert "since" in body["errors"]


def test_another_clients_watermark_is_refused(world):
    _, token_a = issue_client(name="a", scopes=["institutions:read"], regions=[world.a.region])
    _, token_b = issue_client(name="b", scopes=["institutions:read"], regions=[world.b.region])
    register(world, "a", 1)
    _, _, mark = drain(token_a, INSTITUTIONS)
    assert_error_body(pull(token_b, INSTITUTIONS, since=mark), 400)


@pytest.mark.parametrize("limit", ["0", "-5", "501", "ten", ""])
def test_a_bad_limit_is_a_400(world, limit):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    body = assert_error_body(pull(token, INSTITUTIONS, limit=limit), 400)
    assert "limit" in body["errors"]


def test_the_feed_needs_its_scope_and_reads_through_the_gateway(world):
    _, token = issue_client(scopes=["regions:read"], regions=[world.a.region])
    assert pull(token, INSTITUTIONS).status_code == 403
    assert Client().get(INSTITUTIONS).status_code == 401
    officer_b = Client()
    officer_b.force_login(world.b.users["officer"])
    make_case(world.a)
    body = officer_b.get(CASES).json()
    assert all(c["region"].startswith(world.b.region.code) for c in body["changes"])


def test_the_feed_costs_the_same_queries_for_one_row_and_many(world,
                                                              django_assert_max_num_queries):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    register(world, "a", 1)
    pull(token, INSTITUTIONS)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        pull(token, INSTITUTIONS)
    for n in range(2, 30):
        register(world, "a", n)
    with django_assert_max_num_queries(len(one)):
        pull(token, INSTITUTIONS)


def test_a_tombstone_is_timed_as_the_rows_are(world):
    """A tombstone's `at` was written in UTC with "Z" while the rows' timestamps read in
    Asia/Shanghai (+08:00), as DRF writes them: a client comparing the two compared two
    clocks. Both now read alike, and the watermark still resumes after the tombstone."""
    import datetime as dt
    import re

    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    leaving = register(world, "a", 1)
    _, _, mark = drain(token, INSTITUTIONS)
    leaving.region = world.b.town
    leaving.save()
    staying = register(world, "a", 2)
    changes, graves, mark = drain(token, INSTITUTIONS, mark)
    assert [c["uscc"] for c in changes] == [staying.uscc]
    [grave] = graves
    shape = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")
    assert shape.match(changes[0]["updated_at"]), changes[0]["updated_at"]
    assert shape.match(grave["at"]), grave["at"]
    stone = Tombstone.objects.get(kind="institution", key=leaving.uscc)
    assert dt.datetime.fromisoformat(grave["at"]) == stone.at
    assert drain(token, INSTITUTIONS, mark)[:2] == ([], [])
