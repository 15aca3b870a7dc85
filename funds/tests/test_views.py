"""The funds pages: the sale form refusing with the rule, the order's actions, the
arrangement form, the permission matrix across counties, and constant query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from funds import services
from funds.models import Arrangement, Consumption, ConsumptionState, Order, OrderState
from funds.tests.helpers import consume, order, paid_order, supervised
from institutions.tests.helpers import login, register
from policy.sources import cite
from tests.factories import COUNTY_ROLES
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

VIEWERS = {"officer", "head", "culture", "market", "county_admin"}
#: Kunming arts: culture-tourism supervises; the admins.
WORKERS = {"culture", "county_admin"}


def _sale(course, **over):
    data = {"course": course.pk, "learner_name": "小明", "guardian_name": "王女士",
            "guardian_phone": "13800000001", "class_hours": 40, "months": 3,
            "amount": "3000.00", "contract_version": "2021"}
    data.update(over)
    return data


def test_the_sale_form_refuses_with_the_rule_and_records_a_good_order(world):
    """002 §2(4): the refusal cites the rule; a good order awaits its payment."""
    inst, course = supervised(world)
    client = login(world.a.users["county_admin"])
    url = f"/office/funds/{inst.uscc}/"
    response = client.post(url, _sale(course, amount="6000.00"))
    assert response.status_code == 400 and cite("002 §2(4)") in response.content.decode()
    assert not Order.objects.exists()
    response = client.post(url, _sale(course))
    assert response.status_code == 302
    assert Order.objects.get().state == OrderState.PENDING


def test_the_order_page_consumes_disputes_resolves_and_refunds(world):
    with_admin = login(world.a.users["county_admin"])
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="1000.00", hours=10)
    url = f"/office/funds/orders/{o.number}/"
    page = with_admin.get(url).content.decode()
    assert 'value="consume"' in page and 'value="refund"' in page
    assert with_admin.post(url, {"verb": "consume", "consume-hours": 2,
                                 "consume-lesson_on": o.ordered_on.isoformat()}).status_code == 302
    record = Consumption.objects.get()
    assert with_admin.post(url, {"verb": "dispute", "dispute-consumption": record.pk,
                                 "dispute-reason": "当天缺课"}).status_code == 302
    assert with_admin.post(url, {"verb": "resolve", "resolve-consumption": record.pk,
                                 "resolve-uphold": "no",
                                 "resolve-resolution": "签到表属实"}).status_code == 302
    assert Consumption.objects.get().state == ConsumptionState.CONFIRMED
    response = with_admin.post(url, {"verb": "refund", "refund-reason": "家长申请",
                                     "refund-idempotency_key": "abc"})
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.state == OrderState.REFUNDED and o.refunded == Decimal("800.00")
    # The form's key makes a repeated submission refund nothing twice.
    again = with_admin.post(url, {"verb": "refund", "refund-reason": "家长申请",
                                  "refund-idempotency_key": "abc"})
    assert again.status_code == 404  # no longer offered: the order is refunded


def test_a_refused_dispute_on_a_closed_order_shows_why(world):
    """A refunded order offers no consumption or refund form; a dispute sent without a
    reason still shows its error (it answered 400 with nothing on the page)."""
    admin = world.a.users["county_admin"]
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="1000.00", hours=10)
    record = consume(world, o, 2)
    services.order_refund(actor=admin, order=o, reason="家长申请")
    response = login(admin).post(f"/office/funds/orders/{o.number}/", {
        "verb": "dispute", "dispute-consumption": record.pk, "dispute-reason": ""})
    assert response.status_code == 400
    assert 'id="consumption-errors"' in response.content.decode()


def test_too_many_hours_show_as_a_field_error(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="1000.00", hours=10)
    response = login(world.a.users["county_admin"]).post(
        f"/office/funds/orders/{o.number}/",
        {"verb": "consume", "consume-hours": 11, "consume-lesson_on": o.ordered_on.isoformat()})
    assert response.status_code == 400
    assert "10" in response.context["forms"]["consume"].errors["hours"][0]
    assert not Consumption.objects.exists()


def test_the_arrangement_form_records_bank_custody(world):
    inst = register(world)
    client = login(world.a.users["county_admin"])
    url = f"/office/funds/{inst.uscc}/arrangement/"
    assert client.post(url, {"mode": "bank_custody", "custodian_bank": "农行"}).status_code == 400
    response = client.post(url, {"mode": "bank_custody", "custodian_bank": "农行",
                                 "account_number": "6228", "payment_channel": "监管平台统一收费"})
    assert response.status_code == 302
    arrangement = Arrangement.objects.get()
    # The account and payment channel of the enrollment gate live here (issue 11).
    assert (arrangement.account_number, arrangement.payment_channel) == ("6228", "监管平台统一收费")
    page = client.get(f"/office/funds/{inst.uscc}/").content.decode()
    assert "监管平台统一收费" in page and 'id="custodian-missing"' not in page


def test_a_carried_over_account_asks_for_its_custodian_bank(world):
    """funds 0006 carries the registry's account and channel over without a bank: the page
    says so, and recording the arrangement again needs the bank."""
    inst = register(world)
    Arrangement.objects.create(institution=inst, mode="bank_custody", account_number="6217",
                               payment_channel="平台")
    client = login(world.a.users["county_admin"])
    assert 'id="custodian-missing"' in client.get(f"/office/funds/{inst.uscc}/").content.decode()
    url = f"/office/funds/{inst.uscc}/arrangement/"
    assert client.post(url, {"mode": "bank_custody", "account_number": "6217",
                             "payment_channel": "平台"}).status_code == 400


def test_the_orders_export_shows_the_phone_to_workers_only(world):
    """The registry's enrolments export moved here with enrolling (issue 11)."""
    from io import BytesIO

    from openpyxl import load_workbook

    inst, course = supervised(world)
    order(world, inst, course, learner="小明", phone="13800000009")
    url = f"/office/funds/{inst.uscc}/?export=xlsx"

    def rows(user):
        response = login(user).get(url)
        assert response.status_code == 200
        return [[c.value for c in r] for r in load_workbook(BytesIO(response.content)).active.rows]

    worker = rows(world.a.users["county_admin"])
    assert "13800000009" in worker[-1] and "小明" in worker[-1]
    reader = rows(world.a.users["market"])
    assert "小明" in reader[-1] and "13800000009" not in reader[-1]
    assert login(world.b.users["county_admin"]).get(url).status_code == 404


