"""Funds own the supervision of prepaid fees (预收费资金监管, DOMAIN.md §4.5; issue 11): the
supervision arrangement of each institution (bank custody or a risk deposit, 004 §4(4)),
orders checked against the fee rules per learner (002 §2(4)), and the closed loop of
002 §2(3) kept in a double-entry ledger: payment into custody → class consumption (消课)
→ timed disbursement (序时拨付) → refunds of the unconsumed hours.

Every move of money is `_post`: one movement whose entries sum to zero, written under the
order's row lock together with the order's running balances, so that concurrent refunds
and disbursements serialise on the order and never overdraw it (the constraints on
`Order` refuse a negative balance in any case). Movements carry the request id and, where
the caller gives one, an idempotency key or the bank's transaction id: a repeated call
finds the movement it made and makes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import filetypes
from cases import services as case_services
from cases.audit import audit_record, snapshot
from core.abilities import require
from core.errors import DomainError, InvalidState, PermissionDenied
from core.request import current_request_id
from funds import selectors
from funds.models import (
    CENT,
    OPEN_REFUND_STATES,
    WARNING_TRANSITIONS,
    ZERO,
    Account,
    Arrangement,
    BankBalance,
    ChargeAttempt,
    Consumption,
    ConsumptionState,
    Entry,
    Invoice,
    InvoiceKind,
    Mode,
    Movement,
    MovementKind,
    Order,
    OrderState,
    PlanState,
    Reconciliation,
    RefundChannel,
    RefundRequest,
    RefundState,
    RiskPlan,
    RiskProgress,
    RiskRule,
    RiskType,
    RiskWarning,
    SelfInspection,
    SpotCheck,
    SpotResult,
    WarningAction,
    WarningState,
    access_code_hash,
)
from institutions import services as registry
from institutions.models import Course, Institution
from institutions.rules import (
    RuleViolation,
    Violation,
    fee_limit_violations,
    model_contract_version,
    required_clauses,
)
from org.models import Department
from org.scope import Action
from policy.profile import active_profile
from policy.sources import cite

#: The balance an account's entries add up to, on the order.
BALANCE_FIELDS: dict[str, str] = {Account.CUSTODY: "held", Account.DEDICATED: "held",
                                  Account.CONSUMED: "consumed",
                                  Account.DISBURSED: "disbursed", Account.REFUNDED: "refunded"}
#: The accounts whose money is still in the institution's supervised account (custody,
#: the dedicated account under a risk deposit, and consumed value not yet disbursed).
SUPERVISED_ACCOUNTS = (Account.CUSTODY, Account.DEDICATED, Account.CONSUMED)


def held_account(institution_id: int) -> str:
    """Where a payment's money is held, by the institution's supervision mode.

    004 §4(4) has every prepaid fee enter the institution's dedicated training-fee
    account (培训收费专用账户), kept apart from its own money (分账管理), and has the
    institution choose bank custody or a risk deposit for the full supervision of those
    fees (全额监管). Under bank custody the custodian bank holds them: CUSTODY. Under a
    risk deposit no custodian holds them: they stay in the dedicated account and the
    deposit the bank holds answers for them, so they are posted to DEDICATED, never to
    CUSTODY. Both are supervised in full, so both count toward 004 §2's "预收费资金监管
    100%全覆盖", and the loop of 002 §2(3) (专户核算 → 消课 → 序时拨付 → 退费) runs the
    same on either account."""
    mode = Arrangement.objects.filter(institution_id=institution_id).values_list(
        "mode", flat=True).first()
    return Account.DEDICATED if mode == Mode.RISK_DEPOSIT else Account.CUSTODY
ORDER_FIELDS = ["state", "class_hours", "amount", "hours_consumed", "hours_refunded", "held",
                "consumed", "disbursed", "refunded"]


class Conflict(InvalidState):
    """The same bank transaction id or idempotency key was used for a different move."""

    code = "conflict"


def yuan(value: Any, *, field: str = "amount") -> Decimal:
    """An amount of yuan with at most two decimals, never through float."""
    if isinstance(value, float | bool):
        raise DomainError(_("Give the amount as a decimal number of yuan."), field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Give the amount as a decimal number of yuan."), field=field)
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0 \
            or amount >= Decimal("1e10"):
        raise DomainError(_("Give a positive amount of yuan with at most two decimals."),
                          field=field)
    return amount.quantize(CENT)


def _actor_label(actor: Any) -> str:
    return "" if getattr(actor, "role", None) else (str(actor) if actor else "system")


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and hasattr(actor, "role") else None


def _post(*, order: Order, kind: str, legs: list[tuple[str, Decimal]], actor: Any,
          reason: str = "", bank_transaction_id: str | None = None,
          idempotency_key: str | None = None, reverses: Movement | None = None) -> Movement:
    """Write one balanced movement and move the order's balances with it. The caller
    holds the order's row lock (`_locked`)."""
    if sum((amount for _a, amount in legs), ZERO) != ZERO:
        raise AssertionError("a movement's entries must balance")
    if any(amount == ZERO or amount != amount.quantize(CENT) for _a, amount in legs):
        raise AssertionError("entries are non-zero amounts of whole fen")
    movement = Movement.objects.create(
        kind=kind, institution_id=order.institution_id, order=order,
        amount=sum((a for _acc, a in legs if a > 0), ZERO), reason=reason,
        bank_transaction_id=bank_transaction_id, idempotency_key=idempotency_key,
        request_id=(current_request_id() or "")[:64], reverses=reverses,
        actor=_user_or_none(actor), actor_label=_actor_label(actor)[:100])
    Entry.objects.bulk_create([
        Entry(movement=movement, institution_id=order.institution_id, order=order,
              account=account, amount=amount) for account, amount in legs])
    for account, amount in legs:
        field = BALANCE_FIELDS.get(account)
        if field:
            setattr(order, field, getattr(order, field) + amount)
    order.save(update_fields=[*set(BALANCE_FIELDS.values()), "state", "hours_consumed",
                              "hours_refunded", "held_in"])
    return movement


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _may_work(actor: Any, institution: Institution) -> None:
    """The gateway's CHANGE rule on the institution's funds; a principal who may not even
    read them gets the same answer as for a missing record."""
    if not selectors.may_work_on(actor, institution):
        raise PermissionDenied()


def _replayed(key: str | None, *, order: Order, kind: str) -> Movement | None:
    """The movement an earlier call with the same idempotency key made, if any."""
    if not key:
        return None
    earlier = Movement.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.order_id != order.pk or earlier.kind != kind:
        raise Conflict(_("This idempotency key was used for another request."),
                       field="idempotency_key")
    return earlier


def _key(key: str | None) -> str | None:
    key = (key or "").strip()
    if len(key) > 64:
        raise DomainError(_("An idempotency key has at most 64 characters."),
                          field="idempotency_key")
    return key or None


# -- the supervision arrangement --------------------------------------------------------------

