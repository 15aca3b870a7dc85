"""Benchmarks: how the list pages, the API lists and the working-day calendar scale.

Each line compares the same request at a small and a large number of rows and prints the
ratios (large / small) of the median time and of the query count. A time ratio near 1
means the page does not grow with the data (it paginates and does no per-row query);
a query ratio must be exactly 1. Timings vary by machine; the ratios are what to read.

    make bench            # or: python bench/run.py [--small 50 --large 1000]

It creates and then drops its own test database on DATABASE_URL (SQLite when unset).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:///var/bench.sqlite3")

import django  # noqa: E402

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
    args = parser.parse_args()

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


def _count(kind: str) -> int:
    from cases.models import Task
    from institutions.models import Institution

    if kind == "institutions":
        return Institution.objects.count()
    return Task.objects.count()


if __name__ == "__main__":
    main()