def _objects(world, key):
    inst, course = supervised(world, key, n=1 if key == "a" else 2)
    o = paid_order(world, inst, course, key)
    record = services.consumption_dispute(
        actor=world.county(key).users["county_admin"], consumption=consume(world, o, 1, key),
        reason="家长异议")
    return {"inst": inst, "course": course, "order": o, "consumption": record}


def test_cross_county_matrix_for_the_funds_pages_and_actions(world):
    """Issue 11 "Done when": the cross-county 404 matrix, HTML and API, reads and writes."""
    endpoints = [
        Endpoint("fund page", lambda o: f"/office/funds/{o['inst'].uscc}/", VIEWERS),
        Endpoint("ledger", lambda o: f"/office/funds/{o['inst'].uscc}/ledger/", VIEWERS),
        Endpoint("order", lambda o: f"/office/funds/orders/{o['order'].number}/", VIEWERS),
        Endpoint("arrangement form", lambda o: f"/office/funds/{o['inst'].uscc}/arrangement/",
                 WORKERS),
        Endpoint("arrangement", lambda o: f"/office/funds/{o['inst'].uscc}/arrangement/",
                 WORKERS, method="post", ok=(302,),
                 data=lambda o: {"mode": "bank_custody", "custodian_bank": "农行",
                                 "account_number": "1"}),
        # Selling is the institution's (or an admin's for it): an officer is not offered it.
        Endpoint("sell", lambda o: f"/office/funds/{o['inst'].uscc}/", {"county_admin"},
                 method="post", ok=(302,),
                 data=lambda o: _sale(o["course"], learner_name="新学员",
                                      guardian_phone="13900000009")),
        # A refund waits for the open dispute: offered to the workers, refused by state.
        Endpoint("refund", lambda o: f"/office/funds/orders/{o['order'].number}/", WORKERS,
                 method="post", ok=(400,),
                 data=lambda o: {"verb": "refund", "refund-reason": "退费"}),
        Endpoint("consume", lambda o: f"/office/funds/orders/{o['order'].number}/",
                 {"county_admin"}, method="post", ok=(302,),
                 data=lambda o: {"verb": "consume", "consume-hours": 1,
                                 "consume-lesson_on": o["order"].ordered_on.isoformat()}),
        Endpoint("resolve", lambda o: f"/office/funds/orders/{o['order'].number}/", WORKERS,
                 method="post", ok=(302,),
                 data=lambda o: {"verb": "resolve", "resolve-consumption":
                                 o["consumption"].pk, "resolve-uphold": "no",
                                 "resolve-resolution": "x"}),
        Endpoint("api order", lambda o: f"/api/v1/funds/orders/{o['order'].number}/", VIEWERS,
                 api=True),
    ]
    assert_matrix(world, endpoints, _objects)