@transaction.atomic
def arrangement_record(*, actor: Any, institution: Institution, mode: str,
                       custodian_bank: str = "", account_number: str = "",
                       payment_channel: str = "", deposit_amount: Any = None,
                       deposit_bank: str = "", guarantee_document: str = "",
                       guarantee_upload: UploadedFile | None = None) -> Arrangement:
    """Record how the institution's prepaid fees are supervised (004 §4(4)): bank custody
    of its dedicated training-fee account, or a risk deposit with the bank's guarantee,
    and the payment channel parents pay through. It meets the fund condition of the
    enrollment gate (000 §4(3): 资金监管账户和支付通道; the registry kept these two until
    issue 11 moved them here), so the white list is re-read."""
    require(actor, "funds.arrange", institution)
    _may_work(actor, institution)
    values: dict[str, Any] = {"mode": mode, "custodian_bank": custodian_bank.strip(),
                              "account_number": account_number.strip(),
                              "payment_channel": payment_channel.strip(),
                              "deposit_amount": None, "deposit_bank": deposit_bank.strip(),
                              "guarantee_document": guarantee_document.strip()}
    if mode == Mode.BANK_CUSTODY:
        for field in ("custodian_bank", "account_number"):
            if not values[field]:
                raise DomainError(_("Bank custody names the custodian bank and the dedicated "
                                    "training-fee account (%(src)s).") % {"src": cite("004 §4(4)")},
                                  field=field)
        values.update(deposit_bank="", guarantee_document="")
    elif mode == Mode.RISK_DEPOSIT:
        values["deposit_amount"] = yuan(deposit_amount if deposit_amount not in (None, "")
                                        else "0", field="deposit_amount")
        for field in ("deposit_bank", "guarantee_document"):
            if not values[field]:
                raise DomainError(_("A risk deposit names the bank and the guarantee document "
                                    "(%(src)s).") % {"src": cite("004 §4(4)")}, field=field)
        values.update(custodian_bank="", account_number="")
    else:
        raise DomainError(_("Choose a supervision mode."), field="mode")
    Institution.objects.select_for_update().get(pk=institution.pk)
    existing = Arrangement.objects.filter(institution=institution).first()
    if mode == Mode.RISK_DEPOSIT:
        # The guarantee itself (保函), checked by size and real type as a case
        # attachment is; a new risk deposit needs it, a recorded one keeps its own.
        if guarantee_upload is not None:
            values["guarantee_file_type"] = case_services.attachment_check(
                guarantee_upload, field="guarantee_upload")
        elif existing is None or not existing.guarantee_file:
            raise DomainError(_("Upload the bank's guarantee document (%(src)s).")
                              % {"src": cite("004 §4(4)")}, field="guarantee_upload")
    before = snapshot(existing, list(values)) if existing else {}
    if mode == Mode.BANK_CUSTODY:
        values.update(guarantee_file_type="", guarantee_file_name="")
    arrangement, _created = Arrangement.objects.update_or_create(
        institution=institution, defaults={**values, "recorded_by": _user_or_none(actor)})
    if mode == Mode.RISK_DEPOSIT and guarantee_upload is not None:
        name = (guarantee_upload.name or "guarantee").rsplit("/", 1)[-1][:190]
        arrangement.guarantee_file_name = filetypes.display_name(
            name, arrangement.guarantee_file_type)
        arrangement.guarantee_file.save(
            filetypes.safe_name(name, arrangement.guarantee_file_type), guarantee_upload,
            save=False)
        arrangement.save(update_fields=["guarantee_file", "guarantee_file_name"])
    elif mode == Mode.BANK_CUSTODY and arrangement.guarantee_file:
        arrangement.guarantee_file = ""
        arrangement.save(update_fields=["guarantee_file"])
    audit_record(actor=actor, action="funds.arrangement", obj=arrangement, before=before,
                 after=snapshot(arrangement, list(values)))
    registry.gate_refresh(institution=institution, actor=actor)
    return arrangement


# -- orders ---------------------------------------------------------------------------------

AGGREGATED_RULES = ("charge_max_amount", "charge_max_months", "charge_max_class_hours")


def order_violations(*, course: Course, learner_name: str, guardian_phone: str,
                     amount: Decimal, months: int, class_hours: int, contract_version: str,
                     ordered_on: dt.date) -> list[Violation]:
    """Every fee rule an order breaks (002 §2(4)), alone and together with the learner's
    unconsumed orders on the same course: at most 5,000 yuan and 3 months or 60 class
    hours; an advance charge no earlier than 1 month before a new course starts, or when
    20 class hours remain of a running one. Limits that only a sum of orders breaks are
    a charge disguised as top-ups or class cards (以充值、次卡等形式变相收取, 002 §2(4))."""
    open_orders = list(selectors.open_orders_of_learner(
        course_id=course.pk, learner_name=learner_name.strip(),
        guardian_phone=guardian_phone.strip()))
    started = course.starts_on is None or course.starts_on <= ordered_on
    remaining = sum(o.hours_left for o in open_orders) if open_orders and started else None
    found = fee_limit_violations(
        amount=amount, months=months, class_hours=class_hours,
        contract_version=contract_version, clauses=required_clauses(),
        charge_date=ordered_on, course_start=course.starts_on, remaining_hours=remaining)
    if open_orders:
        unconsumed = sum((o.amount if o.state == OrderState.PENDING else o.held
                          for o in open_orders), ZERO)
        together = fee_limit_violations(
            amount=amount + unconsumed, months=months + sum(o.months for o in open_orders),
            class_hours=class_hours + sum(o.hours_left for o in open_orders),
            contract_version=contract_version, clauses=required_clauses())
        alone = {v.rule for v in found}
        for v in together:
            if v.rule in AGGREGATED_RULES and v.rule not in alone:
                found.append(Violation(
                    v.field, v.rule,
                    _("Together with this learner's %(n)s unconsumed order(s) on the course, "
                      "a charge disguised as top-ups or class cards (以充值、次卡等形式变相收取): "
                      "%(message)s") % {"n": len(open_orders), "message": v.message},
                    v.source))
    return found


def order_create(*, actor: Any, institution: Institution, course: Course, learner_name: str,
                 guardian_name: str, guardian_phone: str, class_hours: int, months: int,
                 amount: Any, contract_version: str | None = None,
                 ordered_on: dt.date | None = None) -> Order:
    """A parent buys a course. Only a licensed institution that meets the enrollment gate
    sells (000 §4(3); 004 §6(4)), and the order must keep the fee rules of 002 §2(4) per
    learner (`order_violations`); a refusal cites the rule, and is kept (after the
    refused order's transaction rolled back) as a `ChargeAttempt`: repeated attempts to
    charge over the limits are a warning sign (003)."""
    try:
        return _order_create(
            actor=actor, institution=institution, course=course, learner_name=learner_name,
            guardian_name=guardian_name, guardian_phone=guardian_phone,
            class_hours=class_hours, months=months, amount=amount,
            contract_version=contract_version, ordered_on=ordered_on)
    except RuleViolation as exc:
        with transaction.atomic():
            ChargeAttempt.objects.create(
                institution_id=institution.pk, learner_name=str(learner_name).strip()[:50],
                amount=yuan(amount), class_hours=class_hours, months=months,
                rules=sorted({v.rule for v in exc.violations}))
        raise


