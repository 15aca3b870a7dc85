"""Reads of the funds app: every list starts from the scope gateway."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from funds.models import (
    OPEN_STATES,
    ZERO,
    Account,
    Arrangement,
    Consumption,
    Entry,
    Invoice,
    Order,
    RefundRequest,
    RiskPlan,
    RiskProgress,
    RiskWarning,
    SelfInspection,
    SpotCheck,
    StatementImport,
    WarningAction,
)
from institutions.models import Institution
from institutions.selectors import LICENSED_STATES
from org.scope import Action


def arrangement_in_place(institution: Institution) -> bool:
    """The registry's question (institutions/ports.py): the fund condition of the
    enrollment gate (000 §4(3)) is met by a supervision arrangement (004 §4(4))."""
    return Arrangement.objects.filter(institution_id=institution.pk).exists()


def orders_url(user: Any, institution: Institution) -> str | None:
    """The registry's question (institutions/ports.py): where `user` finds the
    institution's orders, the only way to enrol a learner (issue 11), or None where the
    funds rule does not let `user` read them."""
    from django.urls import reverse

    if not fund_institutions(user).filter(pk=institution.pk).exists():
        return None
    return reverse("funds:institution", args=[institution.uscc])


def institutions_with_orders_since(since: Any) -> set[int]:
    """Ids of the institutions that took an order (enrolled a learner) on or after
    `since`, a cancelled one aside: the training activity that the zombie detection of
    inspections reads (000 §4(3): no training activity)."""
    from funds.models import OrderState

    return set(Order.objects.filter(ordered_on__gte=since)
               .exclude(state=OrderState.CANCELLED)
               .values_list("institution_id", flat=True).distinct())


def institutions(user: Any) -> QuerySet[Institution]:
    """The licensed institutions (and any with an arrangement) whose funds `user` reads,
    in the register's order (name, id), with their arrangement and totals, in one query
    whatever the number of rows. An institution's orders share its visibility, so its
    totals need no second filter.

    The totals are correlated subqueries on the orders' `(institution, -id)` index, so a
    keyset page (core.paging) sums the orders of its own rows only: a GROUP BY over the
    joined orders summed every visible institution's before the page could be cut
    (issue 13: 40k groups, 0.8 s, for a county admin at 100k institutions). Only the
    columns a row shows are read."""
    money = DecimalField(max_digits=14, decimal_places=2)

    def per_institution(value: Any, **filters: Any) -> Subquery:
        return Subquery(Order.objects.filter(institution=OuterRef("pk"), **filters)
                        .order_by().values("institution").annotate(v=value).values("v"))

    return (fund_institutions(user)
            .filter(Q(status__in=LICENSED_STATES) | Q(fund_arrangement__isnull=False))
            .select_related(None).select_related("fund_arrangement")
            .only("id", "name", "uscc", "fund_arrangement__mode")
            .annotate(
                orders_open=Coalesce(per_institution(Count("pk"), state__in=OPEN_STATES),
                                     Value(0)),
                held_total=Coalesce(per_institution(Sum("held")), Value(ZERO),
                                    output_field=money),
                disbursed_total=Coalesce(per_institution(Sum("disbursed")), Value(ZERO),
                                         output_field=money))
            .order_by("name", "id"))


def funds_institution(user: Any, uscc: str) -> Institution:
    """An institution whose funds `user` reads (its arrangement may be missing yet: the
    page offers to record it). Raises Institution.DoesNotExist for missing and forbidden
    alike."""
    return fund_institutions(user).get(uscc=uscc)


def fund_institutions(user: Any, action: str = Action.VIEW) -> QuerySet[Institution]:
    """Institutions whose funds `user` may read (VIEW) or work on (CHANGE)."""
    from funds.models import funds_scope_q
    from org.scope import scope_of

    scope = scope_of(user)
    qs = Institution.objects.select_related("region", "supervising_department")
    if scope.unrestricted:
        return qs
    q = funds_scope_q(scope, action, "")
    return qs.filter(q) if q is not None else qs


def may_work_on(user: Any, institution: Institution) -> bool:
    """The gateway's CHANGE rule on an institution's funds."""
    from funds.models import funds_scope_q
    from org.scope import scope_of

    scope = scope_of(user)
    if scope.unrestricted:
        return True
    q = funds_scope_q(scope, Action.CHANGE, "")
    return Institution.objects.filter(q, pk=institution.pk).exists() if q is not None else True


def orders(user: Any, institution: Institution | None = None) -> QuerySet[Order]:
    qs = Order.objects.restrict(user, Action.VIEW).select_related("institution", "course")
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs.order_by("-id")


def order_detail(user: Any, number: str) -> Order:
    return orders(user).get(number=number)


def entries(user: Any, institution: Institution | None = None) -> QuerySet[Entry]:
    qs = Entry.objects.restrict(user, Action.VIEW).select_related("movement", "order")
    if institution is not None:
        qs = qs.filter(institution=institution)
    return qs.order_by("-id")


def consumptions(user: Any, order: Order) -> QuerySet[Consumption]:
    return Consumption.objects.restrict(user, Action.VIEW).filter(order=order).order_by(
        "-lesson_on", "-id")


def balances(*, institution: Institution | None = None,
             order: Order | None = None) -> dict[str, Decimal]:
    """The balance of each account: the sum of its entries (one query)."""
    qs = Entry.objects.all()
    if institution is not None:
        qs = qs.filter(institution=institution)
    if order is not None:
        qs = qs.filter(order=order)
    found = {row["account"]: row["total"] for row in
             qs.values("account").annotate(total=Sum("amount")).order_by()}
    return {a: found.get(a, ZERO) for a in Account.values}


def open_orders_of_learner(*, course_id: int, learner_name: str,
                           guardian_phone: str) -> QuerySet[Order]:
    """A learner's orders on a course that are not yet consumed (002 §2(4): their limits
    count together). The learner is known by name and the guardian's phone."""
    return Order.objects.filter(course_id=course_id, learner_name=learner_name,
                                guardian_phone=guardian_phone, state__in=OPEN_STATES)


