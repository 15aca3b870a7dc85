"""Prepaid-fee fund supervision (预收费资金监管, DOMAIN.md §4.5; issue 11).

The closed loop of 002 §2(3): a sale (an `Order`) → the charge, paid into the
institution's supervised account (a payment `Movement`) → per-account bookkeeping (the
double-entry `Entry` rows) → class consumption (`Consumption`, 消课) → timed
disbursement to the institution (序时拨付) → refunds of the unconsumed hours.

Money is Decimal yuan with two places, never float (STYLE.md §8). Every move of money is
one `Movement` whose `Entry` rows sum to zero; both tables are append-only (a PostgreSQL
trigger refuses UPDATE and DELETE, `core.db.append_only`), and a correction is a
reversing movement with a reason. The order keeps its running balances beside the
entries, changed only under a row lock in the same transaction, with DB constraints that
make a negative held balance impossible.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import AppendOnlyError, private_storage
from institutions.models import Course, Institution
from org.models import Department, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

#: Department types that read the funds of their county's institutions (issue 11
#: "Access": market regulation, financial regulation, education(-sports)); the
#: supervising department of an institution reads and works its funds too.
FUNDS_DEPARTMENT_TYPES = ("market_regulation", "financial_regulation", "education_sports",
                          "education")


def funds_scope_q(scope: Scope, action: str, prefix: str) -> Q | None:
    """Who sees an institution's funds (issue 11 "Access"). `prefix` leads to the
    institution. Reading: the region's admins, the funds departments of the county and
    the supervising department; the institution its own. Working (CHANGE): the admins, the
    supervising department and the institution's staff. Bank clients with `funds:write`
    post payments in their regions."""
    p = prefix
    if scope.kind == "client":
        if "funds:write" in scope.client_scopes and action in (Action.VIEW, Action.CHANGE):
            return scope.region_q(p)
        if "funds:read" in scope.client_scopes and action == Action.VIEW:
            return scope.region_q(p)
        return NOTHING
    if scope.kind != "user":
        return NOTHING
    role = scope.role
    # A county's readers test the institution's own county code (on its county indexes),
    # not its region's path through a join (issue 13).
    region = scope.region_q(p, county_field="county_code")
    if role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN):
        return region if action in (Action.VIEW, Action.CHANGE) else NOTHING
    if role == Role.INSTITUTION_STAFF:
        if scope.institution_id and action in (Action.VIEW, Action.CHANGE):
            return Q(**{f"{p}pk": scope.institution_id})
        return NOTHING
    if role in (Role.OFFICER, Role.DEPARTMENT_HEAD) and scope.department_id:
        supervising = Q(**{f"{p}supervising_department_id": scope.department_id})
        if action == Action.VIEW:
            if scope.department_type in FUNDS_DEPARTMENT_TYPES:
                return region
            return region & supervising
        if action == Action.CHANGE:
            return region & supervising
    return NOTHING


class FundScoped:
    """A row visible through its institution's funds rule."""

    funds_through: str = "institution"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return funds_scope_q(scope, action, f"{prefix}{cls.funds_through}__")


class Mode(models.TextChoices):
    """The two supervision modes (004 §4(4); 003 §5(3))."""

    BANK_CUSTODY = "bank_custody", _("Bank custody")
    RISK_DEPOSIT = "risk_deposit", _("Risk deposit")


def funds_file_path(instance: object, filename: str) -> str:
    """Random names: nothing about the institution shows in the stored path."""
    suffix = Path(filename).suffix.lower()[:10]
    token = uuid.uuid4().hex
    return f"funds/{token[:2]}/{token}{suffix}"


