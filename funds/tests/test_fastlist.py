"""Issue 13: the funds lists (orders, ledger entries, consumption, refund requests) answer
from values() rows rendered by orjson; their JSON must be the serializers', field for
field, for the same rows, and their query counts must not grow with the rows (the
ledger's, consumption's and refunds' are counted in test_api*.py)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from funds import selectors, services
from funds.models import Consumption, ConsumptionState, RefundRequest, RefundState
from funds.serializers import (
    ConsumptionSerializer,
    EntrySerializer,
    OrderSerializer,
    RefundRequestSerializer,
)
from funds.tests.helpers import consume, order, paid_order, supervised
from institutions.tests.helpers import login

pytestmark = pytest.mark.django_db


def serialized(serializer, rows):
    return json.loads(JSONRenderer().render(serializer(rows, many=True).data))


@pytest.fixture
def ledger(world):
    """Orders paid and not, consumption disputable and past its window, a refund
    requested (no amount, not closed) and one refunded."""
    inst, course = supervised(world)
    admin = world.a.users["county_admin"]
    paid = paid_order(world, inst, course, amount="1000.50", hours=50)
    order(world, inst, course, learner="小红", phone="13800000002", amount="99.00")
    open_lesson = consume(world, paid, 2)
    past = consume(world, paid, 1)
    Consumption.objects.filter(pk=past.pk).update(
        dispute_until=timezone.localdate() - dt.timedelta(days=1))
    Consumption.objects.filter(pk=open_lesson.pk).update(state=ConsumptionState.RECORDED)
    services.refund_request(actor=admin, order=paid, reason="搬家")
    other = paid_order(world, inst, course, learner="小刚", phone="13800000003",
                       amount="200.00", hours=4)
    done = services.refund_request(actor=admin, order=other, reason="退费")
    RefundRequest.objects.filter(pk=done.pk).update(
        state=RefundState.REFUNDED, amount=Decimal("200"), closed_at=timezone.now(),
        institution_note="同意", decision="")
    return login(admin), admin


@pytest.mark.parametrize(("url", "serializer", "rows"), [
    ("/api/v1/funds/orders/", OrderSerializer, selectors.orders),
    ("/api/v1/funds/entries/", EntrySerializer, selectors.entries),
    ("/api/v1/funds/consumptions/", ConsumptionSerializer, selectors.consumption_list),
    ("/api/v1/funds/refunds/", RefundRequestSerializer, selectors.refund_requests),
])
def test_the_fast_list_writes_what_the_serializer_writes(ledger, url, serializer, rows):
    client, admin = ledger
    response = client.get(f"{url}?page_size=200")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    assert len(fast) >= 2 and fast == serialized(serializer, rows(admin).order_by("-id"))


def test_the_rows_cover_nulls_decimals_and_computed_fields(ledger):
    client, _admin = ledger
    orders = client.get("/api/v1/funds/orders/").json()["results"]
    assert {o["amount"] for o in orders} >= {"1000.50", "99.00"}
    lessons = client.get("/api/v1/funds/consumptions/").json()["results"]
    assert {c["disputable"] for c in lessons} == {True, False}
    refunds = client.get("/api/v1/funds/refunds/").json()["results"]
    assert {r["amount"] for r in refunds} == {None, "200.00"}
    assert {r["closed_at"] is None for r in refunds} == {True, False}
    entries = client.get("/api/v1/funds/entries/").json()["results"]
    assert len({e["kind"] for e in entries}) >= 2


def test_the_order_list_runs_the_same_queries_for_more_rows(world, query_budget):
    inst, course = supervised(world)
    client = login(world.a.users["county_admin"])

    def grow(start, stop):
        for n in range(start, stop):
            order(world, inst, course, learner=f"学员{n}", phone=f"137{n:08d}")

    _few, many = query_budget(client, "/api/v1/funds/orders/", grow, small=2, large=6,
                              name="orders api")
    assert len(many.response.json()["results"]) == 6
