"""City-scale benchmark (issue 13): the same requests on the demo world and after
`seed_scale` has added a city's worth of rows, side by side in one run.

For each list endpoint, the app against raw psycopg + orjson returning the same rows as
JSON for the same scope; for each list page, scale against demo size; scoped against
unscoped; the deepest cursor page against the first; and `EXPLAIN` of the hot queries
with the index each uses. Medians of interleaved rounds; ratios are what to read.

    python bench/scale.py [--institutions 100000 --cases 200000 --rounds 30]

PostgreSQL only (DATABASE_URL); it creates and drops its own database.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

INSTITUTION_SQL = """
SELECT i.uscc, i.name, i.category, i.nature, i.status, i.licence_number,
       i.licence_valid_until, i.list_status, i.list_reason, r.code AS region,
       r.name AS region_name, d.name AS supervising_department,
       COALESCE(NULLIF(d.complaint_phone, ''), d.consultation_phone, '') AS complaint_phone,
       i.legal_representative, i.address, i.converted_from_academic, i.updated_at
FROM institutions_institution i
JOIN org_region r ON r.id = i.region_id
LEFT JOIN org_department d ON d.id = i.supervising_department_id
WHERE r.path LIKE %s
ORDER BY i.id DESC LIMIT 50
"""
CASE_SQL = """
SELECT c.number, c.kind, c.title, r.code AS region, r.name AS region_name,
       i.uscc, i.name AS institution_name, c.category, c.phase, c.state, c.opened_at,
       c.closed_at, c.updated_at,
       (SELECT COUNT(*) FROM cases_task t WHERE t.case_id = c.id AND t.status = 'open')
         AS open_tasks
FROM cases_case c
JOIN org_region r ON r.id = c.region_id
LEFT JOIN institutions_institution i ON i.id = c.institution_id
WHERE r.path LIKE %s
ORDER BY c.opened_at DESC, c.id DESC LIMIT 50
"""


def median_ms(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def interleaved(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Medians of `rounds` rounds, each round calling every function once in turn, so
    that a noisy moment of the machine falls on all of them alike."""
    for call in calls.values():
        call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def raw(sql: str, path: str) -> Callable[[], bytes]:
    def run() -> bytes:
        with connection.cursor() as cursor:
            cursor.execute(sql, [path + "%"])
            cols = [c.name for c in cursor.description]
            return orjson.dumps({"results": [dict(zip(cols, row, strict=True))
                                             for row in cursor.fetchall()]})
    return run


def queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def explain(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_calendar", verbosity=0)
        call_command("load_demo", verbosity=0)
        from org.models import Region, RegionLevel, User

        county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
        empty = Region.objects.create(code="539999", name="空县", level=RegionLevel.COUNTY,
                                      parent=county.parent)
        admin = User.objects.filter(role="county_admin", region=county).first()
        officer = User.objects.filter(role="officer", department__region=county).first()
        city_admin = User.objects.filter(role="city_admin").first()
        empty_admin = User.objects.create(username="empty_admin", role="county_admin",
                                          region=empty)
        clients = {}
        for key, user in (("admin", admin), ("officer", officer), ("city", city_admin),
                          ("empty", empty_admin)):
            clients[key] = Client()
            clients[key].force_login(user)
        anonymous = Client()
        path = county.path
        probes: dict[str, Callable[[], object]] = {
            "api institutions (county)": lambda: clients["admin"].get("/api/v1/institutions/"),
            "raw institutions (county)": raw(INSTITUTION_SQL, path),
            "api cases (county)": lambda: clients["admin"].get("/api/v1/cases/"),
            "raw cases (county)": raw(CASE_SQL, path),
            "api tasks/mine (officer)": lambda: clients["officer"].get("/api/v1/tasks/mine/"),
            "api institutions (city)": lambda: clients["city"].get("/api/v1/institutions/"),
            "api institutions (empty county)":
                lambda: clients["empty"].get("/api/v1/institutions/"),
            "page look-up /?q=": lambda: anonymous.get("/?q=培训"),
            "page /whitelist/": lambda: anonymous.get("/whitelist/"),
            "page office cases": lambda: clients["admin"].get("/office/cases/"),
            "page office institutions": lambda: clients["admin"].get("/office/institutions/"),
            "page department tasks":
                lambda: clients["officer"].get("/office/tasks/department/"),
            "page county overview": lambda: clients["admin"].get("/office/tasks/overview/"),
        }
        demo = interleaved(probes, args.rounds)
        demo_q = {name: queries(call) for name, call in probes.items()
                  if not name.startswith("raw")}
        start = time.monotonic()
        call_command("seed_scale", institutions=args.institutions, cases=args.cases,
                     stdout=open(os.devnull, "w"))
        seeded = time.monotonic() - start
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        # The deepest cursor page of the county's institutions, reached by following next.
        url, hops = "/api/v1/institutions/?page_size=200", 0
        while hops < 40:
            nxt = clients["admin"].get(url).json().get("next")
            if not nxt:
                break
            url, hops = nxt.replace("http://testserver", ""), hops + 1
        probes["api institutions deepest page"] = lambda: clients["admin"].get(url)
        probes["api institutions first page"] = lambda: clients["admin"].get(
            "/api/v1/institutions/?page_size=200")
        scale = interleaved(probes, args.rounds)
        scale_q = {name: queries(call) for name, call in probes.items()
                   if not name.startswith("raw")}

        print(f"# bench/scale.py — {time.strftime('%Y-%m-%d')} on {platform.node()} "
              f"({os.cpu_count()} cores, Python {platform.python_version()})")
        print(f"seed_scale: {args.institutions} institutions, {args.cases} cases in "
              f"{seeded:.0f} s; {args.rounds} interleaved rounds, medians\n")
        print(f"{'request':<34}{'demo ms':>9}{'scale ms':>10}{'scale/demo':>11}"
              f"{'queries':>12}")
        for name in probes:
            if name.startswith("raw") or name not in demo:
                continue
            print(f"{name:<34}{demo[name]:>9.1f}{scale[name]:>10.1f}"
                  f"{scale[name] / demo[name]:>11.2f}{demo_q[name]:>6} → {scale_q[name]:<4}")
        print("\nthe app against raw psycopg + orjson, same rows, same scope, at scale")
        for api, rawname in (("api institutions (county)", "raw institutions (county)"),
                             ("api cases (county)", "raw cases (county)")):
            print(f"{api:<34}{scale[api]:>9.1f} vs {scale[rawname]:>6.1f}  "
                  f"ratio {scale[api] / scale[rawname]:.1f}×")
        print(f"\nscoped (county) vs unscoped (city) institutions: "
              f"{scale['api institutions (county)'] / scale['api institutions (city)']:.2f}")
        print(f"empty county vs county institutions: "
              f"{scale['api institutions (empty county)'] / scale['api institutions (county)']:.2f}")
        print(f"deepest page ({hops} hops) vs first: "
              f"{scale['api institutions deepest page'] / scale['api institutions first page']:.2f}")
        print("\nEXPLAIN of the hot queries at scale")
        from cases.selectors import case_list_qs
        from institutions.selectors import office_qs

        for label, qs in (("case list (county admin)", case_list_qs(admin)[:50]),
                          ("institution list (county admin)",
                           office_qs(admin).order_by("-id")[:50])):
            sql, params = qs.query.sql_with_params()
            print(f"-- {label}")
            for line in explain(sql, list(params))[:12]:
                print("   " + line)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
