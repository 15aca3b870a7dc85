"""Issue 11: the registry's enrolments become funds orders, and the fund-supervision
account and payment channel it recorded for the enrollment gate (000 §4(3)) become the
institution's supervision arrangement (004 §4(4)).

- Each `institutions.Enrolment` becomes an `Order` with `origin="enrolment"`, in the
  state "awaiting payment": an enrolment moved no money, so the order has no ledger
  entries and no balances; the bank's payment can still be matched to it. Its months and
  model-contract edition are those of the fee plan it was enrolled under. It has no
  parent's private code (none was ever handed out).
- An institution with both a recorded account and a payment channel gets a bank-custody
  arrangement with that account and channel, unless it has one already (whose blank
  channel is then filled in). The custodian bank was never recorded: it stays blank
  until an officer records the arrangement again on the funds page. An institution with
  only one of the two did not meet the gate and gets no arrangement.

Run before institutions 0013, which drops the enrolments and the two fields. The reverse
removes the carried-over orders (while they have no ledger entries) and writes the
accounts back.
"""

import secrets

from django.db import migrations


def forward(apps, schema_editor):
    Enrolment = apps.get_model("institutions", "Enrolment")
    Institution = apps.get_model("institutions", "Institution")
    Order = apps.get_model("funds", "Order")
    Arrangement = apps.get_model("funds", "Arrangement")
    for e in Enrolment.objects.select_related("fee_plan").order_by("pk").iterator():
        Order.objects.create(
            number="DD" + secrets.token_hex(5).upper(), institution_id=e.institution_id,
            course_id=e.course_id, learner_name=e.learner_name,
            guardian_name=e.guardian_name, guardian_phone=e.guardian_phone,
            class_hours=e.class_hours, months=e.fee_plan.months, amount=e.amount,
            contract_version=e.fee_plan.contract_version, ordered_on=e.enrolled_on,
            state="pending", origin="enrolment", created_by_id=e.created_by_id)
    for inst in Institution.objects.exclude(fund_account="").exclude(payment_channel=""):
        existing = Arrangement.objects.filter(institution_id=inst.pk).first()
        if existing is None:
            Arrangement.objects.create(institution_id=inst.pk, mode="bank_custody",
                                       account_number=inst.fund_account,
                                       payment_channel=inst.payment_channel)
        elif not existing.payment_channel:
            existing.payment_channel = inst.payment_channel
            existing.save(update_fields=["payment_channel"])


def backward(apps, schema_editor):
    Enrolment = apps.get_model("institutions", "Enrolment")
    FeePlan = apps.get_model("institutions", "FeePlan")
    Institution = apps.get_model("institutions", "Institution")
    Order = apps.get_model("funds", "Order")
    Arrangement = apps.get_model("funds", "Arrangement")
    carried = Order.objects.filter(origin="enrolment", movements__isnull=True)
    for o in carried.order_by("pk"):
        plan = FeePlan.objects.filter(course_id=o.course_id).order_by("pk").first()
        if plan is not None:
            Enrolment.objects.create(
                institution_id=o.institution_id, course_id=o.course_id, fee_plan_id=plan.pk,
                learner_name=o.learner_name, guardian_name=o.guardian_name,
                guardian_phone=o.guardian_phone, enrolled_on=o.ordered_on, amount=o.amount,
                class_hours=o.class_hours, created_by_id=o.created_by_id)
    Order.objects.filter(pk__in=list(carried.values_list("pk", flat=True))).delete()
    for a in Arrangement.objects.filter(mode="bank_custody"):
        Institution.objects.filter(pk=a.institution_id).update(
            fund_account=a.account_number, payment_channel=a.payment_channel or a.custodian_bank)


class Migration(migrations.Migration):

    dependencies = [
        ("funds", "0005_arrangement_channel_order_origin"),
        ("institutions", "0012_not_approved_status"),
    ]

    operations = [migrations.RunPython(forward, backward)]
