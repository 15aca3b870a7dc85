"""Issue 13: the funds office lists that grow with the institutions' business (an
institution's orders and ledger, the risk warnings, the risk ledger) page by keyset
(core.paging): every row once forward and back, no COUNT(*), the deepest page costs the
first's queries; a position from another list or forged reads as the first page."""

import pytest
from django.test import Client

from funds import selectors
from funds.models import (
    OPEN_STATES,
    ZERO,
    Mode,
    Order,
    OrderState,
    RiskPlan,
    RiskRule,
    RiskType,
    RiskWarning,
)
from funds.tests.helpers import consume, order, paid_order, pay, supervised
from funds.views import PAGE_SIZE
from institutions.models import Institution, InstitutionStatus
from institutions.tests.helpers import register
from tests.keyset import assert_walks_every_row_once, first_token

pytestmark = pytest.mark.django_db

ROWS = PAGE_SIZE * 2 + 5


def _admin(world):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    return client, world.a.users["county_admin"]


def test_an_institutions_orders_and_ledger_walk_every_row_once(world):
    inst, course = supervised(world)
    for n in range(ROWS):
        made = order(world, inst, course, learner=f"学员{n}", phone=f"138{n:08d}")
        if n % 2:
            pay(world, made)
    client, admin = _admin(world)
    orders = list(selectors.orders(admin, inst).values_list("pk", flat=True))
    entries = list(selectors.entries(admin, inst).values_list("pk", flat=True))
    assert len(orders) == ROWS and len(entries) > PAGE_SIZE * 2
    assert_walks_every_row_once(client, f"/office/funds/{inst.uscc}/", orders)
    assert_walks_every_row_once(client, f"/office/funds/{inst.uscc}/ledger/", entries)
    # The ledger's position on the orders' page, and forged ones: the first page.
    token = first_token(client, f"/office/funds/{inst.uscc}/ledger/")
    for forged in (token, "x", "a" * 5000):
        page = client.get(f"/office/funds/{inst.uscc}/", {"after": forged}).context["page"]
        assert [o.pk for o in page.object_list] == orders[:PAGE_SIZE]


def test_the_risk_warnings_and_the_risk_ledger_walk_every_row_once(world):
    client, admin = _admin(world)
    inst, _course = supervised(world)
    rule = RiskRule.objects.create(code=RiskRule.Code.REFUND_SPIKE, threshold=1,
                                   window_days=1)
    RiskWarning.objects.bulk_create(
        RiskWarning(institution=inst, rule=rule, window=f"w{n}", value=1, threshold=1)
        for n in range(ROWS))
    warnings = list(selectors.warnings(admin).values_list("pk", flat=True))
    assert len(warnings) == ROWS
    assert_walks_every_row_once(client, "/office/funds/warnings/", warnings)

    plans = [register(world, "a", n=200 + n) for n in range(ROWS - 1)]
    RiskPlan.objects.bulk_create(
        RiskPlan(institution=i, risk_type=RiskType.REFUND_DIFFICULTY, measures="督促退费",
                 department=world.a.depts["education_sports"], opened_by=admin)
        for i in [inst, *plans])
    ledger = list(selectors.risk_plans(admin).values_list("pk", flat=True))
    assert len(ledger) == ROWS  # bulk-created in one instant: the id orders the ties
    assert_walks_every_row_once(client, "/office/funds/risk-ledger/", ledger)


def test_the_funds_list_walks_every_institution_once_with_its_own_totals(world):
    """Issue 13: the funds list (/office/funds/) pages by keyset in the register's order
    (name, id), no COUNT(*), the deepest page at the first's queries; each row's open
    orders, held and disbursed sums are that institution's alone (a GROUP BY over every
    visible institution's orders cut to the page only at its end, 0.8 s for a county at
    100k institutions). Listed: the licensed, and any with an arrangement; not another
    county's."""
    client, admin = _admin(world)
    busy, course = supervised(world, n=900)
    paid_order(world, busy, course, amount="1000.00", hours=50, learner="甲")
    consume(world, paid_order(world, busy, course, amount="500.00", hours=10, learner="乙",
                              phone="13800000002"), 4)
    order(world, busy, course, amount="300.00", learner="丙", phone="13800000003")
    cancelled = order(world, busy, course, amount="200.00", learner="丁", phone="13800000004")
    Order.objects.filter(pk=cancelled.pk).update(state=OrderState.CANCELLED)
    arranged, _c = supervised(world, n=901)
    Institution.objects.filter(pk=arranged.pk).update(status=InstitutionStatus.APPLYING)
    other, other_course = supervised(world, "b", n=902)
    paid_order(world, other, other_course, "b")
    bare = [register(world, "a", n=300 + n) for n in range(ROWS)]
    Institution.objects.filter(pk__in=[i.pk for i in bare[1:]]).update(
        status=InstitutionStatus.LICENSED, licence_number="教民001号")

    shown = [*bare[1:], busy, arranged]  # bare[0] is neither licensed nor arranged
    expected = list(Institution.objects.filter(pk__in=[i.pk for i in shown])
                    .order_by("name", "id").values_list("pk", flat=True))
    assert_walks_every_row_once(client, "/office/funds/", expected)

    rows = {i.pk: i for i in selectors.institutions(admin)}
    assert set(rows) == set(expected)
    for inst in shown:
        orders = list(Order.objects.filter(institution=inst))
        row = rows[inst.pk]
        assert (row.orders_open, row.held_total, row.disbursed_total) == (
            sum(o.state in OPEN_STATES for o in orders),
            sum((o.held for o in orders), ZERO), sum((o.disbursed for o in orders), ZERO))
    assert rows[busy.pk].orders_open == 3 and rows[busy.pk].held_total > 0
    assert rows[busy.pk].fund_arrangement.mode == Mode.BANK_CUSTODY
    assert str(rows[bare[1].pk].held_total) == "0.00"
