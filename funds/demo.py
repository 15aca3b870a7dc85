"""Demo data of the funds app, per county (called from portal/demo.py; idempotent): an
institution under bank custody with orders in every state, and one under a risk deposit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from funds import services
from funds.models import Mode, Movement, Order, PlanState, RiskType, RiskWarning
from institutions.models import Institution, InstitutionStatus, ListStatus
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
                                    guarantee_document=f"建银保{county.code}-2026-01")
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