@transaction.atomic
def _order_create(*, actor: Any, institution: Institution, course: Course,
                  learner_name: str, guardian_name: str, guardian_phone: str,
                  class_hours: int, months: int, amount: Any,
                  contract_version: str | None, ordered_on: dt.date | None) -> Order:
    require(actor, "funds.sell", institution)
    _may_work(actor, institution)
    # The profile's model-contract edition unless the order names another (issue 14 B7).
    contract_version = contract_version or model_contract_version()
    # One order at a time per institution: the learner's other orders are read under it.
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    # The registry's refusal: not licensed, black-listed, or the gate not met (000 §4(3)).
    registry.require_enrollment_gate(institution)
    course = Course.objects.get(pk=course.pk)
    if course.institution_id != institution.pk:
        raise DomainError(_("Choose a course of this institution."), field="course")
    if not course.is_listed:
        raise DomainError(_("Only a course listed on the platform is sold."), field="course")
    for field, value in (("learner_name", learner_name), ("guardian_name", guardian_name),
                         ("guardian_phone", guardian_phone)):
        if not str(value).strip():
            raise DomainError(_("This field is required."), field=field)
    for field, number in (("class_hours", class_hours), ("months", months)):
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 1000:
            raise DomainError(_("Give a whole number from 1 to 1000."), field=field)
    price = yuan(amount)
    today = timezone.localdate()
    ordered_on = ordered_on or today
    if ordered_on > today:
        raise DomainError(_("The order date cannot be in the future."), field="ordered_on")
    blocking = [v for v in order_violations(
        course=course, learner_name=learner_name, guardian_phone=guardian_phone, amount=price,
        months=months, class_hours=class_hours, contract_version=contract_version.strip(),
        ordered_on=ordered_on) if v.blocking]
    if blocking:
        raise RuleViolation(blocking)
    order = Order(
        institution=institution, course=course, learner_name=learner_name.strip(),
        guardian_name=guardian_name.strip(), guardian_phone=guardian_phone.strip(),
        class_hours=class_hours, months=months, amount=price,
        contract_version=contract_version.strip(), ordered_on=ordered_on,
        created_by=actor)
    # The parent's private code: shown once to the seller, who hands it over with the
    # contract; only its hash is kept.
    code = f"{secrets.randbelow(10**8):08d}"
    order.access_code_hash = access_code_hash(order.number, code)
    order.save()
    order.access_code = code  # type: ignore[attr-defined]
    audit_record(actor=actor, action="funds.order", obj=order,
                 after=snapshot(order, ["institution", "course", "class_hours", "months",
                                        "amount", "contract_version", "ordered_on"]))
    return order


@transaction.atomic
def order_cancel(*, actor: Any, order: Order, reason: str) -> Order:
    """An unpaid order is cancelled; nothing moves."""
    require(actor, "funds.refund", order.institution)
    _may_work(actor, order.institution)
    order = _locked(order)
    if order.state != OrderState.PENDING:
        raise InvalidState(_("Only an unpaid order is cancelled; a paid one is refunded."))
    if not reason.strip():
        raise DomainError(_("Give the reason."), field="reason")
    order.state = OrderState.CANCELLED
    order.save(update_fields=["state"])
    audit_record(actor=actor, action="funds.cancel", obj=order, after={"state": order.state},
                 reason=reason.strip())
    return order


# -- payments ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Payment:
    movement: Movement
    created: bool


