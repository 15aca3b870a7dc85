"""Issue 13: the funds office lists that grow with the institutions' business (an
institution's orders and ledger, the risk warnings, the risk ledger) page by keyset
(core.paging): every row once forward and back, no COUNT(*), the deepest page costs the
first's queries; a position from another list or forged reads as the first page."""

import pytest
from django.test import Client

from funds import selectors
from funds.models import RiskPlan, RiskRule, RiskType, RiskWarning
from funds.tests.helpers import order, pay, supervised
from funds.views import PAGE_SIZE
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
