"""Benchmarks: how the list pages, the API lists and the working-day calendar scale.

Each line compares the same request at a small and a large number of rows and prints the
ratios (large / small) of the median time and of the query count. A time ratio near 1
means the page does not grow with the data (it paginates and does no per-row query);
a query ratio must be exactly 1. Timings vary by machine; the ratios are what to read.

    make bench            # or: python bench/run.py [--small 50 --large 1000]

It creates and then drops its own test database on DATABASE_URL (SQLite when unset).

    python bench/run.py --fast-lists 10000 [--rounds 15]     # PostgreSQL

measures the list endpoints of issue 13 ("within 3× of raw SQL") instead: after
`load_demo` and `seed_scale` at that many rows (and as many enforcement cases and
black-list entries, which seed_scale does not make), each endpoint's first page three
ways, interleaved: the fast path (`core.api.fastlist`), the serializer path it replaced
(the same view with the mixin switched off: what the endpoint did before), and raw
psycopg + orjson returning the same rows for the same county. It also checks that both
app paths answer the same JSON at that size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench.sqlite3")

import django  # noqa: E402
import orjson  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

REPEAT = 7


def timed(call: Callable[[], object]) -> tuple[float, int]:
    """Median milliseconds over REPEAT calls after a warm-up, and the queries of one."""
    call()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        call()
    return statistics.median(times), len(ctx)


def grow_institutions(world, start: int, stop: int) -> None:
    from institutions.models import Institution
    from portal.demo import demo_uscc

    county = world.a
    Institution.objects.bulk_create(
        Institution(name=f"基准机构{n:05d}", uscc=demo_uscc(county.region.code, n),
                    nature="for_profit", category="arts", legal_representative="张三",
                    safety_person="张三", address="人民路1号", region=county.town,
                    county_code=county.town.county_code,
                    status="licensed", list_status="white", licence_number=f"教民{n:05d}号",
                    supervising_department=county.depts["culture_tourism"])
        for n in range(start, stop))


def grow_tasks(world, start: int, stop: int) -> None:
    from tests.factories import make_case, make_task

    for n in range(start, stop):
        case = make_case(world.a, title=f"基准事项{n}")
        make_task(world.a, case, assignee=world.a.users["officer"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--fast-lists", type=int, default=0, metavar="ROWS")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if args.fast_lists:
        fast_lists(args.fast_lists, args.rounds)
        return

    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        from tests.factories import build_world

        world = build_world()
        admin, officer = Client(), Client()
        admin.force_login(world.a.users["county_admin"])
        officer.force_login(world.a.users["officer"])
        anonymous = Client()

        pages: list[tuple[str, Callable[[], object], Callable]] = [
            ("public look-up /?q=", lambda: anonymous.get("/?q=基准"), grow_institutions),
            ("white list /whitelist/", lambda: anonymous.get("/whitelist/"), grow_institutions),
            ("office institutions", lambda: admin.get("/office/institutions/"),
             grow_institutions),
            ("api institutions", lambda: admin.get("/api/v1/institutions/"),
             grow_institutions),
            ("my tasks", lambda: officer.get("/office/tasks/mine/"), grow_tasks),
            ("county overview", lambda: admin.get("/office/tasks/overview/"), grow_tasks),
            ("api cases", lambda: admin.get("/api/v1/cases/"), grow_tasks),
        ]
        for _name, call, _grow in pages:  # warm templates, URL resolvers and caches
            for _ in range(3):
                call()
        small_tasks = min(args.small, 50)
        large_tasks = min(args.large, 300)  # tasks go through the services: slower to make
        results: dict[str, list[tuple[float, int]]] = {name: [] for name, *_ in pages}
        for size_inst, size_tasks in ((args.small, small_tasks), (args.large, large_tasks)):
            grow_institutions(world, _count("institutions"), size_inst)
            grow_tasks(world, _count("tasks"), size_tasks)
            for name, call, _grow in pages:
                cache.clear()
                results[name].append(timed(call))

        from policy.calendar import add_workdays

        today = timezone.localdate().replace(month=1, day=5)
        short = timed(lambda: [add_workdays(today, 5) for _ in range(100)])
        long = timed(lambda: [add_workdays(today, 200) for _ in range(100)])

        print(f"{'benchmark':<28}{'small ms':>10}{'large ms':>10}{'time ×':>8}"
              f"{'queries':>10}{'query ×':>9}")
        print(f"rows: institutions {args.small} → {args.large}, tasks {small_tasks} → "
              f"{large_tasks}")
        for name, *_ in pages:
            (t1, q1), (t2, q2) = results[name]
            print(f"{name:<28}{t1:>10.1f}{t2:>10.1f}{t2 / t1:>8.2f}{q1:>5} → {q2:<4}"
                  f"{q2 / max(q1, 1):>6.2f}")
        print(f"{'add_workdays 5 → 200 days':<28}{short[0]:>10.1f}{long[0]:>10.1f}"
              f"{long[0] / short[0]:>8.2f}{short[1]:>5} → {long[1]:<4}"
              f"{long[1] / max(short[1], 1):>6.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


# -- issue 13: the list endpoints against raw SQL ------------------------------------------

#: Raw SQL of each endpoint's first page for a county (`%(county)s`; tasks: the officer
#: and the department), the same columns the endpoint writes.
RAW_SQL = {
    "tasks/mine": """
