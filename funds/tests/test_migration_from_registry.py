"""Issue 11: funds 0006 carries the registry's enrolments over as orders (no money moved,
so no ledger entries) and its recorded fund account and payment channel over as a
supervision arrangement; institutions 0013 then drops them."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from funds.models import Arrangement, Entry, Mode, Order, OrderOrigin, OrderState
from institutions.models import Institution, ListStatus
from institutions.tests.helpers import licensed_with_gate, plan_for, register

BEFORE = [("funds", "0005_arrangement_channel_order_origin"),
          ("institutions", "0012_not_approved_status")]
AFTER = [("funds", "0006_enrolments_and_fund_accounts_move_here"),
         ("institutions", "0013_enrolments_and_fund_accounts_moved_to_funds")]


def migrate(targets):
    """Migrate inside the test's transaction (PostgreSQL's DDL is transactional, so the
    rollback restores the schema; a flush would drop the rows data migrations seed). The
    deferred foreign-key checks fire first: a table with pending ones cannot be altered."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets is AFTER:
        # Forwards to the newest migrations of every app: the test then reads through
        # today's models (fields added after 0006 included).
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_enrolments_become_orders_and_accounts_become_arrangements(world):
    admin = world.a.users["county_admin"]
    white = licensed_with_gate(world, n=1)  # has an arrangement already (no channel)
    Arrangement.objects.filter(institution=white).update(payment_channel="")
    recorded = register(world, n=2)  # only the registry's account and channel
    half = register(world, n=3)  # only an account: it never met the gate
    course = white.courses.get()
    plan = plan_for(admin, course)
    try:
        old = migrate(BEFORE)
        Enrolment = old.get_model("institutions", "Enrolment")
        OldInstitution = old.get_model("institutions", "Institution")
        OldInstitution.objects.filter(pk=white.pk).update(fund_account="1", payment_channel="平台")
        OldInstitution.objects.filter(pk=recorded.pk).update(fund_account="6217000011112222",
                                                             payment_channel="统一收费")
        OldInstitution.objects.filter(pk=half.pk).update(fund_account="6217")
        for learner, day in (("小明", "2026-03-01"), ("小红", "2026-03-02")):
            Enrolment.objects.create(
                institution_id=white.pk, course_id=course.pk, fee_plan_id=plan.pk,
                learner_name=learner, guardian_name="家长", guardian_phone="13800000000",
                enrolled_on=day, amount=plan.amount, class_hours=plan.class_hours,
                created_by_id=admin.pk)
    finally:
        migrate(AFTER)

    orders = list(Order.objects.order_by("learner_name"))
    assert [o.learner_name for o in orders] == ["小明", "小红"]
    for o in orders:
        assert o.origin == OrderOrigin.ENROLMENT and o.state == OrderState.PENDING
        assert (o.institution_id, o.course_id) == (white.pk, course.pk)
        assert o.amount == plan.amount and o.class_hours == plan.class_hours
        assert o.months == plan.months and o.contract_version == plan.contract_version
        assert o.held == o.consumed == o.disbursed == o.refunded == Decimal("0.00")
        assert o.number.startswith("DD") and not o.access_code_hash
    assert str(orders[0].ordered_on) == "2026-03-01"
    assert not Entry.objects.exists()  # no money moved
    kept = Arrangement.objects.get(institution=white)
    assert kept.account_number == "6217" and kept.payment_channel == "平台"  # filled in
    moved = Arrangement.objects.get(institution=recorded)
    assert (moved.mode, moved.account_number, moved.payment_channel, moved.custodian_bank) == (
        Mode.BANK_CUSTODY, "6217000011112222", "统一收费", "")
    assert not Arrangement.objects.filter(institution=half).exists()
    assert Institution.objects.get(pk=recorded.pk).gate_conditions["fund_account"]
    assert not Institution.objects.get(pk=half.pk).gate_conditions["fund_account"]
    assert Institution.objects.get(pk=white.pk).list_status == ListStatus.WHITE


def test_the_move_runs_backwards_and_forwards_again(world):
    """The reverse of 0006 gives the carried-over orders back as enrolments (while no
    money moved on them) and the bank-custody accounts back to the registry; running
    forwards again carries them over once more, and a sold order with money on it stays
    where it is."""
    admin = world.a.users["county_admin"]
    white = licensed_with_gate(world, n=1)
    course = white.courses.get()
    plan = plan_for(admin, course)
    Arrangement.objects.filter(institution=white).update(account_number="6217000099998888",
                                                         payment_channel="统一收费")
    carried = Order.objects.create(
        institution=white, course=course, learner_name="小明", guardian_name="家长",
        guardian_phone="13800000000", class_hours=plan.class_hours, months=plan.months,
        amount=plan.amount, contract_version=plan.contract_version,
        ordered_on="2026-03-01", origin=OrderOrigin.ENROLMENT, created_by=admin)
    try:
        old = migrate(BEFORE)
        Enrolment = old.get_model("institutions", "Enrolment")
        OldInstitution = old.get_model("institutions", "Institution")
        OldOrder = old.get_model("funds", "Order")
        (enrolment,) = Enrolment.objects.all()
        assert (enrolment.learner_name, enrolment.institution_id, enrolment.amount,
                str(enrolment.enrolled_on)) == ("小明", white.pk, plan.amount, "2026-03-01")
        assert not OldOrder.objects.filter(pk=carried.pk).exists()
        back = OldInstitution.objects.get(pk=white.pk)
        assert (back.fund_account, back.payment_channel) == ("6217000099998888", "统一收费")
    finally:
        migrate(AFTER)
    (again,) = Order.objects.filter(origin=OrderOrigin.ENROLMENT)
    assert again.learner_name == "小明" and again.amount == plan.amount
    assert again.state == OrderState.PENDING and not Entry.objects.exists()
    assert Arrangement.objects.get(institution=white).account_number == "6217000099998888"
