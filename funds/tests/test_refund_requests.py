"""Parents ask for a refund themselves on their order page (002 §2(3) 退费顺畅): the
institution agrees (paid from custody at once) or refuses, and the supervising department
decides a refused or unanswered request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from core.errors import DomainError, InvalidState, PermissionDenied
from funds import selectors, services
from funds.models import Movement, MovementKind, OrderState, RefundRequest, RefundState
from funds.tests.helpers import consume, order, paid_order, supervised
from institutions.tests.helpers import login, staff_of

pytestmark = pytest.mark.django_db

PARENT = "/funds/order/"


def _with_code(world, inst, course, **kw):
    """A paid order and its private code (shown once when it is made)."""
    o = order(world, inst, course, **kw)
    code = o.access_code
    services.payment_record(actor=world.a.users["county_admin"], order_number=o.number,
                            amount=o.amount, transaction_id=f"T{o.number}")
    o.refresh_from_db()
    return o, code


def test_the_parent_asks_on_the_order_page_and_the_institution_agrees(world):
    inst, course = supervised(world)
    o, code = _with_code(world, inst, course, amount="3000.00", hours=40)
    consume(world, o, 10)
    page = Client().post(PARENT, {"number": o.number, "code": code})
    assert page.status_code == 200 and 'id="refund-request-form"' in page.content.decode()
    asked = Client().post(PARENT, {"number": o.number, "code": code,
                                   "refund_reason": "孩子转学"})
    assert asked.status_code == 200
    request = RefundRequest.objects.get()
    assert (request.state, request.channel, request.reason) == (
        RefundState.REQUESTED, "parent", "孩子转学")
    # Asking twice while the first is open is refused, with the error on the page.
    again = Client().post(PARENT, {"number": o.number, "code": code, "refund_reason": "再问"})
    assert again.status_code == 400 and RefundRequest.objects.count() == 1
    # A wrong code answers like a missing order and records nothing.
    wrong = Client().post(PARENT, {"number": o.number, "code": "00000000",
                                   "refund_reason": "x"})
    assert wrong.status_code == 404 and RefundRequest.objects.count() == 1
    staff = staff_of(world, inst)
    services.refund_answer(actor=staff, request=request, agree=True, note="同意")
    request.refresh_from_db()
    o.refresh_from_db()
    assert request.state == RefundState.REFUNDED and request.amount == Decimal("2250.00")
    assert o.state == OrderState.REFUNDED and o.held == 0 and o.refunded == Decimal("2250.00")
    assert request.movement.kind == MovementKind.REFUND
    shown = Client().post(PARENT, {"number": o.number, "code": code}).content.decode()
    assert "2250.00" in shown and 'id="refund-request-form"' not in shown


def test_a_blank_reason_is_a_field_error_and_records_nothing(world):
    inst, course = supervised(world)
    o, code = _with_code(world, inst, course)
    page = Client().post(PARENT, {"number": o.number, "code": code, "refund_reason": "  "})
    assert page.status_code == 400 and 'id="refund_reason_error"' in page.content.decode()
    assert not RefundRequest.objects.exists()


def test_a_refused_request_goes_to_the_supervising_department(world):
    inst, course = supervised(world)
    o, code = _with_code(world, inst, course)
    request = services.refund_request_by_parent(number=o.number, code=code, reason="搬家")
    staff = staff_of(world, inst)
    with pytest.raises(DomainError) as exc:
        services.refund_answer(actor=staff, request=request, agree=False, note="")
    assert exc.value.field == "note"
    services.refund_answer(actor=staff, request=request, agree=False, note="合同不退")
    request.refresh_from_db()
    assert request.state == RefundState.REFUSED and not Movement.objects.filter(
        kind=MovementKind.REFUND).exists()
    with pytest.raises(InvalidState):  # answered already
        services.refund_answer(actor=staff, request=request, agree=True)
    with pytest.raises(PermissionDenied):  # the institution does not decide its own dispute
        services.refund_decide(actor=staff, request=request, uphold=True, decision="x")
    culture = world.a.users["culture"]  # the supervising department (arts)
    services.refund_decide(actor=culture, request=request, uphold=True,
                           decision="合同示范文本约定可退未消课时费用")
    request.refresh_from_db()
    o.refresh_from_db()
    assert request.state == RefundState.REFUNDED and o.state == OrderState.REFUNDED
    assert o.refunded == o.amount and o.held == 0


def test_the_department_may_reject_and_the_order_runs_on(world):
    inst, course = supervised(world)
    o, code = _with_code(world, inst, course)
    request = services.refund_request_by_parent(number=o.number, code=code, reason="不想上了")
    with pytest.raises(PermissionDenied):  # another county's officer
        services.refund_decide(actor=world.b.users["county_admin"], request=request,
                               uphold=True, decision="x")
    services.refund_decide(actor=world.a.users["county_admin"], request=request,
                           uphold=False, decision="已消课部分无争议，未达退费条件")
    request.refresh_from_db()
    o.refresh_from_db()
    assert request.state == RefundState.REJECTED and o.state == OrderState.PAID
    # Closed, so the parent may ask again.
    services.refund_request_by_parent(number=o.number, code=code, reason="再次申请")
    assert RefundRequest.objects.filter(state=RefundState.REQUESTED).count() == 1


def test_a_direct_refund_closes_the_open_request(world):
    inst, course = supervised(world)
    o, code = _with_code(world, inst, course)
    request = services.refund_request_by_parent(number=o.number, code=code, reason="退费")
    services.order_refund(actor=world.a.users["county_admin"], order=o, reason="协商一致")
    request.refresh_from_db()
    assert request.state == RefundState.REFUNDED and request.amount == o.amount


def test_only_a_paid_order_takes_a_request(world):
    inst, course = supervised(world)
    o = order(world, inst, course)
    with pytest.raises(InvalidState):
        services.refund_request_by_parent(number=o.number, code=o.access_code, reason="x")


def test_the_order_page_answers_and_decides_with_field_errors(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    admin = world.a.users["county_admin"]
    request = services.refund_request(actor=admin, order=o, reason="转学")
    url = f"/office/funds/orders/{o.number}/"
    staff = login(staff_of(world, inst))
    page = staff.get(url).content.decode()
    assert 'name="answer-agree"' in page and 'name="decide-uphold"' not in page
    refused = staff.post(url, {"verb": "answer", "answer-request": request.pk,
                               "answer-agree": "no", "answer-note": ""})
    assert refused.status_code == 400 and 'id="refund-errors"' in refused.content.decode()
    request.refresh_from_db()
    assert request.state == RefundState.REQUESTED  # bad input changes nothing
    assert staff.post(url, {"verb": "answer", "answer-request": request.pk,
                            "answer-agree": "no", "answer-note": "不退"}).status_code == 302
    culture = login(world.a.users["culture"])
    assert 'name="decide-uphold"' in culture.get(url).content.decode()
    blank = culture.post(url, {"verb": "decide", "decide-request": request.pk,
                               "decide-uphold": "yes", "decide-decision": ""})
    assert blank.status_code == 400
    assert culture.post(url, {"verb": "decide", "decide-request": request.pk,
                              "decide-uphold": "yes", "decide-decision": "应退"}
                        ).status_code == 302
    request.refresh_from_db()
    assert request.state == RefundState.REFUNDED
    # County B's admin gets 404 on the order and cannot decide.
    assert login(world.b.users["county_admin"]).post(url, {
        "verb": "decide", "decide-request": request.pk, "decide-uphold": "yes",
        "decide-decision": "x"}).status_code == 404
    assert selectors.refund_requests(world.b.users["county_admin"]).count() == 0


def test_the_refund_list_shows_open_requests_in_scope_with_a_constant_query_count(
        world, query_budget):
    inst, course = supervised(world)
    admin = world.a.users["county_admin"]

    def grow(start, stop):
        for n in range(start, stop):
            p = paid_order(world, inst, course, learner=f"学员{n}", phone=f"136{n:08d}",
                           amount="100.00", hours=2, months=1)
            services.refund_request(actor=admin, order=p, reason=f"退费{n}")

    client = login(world.a.users["culture"])
    query_budget(client, "/office/funds/refunds/", grow, small=3, large=13, budget=10,
                 name="refund requests")
    closed = RefundRequest.objects.order_by("pk").first()
    services.refund_decide(actor=admin, request=closed, uphold=False, decision="不支持")
    page = client.get("/office/funds/refunds/").content.decode()
    assert "退费0" not in page and "退费1" in page
    assert "退费0" in client.get("/office/funds/refunds/?state=all").content.decode()
    other = login(world.b.users["county_admin"]).get("/office/funds/refunds/?state=all")
    assert other.status_code == 200 and "退费1" not in other.content.decode()
    assert login(world.a.users["grid"]).get("/office/funds/refunds/").status_code == 404