SELECT t.id, c.number AS "case", c.title AS case_title, t.department_id AS department,
       d.name AS department_name, t.assignee_id AS assignee,
       CASE WHEN u.id IS NULL THEN NULL ELSE COALESCE(NULLIF(u.full_name, ''), u.username)
       END AS assignee_name, t.role, t.step, t.duty, t.due_date, t.status,
       t.completion_note, t.return_reason, t.escalation_level, t.overdue_since,
       (t.overdue_since IS NOT NULL AND t.status = 'open') AS is_overdue, t.completed_at,
       t.created_at
FROM cases_task t JOIN cases_case c ON c.id = t.case_id
JOIN org_department d ON d.id = t.department_id LEFT JOIN org_user u ON u.id = t.assignee_id
WHERE t.status = 'open' AND (t.assignee_id = %(user)s
      OR (t.assignee_id IS NULL AND t.department_id = %(department)s))
ORDER BY t.due_date, t.id LIMIT 50""",
    "complaints": """
SELECT c.number, t.code AS topic, cm.channel, cm.external_ticket, cm.origin, cm.status,
       r.code AS region, i.uscc AS institution,
       COALESCE(i.name, cm.institution_text) AS institution_name, cm.finding, cm.outcome,
       cm.rating, cm.received_at, cm.replied_at
FROM complaints_complaint cm JOIN cases_case c ON c.id = cm.case_id
JOIN org_region r ON r.id = c.region_id JOIN complaints_topic t ON t.id = cm.topic_id
LEFT JOIN institutions_institution i ON i.id = c.institution_id
WHERE c.county_code = %(county)s ORDER BY cm.id DESC LIMIT 50""",
    "funds/orders": """
SELECT o.number, i.uscc AS institution, co.name AS course, o.learner_name, o.class_hours,
       o.months, o.amount, o.contract_version, o.ordered_on, o.state, o.hours_consumed,
       o.hours_refunded, o.held, o.consumed, o.disbursed, o.refunded, o.created_at
FROM funds_order o JOIN institutions_institution i ON i.id = o.institution_id
JOIN institutions_course co ON co.id = o.course_id
WHERE i.county_code = %(county)s ORDER BY o.id DESC LIMIT 50""",
    "funds/entries": """
SELECT e.id, e.movement_id AS movement, o.number AS "order", m.kind, e.account, e.amount,
       m.reason, e.created_at
FROM funds_entry e JOIN funds_movement m ON m.id = e.movement_id
JOIN funds_order o ON o.id = e.order_id
JOIN institutions_institution i ON i.id = e.institution_id
WHERE i.county_code = %(county)s ORDER BY e.id DESC LIMIT 50""",
    "funds/consumptions": """
SELECT cn.id, o.number AS "order", cn.hours, cn.amount, cn.lesson_on, cn.dispute_until,
       (cn.state = 'recorded' AND CURRENT_DATE <= cn.dispute_until) AS disputable,
       cn.state, cn.recorded_at
