"""Builders for the funds tests: a licensed institution under supervision, its listed
course, an order, and the payment that puts it in custody."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from django.utils import timezone

from core.vocab import DepartmentType
from funds import services
from funds.models import Mode
from institutions import services as registry
from institutions.models import InstitutionStatus
from institutions.tests.helpers import course_for, register

_txn = count(1)


def supervised(world, key="a", n=1, mode=Mode.BANK_CUSTODY, starts_on=None):
    """A licensed institution whose gate is met through a supervision arrangement (no
    recorded fund account), with one listed course."""
    county = world.county(key)
    admin = county.users["county_admin"]
    inst = register(world, key, n)
    course = course_for(admin, inst, starts_on=starts_on) if starts_on else course_for(admin, inst)
    registry.gate_record(actor=admin, institution=inst, national_platform_account=f"QG{n}")
    registry.course_list_on_platform(actor=admin, course=course)
    registry.institution_set_status(
        actor=admin, institution=inst, status=InstitutionStatus.LICENSED, reason="审核通过",
        licence_number=f"教民{key}{n:03d}号", issuer=county.depts[DepartmentType.EDUCATION_SPORTS])
    arrange(world, inst, key, mode)
    inst.refresh_from_db()
    return inst, course


def arrange(world, inst, key="a", mode=Mode.BANK_CUSTODY):
    admin = world.county(key).users["county_admin"]
    if mode == Mode.BANK_CUSTODY:
        return services.arrangement_record(actor=admin, institution=inst, mode=mode,
                                           custodian_bank="农业银行五华支行",
                                           account_number="6228480000000001")
    return services.arrangement_record(actor=admin, institution=inst, mode=mode,
                                       deposit_amount="200000.00", deposit_bank="建设银行",
                                       guarantee_document="保函2026-001",
                                       guarantee_upload=guarantee())


def guarantee(name="保函.pdf"):
    """The bank's guarantee as an upload (a real one-page PDF)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import samplefiles

    return SimpleUploadedFile(name, samplefiles.pdf(), content_type="application/pdf")


def order(world, inst, course, key="a", learner="小明", phone="13800000001", amount="3000.00",
          hours=40, months=3, ordered_on=None):
    return services.order_create(
        actor=world.county(key).users["county_admin"], institution=inst, course=course,
        learner_name=learner, guardian_name="王女士", guardian_phone=phone, class_hours=hours,
        months=months, amount=Decimal(amount), ordered_on=ordered_on)


def pay(world, order, key="a", txn=None):
    return services.payment_record(actor=world.county(key).users["county_admin"],
                                   order_number=order.number, amount=order.amount,
                                   transaction_id=txn or f"TXN{next(_txn):08d}")


def paid_order(world, inst, course, key="a", **kw):
    o = order(world, inst, course, key, **kw)
    pay(world, o, key)
    o.refresh_from_db()
    return o


def consume(world, order, hours, key="a", lesson_on=None):
    return services.consumption_record(actor=world.county(key).users["county_admin"],
                                       order=order, hours=hours,
                                       lesson_on=lesson_on or timezone.localdate())
