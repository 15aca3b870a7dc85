"""Builders for the inspections tests: a round with its institutions, a daily inspection,
an order."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.vocab import Category, DepartmentType
from inspections import services
from inspections.models import AnnualInspection, InspectionRound
from institutions.tests.helpers import licensed_with_gate
from tests.factories import World

ALL_PASS = {"licence": True, "premises_safety": True, "teachers": True, "materials": True,
            "hours": True, "fees": True, "contract": True, "training_quality": True}
DAILY_OK = {"licence_display": "ok", "academic_content": "ok", "hours": "ok", "fees": "ok",
            "advertising": "ok", "fire_safety": "ok", "staff": "ok"}


def today() -> dt.date:
    return timezone.localdate()


def make_round(world: World, key: str = "a", category: str = Category.SPORTS,
               institutions: int = 1, year: int | None = None) -> InspectionRound:
    county = world.county(key)
    for n in range(institutions):
        licensed_with_gate(world, key, 50 + n, category=category, name=f"年检机构{key}{n}")
    return services.round_create(
        actor=county.users["county_admin"], county=county.region,
        year=year or today().year, category=category, plan="年检方案：现场检查",
        starts_on=today(), ends_on=today() + dt.timedelta(days=30))


def first_inspection(rnd: InspectionRound) -> AnnualInspection:
    return rnd.inspections.select_related("institution").order_by("pk").first()


def make_daily(world: World, key: str = "a", mode: str = "patrol", institution=None,
               n: int = 70, **kw):
    county = world.county(key)
    if institution is None and "site_address" not in kw:
        institution = licensed_with_gate(world, key, n, name=f"日常机构{key}{n}")
    kw.setdefault("departments", [county.depts[DepartmentType.EDUCATION_SPORTS]])
    return services.daily_open(actor=county.users["county_admin"], mode=mode,
                               region=county.region, planned_on=today(),
                               institution=institution, **kw)


def make_order(world: World, key: str = "a", n: int = 80):
    county = world.county(key)
    inst = licensed_with_gate(world, key, n, name=f"整改机构{key}{n}")
    return services.order_open(actor=county.users["officer"],
                               department=county.depts[DepartmentType.EDUCATION_SPORTS],
                               institution=inst, region=inst.region, findings="超时培训")
