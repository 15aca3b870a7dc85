"""The demo (portal/demo.py calls funds/demo.py per county): both supervision modes,
orders in every state, a disputed consumption record, a balanced ledger; idempotent."""

import pytest
from django.core.management import call_command

from funds.models import (
    Arrangement,
    Consumption,
    Entry,
    Mode,
    Order,
    OrderState,
    RiskPlan,
    RiskWarning,
)
from funds.tests.test_services import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def test_the_demo_shows_both_modes_and_orders_in_every_state():
    call_command("load_demo", verbosity=0)
    counts = (Arrangement.objects.count(), Order.objects.count(), Entry.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Arrangement.objects.count(), Order.objects.count(),
            Entry.objects.count()) == counts
    assert set(Arrangement.objects.values_list("mode", flat=True)) == set(Mode.values)
    assert set(Order.objects.values_list("state", flat=True)) == set(OrderState.values)
    assert Consumption.objects.filter(state="disputed").exists()
    assert RiskWarning.objects.filter(state="open").exists()
    assert RiskPlan.objects.filter(state="in_progress").exists()
    assert_ledger_consistent(*Order.objects.all())
