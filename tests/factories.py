"""factory_boy factories and the standard test world: one city with two counties (A and
B), each with departments and a user for every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import factory
from django.utils import timezone

from cases import services
from cases.models import Case, Task, TaskRole
from core.vocab import Category, DepartmentType, Phase
from org.models import Department, Region, RegionLevel, Role, User

PASSWORD = "Test-pass-2026!"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99{n:04d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    level = RegionLevel.COUNTY


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("region", "type")

    region = factory.SubFactory(RegionFactory)
    type = DepartmentType.EDUCATION_SPORTS
    name = factory.LazyAttribute(lambda o: f"{o.region.name}{o.type}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.OFFICER
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()


@dataclass
class County:
    region: Region
    town: Region
    grid: Region
    depts: dict[str, Department]
    users: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    city: Region
    a: County
    b: County
    city_admin: User
    system_admin: User
    city_officer: User

    def county(self, key: str) -> County:
        return self.a if key == "a" else self.b


COUNTY_DEPTS = [DepartmentType.EDUCATION_SPORTS, DepartmentType.CULTURE_TOURISM,
                DepartmentType.SCIENCE_TECHNOLOGY, DepartmentType.PUBLIC_SECURITY,
                DepartmentType.MARKET_REGULATION, DepartmentType.CIVIL_AFFAIRS,
                DepartmentType.HEALTH]

#: Role keys present in every county of the world.
COUNTY_ROLES = ["officer", "head", "culture", "market", "health", "county_admin", "joint",
                "discipline", "grid", "supervisor", "institution"]


def _county(city: Region, code: str, name: str, tag: str) -> County:
    region = RegionFactory(code=code, name=name, level=RegionLevel.COUNTY, parent=city)
    town = RegionFactory(code=f"{code}001", name=f"{name}街道", level=RegionLevel.TOWN,
                         parent=region)
    grid = RegionFactory(code=f"{code}001G1", name=f"{name}网格", level=RegionLevel.GRID,
                         parent=town)
    depts = {t: DepartmentFactory(region=region, type=t, name=f"{name}{t}") for t in COUNTY_DEPTS}
    town_dept = DepartmentFactory(region=town, type=DepartmentType.TOWN_GOVERNMENT,
                                  name=f"{name}街道办")
    c = County(region=region, town=town, grid=grid, depts=depts)
    mk = lambda key, role, **kw: UserFactory(username=f"{tag}_{key}", role=role, **kw)  # noqa: E731
    edu = depts[DepartmentType.EDUCATION_SPORTS]
    c.users = {
        "officer": mk("officer", Role.OFFICER, department=edu),
        "head": mk("head", Role.DEPARTMENT_HEAD, department=edu),
        "culture": mk("culture", Role.OFFICER, department=depts[DepartmentType.CULTURE_TOURISM]),
        "market": mk("market", Role.OFFICER, department=depts[DepartmentType.MARKET_REGULATION]),
        "health": mk("health", Role.OFFICER, department=depts[DepartmentType.HEALTH]),
        "county_admin": mk("county_admin", Role.COUNTY_ADMIN, region=region),
        "joint": mk("joint", Role.JOINT_OFFICE, region=region),
        "discipline": mk("discipline", Role.DISCIPLINE, region=region),
        "grid": mk("grid", Role.GRID_OFFICER, department=town_dept, region=grid),
        "supervisor": mk("supervisor", Role.SOCIAL_SUPERVISOR, department=town_dept),
        "institution": mk("institution", Role.INSTITUTION_STAFF, region=region),
    }
    return c


def build_world() -> World:
    province = RegionFactory(code="53", name="云南省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="5301", name="测试市", level=RegionLevel.CITY, parent=province)
    city_edu = DepartmentFactory(region=city, type=DepartmentType.EDUCATION_SPORTS,
                                 name="测试市教体局")
    return World(
        city=city,
        a=_county(city, "530191", "甲区", "a"),
        b=_county(city, "530192", "乙区", "b"),
        city_admin=UserFactory(username="city_admin", role=Role.CITY_ADMIN, region=city),
        system_admin=UserFactory(username="sysadmin", role=Role.SYSTEM_ADMIN, is_superuser=True),
        city_officer=UserFactory(username="city_officer", role=Role.OFFICER, department=city_edu),
    )


def make_case(county: County, *, title: str = "巡查事项", category: str = Category.ARTS,
              phase: str = Phase.DAILY_SUPERVISION, kind: str = "supervision",
              region: Region | None = None) -> Case:
    return services.case_open(actor=county.users["county_admin"], kind=kind, title=title,
                              region=region or county.region, category=category, phase=phase)


def make_task(county: County, case: Case, *, dept: str = DepartmentType.EDUCATION_SPORTS,
              role: str = TaskRole.LEAD, workdays: int = 5, assignee: User | None = None,
              today: dt.date | None = None) -> Task:
    return services.task_assign(actor=county.users["county_admin"], case=case,
                                department=county.depts[dept], role=role, duty="办理事项",
                                workdays=workdays, assignee=assignee,
                                today=today or timezone.localdate())
