"""Every numeric rule at its boundary (issue 4 "Done when"; 002 §2(4), 004 §3(2), 004 §4(5))."""

import datetime as dt
from decimal import Decimal

import pytest

from institutions.rules import (
    Slot,
    check_session_date,
    course_violations,
    fee_limit_violations,
    fee_plan_violations,
    required_clauses,
)

pytestmark = pytest.mark.django_db
T = dt.time


END_2030 = T(20, 30)


def course(mode="offline", end=END_2030, lesson=45, brk=10, academic=False, weekday=2):
    return course_violations(mode=mode, is_academic=academic, lesson_minutes=lesson,
                        break_minutes=brk, slots=[Slot(weekday, T(19, 0), end)])


def rules_of(violations):
    return {v.rule for v in violations}


def test_offline_ends_by_2030():
    assert course(end=T(20, 30)) == []
    assert rules_of(course(end=T(20, 31))) == {"offline_end_time"}


def test_online_ends_by_2100():
    assert course(mode="online", end=T(21, 0), lesson=30) == []
    assert rules_of(course(mode="online", end=T(21, 1), lesson=30)) == {"online_end_time"}


def test_online_lesson_at_most_30_minutes():
    assert course(mode="online", lesson=30, end=T(20, 0)) == []
    assert rules_of(course(mode="online", lesson=31, end=T(20, 0))) == \
        {"online_lesson_max_minutes"}


def test_online_break_at_least_10_minutes():
    assert course(mode="online", lesson=30, brk=10, end=T(20, 0)) == []
    assert rules_of(course(mode="online", lesson=30, brk=9, end=T(20, 0))) == \
        {"online_break_min_minutes"}


def test_academic_forbidden_on_rest_days():
    assert course(academic=True, weekday=4) == []
    assert rules_of(course(academic=True, weekday=5)) == {"academic_forbidden_on_rest_days"}
    assert course(academic=False, weekday=5) == []
    # Calendar: 2026-10-02 is National Day; 2026-10-10 (Saturday) is a make-up working day.
    assert check_session_date(day=dt.date(2026, 10, 2), is_academic=True)
    assert check_session_date(day=dt.date(2026, 10, 10), is_academic=True) == []


def test_violations_cite_their_source():
    (violation,) = course(end=T(20, 31))
    assert violation.source.startswith("002")
    assert "20:30" in violation.message


def fee(**kw):
    args = dict(amount=Decimal("5000.00"), months=3, class_hours=60, contract_version="2021",
                clauses=required_clauses())
    args.update(kw)
    return rules_of(fee_limit_violations(**args))


def test_fee_plan_limits_at_their_boundaries():
    assert fee() == set()
    assert fee(amount=Decimal("5000.01")) == {"charge_max_amount"}
    assert fee(class_hours=61) == {"charge_max_class_hours"}
    assert fee(months=4) == {"charge_max_months"}


def test_advance_charge_window():
    start = dt.date(2026, 9, 1)
    assert fee(charge_date=dt.date(2026, 8, 1), course_start=start) == set()
    assert fee(charge_date=dt.date(2026, 7, 31), course_start=start) == \
        {"advance_charge_months_before_start"}
    running = dt.date(2026, 1, 1)
    assert fee(charge_date=dt.date(2026, 3, 1), course_start=running, remaining_hours=20) == set()
    assert fee(charge_date=dt.date(2026, 3, 1), course_start=running, remaining_hours=21) == \
        {"advance_charge_remaining_hours"}


def test_model_contract_and_clauses():
    assert fee(contract_version="2014") == {"model_contract"}
    assert fee(clauses=["training_items"]) == {"contract_clauses"}


def test_a_charge_after_the_start_asks_for_the_remaining_hours_the_profile_names():
    """002 §2(4): the threshold in the message is the profile's, not a number in code."""
    from types import SimpleNamespace

    from policy.models import RuleParameter
    from policy.profile import invalidate_profile_cache

    course = SimpleNamespace(starts_on=dt.date(2026, 9, 1), price=Decimal("100"))
    args = dict(course=course, amount=Decimal("1000"), months=1, class_hours=10,
                contract_version="2021", contract_clauses=required_clauses(),
                charge_on=dt.date(2026, 9, 2), remaining_hours=None)
    message = next(str(v) for v in fee_plan_violations(**args) if v.field == "remaining_hours")
    assert "20" in message and "通培联办〔2023〕1号 第二条（四）" in message
    RuleParameter.objects.filter(profile__code="kunming",
                                 key="advance_charge_remaining_hours").update(value="12")
    invalidate_profile_cache()
    message = next(str(v) for v in fee_plan_violations(**args) if v.field == "remaining_hours")
    text = message.rpartition("（通培联办")[0]  # the rule's text, without its citation
    assert "12" in text and "20" not in text


