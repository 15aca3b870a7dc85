"""Checks of courses and fee plans against the active profile's numeric rules.

Every check returns Violations that cite the rule and its source, so the institution
sees what is wrong before it submits (issue 4) and an officer sees the same list. The
values come from the profile (DOMAIN.md §5), never from this module:

- 002 §2(4): offline training ends by 20:30; an online lesson is at most 30 minutes with
  breaks of at least 10 minutes and ends by 21:00;
- 002 §2(4): one charge covers at most 3 months or 60 class hours (top-ups and class
  cards count) and at most 5,000 yuan; an advance charge comes no earlier than 1 month
  before a new course starts, or when 20 class hours remain of a running one; the model
  contract of the profile's edition (2021) is used;
- 004 §3(2): academic training is forbidden on legal holidays, rest days and vacations;
- 004 §4(5): the contract holds the clauses the profile lists (training items, requirements,
  fees and refunds, liability for breach and dispute resolution);
- 001 §4(2)7: where a government-guided price is set, a deviating price is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.i18n import join_list, parenthesized
from policy.profile import ProfileData, active_profile
from policy.sources import cite


@dataclass(frozen=True)
class Violation:
    field: str
    rule: str
    message: str
    source: str
    blocking: bool = True

    def __str__(self) -> str:
        """The message with its source as users read it (issue 14 C10)."""
        return f"{self.message}{parenthesized(cite(self.source))}" if self.source else \
            str(self.message)


def _source(profile: ProfileData, key: str) -> str:
    rule = profile.rules.get(key)
    return rule.source if rule else ""


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time


def course_violations(*, mode: str, is_academic: bool, lesson_minutes: int, break_minutes: int | None,
                 slots: list[Slot], starts_on: dt.date | None = None,
                 ends_on: dt.date | None = None, county_code: str = "",
                 profile: ProfileData | None = None) -> list[Violation]:
    """Offline/online timing rules, and the academic ban on rest days and vacations, for
    one course."""
    p = profile or active_profile()
    out: list[Violation] = []
    if is_academic and starts_on and ends_on and p.rule("academic_forbidden_on_rest_days"):
        out += _academic_dates(slots=slots, starts_on=starts_on, ends_on=ends_on,
                               county_code=county_code, profile=p)
    end_key = "online_end_time" if mode == "online" else "offline_end_time"
    latest = p.rule(end_key)
    for slot in slots:
        if slot.end <= slot.start:
            out.append(Violation("slots", "slot_order", _("A lesson must end after it starts."),
                                 ""))
            continue
        if latest is not None and _minutes(slot.end) > _minutes(latest):
            out.append(Violation(
                "slots", end_key,
                # 002 §2(4) 「不得晚于20:30」: 20:30 itself is allowed (issue 14 C11).
                _("Training must end no later than %(latest)s; a lesson ends at %(end)s.")
                % {"latest": latest.strftime("%H:%M"), "end": slot.end.strftime("%H:%M")},
                _source(p, end_key)))
        if is_academic and slot.weekday >= 5 and p.rule("academic_forbidden_on_rest_days"):
            out.append(Violation(
                "slots", "academic_forbidden_on_rest_days",
                _("Academic training is not allowed on rest days (a lesson is scheduled on "
                  "a weekend)."), _source(p, "academic_forbidden_on_rest_days")))
    ordered = sorted((s for s in slots if s.end > s.start), key=lambda s: (s.weekday, s.start))
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.weekday == second.weekday and second.start < first.end:
            out.append(Violation(
                "slots", "slot_overlap",
                _("Two lessons overlap: %(a)s and %(b)s on the same day.")
                % {"a": f"{first.start:%H:%M}-{first.end:%H:%M}",
                   "b": f"{second.start:%H:%M}-{second.end:%H:%M}"}, ""))
    if mode == "online":
        shortest_break = p.rule("online_break_min_minutes")
        for first, second in zip(ordered, ordered[1:], strict=False):
            gap = _minutes(second.start) - _minutes(first.end)
            if shortest_break is not None and first.weekday == second.weekday and \
                    0 <= gap < shortest_break:
                out.append(Violation(
                    "slots", "online_break_min_minutes",
                    _("Online lessons %(a)s and %(b)s leave %(n)s minutes between them; at "
                      "least %(min)s are needed.")
                    % {"a": f"{first.start:%H:%M}-{first.end:%H:%M}",
                       "b": f"{second.start:%H:%M}-{second.end:%H:%M}", "n": gap,
                       "min": shortest_break}, _source(p, "online_break_min_minutes")))
        longest = p.rule("online_lesson_max_minutes")
        if longest is not None and lesson_minutes > longest:
            out.append(Violation(
                "lesson_minutes", "online_lesson_max_minutes",
                _("An online lesson lasts at most %(max)s minutes; this one lasts %(n)s.")
                % {"max": longest, "n": lesson_minutes}, _source(p, "online_lesson_max_minutes")))
        shortest_break = p.rule("online_break_min_minutes")
        if shortest_break is not None and (break_minutes or 0) < shortest_break:
            out.append(Violation(
                "break_minutes", "online_break_min_minutes",
                _("Breaks between online lessons last at least %(min)s minutes; this one lasts "
                  "%(n)s.") % {"min": shortest_break, "n": break_minutes or 0},
                _source(p, "online_break_min_minutes")))
    return out


#: A course's dates are checked one by one up to this many days.
MAX_CHECKED_DAYS = 731


def _academic_dates(*, slots: list[Slot], starts_on: dt.date, ends_on: dt.date,
                    county_code: str, profile: ProfileData) -> list[Violation]:
    """Every date the course meets (its weekly slots between its first and last day) is
    checked against the working-day calendar and the school vacations (004 §3(2): no
    academic training on legal holidays, rest days or in vacations); a weekday course
    across National Day is refused, naming the dates."""
    weekdays = {s.weekday for s in slots if s.weekday < 5}  # weekends are refused per slot
    if not weekdays or ends_on < starts_on:
        return []
    bad: list[str] = []
    day = starts_on
    for _step in range(MAX_CHECKED_DAYS):
        if day > ends_on:
            break
        if day.weekday() in weekdays and check_session_date(
                day=day, is_academic=True, county_code=county_code, profile=profile):
            bad.append(day.isoformat())
        day += dt.timedelta(days=1)
    if not bad:
        return []
    from django.db.models import Q

    from policy.models import SchoolVacation

    vacations = SchoolVacation.objects.filter(
        Q(region_code="") | Q(region_code=county_code), start__lte=bad[-1],
        end__gte=bad[0]).values_list("name", flat=True)
    shown = join_list(bad[:5]) + ("…" if len(bad) > 5 else "")
    if vacations:
        shown += parenthesized(join_list(sorted(set(vacations))))
    return [Violation("slots", "academic_forbidden_on_rest_days",
                      _("An academic course may not meet on legal holidays, rest days or in "
                        "school vacations; %(n)s of its dates do: %(dates)s.")
                      % {"n": len(bad), "dates": shown},
                      _source(profile, "academic_forbidden_on_rest_days"))]


def check_session_date(*, day: dt.date, is_academic: bool, county_code: str = "",
                       profile: ProfileData | None = None) -> list[Violation]:
    """A dated academic session may not fall on a legal holiday, a rest day (calendar) or
    in a school vacation."""
    from policy.calendar import in_vacation, is_workday

    p = profile or active_profile()
    if not (is_academic and p.rule("academic_forbidden_on_rest_days")):
        return []
    if not is_workday(day):
        return [Violation("date", "academic_forbidden_on_rest_days",
                          _("Academic training is not allowed on %(day)s, a legal holiday or "
                            "rest day.") % {"day": day.isoformat()},
                          _source(p, "academic_forbidden_on_rest_days"))]
    if in_vacation(day, county_code):
        return [Violation("date", "academic_forbidden_on_rest_days",
                          _("Academic training is not allowed on %(day)s, in the school "
                            "vacation.") % {"day": day.isoformat()},
                          _source(p, "academic_forbidden_on_rest_days"))]
    return []


def model_contract_version(profile: ProfileData | None = None) -> str:
    """The model contract's edition every fee plan names (the profile's `contract`, from
    002 §2(4): 2021年修订版)."""
    return str((profile or active_profile()).contract_setting("version"))


def clause_labels(profile: ProfileData | None = None) -> dict[str, str]:
    """The clauses the model contract must hold, code → label (the profile's `contract`,
    from 004 §4(5))."""
    return {c["code"]: c["label"]
            for c in (profile or active_profile()).contract_setting("clauses")}


def required_clauses(profile: ProfileData | None = None) -> list[str]:
    return list(clause_labels(profile))


def fee_limit_violations(*, amount: Decimal, months: int, class_hours: int,
                   contract_version: str, clauses: list[str], charge_date: dt.date | None = None,
                   course_start: dt.date | None = None, remaining_hours: int | None = None,
                   unit_price: Decimal | None = None,
                   profile: ProfileData | None = None) -> list[Violation]:
    p = profile or active_profile()
    out: list[Violation] = []
    max_amount = p.rule("charge_max_amount")
    if max_amount is not None and amount > max_amount:
        out.append(Violation("amount", "charge_max_amount",
                             _("One charge may not exceed %(max)s yuan; this one is %(n)s yuan.")
                             % {"max": max_amount, "n": amount}, _source(p, "charge_max_amount")))
    max_months = p.rule("charge_max_months")
    if max_months is not None and months > max_months:
        out.append(Violation("months", "charge_max_months",
                             _("One charge may cover at most %(max)s months; this one covers "
                               "%(n)s.") % {"max": max_months, "n": months},
                             _source(p, "charge_max_months")))
    max_hours = p.rule("charge_max_class_hours")
    if max_hours is not None and class_hours > max_hours:
        out.append(Violation("class_hours", "charge_max_class_hours",
                             _("One charge may cover at most %(max)s class hours (top-ups and "
                               "class cards count); this one covers %(n)s.")
                             % {"max": max_hours, "n": class_hours},
                             _source(p, "charge_max_class_hours")))
    if charge_date is not None:
        if course_start is not None and charge_date < course_start:
            months_before = p.rule("advance_charge_months_before_start")
            try:
                earliest = course_start - relativedelta(months=months_before or 0)
            except (ValueError, OverflowError):  # a start date at the calendar's edge
                earliest = dt.date.min
            if charge_date < earliest:
                out.append(Violation(
                    "charge_date", "advance_charge_months_before_start",
                    _("An advance charge may come no earlier than %(earliest)s, %(n)s month(s) "
                      "before the course starts on %(start)s.")
                    % {"earliest": earliest.isoformat(), "n": months_before,
                       "start": course_start.isoformat()},
                    _source(p, "advance_charge_months_before_start")))
        elif remaining_hours is not None:
            threshold = p.rule("advance_charge_remaining_hours")
            if threshold is not None and remaining_hours > threshold:
                out.append(Violation(
                    "remaining_hours", "advance_charge_remaining_hours",
                    _("A running course may be charged again only when %(n)s class hours or "
                      "fewer remain; %(left)s remain.") % {"n": threshold, "left": remaining_hours},
                    _source(p, "advance_charge_remaining_hours")))
    edition = model_contract_version(p)
    if contract_version != edition:
        out.append(Violation("contract_version", "model_contract",
                             _("The %(version)s edition of the model contract is mandatory.")
                             % {"version": edition}, p.contract_setting("version_source")))
    labels = clause_labels(p)
    missing = [c for c in labels if c not in clauses]
    if missing:
        out.append(Violation("clauses", "contract_clauses",
                             _("The contract lacks required clauses: %(missing)s.")
                             % {"missing": join_list(labels[c] for c in missing)},
                             p.contract_setting("clauses_source")))
    guided = p.rule("government_guided_price")
    if guided is not None and unit_price is not None and unit_price != guided:
        out.append(Violation("unit_price", "government_guided_price",
                             _("The price differs from the government-guided price of %(price)s "
                               "yuan.") % {"price": guided}, _source(p, "government_guided_price"),
                             blocking=False))
    return out


class RuleViolation(DomainError):
    """One or more blocking rule violations; each names its field, rule and source."""

    code = "rule_violation"

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        first = violations[0]
        super().__init__("；".join(str(v) for v in violations), field=first.field)


def fee_plan_violations(*, course: Any, amount: Decimal, months: int, class_hours: int,
                        contract_version: str, contract_clauses: list[str],
                        charge_on: dt.date | None, remaining_hours: int | None,
                        refund_terms: str = "-") -> list[Violation]:
    """Every finding on a fee plan: the charging limits and the advance-charge window
    (002 §2(4)), the model contract's clauses (004 §4(5)) as blocking; a price off the
    government-guided price (001 §4(2)7) as a flag. The live check and the save share it."""
    found: list[Violation] = []
    if not refund_terms.strip():
        found.append(Violation("refund_terms", "refund_terms",
                               _("Describe the refund terms."), "004 §4(5)"))
    if amount <= 0:
        found.append(Violation("amount", "amount_positive",
                               _("The amount must be more than zero."), ""))
    if charge_on and course.starts_on and charge_on >= course.starts_on and \
            remaining_hours is None:
        p = active_profile()
        found.append(Violation(
            "remaining_hours", "advance_charge_remaining_hours",
            _("The course has started by the day of this charge: give the class hours that "
              "remain (an advance charge comes when %(n)s or fewer remain).")
            % {"n": p.rule("advance_charge_remaining_hours")},
            _source(p, "advance_charge_remaining_hours")))
    return found + fee_limit_violations(
        amount=amount, months=months, class_hours=class_hours,
        contract_version=contract_version, clauses=contract_clauses, unit_price=course.price,
        charge_date=charge_on, course_start=course.starts_on, remaining_hours=remaining_hours)


def refuse_course_violations(*, county_code: str, mode: str, is_academic: bool, lesson_minutes: int,
                              break_minutes: int | None, slots: list[Slot],
                              starts_on: dt.date | None = None,
                              ends_on: dt.date | None = None, **_other: Any) -> None:
    """Refuse a course that breaks the profile's timing rules (002 §2(4), 004 §3)."""
    if not slots:
        raise DomainError(_("Give at least one weekly lesson time."), field="slots")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The course must end after it starts."), field="ends_on")
    blocking = [v for v in course_violations(
        mode=mode, is_academic=is_academic, lesson_minutes=lesson_minutes,
        break_minutes=break_minutes, slots=slots, starts_on=starts_on, ends_on=ends_on,
        county_code=county_code) if v.blocking]
    if blocking:
        raise RuleViolation(blocking)


def establishment_violations(*, category: str, serves_preschool: bool) -> list[Violation]:
    """What the profile no longer establishes: new academic (学科类) institutions and new
    institutions for pre-school children, where its profile says so (with its seed source; the
    base's academic setting is a documented default). Existing ones are re-licensed."""
    p = active_profile()
    found = []
    if category == "academic" and not p.academic.get("new_institutions_allowed", False):
        found.append(Violation("category", "no_new_academic", p.academic.get("note") or _(
            "No new academic institution is approved."), p.academic.get("source", "")))
    if serves_preschool and not p.preschool.get("new_institutions_allowed", True):
        found.append(Violation("serves_preschool", "no_new_preschool", p.preschool.get("note")
                               or _("No new institution for pre-school children is approved."),
                               p.preschool.get("source", "")))
    return found
