"""The funds API: the custodian bank's inbound payments (token clients with `funds:write`),
idempotent on the bank's transaction id; orders and ledger lists in scope."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from funds.models import Entry, Movement, OrderState
from funds.tests.helpers import consume, order, paid_order, supervised
from institutions.tests.helpers import login
from tests.test_api import issue_client, token_get

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/funds/payments/"


def _post(token, body):
    return Client().post(PAYMENTS, json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}")


def _bank(world, regions=None, scopes=("funds:write",)):
    return issue_client(name="bank", scopes=list(scopes), regions=regions or [world.a.region])[1]


def test_the_bank_posts_a_payment_once_whatever_it_repeats(world):
    """Issue 11: payments arrive from the custodian bank, idempotent on its transaction id."""
    inst, course = supervised(world)
    o = order(world, inst, course)
    token = _bank(world)
    body = {"transaction_id": "ABC-1", "order_number": o.number, "amount": "3000.00"}
    first = _post(token, body)
    assert first.status_code == 200 and first.json()["created"] is True
    again = _post(token, body)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["movement"] == first.json()["movement"]
    assert Movement.objects.count() == 1 and Entry.objects.count() == 2
    o.refresh_from_db()
    assert o.state == OrderState.PAID and o.held == Decimal("3000.00")
    conflict = _post(token, {**body, "amount": "2999.00"})
    assert conflict.status_code == 409


def test_a_payment_is_refused_with_field_errors_never_a_500(world):
    inst, course = supervised(world)
    o = order(world, inst, course)
    token = _bank(world)
    wrong_amount = _post(token, {"transaction_id": "X1", "order_number": o.number,
                                 "amount": "100.00"})
    assert wrong_amount.status_code == 400 and "amount" in wrong_amount.json()["errors"]
    unknown = _post(token, {"transaction_id": "X2", "order_number": "DDNOPE",
                            "amount": "100.00"})
    assert unknown.status_code == 404  # missing and outside the regions answer alike
    bad = _post(token, {"transaction_id": "", "order_number": o.number, "amount": "1.001"})
    assert bad.status_code == 400 and {"transaction_id", "amount"} <= set(bad.json()["errors"])
    assert not Movement.objects.exists()


@pytest.mark.parametrize("field", ["amount", "transaction_id", "order_number"])
def test_a_payment_field_sent_as_a_number_is_refused(world, field):
    """Issue 14 D8, STYLE.md §8: the amount is text, never a binary float; the JSON number
    3000.0 was read as "3000.0" and the order paid."""
    inst, course = supervised(world)
    o = order(world, inst, course)
    body = {"transaction_id": "T-1", "order_number": o.number, "amount": "3000.00"}
    body[field] = {"amount": 3000.0, "transaction_id": 12345, "order_number": 1}[field]
    answer = Client().post(PAYMENTS, json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {_bank(world)}",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {field: ["Not a valid string."]}
    assert not Movement.objects.exists()


def test_a_bank_balance_sent_as_a_number_is_refused(world):
    inst, _course = supervised(world)
    answer = Client().post("/api/v1/funds/bank-balances/", json.dumps(
        {"uscc": inst.uscc, "day": "2026-05-01", "balance": 1234.5}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Token {_bank(world)}",
        HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"balance": ["Not a valid string."]}


def test_only_a_bank_client_of_the_orders_region_with_the_scope_pays(world):
    inst, course = supervised(world)
    o = order(world, inst, course)
    body = {"transaction_id": "T1", "order_number": o.number, "amount": "3000.00"}
    other_region = _bank(world, regions=[world.b.region])
    assert _post(other_region, body).status_code == 404  # not in its regions
    no_scope = issue_client(name="erp", scopes=["institutions:read"],
                            regions=[world.a.region])[1]
    assert _post(no_scope, body).status_code == 403
    user = login(world.a.users["county_admin"]).post(PAYMENTS, json.dumps(body),
                                                     content_type="application/json")
    assert user.status_code == 403  # people do not report bank payments
    assert not Movement.objects.exists()


def test_the_bank_reads_orders_of_its_regions_only(world):
    inst, course = supervised(world, "a", 1)
    own = order(world, inst, course)
    inst_b, course_b = supervised(world, "b", 2)
    other = order(world, inst_b, course_b, "b")
    token = _bank(world)
    numbers = {r["number"] for r in token_get(token, "/api/v1/funds/orders/").json()["results"]}
    assert own.number in numbers and other.number not in numbers
    assert token_get(token, f"/api/v1/funds/orders/{other.number}/").status_code == 404


def test_the_ledger_lists_entries_in_scope_with_a_constant_query_count(world, query_budget):
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="1000.00", hours=50)

    def grow(start, stop):
        for _n in range(start, stop):
            consume(world, o, 1)

    client = login(world.a.users["county_admin"])
    query_budget(client, "/api/v1/funds/entries/?page_size=200", grow, small=3, large=23,
                 budget=8, name="entries api")
    rows = client.get("/api/v1/funds/entries/").json()["results"]
    assert sum(Decimal(r["amount"]) for r in rows) == 0
    assert login(world.b.users["county_admin"]).get(
        "/api/v1/funds/entries/").json()["results"] == []
    bank = _bank(world)
    assert token_get(bank, "/api/v1/funds/entries/").status_code == 403  # no funds:read
    reader = issue_client(name="platform", scopes=["funds:read"], regions=[world.a.region])[1]
    assert len(token_get(reader, "/api/v1/funds/entries/").json()["results"]) == len(rows)
    elsewhere = issue_client(name="other", scopes=["funds:read"], regions=[world.b.region])[1]
    assert token_get(elsewhere, "/api/v1/funds/entries/").json()["results"] == []
    payment = {"transaction_id": "R1", "order_number": o.number, "amount": "1000.00"}
    assert _post(reader, payment).status_code == 403  # reading is not paying
