"""Demo data of the funds app, per county (called from portal/demo.py; idempotent): an
institution under bank custody with orders in every state, and one under a risk deposit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.errors import DomainError
from funds import services
from funds.models import (
    InvoiceKind,
    Mode,
    Movement,
    Order,
    OrderState,
    PlanState,
    RiskType,
    RiskWarning,
    SpotResult,
    access_code_hash,
)
from institutions.models import Institution, InstitutionStatus, ListStatus
from institutions.rules import RuleViolation
from org.models import Department, Region


def load(county: Region, admin: Any) -> None:
    # The registry's demo records bank custody for the institutions meeting the gate and
    # its staff login's orders; this demo's mark is the risk deposit and the payments.
    if Movement.objects.filter(institution__region__path__startswith=county.path).exists():
        return
    licensed = Institution.objects.filter(region__path__startswith=county.path,
                                          status=InstitutionStatus.LICENSED).order_by("pk")
    custody = licensed.exclude(list_status=ListStatus.BLACK).filter(
        courses__is_listed=True).first()
    if custody is None:
        return
    services.arrangement_record(actor=admin, institution=custody, mode=Mode.BANK_CUSTODY,
                                custodian_bank=f"中国农业银行{county.name}支行",
                                account_number=f"2405{county.code}0001")
    deposit = licensed.exclude(pk=custody.pk).first()
    if deposit is not None:
        services.arrangement_record(actor=admin, institution=deposit, mode=Mode.RISK_DEPOSIT,
                                    deposit_amount="300000.00", deposit_bank="中国建设银行",
                                    guarantee_document=f"建银保{county.code}-2026-01",
                                    guarantee_upload=_guarantee_pdf(county.code))
    course = custody.courses.filter(is_listed=True).first()
    today = timezone.localdate()
    txn = iter(range(1, 100))

    def sale(learner: str, phone: str, hours: int, amount: str, pay: bool = True) -> Order:
        order = services.order_create(
            actor=admin, institution=custody, course=course, learner_name=learner,
            guardian_name=f"{learner[0]}家长", guardian_phone=phone, class_hours=hours,
            months=3, amount=Decimal(amount), ordered_on=today)
        if pay:
            services.payment_record(actor=admin, order_number=order.number, amount=amount,
                                    transaction_id=f"DEMO{county.code}{next(txn):04d}")
            order.refresh_from_db()
        return order

    sale("李小雨", "13900000001", 48, "3600.00", pay=False)  # awaiting payment
    sale("王子涵", "13900000002", 48, "3600.00")  # paid, in custody
    running = sale("张可欣", "13900000003", 40, "3000.00")  # consumption, one disputed
    services.consumption_record(actor=admin, order=running, hours=4, lesson_on=today)
    doubtful = services.consumption_record(actor=admin, order=running, hours=2,
                                           lesson_on=today)
    services.consumption_dispute(actor=admin, consumption=doubtful,
                                 reason="家长称当天孩子请假未上课")
    done = sale("赵一鸣", "13900000004", 16, "1200.00")  # consumed and disbursed
    services.consumption_record(actor=admin, order=done, hours=16, lesson_on=today)
    services.order_disburse(order=done, today=today + dt.timedelta(days=30))
    back = sale("陈思远", "13900000005", 24, "1800.00")  # refunded after 8 hours
    services.consumption_record(actor=admin, order=back, hours=8, lesson_on=today)
    services.order_refund(actor=admin, order=back, reason="家长因搬家申请退还未消课时费用")
    cancelled = sale("刘欣怡", "13900000006", 24, "1800.00", pay=False)
    services.order_cancel(actor=admin, order=cancelled, reason="家长放弃报名")
    # A parent's refund request the institution refused: the department decides it.
    disputed = sale("周子墨", "13900000007", 40, "3000.00")
    asked = services.refund_request(actor=admin, order=disputed,
                                    reason="孩子转学，申请退还未消课时费用")
    services.refund_answer(actor=admin, request=asked, agree=False,
                           note="合同约定开课后不退费")
    # Invoices (002 §2(4)): an e-invoice for the finished order.
    services.invoice_record(actor=admin, order=done, kind=InvoiceKind.ELECTRONIC,
                            number=f"{county.code}0001", amount="1200.00", issued_on=today)
    # An attempt to charge over the limits, refused (002 §2(4)).
    try:
        services.order_create(
            actor=admin, institution=custody, course=course, learner_name="孙浩然",
            guardian_name="孙家长", guardian_phone="13900000008", class_hours=120, months=6,
            amount=Decimal("9000.00"), ordered_on=today)
    except RuleViolation:
        pass
    # Self-inspection (自查自纠) and a safe-consumption spot check (004 §4(4)); the fees the
    # spot check found outside the supervised account raise a warning.
    services.self_inspection_submit(
        actor=admin, institution=custody, period_start=today - dt.timedelta(days=30),
        period_end=today, prepaid_collected="16800.00", collected_outside="0.00", fee_loans=0,
        findings="收费均进入培训收费专用账户。", corrections="")
    services.spot_check_record(
        actor=admin, institution=custody, checked_on=today, result=SpotResult.PROBLEMS,
        collected_outside="2400.00", fee_loans=0,
        findings="抽查发现两笔学费经机构负责人个人账户收取，已责令退回专用账户。")
    if deposit is not None and deposit.courses.filter(is_listed=True).exists():
        # Under the risk deposit the paid fees sit in the dedicated account, not custody.
        try:
            kept = services.order_create(
                actor=admin, institution=deposit,
                course=deposit.courses.filter(is_listed=True).first(), learner_name="吴雨桐",
                guardian_name="吴家长", guardian_phone="13900000009", class_hours=20, months=2,
                amount=Decimal("1600.00"), ordered_on=today)
            services.payment_record(actor=admin, order_number=kept.number, amount="1600.00",
                                    transaction_id=f"DEMO{county.code}D001")
        except (RuleViolation, DomainError):
            pass
    services.risk_scan(today=today)
    # The bank's balance for today is 200 yuan short of the ledger: an open warning.
    short = services.ledger_balance(institution=custody, day=today) - Decimal("200.00")
    services.bank_balance_report(actor=admin, uscc=custody.uscc, day=today, balance=short)
    services.reconcile(day=today)
    # Yesterday the bank held 500 yuan the ledger does not know: a warning left open.
    yesterday = today - dt.timedelta(days=1)
    services.bank_balance_report(actor=admin, uscc=custody.uscc, day=yesterday,
                                 balance="500.00")
    services.reconcile(day=yesterday)
    # Today's warning is escalated into the risk ledger; the plan is in progress.
    warning = RiskWarning.objects.get(institution=custody, window=today.isoformat())
    plan = services.risk_plan_open(
        actor=admin, institution=custody, risk_type=RiskType.REFUND_DIFFICULTY,
        department=custody.supervising_department or Department.objects.filter(
            region=county, type="education_sports").get(),
        measures="约谈机构负责人，核对托管账户流水，暂停新增收费直至差额查清。",
        parent_help="开通家长退费协商专线，组织机构与家长逐一对账。", warning=warning)
    services.risk_progress_add(actor=admin, plan=plan, state=PlanState.IN_PROGRESS,
                               note="已调取银行流水，差额系一笔退费重复入账，督促机构更正。")


def _guarantee_pdf(code: str) -> Any:
    """A one-page PDF standing in for the bank's scanned guarantee."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                          xref)
    return SimpleUploadedFile(f"guarantee-{code}.pdf", out, content_type="application/pdf")


#: The demo orders whose parent's page a tester opens: (learner, private code suffix).
PARENT_DEMO = (("王子涵", 1), ("张可欣", 2))


def parent_codes(county: Region) -> list[tuple[str, str, str]]:
    """(order number, private code, learner) of two demo orders of the county, for the
    parent's order page (funds:parent_order). A private code is shown only once when an
    order is made and only its hash is kept, so the demo sets a known code on each load
    (demo data only; idempotent)."""
    out = []
    for learner, n in PARENT_DEMO:
        order = (Order.objects.filter(institution__region__path__startswith=county.path,
                                      learner_name=learner, state=OrderState.PAID)
                 .order_by("pk").first())
        if order is None:
            continue
        code = f"{county.code[-4:]}{n:04d}"
        Order.objects.filter(pk=order.pk).update(
            access_code_hash=access_code_hash(order.number, code))
        out.append((order.number, code, learner))
    return out