def _clean_transaction_id(value: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > 64 or "\x00" in text:
        raise DomainError(_("Give the bank's transaction id (at most 64 characters)."),
                          field="transaction_id")
    return text


@transaction.atomic
def payment_record(*, actor: Any, order_number: str, amount: Any,
                   transaction_id: str) -> Payment:
    """A payment from the custodian bank into custody (002 §2(3): the charge is made on
    the platform, into the supervised account). Idempotent on the bank's transaction id:
    the same transaction again returns the movement it made; the same id with another
    order or amount is a conflict."""
    transaction_id = _clean_transaction_id(transaction_id)
    price = yuan(amount)
    # Missing and outside the caller's regions answer alike (Order.DoesNotExist: 404).
    order = Order.objects.restrict(actor, "change").get(number=str(order_number).strip())
    return payment_apply(actor=actor, order=order, amount=price, transaction_id=transaction_id)


@transaction.atomic
def payment_apply(*, actor: Any, order: Order, amount: Any,
                  transaction_id: str) -> Payment:
    """Record a payment on an order the caller already found through the gateway (the
    bank's call, or a statement row read by a funds department)."""
    price = yuan(amount)
    transaction_id = _clean_transaction_id(transaction_id)
    order = _locked(order)
    earlier = Movement.objects.filter(bank_transaction_id=transaction_id).first()
    if earlier is not None:
        if earlier.order_id != order.pk or earlier.amount != price or \
                earlier.kind != MovementKind.PAYMENT:
            raise Conflict(_("This bank transaction id was recorded for another payment."),
                           field="transaction_id")
        return Payment(earlier, False)
    if order.state != OrderState.PENDING:
        raise InvalidState(_("The order is not awaiting payment."))
    if price != order.amount:
        raise DomainError(_("The payment must equal the order's amount of %(amount)s yuan.")
                          % {"amount": order.amount}, field="amount")
    order.state = OrderState.PAID
    order.held_in = held_account(order.institution_id)
    movement = _post(order=order, kind=MovementKind.PAYMENT, actor=actor,
                     legs=[(Account.PAYER, -price), (order.held_in, price)],
                     bank_transaction_id=transaction_id)
    audit_record(actor=actor, action="funds.payment", obj=order,
                 after={"amount": str(price), "transaction_id": transaction_id})
    return Payment(movement, True)


# -- class consumption and disputes ---------------------------------------------------------

def _hours_value(order: Order, hours: int) -> Decimal:
    return (order.amount * hours / order.class_hours).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def consumption_record(*, actor: Any, order: Order, hours: int, lesson_on: dt.date,
                       idempotency_key: str | None = None) -> Consumption:
    """The institution records attended lessons (消课, 002 §2(3)). Their value moves from
    custody to consumed, to be disbursed once the parent's dispute period has passed. The
    value is the order's price pro rata, and the last hours take what custody still holds,
    so that rounding never loses or makes a fen."""
    require(actor, "funds.consume", order.institution)
    _may_work(actor, order.institution)
    key = _key(idempotency_key)
    order = _locked(order)
    earlier = _replayed(key, order=order, kind=MovementKind.CONSUMPTION)
    if earlier is not None:
        return Consumption.objects.get(movement=earlier)
    if order.state != OrderState.PAID:
        raise InvalidState(_("Class consumption is recorded on a paid order with hours left."))
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= order.hours_left:
        raise DomainError(_("Give from 1 to %(n)s class hours.") % {"n": order.hours_left},
                          field="hours")
    today = timezone.localdate()
    if lesson_on > today:
        raise DomainError(_("The lesson date cannot be in the future."), field="lesson_on")
    if lesson_on < order.ordered_on:
        raise DomainError(_("The lesson date is before the order."), field="lesson_on")
    if hours == order.hours_left:
        value = order.held
    else:
        value = min(order.held, _hours_value(order, order.hours_consumed + hours)
                    - _hours_value(order, order.hours_consumed))
    order.hours_consumed += hours
    if order.hours_left == 0:
        order.state = OrderState.COMPLETED
    movement = _post(order=order, kind=MovementKind.CONSUMPTION, actor=actor,
                     legs=[(order.held_in, -value), (Account.CONSUMED, value)],
                     idempotency_key=key) if value > 0 else None
    if movement is None:
        order.save(update_fields=["state", "hours_consumed"])
    days = int(active_profile().rule("funds_dispute_days"))
    consumption = Consumption.objects.create(
        order=order, hours=hours, amount=value, lesson_on=lesson_on,
        dispute_until=today + dt.timedelta(days=days), movement=movement,
        recorded_by=_user_or_none(actor), recorded_by_label=_actor_label(actor)[:100])
    audit_record(actor=actor, action="funds.consume", obj=order,
                 after={"hours": hours, "amount": str(value), "lesson_on": lesson_on})
    return consumption


@transaction.atomic
def consumption_dispute(*, actor: Any, consumption: Consumption, reason: str) -> Consumption:
    """The parent disputes a consumption record within the profile's period
    (`funds_dispute_days`, a documented default: the seeds give none); until the
    supervising department decides, its value is not disbursed."""
    require(actor, "funds.dispute", consumption.order.institution)
    if not Consumption.objects.restrict(actor).filter(pk=consumption.pk).exists():
        raise PermissionDenied()
    return _dispute(actor=actor, consumption=consumption, reason=reason)


@transaction.atomic
def consumption_dispute_by_parent(*, number: str, code: str, consumption_id: int,
                                  reason: str) -> Consumption:
    """The parent disputes a record through the order number and the private code
    (issue 11 "Access"); a wrong code answers like a missing order."""
    order = selectors.order_for_parent(number=number, code=code)
    consumption = Consumption.objects.get(order=order, pk=consumption_id)
    return _dispute(actor="parent", consumption=consumption, reason=reason)


def _dispute(*, actor: Any, consumption: Consumption, reason: str) -> Consumption:
    if not reason.strip():
        raise DomainError(_("Give the parent's reason."), field="reason")
    _locked(consumption.order)
    consumption = Consumption.objects.get(pk=consumption.pk)
    if consumption.state != ConsumptionState.RECORDED:
        raise InvalidState(_("This record is already disputed or decided."))
    if timezone.localdate() > consumption.dispute_until:
        raise InvalidState(_("The dispute period ended on %(day)s.")
                           % {"day": consumption.dispute_until.isoformat()})
    consumption.state = ConsumptionState.DISPUTED
    consumption.dispute_reason = reason.strip()
    consumption.save(update_fields=["state", "dispute_reason"])
    audit_record(actor=actor, action="funds.dispute", obj=consumption.order,
                 after={"consumption": consumption.pk}, reason=reason.strip())
    return consumption


@transaction.atomic
def consumption_resolve(*, actor: Any, consumption: Consumption, uphold: bool,
                        resolution: str) -> Consumption:
    """The supervising department decides a dispute. Upheld, the record is reversed with
    a reversing movement that gives the reason (no entry is ever changed); rejected, the
    value may be disbursed."""
    require(actor, "funds.resolve", consumption.order.institution)
    _may_work(actor, consumption.order.institution)
    if not resolution.strip():
        raise DomainError(_("Give the decision's reason."), field="resolution")
    order = _locked(consumption.order)
    consumption = Consumption.objects.get(pk=consumption.pk)
    if consumption.state != ConsumptionState.DISPUTED:
        raise InvalidState(_("Only a disputed record is decided."))
    consumption.resolution = resolution.strip()
    if uphold and consumption.amount > order.consumed:
        # Released already by timed disbursement (a dispute raised after its period was
        # disbursed, or by a clock the scheduled job ran ahead of): the ledger cannot take
        # back from the consumed account what it no longer holds.
        raise InvalidState(_("This record's value was disbursed to the institution already; "
                             "it cannot be reversed here."))
    if uphold:
        consumption.state = ConsumptionState.REVERSED
        order.hours_consumed -= consumption.hours
        if order.state == OrderState.COMPLETED:
            order.state = OrderState.PAID
        if consumption.amount > 0:
            _post(order=order, kind=MovementKind.REVERSAL, actor=actor,
                  legs=[(Account.CONSUMED, -consumption.amount),
                        (order.held_in, consumption.amount)],
                  reason=resolution.strip(), reverses=consumption.movement)
        else:
            order.save(update_fields=["state", "hours_consumed"])
    else:
        consumption.state = ConsumptionState.CONFIRMED
    consumption.save(update_fields=["state", "resolution"])
    audit_record(actor=actor, action="funds.resolve", obj=order,
                 after={"consumption": consumption.pk, "state": consumption.state},
                 reason=resolution.strip())
    return consumption


# -- timed disbursement ------------------------------------------------------------------

def _releasable(order: Order, today: dt.date) -> Decimal:
    """What timed disbursement (序时拨付, 002 §2(3)) may have released so far: the
    consumed value past its dispute period and undisputed (or the dispute rejected),
    less the profile's retained share while the order still runs."""
    settled = Consumption.objects.filter(order=order).filter(
        Q(state=ConsumptionState.RECORDED, dispute_until__lt=today)
        | Q(state=ConsumptionState.CONFIRMED)).aggregate(total=Sum("amount"))["total"] or ZERO
    if order.state in (OrderState.COMPLETED, OrderState.REFUNDED):
        return settled
    retained = Decimal(active_profile().rule("funds_disbursement_retained_percent"))
    return (settled * (100 - retained) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def order_disburse(*, order: Order, today: dt.date | None = None,
                   actor: Any = None) -> Movement | None:
    """Release the order's settled consumption to the institution's own account, at most
    once per cycle (`funds_disbursement_cycle_days`; a documented default). Run by the
    scheduled job as the system; idempotent (a second run releases nothing more)."""
    today = today or timezone.localdate()
    order = _locked(order)
    cycle = int(active_profile().rule("funds_disbursement_cycle_days"))
    last = order.movements.filter(kind=MovementKind.DISBURSEMENT).order_by("-id").first()
    if last is not None and timezone.localdate(last.created_at) > today - dt.timedelta(
            days=cycle):
        return None
    release = min(_releasable(order, today) - order.disbursed, order.consumed)
    if release <= 0:
        return None
    movement = _post(order=order, kind=MovementKind.DISBURSEMENT, actor=actor,
                     legs=[(Account.CONSUMED, -release), (Account.DISBURSED, release)])
    audit_record(actor=actor, action="funds.disburse", obj=order,
                 after={"amount": str(release)})
    return movement


def disburse_due(*, today: dt.date | None = None) -> int:
    """The scheduled job: each order with consumed value waiting, in its own
    transaction. Returns the number of disbursements made."""
    made = 0
    for pk in Order.objects.filter(consumed__gt=0).values_list("pk", flat=True).order_by("pk"):
        if order_disburse(order=Order(pk=pk), today=today) is not None:
            made += 1
    return made


# -- refunds ----------------------------------------------------------------------------

@transaction.atomic
def order_refund(*, actor: Any, order: Order, reason: str,
                 idempotency_key: str | None = None) -> Movement | None:
    """Refund the unconsumed hours from custody (002 §2(3) "退费顺畅"): the parent asks
    and the institution agrees, or the supervising department decides a dispute. The
    whole held balance goes back; consumed hours are not refunded here. A parent's open
    request on the order is closed as refunded with it."""
    require(actor, "funds.refund", order.institution)
    _may_work(actor, order.institution)
    key = _key(idempotency_key)
    if not reason.strip():
        raise DomainError(_("Give the reason."), field="reason")
    order = _locked(order)
    earlier = _replayed(key, order=order, kind=MovementKind.REFUND)
    if earlier is not None:
        return earlier
    movement = _refund(actor=actor, order=order, reason=reason.strip(), key=key)
    request = order.refund_requests.filter(state__in=OPEN_REFUND_STATES).first()
    if request is not None:
        _close_request(request, actor=actor, state=RefundState.REFUNDED, movement=movement,
                       amount=movement.amount if movement else ZERO)
    return movement


def _refund(*, actor: Any, order: Order, reason: str, key: str | None) -> Movement | None:
    """Move the order's whole held balance back to the parent; the caller holds the
    order's row lock."""
    if order.state != OrderState.PAID:
        raise InvalidState(_("Only a paid order with unconsumed hours is refunded."))
    if order.consumptions.filter(state=ConsumptionState.DISPUTED).exists():
        raise InvalidState(_("Decide the open dispute on this order first."))
    amount = order.held
    order.hours_refunded += order.hours_left
    order.state = OrderState.REFUNDED
    movement = _post(order=order, kind=MovementKind.REFUND, actor=actor,
                     legs=[(order.held_in, -amount), (Account.REFUNDED, amount)],
                     reason=reason, idempotency_key=key) if amount > 0 else None
    if movement is None:
        order.save(update_fields=["state", "hours_refunded"])
    audit_record(actor=actor, action="funds.refund", obj=order,
                 after={"amount": str(amount), "hours": order.hours_refunded}, reason=reason)
    return movement


def _close_request(request: RefundRequest, *, actor: Any, state: str,
                   movement: Movement | None = None, amount: Decimal | None = None) -> None:
    request.state = state
    request.movement = movement
    request.amount = amount
    request.closed_by = _user_or_none(actor)
    request.closed_at = timezone.now()
    request.save(update_fields=["state", "movement", "amount", "closed_by", "closed_at",
                                "institution_note", "decision"])


def _open_request(*, actor: Any, order: Order, reason: str, channel: str,
                  key: str | None) -> RefundRequest:
    if not reason.strip():
        raise DomainError(_("Give the reason for the refund."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("Keep the reason under 2000 characters."), field="reason")
    order = _locked(order)
    if key:
        earlier = RefundRequest.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            if earlier.order_id != order.pk:
                raise Conflict(_("This idempotency key was used for another request."),
                               field="idempotency_key")
            return earlier
    if order.state != OrderState.PAID:
        raise InvalidState(_("Only a paid order with unconsumed hours is refunded."))
    if order.refund_requests.filter(state__in=OPEN_REFUND_STATES).exists():
        raise InvalidState(_("A refund request on this order is already open."))
    request = RefundRequest.objects.create(
        order=order, reason=reason.strip(), channel=channel, idempotency_key=key,
        requested_by=_user_or_none(actor))
    audit_record(actor=actor, action="funds.refund_request", obj=order,
                 after={"request": request.pk, "channel": channel}, reason=reason.strip())
    return request


@transaction.atomic
def refund_request(*, actor: Any, order: Order, reason: str,
                   idempotency_key: str | None = None) -> RefundRequest:
    """Record a parent's refund request for them (the institution's system or an
    officer taking it on the parent's behalf, 002 §2(3) "退费顺畅"); idempotent on the key."""
    require(actor, "funds.request_refund", order.institution)
    if not Order.objects.restrict(actor).filter(pk=order.pk).exists():
        raise PermissionDenied()
    return _open_request(actor=actor, order=order, reason=reason, channel=RefundChannel.OFFICE,
                         key=_key(idempotency_key))


@transaction.atomic
def refund_request_by_parent(*, number: str, code: str, reason: str) -> RefundRequest:
    """The parent asks for the refund of the unconsumed hours on the order page, through
    the order number and the private code (issue 11 "Access"); a wrong code answers like
    a missing order."""
    order = selectors.order_for_parent(number=number, code=code)
    return _open_request(actor="parent", order=order, reason=reason,
                         channel=RefundChannel.PARENT, key=None)


def _locked_request(request: RefundRequest) -> tuple[Order, RefundRequest]:
    order = _locked(request.order)
    return order, RefundRequest.objects.get(pk=request.pk)


@transaction.atomic
def refund_answer(*, actor: Any, request: RefundRequest, agree: bool,
                  note: str = "") -> RefundRequest:
    """The institution answers a parent's request: it agrees, and the unconsumed hours
    are refunded from custody at once; or it refuses with its reason, and the request
    becomes a dispute for the supervising department (002 §2(3) "退费顺畅")."""
    require(actor, "funds.answer_refund", request.order.institution)
    _may_work(actor, request.order.institution)
    order, request = _locked_request(request)
    if request.state != RefundState.REQUESTED:
        raise InvalidState(_("This request is already answered."))
    request.institution_note = note.strip()
    if agree:
        movement = _refund(actor=actor, order=order, reason=request.reason, key=None)
        _close_request(request, actor=actor, state=RefundState.REFUNDED, movement=movement,
                       amount=movement.amount if movement else ZERO)
    else:
        if not note.strip():
            raise DomainError(_("Give the reason for refusing."), field="note")
        request.state = RefundState.REFUSED
        request.save(update_fields=["state", "institution_note"])
    audit_record(actor=actor, action="funds.refund_answer", obj=order,
                 after={"request": request.pk, "state": request.state}, reason=note.strip())
    return request


@transaction.atomic
def refund_decide(*, actor: Any, request: RefundRequest, uphold: bool,
                  decision: str) -> RefundRequest:
    """The supervising department decides a disputed request (refused by the
    institution, or left unanswered): upheld, the unconsumed hours are refunded from
    custody; rejected, the order runs on (002 §2(3); 003 §4(4) "帮助学生家长协商解决退费问题")."""
    require(actor, "funds.resolve", request.order.institution)
    _may_work(actor, request.order.institution)
    if not decision.strip():
        raise DomainError(_("Give the decision's reason."), field="decision")
    order, request = _locked_request(request)
    if request.state not in OPEN_REFUND_STATES:
        raise InvalidState(_("This request is already decided."))
    request.decision = decision.strip()
    if uphold:
        movement = _refund(actor=actor, order=order, reason=decision.strip(), key=None)
        _close_request(request, actor=actor, state=RefundState.REFUNDED, movement=movement,
                       amount=movement.amount if movement else ZERO)
    else:
        _close_request(request, actor=actor, state=RefundState.REJECTED)
    audit_record(actor=actor, action="funds.refund_decide", obj=order,
                 after={"request": request.pk, "state": request.state},
                 reason=decision.strip())
    return request


# -- reconciliation ------------------------------------------------------------------------

def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Asia/Shanghai."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
                               timezone.get_default_timezone())


def ledger_balance(*, institution: Institution, day: dt.date) -> Decimal:
    """What the supervised account should hold at the end of `day`: custody and consumed
    value not yet disbursed (money leaves the account only by disbursement and refund)."""
    return Entry.objects.filter(
        institution=institution, account__in=SUPERVISED_ACCOUNTS,
        created_at__lt=_end_of(day)).aggregate(total=Sum("amount"))["total"] or ZERO


@transaction.atomic
def bank_balance_report(*, actor: Any, uscc: str, day: dt.date, balance: Any) -> tuple[
        BankBalance, bool]:
    """The custodian bank reports an account's closing balance for a day; idempotent on
    (institution, day): the same balance again records nothing, another is a conflict."""
    # Missing and outside the caller's regions answer alike (DoesNotExist: 404).
    institution = selectors.fund_institutions(actor, "change").get(uscc=str(uscc).strip())
    try:
        amount = Decimal(str(balance).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount < 0 \
            or amount >= Decimal("1e12"):
        raise DomainError(_("Give a balance of yuan with at most two decimals."),
                          field="balance")
    if day > timezone.localdate():
        raise DomainError(_("The day cannot be in the future."), field="day")
    earlier = BankBalance.objects.filter(institution=institution, day=day).first()
    if earlier is not None:
        if earlier.balance != amount:
            raise Conflict(_("Another balance was reported for this day."), field="balance")
        return earlier, False
    report = BankBalance.objects.create(institution=institution, day=day, balance=amount)
    audit_record(actor=actor, action="funds.bank_balance", obj=report,
                 after={"day": day, "balance": str(amount)})
    return report, True


#: Each warning rule (003; issue 11 "kept as data"): the profile's keys of its threshold
#: and window (documented defaults in policy/profiles/base.yaml: the seeds name the
#: risks but give no numbers), and the seed the rule follows.
RULE_PARAMS: dict[str, tuple[str, str, str]] = {
    RiskRule.Code.RECONCILIATION: ("risk_reconciliation_yuan",
                                   "risk_reconciliation_window_days", "002 §2(3)（全程可控）"),
    RiskRule.Code.REFUND_SPIKE: ("risk_refund_spike_count", "risk_refund_spike_window_days",
                                 "003 §4(4)（退费难）"),
    RiskRule.Code.SALES_SURGE: ("risk_sales_surge_factor", "risk_sales_surge_window_days",
                                "003 §4(4)（卷款跑路）"),
    RiskRule.Code.COMPLAINTS: ("risk_complaints_count", "risk_complaints_window_days",
                               "003 §4(4)（退费难）"),
    RiskRule.Code.DISBURSEMENT_ANOMALY: ("risk_disbursement_percent",
                                         "risk_disbursement_window_days",
                                         "002 §2(3)（序时拨付）；003 §4(4)（卷款跑路）"),
    RiskRule.Code.REFUSED_CHARGES: ("risk_refused_charges_count",
                                    "risk_refused_charges_window_days",
                                    "002 §2(4)（变相收取）"),
    RiskRule.Code.CLOSING_OR_MOVING: ("risk_closing_balance_yuan", "risk_closing_window_days",
                                      "003 §4(4)（卷款跑路）"),
    RiskRule.Code.FEE_LOANS: ("risk_fee_loans_count", "risk_fee_loans_window_days",
                              "001 §4(2)17（培训费贷款）；004 §4(4)"),
    RiskRule.Code.OUTSIDE_ACCOUNT: ("risk_outside_account_yuan",
                                    "risk_outside_account_window_days",
                                    "004 §4(4)（不得使用其他账户收取培训费用）"),
}


def _rules() -> dict[str, RiskRule]:
    """The rule rows with the active profile's threshold and window: the profile is the
    one place the numbers are set; a row keeps whether the rule is active, and each
    warning keeps the threshold it was raised under."""
    profile = active_profile()
    out = {}
    for code, (threshold_key, window_key, source) in RULE_PARAMS.items():
        values = {"threshold": Decimal(str(profile.rule(threshold_key))),
                  "window_days": int(profile.rule(window_key)), "source": source}
        rule, created = RiskRule.objects.get_or_create(code=code, defaults=values)
        if not created and any(getattr(rule, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(rule, k, v)
            rule.save(update_fields=list(values))
        out[code] = rule
    return out


def _warn(*, institution_id: int, rule: RiskRule, window: str, value: Decimal) -> bool:
    """Raise a warning once per (institution, rule, window)."""
    _warning, created = RiskWarning.objects.get_or_create(
        institution_id=institution_id, rule=rule, window=window,
        defaults={"value": value, "threshold": rule.threshold})
    return created


@transaction.atomic
def reconcile(*, day: dt.date) -> int:
    """The daily reconciliation: each bank balance of `day` against the ledger; a
    difference beyond the rule's threshold raises a warning with the difference. Returns
    the number of warnings raised; a re-run creates nothing twice."""
    rule = _rules()[RiskRule.Code.RECONCILIATION]
    raised = 0
    for report in BankBalance.objects.filter(day=day).select_related("institution"):
        ledger = ledger_balance(institution=report.institution, day=day)
        difference = report.balance - ledger
        Reconciliation.objects.get_or_create(
            institution=report.institution, day=day,
            defaults={"bank_balance": report.balance, "ledger_balance": ledger,
                      "difference": difference})
        if rule.active and abs(difference) > rule.threshold:
            raised += _warn(institution_id=report.institution_id, rule=rule,
                            window=day.isoformat(), value=difference)
    return raised


# -- risk warnings (003) ------------------------------------------------------------------

def _window(today: dt.date, days: int) -> tuple[dt.date, str]:
    """The fixed window `today` falls in (so a rule warns once per window), and its key."""
    start = dt.date.fromordinal(today.toordinal() - today.toordinal() % days)
    return start, f"{start.isoformat()}+{days}"


@transaction.atomic
def risk_scan(*, today: dt.date | None = None) -> int:
    """Run the rules over each institution, each in its window (`_window`), so that each
    (institution, rule, window) warns once (003: 风险监测预警). A rule fires at its
    threshold, not below. Returns the number of warnings raised."""
    today = today or timezone.localdate()
    rules = _rules()
    raised = 0
    for code, scan in SCANS.items():
        rule = rules[code]
        if not rule.active:
            continue
        start, key = _window(today, rule.window_days)
        for institution_id, value in scan(rule, start, today).items():
            if value >= rule.threshold:
                raised += _warn(institution_id=institution_id, rule=rule, window=key,
                                value=value)
    return raised


def _since(start: dt.date) -> dt.datetime:
    return _end_of(start - dt.timedelta(days=1))


def _scan_refund_spike(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """Refunds in the window (refund difficulty, 003 §4(4))."""
    rows = (Movement.objects.filter(kind=MovementKind.REFUND, created_at__gte=_since(start),
                                    created_at__lt=_end_of(today))
            .values("institution_id").annotate(n=Count("id")).order_by())
    return {r["institution_id"]: Decimal(r["n"]) for r in rows}


def _scan_sales_surge(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """Orders in the window as a multiple of the weekly average of the four windows
    before: a sales surge before a flight with the funds (003 §4(4)). An institution
    with no trailing sales has no average to surge against."""
    before = start - dt.timedelta(days=4 * rule.window_days)
    sales = (Order.objects.filter(ordered_on__gte=before, ordered_on__lte=today)
             .values("institution_id")
             .annotate(now=Count("id", filter=Q(ordered_on__gte=start)),
                       trailing=Count("id", filter=Q(ordered_on__lt=start))).order_by())
    return {s["institution_id"]: (Decimal(s["now"]) * 4 / s["trailing"]).quantize(
        CENT, rounding=ROUND_DOWN) for s in sales if s["now"] > 0 and s["trailing"] > 0}


def _scan_complaints(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """Refund and fee complaints about the institution received in the window (003
    §4(4) 退费难), read through the complaints port (funds and complaints are sibling
    layers); none while the complaints app is not wired."""
    from institutions import ports

    counts = ports.complaint_counts()
    if counts is None:
        return {}
    found = counts(since=_since(start), until=_end_of(today), topics=COMPLAINT_TOPICS)
    return {pk: Decimal(n) for pk, n in found.items()}


#: The complaint routing topics that speak of refunds and fees (core.vocab.ComplaintTopic).
COMPLAINT_TOPICS = ("refund", "price")


def _scan_disbursement(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """Disbursed in the window, as a percentage of what the supervised account held
    (unconsumed and consumed, not yet disbursed) when the window began: timed
    disbursement (002 §2(3) 序时拨付) releases consumption bit by bit, so a large share
    leaving at once drains the account (003 §4(4) 卷款跑路)."""
    since = _since(start)
    rows = (Entry.objects.filter(created_at__lt=_end_of(today))
            .values("institution_id")
            .annotate(out=Sum("amount", filter=Q(account=Account.DISBURSED,
                                                 created_at__gte=since)),
                      held=Sum("amount", filter=Q(account__in=SUPERVISED_ACCOUNTS,
                                                  created_at__lt=since))).order_by())
    return {r["institution_id"]: (r["out"] * 100 / r["held"]).quantize(
        CENT, rounding=ROUND_DOWN) for r in rows if r["out"] and r["held"] and r["held"] > 0}


def _scan_refused_charges(rule: RiskRule, start: dt.date, today: dt.date
                          ) -> dict[int, Decimal]:
    """Orders the fee rules refused in the window (002 §2(4): attempts to charge over
    the limits, or to disguise a charge as top-ups and class cards)."""
    rows = (ChargeAttempt.objects.filter(attempted_at__gte=_since(start),
                                         attempted_at__lt=_end_of(today))
            .values("institution_id").annotate(n=Count("id")).order_by())
    return {r["institution_id"]: Decimal(r["n"]) for r in rows}


#: Audit actions on an institution that are signs of closing or moving.
CLOSING_ACTIONS = ("institution.status.suspended", "institution.status.revoked",
                   "institution.status.terminated")


def _scan_closing(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """An institution that changed its address or county, or stopped (suspended,
    revoked, terminated) in the window while its supervised account still holds the
    parents' money: the measured value is that balance (003 §4(4) 卷款跑路)."""
    from django.contrib.contenttypes.models import ContentType

    from cases.models import AuditEvent

    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Institution),
        created_at__gte=_since(start), created_at__lt=_end_of(today)).filter(
        Q(action__in=CLOSING_ACTIONS) | Q(action="institution.change", after__has_key="address")
        | Q(action="institution.change", after__has_key="region"))
    ids = {int(pk) for pk in events.values_list("object_id", flat=True) if pk.isdigit()}
    if not ids:
        return {}
    rows = (Order.objects.filter(institution_id__in=ids).values("institution_id")
            .annotate(balance=Sum("held") + Sum("consumed")).order_by())
    return {r["institution_id"]: r["balance"] for r in rows if r["balance"]}


def _findings(start: dt.date, today: dt.date, field: str) -> dict[int, Decimal]:
    """The sum of a finding over the self-inspections submitted and the spot checks
    made in the window."""
    out: dict[int, Decimal] = {}
    reports = SelfInspection.objects.filter(submitted_at__gte=_since(start),
                                            submitted_at__lt=_end_of(today))
    checks = SpotCheck.objects.filter(checked_on__gte=start, checked_on__lte=today)
    for qs in (reports, checks):
        for row in qs.values("institution_id").annotate(total=Sum(field)).order_by():
            if row["total"]:
                out[row["institution_id"]] = out.get(row["institution_id"], ZERO) + Decimal(
                    row["total"])
    return out


def _scan_fee_loans(rule: RiskRule, start: dt.date, today: dt.date) -> dict[int, Decimal]:
    """Training-fee loans (培训费贷款, 001 §4(2)17; 004 §4(4) 强化校外培训领域贷款业务合规
    管理) that self-inspections or spot checks found in the window."""
    return _findings(start, today, "fee_loans")


def _scan_outside_account(rule: RiskRule, start: dt.date, today: dt.date
                          ) -> dict[int, Decimal]:
    """Fees collected into any account but the supervised one (004 §4(4)) that
    self-inspections or spot checks found in the window."""
    return _findings(start, today, "collected_outside")


SCANS = {
    RiskRule.Code.REFUND_SPIKE: _scan_refund_spike,
    RiskRule.Code.SALES_SURGE: _scan_sales_surge,
    RiskRule.Code.COMPLAINTS: _scan_complaints,
    RiskRule.Code.DISBURSEMENT_ANOMALY: _scan_disbursement,
    RiskRule.Code.REFUSED_CHARGES: _scan_refused_charges,
    RiskRule.Code.CLOSING_OR_MOVING: _scan_closing,
    RiskRule.Code.FEE_LOANS: _scan_fee_loans,
    RiskRule.Code.OUTSIDE_ACCOUNT: _scan_outside_account,
}


@transaction.atomic
def warning_handle(*, actor: Any, warning: RiskWarning, state: str, note: str) -> RiskWarning:
    """One step of a warning's handling (assigned, checked, resolved), with its note, by
    the admins or the supervising department."""
    require(actor, "funds.handle_warning", warning.institution)
    _may_work(actor, warning.institution)
    if not note.strip():
        raise DomainError(_("Describe what was done."), field="note")
    warning = RiskWarning.objects.select_for_update().get(pk=warning.pk)
    if state not in WARNING_TRANSITIONS.get(warning.state, set()):
        raise InvalidState(_("A warning that is %(state)s cannot move to that state.")
                           % {"state": warning.get_state_display()})
    warning.state = state
    warning.save(update_fields=["state"])
    WarningAction.objects.create(warning=warning, state=state, note=note.strip(), actor=actor)
    audit_record(actor=actor, action="funds.warning", obj=warning, after={"state": state},
                 reason=note.strip())
    return warning


# -- the risk ledger (一企一策, 003) ------------------------------------------------------------

@transaction.atomic
def risk_plan_open(*, actor: Any, institution: Institution, risk_type: str,
                   department: Department, measures: str, parent_help: str = "",
                   warning: RiskWarning | None = None) -> RiskPlan:
    """Open the institution's plan in the risk ledger (003: one plan per institution,
    followed to resolution), or reopen a resolved one; a warning escalated into it keeps
    the link."""
    require(actor, "funds.risk_ledger", institution)
    _may_work(actor, institution)
    if risk_type not in RiskType.values:
        raise DomainError(_("Choose the risk type."), field="risk_type")
    if not measures.strip():
        raise DomainError(_("Describe the measures."), field="measures")
    if not Department.objects.restrict(actor, Action.ASSIGN).filter(pk=department.pk).exists():
        raise DomainError(_("Choose a department of your region."), field="department")
    Institution.objects.select_for_update().get(pk=institution.pk)
    plan = RiskPlan.objects.filter(institution=institution).first()
    if plan is not None and plan.state != PlanState.RESOLVED:
        raise InvalidState(_("The institution already has an open plan in the risk ledger "
                             "(一企一策): add progress to it."))
    values = {"risk_type": risk_type, "department": department, "measures": measures.strip(),
              "parent_help": parent_help.strip(), "state": PlanState.OPEN}
    if plan is None:
        plan = RiskPlan.objects.create(institution=institution, opened_by=actor, **values)
    else:
        for field, value in values.items():
            setattr(plan, field, value)
        plan.save()
    RiskProgress.objects.create(plan=plan, on=timezone.localdate(), note=measures.strip(),
                                state=PlanState.OPEN, actor=actor)
    if warning is not None:
        warning = RiskWarning.objects.select_for_update().get(pk=warning.pk)
        if warning.institution_id != institution.pk or warning.state == WarningState.RESOLVED:
            raise InvalidState(_("This warning cannot be escalated."))
        warning.state, warning.plan = WarningState.ESCALATED, plan
        warning.save(update_fields=["state", "plan"])
        WarningAction.objects.create(warning=warning, state=WarningState.ESCALATED,
                                     note=measures.strip(), actor=actor)
    audit_record(actor=actor, action="funds.risk_plan", obj=plan,
                 after={"risk_type": risk_type, "department": department.pk,
                        "warning": warning.pk if warning else None})
    return plan


@transaction.atomic
def risk_progress_add(*, actor: Any, plan: RiskPlan, note: str, state: str,
                      on: dt.date | None = None) -> RiskProgress:
    """A dated progress entry; the plan's state follows it until it is resolved."""
    require(actor, "funds.risk_ledger", plan.institution)
    _may_work(actor, plan.institution)
    plan = RiskPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state == PlanState.RESOLVED:
        raise InvalidState(_("The plan is resolved; open it again to go on."))
    if state not in (PlanState.IN_PROGRESS, PlanState.RESOLVED):
        raise DomainError(_("Choose the state."), field="state")
    if not note.strip():
        raise DomainError(_("Describe the progress."), field="note")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if on < timezone.localdate(plan.opened_at):
        raise DomainError(_("The date is before the plan was opened."), field="on")
    entry = RiskProgress.objects.create(plan=plan, on=on, note=note.strip(), state=state,
                                        actor=actor)
    plan.state = state
    plan.save(update_fields=["state"])
    audit_record(actor=actor, action="funds.risk_progress", obj=plan,
                 after={"state": state, "on": on}, reason=note.strip())
    return entry


# -- self-inspection, spot checks, invoices (004 §4(4); 002 §2(4)) ---------------------------

def _amount_or_zero(value: Any, field: str) -> Decimal:
    """An amount of yuan that may be nothing (blank or zero)."""
    if value in (None, ""):
        return ZERO
    if not isinstance(value, float | bool):
        try:
            if Decimal(str(value).strip()) == 0:
                return ZERO
        except (InvalidOperation, ValueError):
            pass
    return yuan(value, field=field)


def _count(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100000:
        raise DomainError(_("Give a whole number from 0 to 100000."), field=field)
    return value


@transaction.atomic
def self_inspection_submit(*, actor: Any, institution: Institution, period_start: dt.date,
                           period_end: dt.date, prepaid_collected: Any,
                           collected_outside: Any = None, fee_loans: int = 0,
                           findings: str = "", corrections: str = "",
                           upload: UploadedFile | None = None) -> SelfInspection:
    """The institution's self-inspection of its prepaid fees (004 §4(4): 组织校外培训机构
    开展预收费监管自查自纠): the fees collected in the period, what of them went into any
    account but the supervised one (004 §4(4): 不得使用本机构其他账户或非本机构账户收取培训
    费用), and the training-fee loans its parents took (001 §4(2)17). A report file, if
    given, is checked by size and real type as a case attachment is."""
    require(actor, "funds.self_inspect", institution)
    _may_work(actor, institution)
    if period_start > period_end:
        raise DomainError(_("The period ends before it starts."), field="period_end")
    if period_end > timezone.localdate():
        raise DomainError(_("The period cannot end in the future."), field="period_end")
    collected = _amount_or_zero(prepaid_collected, "prepaid_collected")
    outside = _amount_or_zero(collected_outside, "collected_outside")
    if outside > collected:
        raise DomainError(_("The fees collected outside the supervised account are part of "
                            "the fees collected: they cannot be more."),
                          field="collected_outside")
    report = SelfInspection(
        institution=institution, period_start=period_start, period_end=period_end,
        prepaid_collected=collected, collected_outside=outside,
        fee_loans=_count(fee_loans, "fee_loans"), findings=findings.strip(),
        corrections=corrections.strip(), submitted_by=actor)
    if upload is not None:
        report.file_type = case_services.attachment_check(upload, field="upload")
        name = (upload.name or "report").rsplit("/", 1)[-1][:190]
        report.file.save(filetypes.safe_name(name, report.file_type), upload, save=False)
    report.save()
    audit_record(actor=actor, action="funds.self_inspection", obj=report,
                 after=snapshot(report, ["period_start", "period_end", "prepaid_collected",
                                         "collected_outside", "fee_loans"]))
    return report


@transaction.atomic
def spot_check_record(*, actor: Any, institution: Institution, checked_on: dt.date,
                      result: str, findings: str, collected_outside: Any = None,
                      fee_loans: int = 0) -> SpotCheck:
    """A key spot check of the institution's prepaid fees in the 平安消费 (safe
    consumption) action (004 §4(4): 开展校外培训"平安消费"专项行动 ... 重点抽查), by an
    officer of the supervising department (or an admin), in the officer's department's
    name."""
    require(actor, "funds.spot_check", institution)
    _may_work(actor, institution)
    if result not in SpotResult.values:
        raise DomainError(_("Choose the result."), field="result")
    if not findings.strip():
        raise DomainError(_("Describe what was checked and found."), field="findings")
    if checked_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="checked_on")
    outside = _amount_or_zero(collected_outside, "collected_outside")
    loans = _count(fee_loans, "fee_loans")
    if result == SpotResult.COMPLIANT and (outside > 0 or loans > 0):
        raise DomainError(_("Fees outside the supervised account or training-fee loans are "
                            "problems: choose the result accordingly."), field="result")
    department = getattr(actor, "department", None) or institution.supervising_department
    if department is None:
        raise DomainError(_("The institution has no supervising department to record the "
                            "check for."), field=None)
    check = SpotCheck.objects.create(
        institution=institution, checked_on=checked_on, department=department, result=result,
        collected_outside=outside, fee_loans=loans, findings=findings.strip(),
        checked_by=actor)
    audit_record(actor=actor, action="funds.spot_check", obj=check,
                 after=snapshot(check, ["checked_on", "result", "collected_outside",
                                        "fee_loans"]))
    return check


@transaction.atomic
def invoice_record(*, actor: Any, order: Order, kind: str, number: str, amount: Any,
                   issued_on: dt.date) -> Invoice:
    """A standard invoice, e-invoices included, issued to the learner for the order
    (002 §2(4): 主动向学员开具规范发票（含电子发票）). The invoices of an order add up to no
    more than what the parent paid and was not refunded."""
    require(actor, "funds.invoice", order.institution)
    _may_work(actor, order.institution)
    if kind not in InvoiceKind.values:
        raise DomainError(_("Choose the kind of invoice."), field="kind")
    number = number.strip()
    if not number or len(number) > 40:
        raise DomainError(_("Give the invoice number (at most 40 characters)."),
                          field="number")
    price = yuan(amount)
    order = _locked(order)
    if order.state in (OrderState.PENDING, OrderState.CANCELLED):
        raise InvalidState(_("An invoice is issued for a paid order."))
    if issued_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="issued_on")
    if issued_on < order.ordered_on:
        raise DomainError(_("The invoice date is before the order."), field="issued_on")
    if Invoice.objects.filter(kind=kind, number=number).exists():
        raise DomainError(_("This invoice number is recorded already."), field="number")
    invoiced = order.invoices.aggregate(total=Sum("amount"))["total"] or ZERO
    if invoiced + price > order.amount - order.refunded:
        raise DomainError(_("The order's invoices would exceed the %(amount)s yuan paid and "
                            "not refunded.") % {"amount": order.amount - order.refunded},
                          field="amount")
    invoice = Invoice.objects.create(order=order, kind=kind, number=number, amount=price,
                                     issued_on=issued_on, recorded_by=actor)
    audit_record(actor=actor, action="funds.invoice", obj=order,
                 after={"invoice": number, "kind": kind, "amount": str(price)})
    return invoice