def test_the_institutions_own_staff_work_their_own_funds_only(world):
    from institutions.tests.helpers import staff_of

    own, course = supervised(world, "a", 1)
    other, _c = supervised(world, "a", 2)
    staff = staff_of(world, own)
    client = login(staff)
    assert client.get(f"/office/funds/{own.uscc}/").status_code == 200
    assert client.get(f"/office/funds/{other.uscc}/").status_code == 404
    assert client.post(f"/office/funds/{own.uscc}/", _sale(course)).status_code == 302
    assert Order.objects.get().created_by == staff


def test_the_nav_offers_funds_to_its_readers_only(world):
    for role in COUNTY_ROLES:
        page = login(world.a.users[role]).get("/office/funds/")
        expected = role in VIEWERS | {"health", "institution"}
        assert (page.status_code == 200) == expected, role


def test_ledger_and_order_pages_keep_their_query_count(world, query_budget):
    inst, course = supervised(world)
    first = paid_order(world, inst, course, amount="1000.00", hours=50)

    def grow(start, stop):
        for _n in range(start, stop):
            consume(world, first, 1)

    client = login(world.a.users["county_admin"])
    query_budget(client, f"/office/funds/{inst.uscc}/ledger/", grow, small=3, large=23,
                 budget=11, name="ledger")  # keyset: no COUNT(*) (issue 13)


def test_order_page_query_count(world, query_budget):
    inst, course = supervised(world)
    first = paid_order(world, inst, course, amount="1000.00", hours=50)

    def grow(start, stop):
        for _n in range(start, stop):
            consume(world, first, 1)

    client = login(world.a.users["county_admin"])
    query_budget(client, f"/office/funds/orders/{first.number}/", grow, small=3, large=23,
                 budget=16, name="order")


def test_orders_on_the_fund_page_keep_their_query_count(world, query_budget):
    inst, course = supervised(world)

    def grow(start, stop):
        for n in range(start, stop):
            order(world, inst, course, learner=f"学员{n}", phone=f"139{n:08d}")

    client = login(world.a.users["county_admin"])
    query_budget(client, f"/office/funds/{inst.uscc}/", grow, small=3, large=23, budget=15,
                 name="fund page")  # keyset: no COUNT(*) (issue 13)


def test_the_orders_export_keeps_its_query_count(world, query_budget):
    inst, course = supervised(world)

    def grow(start, stop):
        for n in range(start, stop):
            order(world, inst, course, learner=f"学员{n}", phone=f"139{n:08d}")

    client = login(world.a.users["county_admin"])
    query_budget(client, f"/office/funds/{inst.uscc}/?export=xlsx", grow, small=1, large=21,
                 name="orders export")