def statement_imports(user: Any) -> QuerySet[StatementImport]:
    return StatementImport.objects.restrict(user).order_by("-created_at", "-id")


def warnings(user: Any) -> QuerySet[RiskWarning]:
    return (RiskWarning.objects.restrict(user, Action.VIEW)
            .select_related("institution", "rule").order_by("-created_at", "-id"))


def warning_detail(user: Any, pk: int) -> RiskWarning:
    return warnings(user).get(pk=pk)


def warning_actions(user: Any, warning: RiskWarning) -> QuerySet[WarningAction]:
    return WarningAction.objects.restrict(user).filter(warning=warning).select_related(
        "actor").order_by("created_at", "id")


def order_for_parent(*, number: str, code: str) -> Order:
    """A parent's own order by its number and private code; a wrong code answers like a
    missing order (Order.DoesNotExist)."""
    import hmac

    from funds.models import access_code_hash

    number, code = str(number).strip().upper(), str(code).strip()
    order = Order.objects.select_related("institution", "course").filter(number=number).first()
    if order is None or not order.access_code_hash or not hmac.compare_digest(
            order.access_code_hash, access_code_hash(number, code)):
        raise Order.DoesNotExist
    return order


def risk_plans(user: Any) -> QuerySet[RiskPlan]:
    return (RiskPlan.objects.restrict(user, Action.VIEW)
            .select_related("institution", "department").order_by("-opened_at", "-id"))


def risk_progress(user: Any, plan: RiskPlan) -> QuerySet[RiskProgress]:
    return RiskProgress.objects.restrict(user).filter(plan=plan).select_related(
        "actor").order_by("on", "id")


