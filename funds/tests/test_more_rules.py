"""The other warning rules of 003 as data (issue 11): complaints piling up, disbursement
draining the account, attempts to charge over the limits, closing or moving with a large
balance, training-fee loans, and fees collected outside the supervised account. Each
rule's threshold and window come from the policy profile (documented defaults); each
fires at its threshold and not below, once per window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funds import services
from funds.models import RiskRule, RiskWarning, SpotResult
from funds.tests.helpers import consume, paid_order, supervised
from institutions import ports
from institutions import services as registry
from institutions.models import InstitutionStatus
from institutions.rules import RuleViolation
from policy.profile import active_profile
from tests.clock import on_day

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 1)


def _start(day, days):
    return dt.date.fromordinal(day.toordinal() - day.toordinal() % days)


def _fired(code):
    return list(RiskWarning.objects.filter(rule__code=code).order_by("institution_id"))


def test_each_rules_threshold_and_window_come_from_the_profile():
    profile = active_profile()
    rules = services._rules()
    assert set(rules) == set(RiskRule.Code.values)
    for code, (threshold_key, window_key, source) in services.RULE_PARAMS.items():
        assert rules[code].threshold == Decimal(str(profile.rule(threshold_key)))
        assert rules[code].window_days == profile.rule(window_key)
        assert rules[code].source == source and source[:3] in ("000", "001", "002", "003",
                                                                "004")
    # A row edited behind the profile's back is set back to the profile's numbers.
    RiskRule.objects.filter(code=RiskRule.Code.FEE_LOANS).update(threshold=99)
    assert services._rules()[RiskRule.Code.FEE_LOANS].threshold == 1
    RiskRule.objects.filter(code=RiskRule.Code.FEE_LOANS).update(active=False)
    assert services._rules()[RiskRule.Code.FEE_LOANS].active is False  # kept


def test_refused_charges_fire_at_three_in_the_window(world):
    """002 §2(4): attempts to charge over the limits; 3 refusals in 30 days (default)."""
    admin = world.a.users["county_admin"]
    with on_day(_start(DAY, 30)):
        inst, course = supervised(world)
        for n in range(3):
            with pytest.raises(RuleViolation):
                services.order_create(
                    actor=admin, institution=inst, course=course, learner_name=f"学员{n}",
                    guardian_name="家长", guardian_phone=f"1380000000{n}", class_hours=80,
                    months=3, amount=Decimal("6000.00"))
            assert services.risk_scan() == (1 if n == 2 else 0)
        assert services.risk_scan() == 0  # once per window
    (warning,) = _fired(RiskRule.Code.REFUSED_CHARGES)
    assert warning.institution == inst and warning.value == 3


def test_fee_loans_and_fees_outside_the_account_fire_from_reports_and_checks(world):
    """001 §4(2)17 and 004 §4(4): one loan, and any fen collected outside the supervised
    account (defaults), found by a self-inspection or a spot check."""
    admin = world.a.users["county_admin"]
    with on_day(DAY):
        inst, _course = supervised(world)
        services.self_inspection_submit(
            actor=admin, institution=inst, period_start=DAY - dt.timedelta(days=30),
            period_end=DAY, prepaid_collected="1000.00", collected_outside="0", fee_loans=0)
        services.spot_check_record(actor=admin, institution=inst, checked_on=DAY,
                                   result=SpotResult.COMPLIANT, findings="无问题")
        assert services.risk_scan() == 0
        services.spot_check_record(actor=admin, institution=inst, checked_on=DAY,
                                   result=SpotResult.PROBLEMS, findings="个人账户收费",
                                   collected_outside="0.01")
        assert services.risk_scan() == 1
        assert _fired(RiskRule.Code.OUTSIDE_ACCOUNT)[0].value == Decimal("0.01")
        services.self_inspection_submit(
            actor=admin, institution=inst, period_start=DAY, period_end=DAY,
            prepaid_collected="100.00", fee_loans=1)
        assert services.risk_scan() == 1
        assert services.risk_scan() == 0
    assert _fired(RiskRule.Code.FEE_LOANS)[0].value == 1


def test_disbursement_fires_at_half_the_balance_and_not_below(world):
    """002 §2(3) timed disbursement releases bit by bit: 50 % of the balance held when
    the 7-day window began, released in it, is a drain (default)."""
    day = _start(DAY, 7)
    admin = world.a.users["county_admin"]
    with on_day(day - dt.timedelta(days=10)):
        drained, course = supervised(world, "a", 1)
        kept, course_2 = supervised(world, "a", 2)
        for inst, c, rest in ((drained, course, "1000.00"), (kept, course_2, "1001.00")):
            done = paid_order(world, inst, c, learner="甲", phone="13800000001",
                              amount="1000.00", hours=10)
            consume(world, done, 10)
            paid_order(world, inst, c, learner="乙", phone="13800000002", amount=rest,
                       hours=10)
    with on_day(day + dt.timedelta(days=1)):
        assert services.disburse_due() == 2
        assert services.risk_scan() == 1
        assert services.risk_scan() == 0
    (warning,) = _fired(RiskRule.Code.DISBURSEMENT_ANOMALY)
    assert warning.institution == drained and warning.value == Decimal("50.00")
    del admin


def test_closing_with_a_large_balance_fires_at_the_threshold(world):
    """003 卷款跑路: a licence suspended (or an address changed) while the account holds
    50,000 yuan or more of the parents' money (default)."""
    admin = world.a.users["county_admin"]
    with on_day(DAY):
        big, course = supervised(world, "a", 1)
        small, course_2 = supervised(world, "a", 2)
        for inst, c, last in ((big, course, "5000.00"), (small, course_2, "4999.99")):
            for n in range(10):
                paid_order(world, inst, c, learner=f"学员{n}", phone=f"1380000{n:04d}",
                           amount=last if n == 9 else "5000.00", hours=40)
        assert services.risk_scan() == 0  # no sign of closing yet
        for inst in (big, small):
            registry.institution_set_status(actor=admin, institution=inst,
                                            status=InstitutionStatus.SUSPENDED,
                                            reason="停业整顿")
        assert services.risk_scan() == 1
    (warning,) = _fired(RiskRule.Code.CLOSING_OR_MOVING)
    assert warning.institution == big and warning.value == Decimal("50000.00")


def test_complaints_fire_at_three_through_the_port(world, monkeypatch):
    """003 退费难: 3 refund or fee complaints in 30 days (default), read through the port
    the portal wires (funds cannot import complaints)."""
    with on_day(DAY):
        inst, _course = supervised(world)
        asked = []

        def counts(*, since, until, topics):
            asked.append((since, until, tuple(topics)))
            return {inst.pk: len(asked) + 1}  # 2, then 3

        monkeypatch.setattr(ports, "_complaint_counts", counts)
        assert services.risk_scan() == 0
        assert services.risk_scan() == 1
        assert services.risk_scan() == 0  # once per window
    assert asked[0][2] == ("refund", "price") and asked[0][0] < asked[0][1]
    assert _fired(RiskRule.Code.COMPLAINTS)[0].value == 3
    monkeypatch.setattr(ports, "_complaint_counts", None)
    with on_day(DAY + dt.timedelta(days=40)):
        assert services.risk_scan() == 0  # unwired: nothing to count