def test_a_parent_sees_the_order_by_number_and_code_and_disputes_a_record(world):
    """Issue 11 "Access": parents see their own order through the order number and a
    private code; 002 §2(3): a parent disputes class consumption within the period."""
    inst, course = supervised(world)
    made = order(world, inst, course)
    code = made.access_code
    services.payment_record(actor=world.a.users["county_admin"], order_number=made.number,
                            amount=made.amount, transaction_id="P1")
    record = consume(world, Order.objects.get(pk=made.pk), 2)
    client = Client()
    wrong = client.post("/funds/order/", {"number": made.number, "code": "00000000"})
    assert wrong.status_code == 404 and "parent-order" not in wrong.content.decode()
    page = client.post("/funds/order/", {"number": made.number, "code": code})
    assert page.status_code == 200 and "parent-order" in page.content.decode()
    response = client.post("/funds/order/", {"number": made.number, "code": code,
                                             "consumption": record.pk, "reason": "请假未上课"})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.state == ConsumptionState.DISPUTED and record.dispute_reason == "请假未上课"
    other = consume(world, paid_order(world, inst, course, learner="小红",
                                      phone="13900000002"), 1)
    forged = client.post("/funds/order/", {"number": made.number, "code": code,
                                           "consumption": other.pk, "reason": "x"})
    assert forged.status_code == 400  # another order's record
    assert Consumption.objects.get(pk=other.pk).state == ConsumptionState.RECORDED


def test_the_parents_order_page_writes_its_labels_as_its_language_does(world):
    """The walk of 2 December: the parent's English order page read "Learner：王子涵 ·
    Amount (yuan)：3000.00" (Chinese colons); each label's colon is the page's language's,
    on the parent's page and on the institution's funds page."""
    inst, course = supervised(world)
    made = paid_order(world, inst, course)
    pages = {}
    for language in ("zh-hans", "en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        parent = client.post("/funds/order/", {"number": made.number,
                                                "code": made.access_code})
        office = login(world.a.users["county_admin"])
        office.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        pages[language] = parent.content.decode() + office.get(
            f"/office/funds/{inst.uscc}/").content.decode()
    assert "学员：" in pages["zh-hans"] and "托管银行：" in pages["zh-hans"]
    assert "Learner: " in pages["en"] and "Custodian bank: " in pages["en"]
    assert "：" not in pages["en"].split("<main", 1)[1].split("</main>")[0]


def test_the_seller_is_shown_the_code_once(world):
    inst, course = supervised(world)
    client = login(world.a.users["county_admin"])
    response = client.post(f"/office/funds/{inst.uscc}/", _sale(course), follow=True)
    made = Order.objects.get()
    import re

    from funds.models import access_code_hash

    shown = " ".join(str(m) for m in response.context["messages"])
    assert made.number in shown
    code = re.search(r"\b(\d{8})\b", shown).group(1)
    assert access_code_hash(made.number, code) == made.access_code_hash
    assert code not in client.get(f"/office/funds/{inst.uscc}/").content.decode()


def test_the_funds_pages_cite_documents_not_seed_codes(world):
    """Issue 14 C10: the fund pages name 004 §4(4), 000 §4(3) and 002 §2(4) by the
    document, as the rest of the site does."""
    inst, _course = supervised(world)
    bare = register(world, "a", 2)
    client = login(world.a.users["county_admin"])
    for url, codes in (("/office/funds/", ["004 §4(4)"]),
                       (f"/office/funds/{inst.uscc}/", ["004 §4(4)", "002 §2(4)"]),
                       (f"/office/funds/{bare.uscc}/", ["000 §4(3)"]),
                       (f"/office/funds/{inst.uscc}/arrangement/", ["004 §4(4)"])):
        body = client.get(url).content.decode()
        for code in codes:
            assert code not in body and cite(code) in body, (url, code)
    refused = client.post(f"/office/funds/{bare.uscc}/arrangement/",
                          {"mode": "bank_custody"}).content.decode()
    assert "004 §4(4)" not in refused and cite("004 §4(4)") in refused
