"""Reconciliation against the bank's balances and the risk warnings (003): each rule fires
at its threshold and not below, once per window; the handling record; the pages and the
API in scope."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.errors import InvalidState
from funds import services
from funds.models import (
    PlanState,
    Reconciliation,
    RiskPlan,
    RiskProgress,
    RiskRule,
    RiskWarning,
    WarningAction,
    WarningState,
)
from funds.tests.helpers import consume, order, paid_order, supervised
from institutions.tests.helpers import login
from tests.clock import on_day
from tests.test_api import issue_client

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 1)
BALANCES = "/api/v1/funds/bank-balances/"


def _report(token, uscc, day, balance):
    return Client().post(BALANCES, json.dumps({"uscc": uscc, "day": day.isoformat(),
                                               "balance": balance}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")


def test_reconciliation_catches_an_injected_mismatch_once(world):
    """Issue 11: the daily job compares the ledger with the bank; a mismatch raises a
    warning with the difference. Custody and consumed value are both still in the
    account."""
    token = issue_client(name="bank", scopes=["funds:write"], regions=[world.a.region])[1]
    with on_day(DAY):
        good, course = supervised(world, "a", 1)
        bad, course_b = supervised(world, "a", 2)
        consume(world, paid_order(world, good, course, amount="3000.00"), 4)
        paid_order(world, bad, course_b, amount="1000.00")
        assert _report(token, good.uscc, DAY, "3000.00").json()["created"] is True
        assert _report(token, bad.uscc, DAY, "999.99").json()["created"] is True
        again = _report(token, bad.uscc, DAY, "999.99")  # idempotent
        assert again.status_code == 200 and again.json()["created"] is False
        assert _report(token, bad.uscc, DAY, "1000.00").status_code == 409
    assert services.reconcile(day=DAY) == 1
    assert services.reconcile(day=DAY) == 0  # once per (institution, rule, window)
    warning = RiskWarning.objects.get()
    assert warning.institution == bad and warning.value == Decimal("-0.01")
    assert Reconciliation.objects.get(institution=good).difference == 0


def test_the_bank_reports_balances_of_its_regions_only(world):
    token = issue_client(name="bank", scopes=["funds:write"], regions=[world.b.region])[1]
    inst, _course = supervised(world)
    assert _report(token, inst.uscc, DAY, "0.00").status_code == 404
    people = login(world.a.users["county_admin"]).post(
        BALANCES, json.dumps({"uscc": inst.uscc, "day": DAY.isoformat(), "balance": "0"}),
        content_type="application/json")
    assert people.status_code == 403


def test_the_refund_spike_fires_at_its_threshold_not_below_and_once_per_window(world):
    """003: refund difficulty; threshold 5 refunds in a 30-day window (a default)."""
    admin = world.a.users["county_admin"]
    with on_day(DAY):
        inst, course = supervised(world)
        for n in range(5):
            o = paid_order(world, inst, course, learner=f"学员{n}", phone=f"1390000000{n}")
            services.order_refund(actor=admin, order=o, reason="退费")
            assert services.risk_scan() == (1 if n == 4 else 0), n
        assert services.risk_scan() == 0
    assert RiskWarning.objects.get().rule.code == RiskRule.Code.REFUND_SPIKE


def test_the_sales_surge_fires_at_three_times_the_trailing_average(world):
    """003: a surge of sales before a flight with the funds; orders in the 7-day window
    against the average of the four windows before (threshold 3, a default)."""
    with on_day(DAY - dt.timedelta(days=20)):
        inst, course = supervised(world)
        for n in range(4):  # trailing average: 1 a window
            order(world, inst, course, learner=f"旧{n}", phone=f"1380000000{n}")
    start = dt.date.fromordinal(DAY.toordinal() - DAY.toordinal() % 7)
    with on_day(start):
        order(world, inst, course, learner="新0", phone="13700000000")
        order(world, inst, course, learner="新1", phone="13700000001")
        assert services.risk_scan() == 0  # 2 < 3 × 1
        order(world, inst, course, learner="新2", phone="13700000002")
        assert services.risk_scan() == 1
        assert services.risk_scan() == 0


def test_a_warning_is_handled_step_by_step_with_a_record(world):
    admin = world.a.users["county_admin"]
    with on_day(DAY):
        inst, course = supervised(world)
        for n in range(5):
            o = paid_order(world, inst, course, learner=f"学员{n}", phone=f"1390000000{n}")
            services.order_refund(actor=admin, order=o, reason="退费")
        services.risk_scan()
    warning = RiskWarning.objects.get()
    client = login(world.a.users["culture"])  # the supervising department (arts)
    url = f"/office/funds/warnings/{warning.pk}/"
    assert client.post(url, {"state": "assigned", "note": "已指派专人核查"}).status_code == 302
    assert client.post(url, {"state": "resolved", "note": "退费均已到账"}).status_code == 302
    warning.refresh_from_db()
    assert warning.state == WarningState.RESOLVED
    assert list(WarningAction.objects.values_list("state", flat=True)) == ["assigned",
                                                                            "resolved"]
    with pytest.raises(InvalidState):
        services.warning_handle(actor=admin, warning=warning, state="checked", note="再查")
    # Education-sports reads the warning but does not handle it; county B sees nothing.
    assert login(world.a.users["officer"]).get(url).status_code == 200
    assert login(world.a.users["officer"]).post(url, {"state": "checked",
                                                      "note": "x"}).status_code == 404
    assert login(world.b.users["county_admin"]).get(url).status_code == 404
    assert login(world.b.users["county_admin"]).get(
        "/api/v1/funds/warnings/").json()["results"] == []


def test_the_warning_lists_keep_their_query_count(world, query_budget):
    admin = world.a.users["county_admin"]
    rule = RiskRule.objects.create(code=RiskRule.Code.REFUND_SPIKE, threshold=1,
                                   window_days=1)
    inst, _course = supervised(world)

    def grow(start, stop):
        for n in range(start, stop):
            RiskWarning.objects.create(institution=inst, rule=rule, window=f"w{n}", value=1,
                                       threshold=1)

    client = login(admin)
    query_budget(client, "/office/funds/warnings/", grow, small=3, large=23, budget=8,
                 name="warnings")  # keyset: no COUNT(*) (issue 13)
    query_budget(client, "/api/v1/funds/warnings/?page_size=200", lambda a, b: grow(a + 100,
                 b + 100), small=3, large=23, budget=8, name="warnings api")


def _warning(world):
    admin = world.a.users["county_admin"]
    inst, course = supervised(world)
    for n in range(5):
        o = paid_order(world, inst, course, learner=f"学员{n}", phone=f"1390000000{n}")
        services.order_refund(actor=admin, order=o, reason="退费")
    services.risk_scan()
    return RiskWarning.objects.get()


def test_a_warning_escalates_into_one_plan_per_institution_followed_to_resolution(world):
    """003: the risk ledger, one plan per institution (一企一策), with the risk type, the
    responsible department, the measures, dated progress and a state kept until
    resolution; help for parents negotiating refunds."""
    warning = _warning(world)
    culture = world.a.users["culture"]
    client = login(culture)
    url = f"/office/funds/warnings/{warning.pk}/"
    response = client.post(url, {"verb": "escalate", "plan-risk_type": "refund_difficulty",
                                 "plan-department": culture.department.pk,
                                 "plan-measures": "约谈举办者，督促按合同退费",
                                 "plan-parent_help": "组织家长与机构协商退费"})
    assert response.status_code == 302
    plan = RiskPlan.objects.get()
    warning.refresh_from_db()
    assert warning.state == WarningState.ESCALATED and warning.plan == plan
    assert plan.state == PlanState.OPEN and plan.department == culture.department
    with pytest.raises(InvalidState):  # one open plan per institution
        services.risk_plan_open(actor=culture, institution=plan.institution,
                                risk_type="flight_with_funds",
                                department=culture.department, measures="再开一个")
    page = f"/office/funds/risk-ledger/{plan.pk}/"
    today = timezone.localdate()
    assert client.post(page, {"state": "in_progress", "on": DAY.isoformat(),
                              "note": "开立之前"}).status_code == 400
    assert client.post(page, {"state": "in_progress", "on": today.isoformat(),
                              "note": "已退费三人"}).status_code == 302
    assert client.post(page, {"state": "resolved", "on": today.isoformat(),
                              "note": "全部退费完毕"}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.RESOLVED
    assert list(RiskProgress.objects.values_list("state", flat=True)) == [
        "open", "in_progress", "resolved"]
    assert client.post(page, {"state": "in_progress", "on": DAY.isoformat(),
                              "note": "x"}).status_code == 404  # resolved: no form
    # Reading: education-sports sees it; county B nothing, in the list or by URL.
    assert login(world.a.users["officer"]).get(page).status_code == 200
    assert login(world.b.users["county_admin"]).get(page).status_code == 404
    assert f'href="{page}"' not in login(world.b.users["county_admin"]).get(
        "/office/funds/risk-ledger/").content.decode()


def test_the_risk_ledger_list_keeps_its_query_count(world, query_budget):
    admin = world.a.users["county_admin"]

    def grow(start, stop):
        for n in range(start, stop):
            inst, _course = supervised(world, "a", n=20 + n)
            services.risk_plan_open(actor=admin, institution=inst,
                                    risk_type="layoffs_wage_arrears",
                                    department=world.a.depts["education_sports"],
                                    measures="督促发放工资")

    query_budget(login(admin), "/office/funds/risk-ledger/", grow, small=2, large=12,
                 budget=8, name="risk ledger")  # keyset: no COUNT(*) (issue 13)
