"""The demo (portal/demo.py calls funds/demo.py per county): both supervision modes,
orders in every state, a disputed consumption record, a balanced ledger; idempotent."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from funds.models import (
    Arrangement,
    ChargeAttempt,
    Consumption,
    Entry,
    Invoice,
    Mode,
    Order,
    OrderState,
    RefundRequest,
    RefundState,
    RiskPlan,
    RiskWarning,
    SelfInspection,
    SpotCheck,
)
from funds.tests.test_services import assert_ledger_consistent

pytestmark = pytest.mark.django_db


def test_the_demo_shows_both_modes_and_orders_in_every_state():
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    counts = (Arrangement.objects.count(), Order.objects.count(), Entry.objects.count())
    out = io.StringIO()
    call_command("load_demo", verbosity=0, stdout=out)
    assert (Arrangement.objects.count(), Order.objects.count(),
            Entry.objects.count()) == counts
    assert set(Arrangement.objects.values_list("mode", flat=True)) == set(Mode.values)
    assert set(Order.objects.values_list("state", flat=True)) == set(OrderState.values)
    assert Consumption.objects.filter(state="disputed").exists()
    assert RiskWarning.objects.filter(state="open").exists()
    assert RiskPlan.objects.filter(state="in_progress").exists()
    assert_ledger_consistent(*Order.objects.all())
    # Issue 11 additions: the guarantee file, the dedicated account under the deposit, a
    # refused refund request, an invoice, a report, a spot check, a refused charge.
    assert Arrangement.objects.filter(mode=Mode.RISK_DEPOSIT).exclude(guarantee_file="").exists()
    assert RefundRequest.objects.filter(state=RefundState.REFUSED).exists()
    assert Invoice.objects.exists() and SelfInspection.objects.exists()
    assert SpotCheck.objects.exists() and ChargeAttempt.objects.exists()
    # The command prints parent order codes that open the parent's order page (on a
    # re-run too: the codes are set again).
    printed = re.findall(r"order (DD[0-9A-F]+), private code (\d+)", out.getvalue())
    assert len(printed) == 2
    for number, code in printed:
        page = Client().post("/funds/order/", {"number": number, "code": code})
        assert page.status_code == 200 and 'id="parent-order"' in page.content.decode()