def arrangement_of(user: Any, institution: Institution) -> Arrangement | None:
    """The institution's supervision arrangement as `user` may read it (the gateway)."""
    return (Arrangement.objects.restrict(user, Action.VIEW)
            .filter(institution_id=institution.pk).first())


def consumption_list(user: Any) -> QuerySet[Consumption]:
    """Class consumption in the caller's funds scope, newest first (the API's list)."""
    return (Consumption.objects.restrict(user, Action.VIEW)
            .select_related("order", "order__institution").order_by("-id"))


def refund_requests(user: Any, order: Order | None = None) -> QuerySet[RefundRequest]:
    """Parents' refund requests in the caller's funds scope, newest first."""
    qs = (RefundRequest.objects.restrict(user, Action.VIEW)
          .select_related("order", "order__institution").order_by("-id"))
    return qs.filter(order=order) if order is not None else qs


def self_inspections(user: Any, institution: Institution) -> QuerySet[SelfInspection]:
    return (SelfInspection.objects.restrict(user, Action.VIEW)
            .filter(institution=institution).select_related("submitted_by")
            .order_by("-period_end", "-id"))


def spot_checks(user: Any, institution: Institution) -> QuerySet[SpotCheck]:
    return (SpotCheck.objects.restrict(user, Action.VIEW).filter(institution=institution)
            .select_related("department", "checked_by").order_by("-checked_on", "-id"))


def invoices(user: Any, order: Order) -> QuerySet[Invoice]:
    return Invoice.objects.restrict(user, Action.VIEW).filter(order=order).order_by(
        "-issued_on", "-id")


@dataclass(frozen=True)
class Coverage:
    """One county's coverage of 004 §2 (到2023年12月底前 ... 证照齐全的校外培训机构100%纳入
    全国监管平台进行监管，培训机构预收费资金监管100%全覆盖).

    - `licensed`: licensed institutions (licensed or suspended) of the county;
    - `on_platform`: of them, those with an account on the national supervision platform
      (004 §2: 证照齐全的校外培训机构100%纳入全国监管平台);
    - `arranged`: of them, those with a supervision arrangement (bank custody or a risk
      deposit, 004 §4(4));
    - `prepaid_received`: the prepaid fees the institutions received as far as the
      platform knows: the payments the ledger recorded plus the fees that
      self-inspections and spot checks found collected outside the supervised account;
    - `prepaid_supervised`: of them, those paid into supervision (the ledger's payments,
      into custody or the dedicated account under a risk deposit);
    - the two shares in percent (None when there is nothing to share), to compare with
      the profile's targets (`coverage_funds_percent`, 100 by default)."""

    region_id: int
    region_code: str
    region_name: str
    licensed: int
    on_platform: int
    arranged: int
    prepaid_received: Decimal
    prepaid_supervised: Decimal

    @property
    def on_platform_percent(self) -> Decimal | None:
        return _percent(Decimal(self.on_platform), Decimal(self.licensed))

    @property
    def arranged_percent(self) -> Decimal | None:
        return _percent(Decimal(self.arranged), Decimal(self.licensed))

    @property
    def supervised_percent(self) -> Decimal | None:
        return _percent(self.prepaid_supervised, self.prepaid_received)


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    from decimal import ROUND_HALF_UP

    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def prepaid(institutions: QuerySet[Institution]) -> QuerySet[Institution]:
    """Each institution with its prepaid fees (004 §2 「培训机构预收费资金监管100%全覆盖」,
    004 §4(4) the dedicated account): `prepaid_supervised`, the payments the ledger recorded
    (into custody, or into the dedicated account under a risk deposit); `prepaid_outside`,
    the fees that its self-inspections and the departments' spot checks found collected
    outside the supervised account; `prepaid_received`, the two together — every prepaid
    fee the platform knows of. One correlated sum per figure, so a page of rows costs one
    query."""
    money = DecimalField(max_digits=16, decimal_places=2)

    def total(model: Any, field: str, **filters: Any) -> Any:
        rows = (model.objects.filter(institution=OuterRef("pk"), **filters)
                .values("institution").annotate(t=Sum(field)).values("t"))
        return Coalesce(Subquery(rows, output_field=money), Value(ZERO), output_field=money)

    return institutions.annotate(
        prepaid_supervised=ExpressionWrapper(
            Value(ZERO) - total(Entry, "amount", account=Account.PAYER), output_field=money),
        prepaid_outside=ExpressionWrapper(
            total(SelfInspection, "collected_outside") + total(SpotCheck, "collected_outside"),
            output_field=money),
    ).annotate(prepaid_received=ExpressionWrapper(
        F("prepaid_supervised") + F("prepaid_outside"), output_field=money))