class Arrangement(FundScoped, models.Model):
    """How an institution's prepaid fees are supervised: bank custody of the dedicated
    training-fee account, or a risk deposit (004 §4(4)). Having one meets the fund
    condition of the enrollment gate (000 §4(3))."""

    institution = models.OneToOneField(Institution, on_delete=models.PROTECT,
                                       related_name="fund_arrangement",
                                       verbose_name=_("institution"))
    mode = models.CharField(_("supervision mode"), max_length=20, choices=Mode.choices)
    custodian_bank = models.CharField(_("custodian bank"), max_length=100, blank=True)
    account_number = models.CharField(_("dedicated training-fee account"), max_length=100,
                                      blank=True)
    #: How parents pay into the supervised account (the payment channel the registry
    #: recorded for the enrollment gate before issue 11 moved it here, 000 §4(3)).
    payment_channel = models.CharField(_("payment channel"), max_length=100, blank=True)
    deposit_amount = models.DecimalField(_("risk deposit (yuan)"), max_digits=14,
                                         decimal_places=2, null=True, blank=True)
    deposit_bank = models.CharField(_("deposit bank"), max_length=100, blank=True)
    guarantee_document = models.CharField(_("guarantee document number"), max_length=100,
                                          blank=True)
    #: The bank's guarantee (保函) itself, checked by size and real type like a case
    #: attachment; served only through the scoped download view.
    guarantee_file = models.FileField(_("guarantee document"), upload_to=funds_file_path,
                                      storage=private_storage, max_length=200, blank=True)
    guarantee_file_type = models.CharField(max_length=100, blank=True, editable=False)
    guarantee_file_name = models.CharField(max_length=200, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision arrangement")
        verbose_name_plural = _("supervision arrangements")
        constraints = [
            # The custodian bank may be missing only on an arrangement carried over from
            # the registry's recorded account and payment channel (migration 0006): the
            # service asks for it on every new record.
            models.CheckConstraint(
                condition=~Q(mode="bank_custody") | (~Q(account_number="") & (
                    ~Q(custodian_bank="") | ~Q(payment_channel=""))),
                name="arrangement_custody_complete"),
            models.CheckConstraint(
                condition=~Q(mode="risk_deposit") | (Q(deposit_amount__gt=0) & ~Q(
                    deposit_bank="") & ~Q(guarantee_document="")),
                name="arrangement_deposit_complete"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_mode_display()}"


class OrderState(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid, in custody")
    COMPLETED = "completed", _("Completed")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


class OrderOrigin(models.TextChoices):
    """Where an order came from: a sale on the funds pages or API, or an enrolment of the
    registry carried over when issue 11 made the order the only way to enrol (migration
    0006). A carried-over enrolment had no money movements: it awaits its payment like
    any unpaid order."""

    SALE = "sale", _("Sale")
    ENROLMENT = "enrolment", _("Carried over from an enrolment (no money movements)")


#: States whose unconsumed hours count against a learner's limits (002 §2(4)).
OPEN_STATES = (OrderState.PENDING, OrderState.PAID)


def new_order_number() -> str:
    return "DD" + secrets.token_hex(5).upper()


def access_code_hash(number: str, code: str) -> str:
    import hashlib

    return hashlib.sha256(f"{settings.SECRET_KEY}:{number}:{code}".encode()).hexdigest()


class Order(FundScoped, models.Model):
    """A parent's purchase of a course: the learner, the class hours, the price and the
    model-contract version, checked against the fee rules of 002 §2(4) per learner.

    The running balances (`held`, `consumed`, `disbursed`, `refunded`) equal the sums of
    the order's ledger entries per account; they change only in `funds.services` under a
    row lock, and the constraints refuse a negative balance."""

    number = models.CharField(_("order number"), max_length=20, unique=True,
                              default=new_order_number, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="fund_orders", verbose_name=_("institution"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="fund_orders",
                               verbose_name=_("course"))
    learner_name = models.CharField(_("learner"), max_length=50)
    guardian_name = models.CharField(_("guardian"), max_length=50)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20)
    class_hours = models.PositiveSmallIntegerField(_("class hours"))
    months = models.PositiveSmallIntegerField(_("months covered"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    contract_version = models.CharField(_("model contract edition"), max_length=10)
    ordered_on = models.DateField(_("ordered on"))
    state = models.CharField(_("state"), max_length=10, choices=OrderState.choices,
                             default=OrderState.PENDING, db_index=True)
    hours_consumed = models.PositiveSmallIntegerField(_("class hours consumed"), default=0)
    hours_refunded = models.PositiveSmallIntegerField(_("class hours refunded"), default=0)
    held = models.DecimalField(_("held in custody (yuan)"), max_digits=12, decimal_places=2,
                               default=ZERO)
    consumed = models.DecimalField(_("consumed, not yet disbursed (yuan)"), max_digits=12,
                                   decimal_places=2, default=ZERO)
    disbursed = models.DecimalField(_("disbursed (yuan)"), max_digits=12, decimal_places=2,
                                    default=ZERO)
    refunded = models.DecimalField(_("refunded (yuan)"), max_digits=12, decimal_places=2,
                                   default=ZERO)
    #: The ledger account the order's unconsumed money sits in once paid: custody under
    #: bank custody, the institution's dedicated training-fee account under a risk
    #: deposit (004 §4(4); see `Account.DEDICATED`).
    held_in = models.CharField(_("held in"), max_length=12, default="custody",
                               choices=[("custody", _("Held in custody")),
                                        ("dedicated", _("Dedicated training-fee account"))])
    #: The parent's private code, hashed with the number (issue 11 "Access": parents
    #: see their own order through the order number and a private code).
    access_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    origin = models.CharField(_("origin"), max_length=10, choices=OrderOrigin.choices,
                              default=OrderOrigin.SALE, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        indexes = [models.Index(fields=["course", "learner_name", "guardian_phone"],
                                name="order_learner_idx"),
                   # An institution's orders page (selectors.orders: newest first) reads
                   # its rows in index order, the deepest keyset page seeking like the
                   # first (issue 13).
                   models.Index(fields=["institution", "-id"], name="order_inst_newest_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_amount_positive"),
            models.CheckConstraint(condition=Q(class_hours__gt=0), name="order_hours_positive"),
            models.CheckConstraint(condition=Q(held__gte=0), name="order_held_not_negative"),
            models.CheckConstraint(condition=Q(consumed__gte=0),
                                   name="order_consumed_not_negative"),
            models.CheckConstraint(condition=Q(disbursed__gte=0),
                                   name="order_disbursed_not_negative"),
            models.CheckConstraint(condition=Q(refunded__gte=0),
                                   name="order_refunded_not_negative"),
            models.CheckConstraint(
                condition=Q(hours_consumed__lte=F("class_hours") - F("hours_refunded")),
                name="order_hours_within_purchase"),
            models.CheckConstraint(
                condition=Q(held__lte=F("amount")), name="order_held_within_amount"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def hours_left(self) -> int:
        return self.class_hours - self.hours_consumed - self.hours_refunded


class LedgerQuerySet(ScopedQuerySet):
    """The ledger is appended to, never changed (issue 11 "No one can edit or delete a
    ledger entry"); PostgreSQL refuses it too (migration 0001)."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("The funds ledger can only be appended to.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The funds ledger can only be appended to.")


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The funds ledger can only be appended to.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The funds ledger can only be appended to.")


class Account(models.TextChoices):
    """The ledger's accounts, kept per institution and order. Every movement's entries
    sum to zero, so the sum over all accounts is always zero."""

    PAYER = "payer", _("Paid in by parents")
    CUSTODY = "custody", _("Held in custody")
    #: Under a risk deposit the prepaid fees are not in a custodian's hands: they sit in
    #: the institution's dedicated training-fee account (培训收费专用账户), kept apart
    #: from its own money (分账管理), and the deposit the bank holds answers for them
    #: (004 §4(4)). Posting them to CUSTODY would claim a custody that does not exist.
    DEDICATED = "dedicated", _("In the dedicated training-fee account (risk deposit)")
    CONSUMED = "consumed", _("Consumed, awaiting disbursement")
    DISBURSED = "disbursed", _("Disbursed to the institution")
    REFUNDED = "refunded", _("Refunded to parents")


class MovementKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    CONSUMPTION = "consumption", _("Class consumption")
    DISBURSEMENT = "disbursement", _("Timed disbursement")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")


class Movement(FundScoped, AppendOnly):
    """One move of money: a balanced set of entries, with what caused it (the request,
    the bank's transaction id, the idempotency key) and, for a reversal, the reason."""

    kind = models.CharField(_("kind"), max_length=15, choices=MovementKind.choices)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="movements",
                              verbose_name=_("order"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    bank_transaction_id = models.CharField(_("bank transaction id"), max_length=64, null=True,
                                           blank=True, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True,
                                       blank=True, unique=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("money movement")
        verbose_name_plural = _("money movements")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="movement_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Entry(FundScoped, AppendOnly):
    """One leg of a movement: a signed amount on one account of one order."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(_("account"), max_length=12, choices=Account.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["order", "account"], name="entry_order_account_idx"),
                   models.Index(fields=["institution", "account"],
                                name="entry_inst_account_idx"),
                   # An institution's ledger page (selectors.entries: newest first), as
                   # for its orders (issue 13).
                   models.Index(fields=["institution", "-id"], name="entry_inst_newest_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0),
                                              name="entry_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.get_account_display()} {self.amount}"


class ConsumptionState(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    DISPUTED = "disputed", _("Disputed by the parent")
    CONFIRMED = "confirmed", _("Dispute rejected")
    REVERSED = "reversed", _("Dispute upheld, reversed")


class Consumption(ScopedThrough, models.Model):
    """Attended lessons recorded by the institution (消课, 002 §2(3)); the parent may
    dispute them within the profile's period (`funds_dispute_days`), and only undisputed
    consumption is disbursed."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="consumptions",
                              verbose_name=_("order"))
    hours = models.PositiveSmallIntegerField(_("class hours"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    lesson_on = models.DateField(_("lesson date"))
    dispute_until = models.DateField(_("disputable until"))
    state = models.CharField(_("state"), max_length=10, choices=ConsumptionState.choices,
                             default=ConsumptionState.RECORDED)
    dispute_reason = models.TextField(_("dispute"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    #: None when the hours are worth less than a fen.
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    #: The institution's user, or none when its system recorded the lessons through the
    #: API (a token client, named in `recorded_by_label`).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    recorded_by_label = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "order"

    class Meta:
        verbose_name = _("class consumption")
        verbose_name_plural = _("class consumption")
        ordering = ["-lesson_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0),
                                              name="consumption_hours_positive")]

    def __str__(self) -> str:
        return f"{self.order} · {self.lesson_on} · {self.hours}"


class StatementImport(models.Model):
    """One upload of the custodian bank's statement: its per-row report. Nothing is
    applied unless every row is good (all or nothing)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    original_name = models.CharField(_("file name"), max_length=200)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    applied_rows = models.PositiveIntegerField(_("payments recorded"), default=0)
    repeated_rows = models.PositiveIntegerField(_("already recorded"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """An import is its author's."""
        if scope.kind != "user":
            return NOTHING
        return Q(**{f"{prefix}created_by_id": scope.user_id})


class BankBalance(FundScoped, models.Model):
    """The custodian bank's closing balance of an institution's supervised account on a
    day, as the bank reports it: the other side of the daily reconciliation."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    day = models.DateField(_("day"))
    balance = models.DecimalField(_("bank balance (yuan)"), max_digits=14, decimal_places=2)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank balance")
        verbose_name_plural = _("bank balances")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["institution", "day"],
                                               name="bank_balance_once_a_day")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.day} · {self.balance}"


class Reconciliation(FundScoped, models.Model):
    """One day's comparison of the ledger (custody and consumed, both still in the
    supervised account) with the bank's balance."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    day = models.DateField(_("day"))
    bank_balance = models.DecimalField(_("bank balance (yuan)"), max_digits=14,
                                       decimal_places=2)
    ledger_balance = models.DecimalField(_("ledger balance (yuan)"), max_digits=14,
                                         decimal_places=2)
    difference = models.DecimalField(_("difference (yuan)"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["institution", "day"],
                                               name="reconciliation_once_a_day")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.day} · {self.difference}"


class RiskRule(models.Model):
    """A warning rule kept as data (003: refund difficulty, flight with funds): its
    threshold and window are edited in the admin, not in code."""

    class Code(models.TextChoices):
        RECONCILIATION = "reconciliation_mismatch", _("Ledger and bank balance differ")
        REFUND_SPIKE = "refund_spike", _("Refunds pile up")
        SALES_SURGE = "sales_surge", _("Sales surge against the trailing average")
        COMPLAINTS = "complaints", _("Refund and fee complaints pile up")
        DISBURSEMENT_ANOMALY = "disbursement_anomaly", _("Disbursement drains the account")
        REFUSED_CHARGES = "refused_charges", _("Attempts to charge over the limits")
        CLOSING_OR_MOVING = "closing_or_moving", _("Signs of closing or moving with a large "
                                                   "balance")
        FEE_LOANS = "fee_loans", _("Training-fee loans")
        OUTSIDE_ACCOUNT = "outside_account", _("Fees collected outside the supervised "
                                               "account")

    code = models.CharField(_("rule"), max_length=40, choices=Code.choices, unique=True)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("risk warning rule")
        verbose_name_plural = _("risk warning rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class WarningState(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    CHECKED = "checked", _("Checked")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated into the risk ledger")


#: The moves of a warning's handling (issue 11: assigned, checked, resolved, or escalated
#: into the risk ledger, which only `risk_plan_open` does).
WARNING_TRANSITIONS: dict[str, set[str]] = {
    WarningState.OPEN: {WarningState.ASSIGNED, WarningState.CHECKED, WarningState.RESOLVED},
    WarningState.ASSIGNED: {WarningState.CHECKED, WarningState.RESOLVED},
    WarningState.CHECKED: {WarningState.RESOLVED},
    WarningState.RESOLVED: set(),
    WarningState.ESCALATED: set(),
}


class RiskWarning(FundScoped, models.Model):
    """A rule fired for an institution in a window; once per (institution, rule,
    window)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="risk_warnings",
                                    verbose_name=_("institution"))
    rule = models.ForeignKey(RiskRule, on_delete=models.PROTECT, related_name="warnings",
                             verbose_name=_("rule"))
    window = models.CharField(_("window"), max_length=30)
    value = models.DecimalField(_("measured"), max_digits=14, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=WarningState.choices,
                             default=WarningState.OPEN)
    plan = models.ForeignKey("RiskPlan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="warnings", verbose_name=_("risk ledger"))
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["institution", "rule", "window"],
                                               name="warning_once_per_window")]

    def __str__(self) -> str:
        return f"{self.rule} · {self.institution} · {self.window}"


class WarningAction(ScopedThrough, models.Model):
    """The handling record of a warning: each step, who took it and the note."""

    warning = models.ForeignKey(RiskWarning, on_delete=models.CASCADE, related_name="actions")
    state = models.CharField(_("state"), max_length=10, choices=WarningState.choices)
    note = models.TextField(_("note"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "warning"

    class Meta:
        verbose_name = _("warning handling")
        verbose_name_plural = _("warning handling")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.warning} · {self.get_state_display()}"



class RiskType(models.TextChoices):
    """The risks of 003: refund difficulty, flight with the funds, layoffs and wage
    arrears."""

    REFUND_DIFFICULTY = "refund_difficulty", _("Refund difficulty")
    FLIGHT = "flight_with_funds", _("Flight with the funds")
    LAYOFFS = "layoffs_wage_arrears", _("Layoffs and wage arrears")


class PlanState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")


class RiskPlan(FundScoped, models.Model):
    """The risk ledger: one plan per institution (一企一策, 003), with its risk type, the
    responsible department, the measures, help for parents negotiating refunds, and a
    state kept until resolution."""

    institution = models.OneToOneField(Institution, on_delete=models.PROTECT,
                                       related_name="risk_plan", verbose_name=_("institution"))
    risk_type = models.CharField(_("risk type"), max_length=30, choices=RiskType.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("responsible department"))
    measures = models.TextField(_("measures"))
    parent_help = models.TextField(_("help for parents negotiating refunds"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=PlanState.choices,
                             default=PlanState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk ledger entry")
        verbose_name_plural = _("risk ledger")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_risk_type_display()}"


class RiskProgress(ScopedThrough, models.Model):
    """A dated progress entry of a plan."""

    plan = models.ForeignKey(RiskPlan, on_delete=models.CASCADE, related_name="progress")
    on = models.DateField(_("date"))
    note = models.TextField(_("progress"))
    state = models.CharField(_("state"), max_length=12, choices=PlanState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "plan"

    class Meta:
        verbose_name = _("risk ledger progress")
        verbose_name_plural = _("risk ledger progress")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.on}"


class RefundState(models.TextChoices):
    REQUESTED = "requested", _("Requested, awaiting the institution")
    REFUSED = "refused", _("Refused by the institution, awaiting the department")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected by the supervising department")


#: A request still to be answered: one per order at a time.
OPEN_REFUND_STATES = (RefundState.REQUESTED, RefundState.REFUSED)


class RefundChannel(models.TextChoices):
    PARENT = "parent", _("The parent, on the order page")
    OFFICE = "office", _("Recorded for the parent")


class RefundRequest(ScopedThrough, models.Model):
    """A parent's request to refund the unconsumed hours (002 §2(3) "退费顺畅"): the
    institution agrees (the refund is paid from custody) or refuses, and a refused or
    unanswered request is a dispute the supervising department decides."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refund_requests",
                              verbose_name=_("order"))
    reason = models.TextField(_("the parent's reason"))
    channel = models.CharField(_("channel"), max_length=10, choices=RefundChannel.choices)
    state = models.CharField(_("state"), max_length=10, choices=RefundState.choices,
                             default=RefundState.REQUESTED, db_index=True)
    institution_note = models.TextField(_("the institution's answer"), blank=True)
    decision = models.TextField(_("the department's decision"), blank=True)
    amount = models.DecimalField(_("refunded (yuan)"), max_digits=12, decimal_places=2,
                                 null=True, blank=True)
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, null=True,
                                       blank=True, unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "order"

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["order"], condition=Q(state__in=["requested", "refused"]),
            name="refund_request_one_open")]

    def __str__(self) -> str:
        return f"{self.order} · {self.get_state_display()}"


class ChargeAttempt(FundScoped, models.Model):
    """An order the fee rules refused (002 §2(4)): kept so that repeated attempts to
    charge over the limits raise a warning (003)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    learner_name = models.CharField(_("learner"), max_length=50)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    class_hours = models.PositiveSmallIntegerField(_("class hours"))
    months = models.PositiveSmallIntegerField(_("months covered"))
    rules = models.JSONField(_("rules broken"), default=list)
    attempted_at = models.DateTimeField(_("attempted at"), auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("refused charge")
        verbose_name_plural = _("refused charges")
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.learner_name} · {self.amount}"


class SelfInspection(FundScoped, models.Model):
    """An institution's self-inspection of its prepaid fees (预收费监管自查自纠, 004 §4(4)):
    what it collected in the period, what of it went into any account but the supervised
    one, and the training-fee loans its parents took (001 §4(2)17)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="fund_self_inspections",
                                    verbose_name=_("institution"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    prepaid_collected = models.DecimalField(_("prepaid fees collected (yuan)"), max_digits=14,
                                            decimal_places=2)
    collected_outside = models.DecimalField(
        _("of which collected outside the supervised account (yuan)"), max_digits=14,
        decimal_places=2, default=ZERO)
    fee_loans = models.PositiveIntegerField(_("training-fee loans taken by parents"),
                                            default=0)
    findings = models.TextField(_("problems found"), blank=True)
    corrections = models.TextField(_("corrections made"), blank=True)
    file = models.FileField(_("report file"), upload_to=funds_file_path,
                            storage=private_storage, max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-inspection report")
        verbose_name_plural = _("self-inspection reports")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")),
                                   name="self_inspection_period_order"),
            models.CheckConstraint(condition=Q(prepaid_collected__gte=0) & Q(
                collected_outside__gte=0) & Q(collected_outside__lte=F("prepaid_collected")),
                name="self_inspection_amounts")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.period_start}–{self.period_end}"


class SpotResult(models.TextChoices):
    COMPLIANT = "compliant", _("No problem found")
    PROBLEMS = "problems", _("Problems found, rectification ordered")


class SpotCheck(FundScoped, models.Model):
    """A department's key spot check of an institution's prepaid fees in the 平安消费
    (safe consumption) action (004 §4(4): 开展预收费监管自查自纠和重点抽查)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="fund_spot_checks",
                                    verbose_name=_("institution"))
    checked_on = models.DateField(_("checked on"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    result = models.CharField(_("result"), max_length=10, choices=SpotResult.choices)
    collected_outside = models.DecimalField(
        _("fees found collected outside the supervised account (yuan)"), max_digits=14,
        decimal_places=2, default=ZERO)
    fee_loans = models.PositiveIntegerField(_("training-fee loans found"), default=0)
    findings = models.TextField(_("findings"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("safe-consumption spot check")
        verbose_name_plural = _("safe-consumption spot checks")
        ordering = ["-checked_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(collected_outside__gte=0),
                                              name="spot_check_outside_not_negative")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.checked_on}"


class InvoiceKind(models.TextChoices):
    PAPER = "paper", _("Paper invoice")
    ELECTRONIC = "electronic", _("E-invoice")


class Invoice(ScopedThrough, models.Model):
    """A standard invoice, e-invoices included, that the institution issued to the
    learner for an order (002 §2(4): 主动向学员开具规范发票（含电子发票）)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices",
                              verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=InvoiceKind.choices)
    number = models.CharField(_("invoice number"), max_length=40)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "order"

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="invoice_number_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive")]

    def __str__(self) -> str:
        return self.number