def test_overlapping_lessons_are_refused(world):
    from institutions.rules import course_violations

    found = course_violations(mode="offline", is_academic=False, lesson_minutes=60,
                         break_minutes=10, slots=[Slot(2, dt.time(18, 0), dt.time(19, 0)),
                                                  Slot(2, dt.time(18, 30), dt.time(19, 30)),
                                                  Slot(3, dt.time(18, 30), dt.time(19, 30))])
    assert [v.rule for v in found] == ["slot_overlap"]


def test_missing_contract_clauses_are_named_in_words(world):
    from institutions.rules import fee_limit_violations

    found = fee_limit_violations(amount=Decimal("100"), months=1, class_hours=1,
                           contract_version="2021", clauses=["training_items"])
    message = " ".join(str(v) for v in found)
    assert "dispute_resolution" not in message and "争议" in message


def test_a_weekday_academic_course_across_national_day_is_refused_naming_the_dates():
    """004 §3(2), issue 14 B3: every date the course meets is checked against the
    working-day calendar, not only its weekdays: 2026-10-01..07 are holidays."""
    def academic(starts, ends):
        return course_violations(mode="offline", is_academic=True, lesson_minutes=45,
                                 break_minutes=10, slots=[Slot(3, T(18, 0), T(19, 0))],
                                 starts_on=starts, ends_on=ends)

    (found,) = academic(dt.date(2026, 9, 21), dt.date(2026, 10, 30))
    assert found.rule == "academic_forbidden_on_rest_days" and "2026-10-01" in found.message
    assert academic(dt.date(2026, 10, 8), dt.date(2026, 10, 30)) == []


def test_online_lessons_need_a_real_break_between_them():
    """002 §2(4), issue 14 B4: 19:00–19:30 and 19:30–20:00 online on the same day leave no
    break; 19:40 leaves ten minutes."""
    def online(second_start, second_end):
        return course_violations(mode="online", is_academic=False, lesson_minutes=30,
                                 break_minutes=10,
                                 slots=[Slot(2, T(19, 0), T(19, 30)),
                                        Slot(2, second_start, second_end)])

    assert rules_of(online(T(19, 30), T(20, 0))) == {"online_break_min_minutes"}
    assert rules_of(online(T(19, 39), T(20, 9))) == {"online_break_min_minutes"}
    assert online(T(19, 40), T(20, 10)) == []


def test_the_end_time_message_says_not_later_than():
    """002 §2(4) 「线下培训结束时间不得晚于20:30」: 20:30 itself is allowed, so the message says
    不得晚于, not 前 (issue 14 C11)."""
    from django.utils import translation

    assert course(end=T(20, 30)) == []
    with translation.override("zh-hans"):
        (violation,) = course(end=T(20, 31))
        assert "不得晚于 20:30" in str(violation.message) and "前" not in str(violation.message)


def test_the_model_contract_edition_and_clauses_are_the_profiles():
    """issue 14 B7: the edition (002 §2(4), 2021年修订版) and the clauses (004 §4(5)) come
    from the profile's `contract`, and a refusal cites them."""
    from policy.models import PolicyProfile
    from policy.profile import invalidate_profile_cache

    found = fee_limit_violations(amount=Decimal("100"), months=1, class_hours=1,
                                 contract_version="2014", clauses=["training_items"])
    by_rule = {v.rule: v for v in found}
    assert "2021" in by_rule["model_contract"].message
    assert by_rule["model_contract"].source == "002 §2(4)"
    assert "争议处理" in by_rule["contract_clauses"].message
    assert by_rule["contract_clauses"].source == "004 §4(5)"
    profile = PolicyProfile.objects.get(code="kunming")
    profile.content = {**profile.content, "contract": {
        **profile.content["contract"], "version": "2025",
        "clauses": [{"code": "training_items", "label": "培训项目"}]}}
    profile.save()
    invalidate_profile_cache()
    assert fee(contract_version="2025", clauses=["training_items"]) == set()
    assert fee(contract_version="2021") == {"model_contract"}