FROM funds_consumption cn JOIN funds_order o ON o.id = cn.order_id
JOIN institutions_institution i ON i.id = o.institution_id
WHERE i.county_code = %(county)s ORDER BY cn.id DESC LIMIT 50""",
    "inspections/enforcement": """
SELECT en.id, c.number, v.code AS violation, v.label AS violation_label, en.mode,
       r.code AS region, i.uscc AS institution, en.subject_name, d.name AS department,
       en.findings, en.penalty, en.fine_amount, en.legal_basis, en.decided_at, en.created_at
FROM inspections_enforcement en JOIN cases_case c ON c.id = en.case_id
JOIN inspections_violationtype v ON v.id = en.violation_id
JOIN org_region r ON r.id = en.region_id JOIN org_department d ON d.id = en.department_id
LEFT JOIN institutions_institution i ON i.id = en.institution_id
WHERE c.county_code = %(county)s ORDER BY en.id DESC LIMIT 50""",
    "inspections/blacklist": """
SELECT b.id, c.number, i.uscc AS institution, i.name AS institution_name,
       d.name AS department, b.reason, b.state, b.listed_at, b.appeal_state, b.appeal_due,
       b.appeal_reason, b.removed_at, b.removal_reason
FROM inspections_blacklistentry b JOIN cases_case c ON c.id = b.case_id
JOIN institutions_institution i ON i.id = b.institution_id
JOIN org_department d ON d.id = b.department_id
WHERE c.county_code = %(county)s ORDER BY b.id DESC LIMIT 50""",
}


def raw_page(sql: str, params: dict[str, object]) -> Callable[[], bytes]:
    def run() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cols = [c.name for c in cursor.description]
            return orjson.dumps({"results": [dict(zip(cols, row, strict=True))
                                             for row in cursor.fetchall()]}, default=str)
    return run


@contextmanager
def serializer_path() -> Iterator[None]:
    """The list as it was before the fast path: DRF's `ListModelMixin.list` (instances
    and the serializer) and DRF's renderers, on the same view, queryset and paginator."""
    from rest_framework.mixins import ListModelMixin
    from rest_framework.views import APIView

    from core.api.fastlist import FastListMixin

    saved = FastListMixin.list, FastListMixin.get_renderers
    FastListMixin.list = ListModelMixin.list  # type: ignore[method-assign]
    FastListMixin.get_renderers = APIView.get_renderers  # type: ignore[method-assign]
    try:
        yield
    finally:
        FastListMixin.list, FastListMixin.get_renderers = saved  # type: ignore[method-assign]


def grow_inspections(county, rows: int) -> None:
    """`rows` enforcement cases and as many black-list entries in `county` (removed ones:
    one listed entry per institution), each with its case, by bulk_create."""
    from cases.models import Case, CaseState
    from inspections.kinds import BLACKLIST, ENFORCEMENT
    from inspections.models import BlacklistEntry, Enforcement, ViolationType
    from institutions.models import Institution
    from org.models import Department

    insts = list(Institution.objects.filter(county_code=county.code)
                 .values_list("id", "region_id")[:500])
    dept = Department.objects.filter(region=county).order_by("pk").first()
    violations = list(ViolationType.objects.order_by("pk"))
    now = timezone.now()
    for kind, model in ((ENFORCEMENT, Enforcement), (BLACKLIST, BlacklistEntry)):
        for start in range(0, rows, 5000):
            stop = min(start + 5000, rows)
            cases = Case.objects.bulk_create(
                Case(number=f"BF-{kind[:2]}-{county.code}-{n:07d}", kind=kind,
                     title="基准案件", region_id=insts[n % len(insts)][1],
                     county_code=county.code, institution_id=insts[n % len(insts)][0],
                     state=CaseState.OPEN) for n in range(start, stop))
            if model is Enforcement:
                Enforcement.objects.bulk_create(
                    Enforcement(case=c, violation=violations[n % len(violations)],
                                mode="comprehensive", region_id=c.region_id,
                                institution_id=c.institution_id if n % 3 else None,
                                subject_name="" if n % 3 else "张某", department=dept,
                                findings="超时培训", penalty="fine" if n % 2 else "",
                                fine_amount=Decimal("5000") if n % 2 else None,
                                decided_at=now if n % 2 else None)
                    for n, c in enumerate(cases, start))
            else:
                BlacklistEntry.objects.bulk_create(
                    BlacklistEntry(case=c, institution_id=c.institution_id, department=dept,
                                   reason="违规培训", state="removed", removed_at=now,
                                   removal_reason="整改到位")
                    for c in cases)


