"""`manage.py seed_scale`: a city-sized register on top of the demo world (issue 13).

Deterministic by `--seed`: the same arguments write the same rows. Institutions spread
over the demo counties' towns with one teacher, one course and one fee plan each; cases
of the supervision kind with their tasks, a mix of open, done and overdue. Rows go in by
batched multi-row INSERTs (`bulk_create`), so it runs on SQLite as on PostgreSQL; on
PostgreSQL it ends with VACUUM ANALYZE so that the planner sees the new sizes.

    manage.py load_demo && manage.py seed_scale --institutions 100000 --cases 1000000
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseState, Task, TaskRole, TaskStatus
from core.vocab import Category, DepartmentType, Phase
from institutions.models import Course, FeePlan, Institution, Staff
from org.models import Department, Region, RegionLevel
from portal.demo import demo_uscc

BATCH = 5000
#: the category's supervising department type (the demo profile's 000 §3 cells)
SUPERVISOR = {Category.ARTS: DepartmentType.CULTURE_TOURISM,
              Category.SPORTS: DepartmentType.EDUCATION_SPORTS,
              Category.TECH: DepartmentType.SCIENCE_TECHNOLOGY}
SCALE_SERIAL_BASE = 100_000  # above the demo's own serials, so the codes never collide


class Command(BaseCommand):
    help = "Add a city-sized register and case load to the demo world (deterministic)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institutions", type=int, default=100_000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--tasks-per-case", type=int, default=1)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **opts: Any) -> None:
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
        if not counties:
            raise CommandError("Load the demo world first: manage.py load_demo")
        if Institution.objects.filter(name__startswith="规模机构").exists():
            raise CommandError("seed_scale already ran on this database")
        rng = random.Random(opts["seed"])
        start = time.monotonic()
        towns = {c.pk: list(Region.objects.filter(parent=c, level=RegionLevel.TOWN))
                 for c in counties}
        depts = {(d.region_id, d.type): d for d in Department.objects.filter(region__in=counties)}
        ids = self._institutions(opts["institutions"], counties, towns, depts, rng)
        self.stdout.write(f"institutions: {len(ids)} in {time.monotonic() - start:.0f}s")
        self._cases(opts["cases"], opts["tasks_per_case"], ids, depts, rng)
        self.stdout.write(f"cases: {opts['cases']} in {time.monotonic() - start:.0f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # VACUUM cannot run in a transaction (a test's); ANALYZE alone can.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - start:.0f}s"))

    def _institutions(self, n: int, counties: list[Region], towns: dict[int, list[Region]],
                      depts: dict[tuple[int, str], Department],
                      rng: random.Random) -> list[tuple[int, int, int, str]]:
        """Returns (id, county id, town id, category) per institution."""
        categories = list(SUPERVISOR)
        made: list[tuple[int, int, int, str]] = []
        for lo in range(0, n, BATCH):
            rows, counties_of = [], []
            for k in range(lo, min(n, lo + BATCH)):
                county = counties[k % len(counties)]
                town = rng.choice(towns[county.pk]) if towns[county.pk] else county
                category = categories[rng.randrange(len(categories))]
                licensed = rng.random() < 0.8
                rows.append(Institution(
                    name=f"规模机构{k:06d}", uscc=demo_uscc(county.code, SCALE_SERIAL_BASE + k),
                    nature="for_profit", category=category, legal_representative="张三",
                    safety_person="李四", address=f"人民路{k % 999 + 1}号", region=town,
                    county_code=town.county_code,
                    supervising_department=depts.get((county.pk, SUPERVISOR[category])),
                    status="licensed" if licensed else "applying",
                    list_status="white" if licensed and rng.random() < 0.7 else "none",
                    licence_number=f"教民{county.code}{k:06d}号" if licensed else ""))
                counties_of.append(county.pk)
            with transaction.atomic():
                created = Institution.objects.bulk_create(rows, batch_size=BATCH)
                self._children(created, rng)
            made += [(i.pk, county_pk, i.region_id, i.category)
                     for i, county_pk in zip(created, counties_of, strict=True)]
        return made

    def _children(self, institutions: list[Institution], rng: random.Random) -> None:
        staff, courses = [], []
        for inst in institutions:
            digest = hashlib.sha256(f"scale-{inst.uscc}".encode()).hexdigest()
            staff.append(Staff(institution=inst, name="王老师", id_number_hash=digest,
                               id_number_masked="5301**********0011", is_teacher=True))
            courses.append(Course(institution=inst, name="少儿基础班", mode="offline",
                                  lesson_minutes=45, class_hours=48,
                                  price=Decimal(rng.choice([1800, 2400, 3600])),
                                  is_listed=inst.status == "licensed"))
        Staff.objects.bulk_create(staff, batch_size=BATCH)
        created = Course.objects.bulk_create(courses, batch_size=BATCH)
        FeePlan.objects.bulk_create([
            FeePlan(course=c, name="季度课时包", amount=c.price, months=3, class_hours=48,
                    refund_terms="未消课时按比例退费") for c in created], batch_size=BATCH)

    def _cases(self, n: int, per_case: int, institutions: list[tuple[int, int, int, str]],
               depts: dict[tuple[int, str], Department], rng: random.Random) -> None:
        if not institutions or n <= 0:
            return
        today = timezone.localdate()
        now = timezone.now()
        year = today.year
        codes = dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("pk", "code"))
        serial: dict[int, int] = {}
        for lo in range(0, n, BATCH):
            cases, plan = [], []
            for _k in range(lo, min(n, lo + BATCH)):
                inst_id, county_id, town_id, category = institutions[rng.randrange(
                    len(institutions))]
                serial[county_id] = serial.get(county_id, 0) + 1
                closed = rng.random() < 0.6
                cases.append(Case(
                    number=f"DB-{codes[county_id]}-{year}-{1_000_000 + serial[county_id]:07d}",
                    kind="supervision", title="日常监管检查", region_id=town_id,
                    county_code=codes[county_id],
                    institution_id=inst_id, category=category, phase=Phase.DAILY_SUPERVISION,
                    state=CaseState.CLOSED if closed else CaseState.OPEN,
                    closed_at=now if closed else None))
                plan.append((county_id, category, closed))
            with transaction.atomic():
                created = Case.objects.bulk_create(cases, batch_size=BATCH)
                tasks = []
                for case, (county_id, category, closed) in zip(created, plan, strict=True):
                    dept = depts.get((county_id, SUPERVISOR[category]))
                    if dept is None:
                        continue
                    for t in range(per_case):
                        due = today + dt.timedelta(days=rng.randint(-20, 30))
                        done = closed or rng.random() < 0.3
                        tasks.append(Task(
                            case=case, department=dept,
                            role=TaskRole.LEAD if t == 0 else TaskRole.ASSIST,
                            duty="按职责开展日常监管", due_date=due,
                            status=TaskStatus.DONE if done else TaskStatus.OPEN,
                            completed_at=now if done else None,
                            overdue_since=due if not done and due < today else None))
                Task.objects.bulk_create(tasks, batch_size=BATCH)
