"""The consumption and refund endpoints: recorded by the institution's users and token
clients with `funds:write`, read with `funds:read`, scoped through restrict(), cursor
pages, 400 with field errors (never 500), 404 across counties, constant query counts."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from funds import services
from funds.models import Consumption, Movement, RefundRequest, RefundState
from funds.tests.helpers import consume, paid_order, supervised
from institutions.tests.helpers import login, staff_of
from tests.test_api import issue_client, token_get

pytestmark = pytest.mark.django_db

CONSUMPTIONS = "/api/v1/funds/consumptions/"
REFUNDS = "/api/v1/funds/refunds/"


def _post(client_or_token, url, body):
    if isinstance(client_or_token, str):
        return Client().post(url, json.dumps(body), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {client_or_token}")
    return client_or_token.post(url, json.dumps(body), content_type="application/json")


def _lesson(o, key="K1", hours=2):
    return {"order_number": o.number, "hours": hours,
            "lesson_on": timezone.localdate().isoformat(), "idempotency_key": key}


def test_a_token_client_records_consumption_once_per_key(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="3000.00", hours=40)
    token = issue_client(name="erp", scopes=["funds:write"], regions=[world.a.region])[1]
    first = _post(token, CONSUMPTIONS, _lesson(o))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["order"] == o.number and body["amount"] == "150.00"
    assert body["disputable"] is True and body["dispute_until"] >= body["lesson_on"]
    again = _post(token, CONSUMPTIONS, _lesson(o))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Consumption.objects.count() == 1 and Movement.objects.filter(
        kind="consumption").count() == 1
    # Listing with the write scope reads what it writes.
    rows = token_get(token, CONSUMPTIONS).json()["results"]
    assert [r["id"] for r in rows] == [body["id"]]


def test_consumption_input_is_refused_with_field_errors_never_a_500(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course, hours=40)
    staff = login(staff_of(world, inst))
    bad = _post(staff, CONSUMPTIONS, {"order_number": o.number, "hours": 0,
                                      "lesson_on": "2026-13-01", "idempotency_key": ""})
    assert bad.status_code == 400
    assert {"hours", "lesson_on", "idempotency_key"} <= set(bad.json()["errors"])
    too_many = _post(staff, CONSUMPTIONS, _lesson(o, hours=41))
    assert too_many.status_code == 400 and "hours" in too_many.json()["errors"]
    future = _post(staff, CONSUMPTIONS, {**_lesson(o), "lesson_on": "2099-01-01"})
    assert future.status_code == 400 and "lesson_on" in future.json()["errors"]
    junk = staff.post(CONSUMPTIONS, "{not json", content_type="application/json")
    assert junk.status_code == 400
    assert not Consumption.objects.exists()
    ok = _post(staff, CONSUMPTIONS, _lesson(o))
    assert ok.status_code == 201
    reused = _post(staff, CONSUMPTIONS, {**_lesson(o), "hours": 1})
    assert reused.status_code == 200 and reused.json()["hours"] == 2  # the same request


def test_consumption_and_refunds_across_counties_answer_404(world):
    inst, course = supervised(world, "a", 1)
    o = paid_order(world, inst, course)
    record = consume(world, o, 1)
    request = services.refund_request(actor=world.a.users["county_admin"], order=o,
                                      reason="转学")
    b_admin = login(world.b.users["county_admin"])
    assert b_admin.get(f"{CONSUMPTIONS}{record.pk}/").status_code == 404
    assert b_admin.get(f"{REFUNDS}{request.pk}/").status_code == 404
    assert b_admin.get(CONSUMPTIONS).json()["results"] == []
    assert b_admin.get(REFUNDS).json()["results"] == []
    assert _post(b_admin, CONSUMPTIONS, _lesson(o, key="B1")).status_code == 404
    assert _post(b_admin, REFUNDS, {"order_number": o.number, "reason": "x",
                                    "idempotency_key": "B2"}).status_code == 404
    b_token = issue_client(name="erp-b", scopes=["funds:write"], regions=[world.b.region])[1]
    assert _post(b_token, CONSUMPTIONS, _lesson(o, key="B3")).status_code == 404
    assert token_get(b_token, f"{REFUNDS}{request.pk}/").status_code == 404
    a_admin = login(world.a.users["county_admin"])
    assert a_admin.get(f"{CONSUMPTIONS}{record.pk}/").status_code == 200
    assert a_admin.get(f"{REFUNDS}{request.pk}/").json()["state"] == RefundState.REQUESTED
    assert Consumption.objects.count() == 1


def test_scopes_reading_and_writing(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    reader = issue_client(name="platform", scopes=["funds:read"], regions=[world.a.region])[1]
    assert token_get(reader, CONSUMPTIONS).status_code == 200
    assert _post(reader, CONSUMPTIONS, _lesson(o)).status_code == 403
    other = issue_client(name="x", scopes=["institutions:read"], regions=[world.a.region])[1]
    assert token_get(other, REFUNDS).status_code == 403
    assert not Consumption.objects.exists()


def test_a_refund_request_through_the_api_is_idempotent(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    token = issue_client(name="erp", scopes=["funds:write"], regions=[world.a.region])[1]
    body = {"order_number": o.number, "reason": "家长申请退费", "idempotency_key": "R-1"}
    first = _post(token, REFUNDS, body)
    assert first.status_code == 201 and first.json()["state"] == RefundState.REQUESTED
    again = _post(token, REFUNDS, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    second = _post(token, REFUNDS, {**body, "idempotency_key": "R-2"})
    assert second.status_code == 409  # one open request per order
    blank = _post(token, REFUNDS, {"order_number": o.number, "reason": " ",
                                   "idempotency_key": "R-3"})
    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    assert RefundRequest.objects.count() == 1
    rows = token_get(token, REFUNDS).json()["results"]
    assert [r["id"] for r in rows] == [first.json()["id"]]


def test_a_bad_cursor_is_a_400(world):
    client = login(world.a.users["county_admin"])
    for url in (CONSUMPTIONS, REFUNDS):
        response = client.get(url, {"cursor": "bogus"})
        assert response.status_code == 400 and "cursor" in response.json()["errors"]
        assert client.get(url, {"page_size": "0"}).status_code == 400


def test_the_lists_keep_their_query_count(world, query_budget):
    inst, course = supervised(world)
    admin = world.a.users["county_admin"]
    o = paid_order(world, inst, course, amount="1000.00", hours=50)

    def more_lessons(start, stop):
        for _n in range(start, stop):
            consume(world, o, 1)

    def more_requests(start, stop):
        for n in range(start, stop):
            p = paid_order(world, inst, course, learner=f"学员{n}", phone=f"137{n:08d}",
                           amount="100.00", hours=2, months=1)
            services.refund_request(actor=admin, order=p, reason="退费")

    client = login(admin)
    query_budget(client, f"{CONSUMPTIONS}?page_size=200", more_lessons, small=3, large=23,
                 budget=8, name="consumptions api")
    query_budget(client, f"{REFUNDS}?page_size=200", more_requests, small=3, large=13,
                 budget=8, name="refunds api")


def test_a_refund_reason_sent_as_a_number_is_refused(world):
    """Issue 14 D8: text is text; the reason 12345 was stored as "12345"."""
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    token = issue_client(name="erp", scopes=["funds:write"], regions=[world.a.region])[1]
    answer = Client().post(REFUNDS, json.dumps(
        {"order_number": o.number, "reason": 12345, "idempotency_key": "R1"}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"reason": ["Not a valid string."]}
    assert not RefundRequest.objects.exists()