def fast_lists(rows: int, rounds: int) -> None:
    import logging

    from django.db.models import Count, Q
    from rest_framework.views import APIView

    from cases.models import TaskStatus
    from org.models import Department, Region, RegionLevel, User

    logging.getLogger("celery").setLevel(logging.WARNING)
    # Hundreds of requests a minute by one user: the rate limit is not what is measured.
    APIView.throttle_classes = []
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_calendar", verbosity=0)
        call_command("load_demo", verbosity=0)
        start = time.monotonic()
        call_command("seed_scale", institutions=rows, cases=rows, complaints=rows,
                     entries=rows * 5, stdout=open(os.devnull, "w"))
        county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
        grow_inspections(county, rows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seeded = time.monotonic() - start
        admin = User.objects.filter(role="county_admin", region=county).first()
        # The officer of the county's department with the most open tasks.
        dept = (Department.objects.filter(region=county, users__role="officer")
                .annotate(n=Count("tasks", filter=Q(tasks__status=TaskStatus.OPEN)))
                .order_by("-n").first())
        officer = User.objects.filter(role="officer", department=dept).first()
        clients = {"admin": Client(), "officer": Client()}
        clients["admin"].force_login(admin)
        clients["officer"].force_login(officer)
        params = {"county": county.code, "user": officer.pk, "department": dept.pk}
        endpoints = [("tasks/mine", "officer"), ("complaints", "admin"),
                     ("funds/orders", "admin"), ("funds/entries", "admin"),
                     ("funds/consumptions", "admin"), ("inspections/enforcement", "admin"),
                     ("inspections/blacklist", "admin")]
        probes: dict[str, Callable[[], object]] = {}
        shown: dict[str, int] = {}
        for name, who in endpoints:
            client, url = clients[who], f"/api/v1/{name}/"

            def fast(client=client, url=url) -> object:
                return client.get(url)

            def slow(client=client, url=url) -> object:
                with serializer_path():
                    return client.get(url)

            a, b = fast(), slow()
            assert a.status_code == b.status_code == 200, (url, a.status_code, b.status_code)
            assert a.json() == b.json(), f"{url}: the fast path differs from the serializer"
            shown[name] = len(a.json()["results"])
            probes[f"fast {name}"], probes[f"slow {name}"] = fast, slow
            probes[f"raw {name}"] = raw_page(RAW_SQL[name], params)
        times = interleaved(probes, rounds)
        counts = {name: timed_queries(call) for name, call in probes.items()
                  if not name.startswith("raw")}
        print(f"# bench/run.py --fast-lists {rows} — {time.strftime('%Y-%m-%d')}, "
              f"{rounds} interleaved rounds, medians; seeded in {seeded:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'endpoint':<26}{'rows':>5}{'raw ms':>8}{'before ms':>10}{'after ms':>9}"
              f"{'before ×':>9}{'after ×':>8}{'queries':>9}")
        for name, _who in endpoints:
            r, s, f = times[f"raw {name}"], times[f"slow {name}"], times[f"fast {name}"]
            print(f"{name:<26}{shown[name]:>5}{r:>8.1f}{s:>10.1f}{f:>9.1f}{s / r:>9.1f}"
                  f"{f / r:>8.1f}{counts[f'slow {name}']:>4} → {counts[f'fast {name}']}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def interleaved(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Medians of `rounds` rounds, each calling every function once in turn, so that a
    noisy moment of the shared machine falls on all of them alike."""
    for call in calls.values():
        call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def timed_queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def _count(kind: str) -> int:
    from cases.models import Task
    from institutions.models import Institution

    if kind == "institutions":
        return Institution.objects.count()
    return Task.objects.count()


if __name__ == "__main__":
    main()