def _prepaid_sums(institutions: QuerySet[Institution]) -> dict[int, list[Decimal]]:
    """[supervised, outside] per institution id, as `prepaid` counts them, in three
    grouped queries whatever the number of institutions."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    ids = institutions.values("pk")
    for r in (Entry.objects.filter(institution__in=ids, account=Account.PAYER)
              .values("institution_id").annotate(t=Sum("amount")).order_by()):
        sums[r["institution_id"]][0] -= r["t"] or ZERO
    for model in (SelfInspection, SpotCheck):
        for r in (model.objects.filter(institution__in=ids).values("institution_id")
                  .annotate(t=Sum("collected_outside")).order_by()):
            sums[r["institution_id"]][1] += r["t"] or ZERO
    return sums


def coverage(user: Any, region: Any = None) -> list[Coverage]:
    """The funds coverage per county (004 §2), for the dashboards: one `Coverage` per
    county the caller's funds scope reaches (within `region`, a Region or None for all),
    ordered by county code. Counts only institutions `user` may read the funds of
    (`fund_institutions`), and of them the licensed ones (licensed or suspended, the base
    of every 004 §2 share), in a fixed number of queries whatever the number of counties
    or institutions. The money figures are those of `prepaid`, summed, so the list of
    `prepaid(...)` rows behind a county adds up to its figure.

    Usage: ``for row in coverage(request.user, region=city): row.licensed,
    row.on_platform, row.on_platform_percent, row.arranged, row.arranged_percent,
    row.prepaid_received, row.prepaid_supervised, row.supervised_percent``."""
    from org.models import Region

    insts = fund_institutions(user).filter(status__in=LICENSED_STATES)
    if region is not None:
        insts = insts.filter(region__path__startswith=region.path)
    counties = {r.pk: r for r in Region.objects.counties()}
    by_path = {r.path: r.pk for r in counties.values()}
    rows: dict[int, dict[str, Any]] = {}
    county_of: dict[int, int] = {}
    for pk, path, arranged, platform in insts.values_list(
            "pk", "region__path", "fund_arrangement__id", "national_platform_account"):
        # An institution's county: its own region, or the county above it (a town's).
        county = next((by_path[p] for p in by_path if path.startswith(p)), None)
        if county is None:
            continue
        county_of[pk] = county
        row = rows.setdefault(county, {"licensed": 0, "on_platform": 0, "arranged": 0,
                                       "received": ZERO, "supervised": ZERO})
        row["licensed"] += 1
        row["on_platform"] += bool(platform)
        row["arranged"] += arranged is not None
    if county_of:
        for pk, (supervised, outside) in _prepaid_sums(insts).items():
            if pk in county_of:
                row = rows[county_of[pk]]
                row["supervised"] += supervised
                row["received"] += supervised + outside
    return [Coverage(region_id=pk, region_code=counties[pk].code, region_name=counties[pk].name,
                     licensed=row["licensed"], on_platform=row["on_platform"],
                     arranged=row["arranged"],
                     prepaid_received=row["received"], prepaid_supervised=row["supervised"])
            for pk, row in sorted(rows.items(), key=lambda kv: counties[kv[0]].code)]
