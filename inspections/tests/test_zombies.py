"""Zombie institutions (000 §4(3): 连续两年及以上未参加年检、未开展培训活动、通过登记的住所和
法定代表人等方式无法取得联系): the criteria, the any/all setting of the profile, and an
idempotent scan that opens one cleanup case per institution."""

from __future__ import annotations

import datetime as dt

import pytest

from funds import services as funds_services
from inspections import services
from inspections.models import InspectionYear, ZombieCleanup, ZombieOutcome
from inspections.tests.helpers import DAILY_OK, make_daily, today
from institutions.tests.helpers import licensed_with_gate
from policy.models import PolicyProfile
from policy.profile import invalidate_profile_cache
from tests.factories import World

pytestmark = pytest.mark.django_db


def flags(years, active=True, unreachable=False):
    return services.zombie_flags(years=years, min_years=2, active=active,
                                 unreachable=unreachable)


@pytest.mark.parametrize(("years", "zombie"), [
    ({2024: True, 2025: False}, False),               # one missing year
    ({2024: False, 2025: False}, True),               # two consecutive
    ({2023: False, 2024: True, 2025: False}, False),  # two, not consecutive
    ({2023: False, 2025: False}, False),              # no record for 2024: not consecutive
    ({2023: False, 2024: False, 2025: True}, False),  # inspected again since
    ({2022: True, 2023: False, 2024: False, 2025: False}, True),
])
def test_missed_years_boundary_under_any_of(years, zombie):
    assert services.is_zombie(flags(years), "any") == zombie


def test_all_of_needs_every_criterion():
    two = {2024: False, 2025: False}
    assert not services.is_zombie(flags(two), "all")
    assert not services.is_zombie(flags(two, active=False), "all")
    assert services.is_zombie(flags(two, active=False, unreachable=True), "all")
    assert services.is_zombie(flags({}, active=False), "any")  # no activity alone


def _active(world: World, inst):
    admin = world.a.users["county_admin"]
    course = inst.courses.first()
    # An order is an enrolment (issue 11): training activity of 000 §4(3).
    funds_services.order_create(actor=admin, institution=inst, course=course,
                                learner_name="李小萌", guardian_name="李华",
                                guardian_phone="13808710001", class_hours=20, months=1,
                                amount="1000")


def _missed(inst, *years, inspected=False):
    for year in years:
        InspectionYear.objects.create(institution=inst, year=year, inspected=inspected)


def test_scan_opens_one_cleanup_per_zombie_and_a_second_scan_creates_nothing(world: World):
    y = today().year
    two = licensed_with_gate(world, "a", 1, name="连续两年未年检")
    one = licensed_with_gate(world, "a", 2, name="一年未年检")
    gap = licensed_with_gate(world, "a", 3, name="间隔未年检")
    for inst in (two, one, gap):
        _active(world, inst)
    _missed(two, y - 2, y - 1)
    _missed(one, y - 1)
    _missed(gap, y - 3, y - 1)
    _missed(gap, y - 2, inspected=True)
    assert services.zombie_scan(today=today()) == 1
    cleanup = ZombieCleanup.objects.get()
    assert cleanup.institution == two and cleanup.criteria["missed_years"] == [y - 2, y - 1]
    assert cleanup.case.kind == "zombie_cleanup" and cleanup.case.tasks.count() == 3
    assert {t.department.type for t in cleanup.case.tasks.all()} >= {"market_regulation"}
    assert services.zombie_scan(today=today()) == 0
    assert ZombieCleanup.objects.count() == 1
    services.zombie_close(actor=world.a.users["county_admin"], cleanup=cleanup,
                          outcome=ZombieOutcome.DEREGISTERED, note="已办理注销")
    cleanup.case.refresh_from_db()
    assert cleanup.case.state == "closed"


def test_scan_under_the_all_of_setting(world: World):
    PolicyProfile.objects.filter(code="kunming").update(zombie_combination="all")
    invalidate_profile_cache()
    y = today().year
    idle = licensed_with_gate(world, "a", 4, name="无培训活动")
    _missed(idle, y - 2, y - 1)
    assert services.zombie_scan(today=today()) == 0  # reachable: not all criteria
    visit = make_daily(world, institution=idle)
    services.daily_record(actor=world.a.users["officer"], inspection=visit, answers=DAILY_OK,
                          unreachable=True, notes="大门紧锁，法定代表人电话停机")
    assert services.zombie_scan(today=today() + dt.timedelta(days=1)) == 1
