"""The funds services: the arrangement and the enrollment gate, orders under the fee rules
of 002 §2(4) per learner, and the closed loop of 002 §2(3) in a balanced ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import AppendOnlyError
from core.errors import DomainError, InvalidState, PermissionDenied
from funds import selectors, services
from funds.models import (
    Account,
    Consumption,
    ConsumptionState,
    Entry,
    Mode,
    Movement,
    Order,
    OrderState,
)
from funds.tests.helpers import consume, guarantee, order, paid_order, pay, supervised
from institutions.models import Institution, ListStatus
from institutions.rules import RuleViolation
from institutions.tests.helpers import course_for, register
from policy.sources import cite
from tests.clock import on_day

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 1)


def assert_ledger_consistent(*orders: Order) -> None:
    """Every movement balances, the whole ledger sums to zero, and each order's running
    balances equal the sums of its entries."""
    for movement in Movement.objects.prefetch_related("entries"):
        assert sum(e.amount for e in movement.entries.all()) == 0, movement
    assert sum(Entry.objects.values_list("amount", flat=True)) == 0
    for o in orders:
        o.refresh_from_db()
        sums = selectors.balances(order=o)
        assert (o.held, o.consumed, o.disbursed, o.refunded) == (
            sums[Account.CUSTODY], sums[Account.CONSUMED], sums[Account.DISBURSED],
            sums[Account.REFUNDED])
        assert -sums[Account.PAYER] == o.held + o.consumed + o.disbursed + o.refunded
        assert o.held >= 0 and o.consumed >= 0


# -- the arrangement and the gate ------------------------------------------------------------

def test_an_arrangement_meets_the_gates_fund_condition_and_whitelists(world):
    """000 §4(3): the fund condition of the enrollment gate; 004 §4(4): bank custody or
    a risk deposit. The registry asks funds through its port, never by import."""
    from institutions import services as registry
    from institutions.models import InstitutionStatus

    admin = world.a.users["county_admin"]
    inst = register(world)
    course = course_for(admin, inst)
    registry.gate_record(actor=admin, institution=inst, national_platform_account="QG1")
    registry.course_list_on_platform(actor=admin, course=course)
    registry.institution_set_status(actor=admin, institution=inst,
                                    status=InstitutionStatus.LICENSED, reason="审核通过",
                                    licence_number="教民1号",
                                    issuer=world.a.depts["education_sports"])
    inst = Institution.objects.get(pk=inst.pk)
    assert not inst.gate_conditions["fund_account"] and inst.list_status == ListStatus.NONE
    services.arrangement_record(actor=admin, institution=inst, mode=Mode.RISK_DEPOSIT,
                                deposit_amount="100000", deposit_bank="建设银行",
                                guarantee_document="保函1", guarantee_upload=guarantee())
    inst = Institution.objects.get(pk=inst.pk)
    assert inst.gate_conditions["fund_account"] and inst.gate_met
    assert inst.list_status == ListStatus.WHITE


def test_each_mode_names_what_it_needs(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    with pytest.raises(DomainError) as exc:
        services.arrangement_record(actor=admin, institution=inst, mode=Mode.BANK_CUSTODY,
                                    custodian_bank="农行")
    assert exc.value.field == "account_number"
    with pytest.raises(DomainError) as exc:
        services.arrangement_record(actor=admin, institution=inst, mode=Mode.RISK_DEPOSIT,
                                    deposit_amount="1.005", deposit_bank="建行",
                                    guarantee_document="保函")
    assert exc.value.field == "deposit_amount"
    with pytest.raises(DomainError):
        services.arrangement_record(actor=admin, institution=inst, mode="cash")


def test_another_countys_officer_cannot_arrange(world):
    inst = register(world)
    with pytest.raises(PermissionDenied):
        services.arrangement_record(actor=world.b.users["county_admin"], institution=inst,
                                    mode=Mode.BANK_CUSTODY, custodian_bank="农行",
                                    account_number="1")


# -- orders and the fee rules (002 §2(4)) ------------------------------------------------

def _refused(call) -> str:
    with pytest.raises(RuleViolation) as exc:
        call()
    return str(exc.value)


def test_order_amount_at_most_5000_yuan(world):
    """002 §2(4): one charge may not exceed 5,000 yuan."""
    inst, course = supervised(world)
    assert order(world, inst, course, learner="甲", amount="5000.00", hours=60).pk
    message = _refused(lambda: order(world, inst, course, learner="乙", amount="5000.01"))
    assert "5000" in message and cite("002 §2(4)") in message


def test_order_at_most_60_class_hours_or_3_months(world):
    """002 §2(4): one charge covers at most 3 months or 60 class hours."""
    inst, course = supervised(world)
    assert order(world, inst, course, learner="甲", hours=60, months=3).pk
    assert cite("002 §2(4)") in _refused(lambda: order(world, inst, course, learner="乙", hours=61))
    assert cite("002 §2(4)") in _refused(lambda: order(world, inst, course, learner="丙", months=4))


def test_advance_charge_no_earlier_than_one_month_before_a_new_course(world):
    """002 §2(4): an advance charge comes no earlier than 1 month before a new course."""
    with on_day(DAY):
        inst, course = supervised(world, starts_on=dt.date(2026, 10, 1))
        assert order(world, inst, course, learner="甲").pk  # 1 month before to the day
    with on_day(DAY - dt.timedelta(days=1)):
        message = _refused(lambda: order(world, inst, course, learner="乙"))
    assert "2026-09-01" in message and cite("002 §2(4)") in message


def test_a_running_course_is_charged_again_only_when_20_hours_remain(world):
    """002 §2(4): a top-up of a running course when 20 class hours or fewer remain."""
    inst, course = supervised(world)
    first = paid_order(world, inst, course, amount="1500.00", hours=40, months=1)
    message = _refused(lambda: order(world, inst, course, amount="750.00", hours=20, months=1))
    assert "20" in message and cite("002 §2(4)") in message
    consume(world, first, 19)  # 21 left
    _refused(lambda: order(world, inst, course, amount="750.00", hours=20, months=1))
    consume(world, first, 1)  # 20 left
    assert order(world, inst, course, amount="750.00", hours=20, months=1).pk


def test_three_orders_on_one_day_for_15000_yuan_and_180_hours_are_refused(world):
    """002 §2(4): limits hold per learner across unconsumed orders of the same course; a
    charge split into orders is 以充值、次卡等形式变相收取. Today an enrolment accepts
    exactly that (issue 11)."""
    inst, course = supervised(world)
    assert order(world, inst, course, amount="5000.00", hours=60, months=1).pk
    for _n in range(2):
        message = _refused(lambda: order(world, inst, course, amount="5000.00", hours=60,
                                         months=1))
        assert "以充值、次卡等形式变相收取" in message and cite("002 §2(4)") in message
    assert Order.objects.count() == 1
    # Another learner, or the same learner on another course, is not affected.
    assert order(world, inst, course, learner="小红", amount="5000.00", hours=60).pk


def test_no_order_until_the_gate_is_met(world):
    """000 §4(3): an institution without a supervision arrangement does not sell."""
    from institutions import services as registry
    from institutions.models import InstitutionStatus

    admin = world.a.users["county_admin"]
    inst = register(world)
    course = course_for(admin, inst)
    registry.course_list_on_platform(actor=admin, course=course)
    registry.institution_set_status(actor=admin, institution=inst,
                                    status=InstitutionStatus.LICENSED, reason="审核通过",
                                    licence_number="教民1号",
                                    issuer=world.a.depts["education_sports"])
    with pytest.raises(InvalidState) as exc:
        order(world, Institution.objects.get(pk=inst.pk), course)
    assert cite("000 §4(3)") in str(exc.value)  # the registry's refusal (issue 11)


# -- the loop: pay → consume → disburse → refund ----------------------------------------------

def test_the_full_loop_leaves_every_balance_equal_to_its_entries(world):
    """002 §2(3): charge → bookkeeping → consumption → timed disbursement → refund."""
    with on_day(DAY):
        inst, course = supervised(world)
        o = paid_order(world, inst, course, amount="1000.00", hours=30)
        assert o.state == OrderState.PAID and o.held == Decimal("1000.00")
        consume(world, o, 10)
        o.refresh_from_db()
        assert o.consumed == Decimal("333.33") and o.held == Decimal("666.67")
        assert services.disburse_due() == 0  # the dispute period runs (7 days)
    with on_day(DAY + dt.timedelta(days=8)):
        assert services.disburse_due() == 1
        o.refresh_from_db()
        # 10% retained while the order runs (funds_disbursement_retained_percent).
        assert o.disbursed == Decimal("300.00") and o.consumed == Decimal("33.33")
        assert services.disburse_due() == 0  # idempotent
        services.order_refund(actor=world.a.users["county_admin"], order=o, reason="家长申请退费")
        o.refresh_from_db()
        assert o.state == OrderState.REFUNDED and o.refunded == Decimal("666.67")
        assert o.held == 0 and o.hours_refunded == 20
    with on_day(DAY + dt.timedelta(days=16)):
        assert services.disburse_due() == 1  # closed: the retained share goes too
    assert_ledger_consistent(o)
    o.refresh_from_db()
    assert (o.disbursed, o.refunded, o.consumed) == (Decimal("333.33"), Decimal("666.67"), 0)


def test_consuming_every_hour_moves_exactly_the_price(world):
    """No fen is lost to rounding: the last hours take what custody still holds."""
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="100.00", hours=3)
    for _n in range(3):
        consume(world, o, 1)
    o.refresh_from_db()
    assert o.state == OrderState.COMPLETED and o.held == 0
    assert o.consumed == Decimal("100.00")
    assert sorted(Consumption.objects.values_list("amount", flat=True)) == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert_ledger_consistent(o)


def test_a_disputed_record_is_not_disbursed_and_an_upheld_one_is_reversed(world):
    """002 §2(3): consumption disputed by the parent in the period; the supervising
    department decides; a correction is a reversing movement with the reason."""
    admin = world.a.users["county_admin"]
    with on_day(DAY):
        inst, course = supervised(world)
        o = paid_order(world, inst, course, amount="1000.00", hours=10)
        kept, wrong = consume(world, o, 2), consume(world, o, 3)
        services.consumption_dispute(actor=admin, consumption=wrong, reason="孩子当天请假")
    with on_day(DAY + dt.timedelta(days=8)):
        with pytest.raises(InvalidState):
            services.consumption_dispute(actor=admin, consumption=kept, reason="过期")
        services.disburse_due()
        o.refresh_from_db()
        assert o.disbursed == Decimal("180.00")  # 90% of the undisputed 200
        services.consumption_resolve(actor=admin, consumption=wrong, uphold=True,
                                     resolution="核实缺勤")
    o.refresh_from_db()
    assert o.hours_consumed == 2 and o.held == Decimal("800.00")
    reversal = Movement.objects.get(kind="reversal")
    assert reversal.reason == "核实缺勤" and reversal.reverses_id == wrong.movement_id
    assert Consumption.objects.get(pk=wrong.pk).state == ConsumptionState.REVERSED
    assert_ledger_consistent(o)


def test_a_refund_waits_for_an_open_dispute(world):
    admin = world.a.users["county_admin"]
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    services.consumption_dispute(actor=admin, consumption=consume(world, o, 2), reason="异议")
    with pytest.raises(InvalidState):
        services.order_refund(actor=admin, order=o, reason="退费")


# -- idempotency ----------------------------------------------------------------------

def test_a_repeated_bank_transaction_creates_nothing_twice(world):
    inst, course = supervised(world)
    o = order(world, inst, course)
    first = pay(world, o, txn="BANK-1")
    again = pay(world, o, txn="BANK-1")
    assert first.created and not again.created and first.movement == again.movement
    assert Movement.objects.count() == 1 and Entry.objects.count() == 2
    other = order(world, inst, course, learner="小红")
    with pytest.raises(services.Conflict):
        pay(world, other, txn="BANK-1")


def test_a_repeated_idempotency_key_refunds_once(world):
    admin = world.a.users["county_admin"]
    inst, course = supervised(world)
    o = paid_order(world, inst, course)
    one = services.order_refund(actor=admin, order=o, reason="退费", idempotency_key="K1")
    two = services.order_refund(actor=admin, order=o, reason="退费", idempotency_key="K1")
    assert one == two and Movement.objects.filter(kind="refund").count() == 1
    other = paid_order(world, inst, course, learner="小红")
    with pytest.raises(services.Conflict):
        services.order_refund(actor=admin, order=other, reason="退费", idempotency_key="K1")


# -- the ledger is append-only ----------------------------------------------------------

def test_no_one_edits_or_deletes_a_ledger_entry(world):
    """Issue 11 "Access": a correction is a reversing entry, never an edit."""
    inst, course = supervised(world)
    paid_order(world, inst, course)
    entry = Entry.objects.first()
    entry.amount = Decimal("1")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Movement.objects.update(reason="x")
    if connection.vendor == "postgresql":
        for sql in ("UPDATE funds_entry SET amount = 1", "DELETE FROM funds_movement"):
            with pytest.raises(Exception, match="can only be appended to"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql)


def test_amounts_are_decimal_yuan_never_float(world):
    with pytest.raises(DomainError):
        services.yuan(0.1)
    with pytest.raises(DomainError):
        services.yuan("1.001")
    assert services.yuan("12.5") == Decimal("12.50")


def test_the_command_runs_disbursement_for_a_day(world):
    from io import StringIO

    from django.core.management import call_command

    with on_day(DAY):
        inst, course = supervised(world)
        consume(world, paid_order(world, inst, course, amount="1000.00", hours=10), 10)
    out = StringIO()
    call_command("funds_disburse", "--date", (DAY + dt.timedelta(days=8)).isoformat(),
                 stdout=out)
    assert "1 disbursement" in out.getvalue()
    assert Order.objects.get().disbursed == Decimal("1000.00")
    assert timezone.localdate()  # the command left the clock alone


def test_zombie_detection_reads_orders_but_not_cancelled_ones(world):
    """000 §4(3) "no training activity": inspections asks funds which institutions took an
    order (enrolled a learner) in the window; a cancelled order is no activity."""
    import datetime as dt

    from funds import selectors

    inst, course = supervised(world)
    o = order(world, inst, course)
    since = o.ordered_on
    assert selectors.institutions_with_orders_since(since) == {inst.pk}
    assert selectors.institutions_with_orders_since(since + dt.timedelta(days=1)) == set()
    services.order_cancel(actor=world.a.users["county_admin"], order=o, reason="家长放弃")
    assert selectors.institutions_with_orders_since(since) == set()


def test_an_upheld_dispute_cannot_take_back_value_already_disbursed(world):
    """Found by the property test: a record disbursed by a job that ran ahead of the
    dispute period is not reversed from the consumed account (it no longer holds it);
    the department may still reject the dispute, and the ledger stays consistent."""
    admin = world.a.users["county_admin"]
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="1000.00", hours=10)
    record = consume(world, o, 10)
    services.order_disburse(order=o, today=timezone.localdate() + dt.timedelta(days=30))
    services.consumption_dispute(actor=admin, consumption=record, reason="未上课")
    with pytest.raises(InvalidState):
        services.consumption_resolve(actor=admin, consumption=record, uphold=True,
                                     resolution="支持")
    services.consumption_resolve(actor=admin, consumption=record, uphold=False,
                                 resolution="已拨付，另行协商退费")
    o.refresh_from_db()
    assert o.consumed == 0 and o.disbursed == Decimal("1000.00")
    assert_ledger_consistent(o)
