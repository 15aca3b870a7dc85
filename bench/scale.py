"""City-scale benchmark (issue 13): the same requests on the demo world and after
`seed_scale` has added a city's worth of rows, side by side in one run.

For each list endpoint, the app against raw psycopg + orjson returning the same rows as
JSON for the same scope (institutions, cases, complaints; the office complaints page
against its count and page in raw SQL); for each list page, scale against demo size;
scoped against unscoped; the deepest cursor page against the first; the deadline scan
(`cases.services.deadline_scan`) over every open task, its time per open task and that
time taken to 1M open tasks (the issue's goal: under 60 s); and `EXPLAIN` of the hot
queries with the index each uses. Medians of interleaved rounds; ratios are what to read.

    python bench/scale.py [--institutions 100000 --cases 200000 --complaints 100000
                           --entries 500000 --rounds 30]
    python bench/scale.py --backlog 100000 --overdue 20000 [--batch 2000] [--workers 2]

The list pages and endpoints are also timed paired (`--no-paired` skips it): a second
process serves the demo world from a database of its own, and each round asks it for a
request at demo size right before the same request at scale, so that the machine's drift
between the two phases does not move the ratios.

`--backlog` measures only the deadline scan's first run over a backlog: that many open
tasks, `--overdue` of them past their due date and none yet reminded, marked or escalated
(a first run, or one after an outage), then the second run; the time per task, taken to
1M open tasks; and `EXPLAIN` of the scan's candidate queries. `--workers` is the scan's
connections at once (DEADLINE_SCAN_WORKERS by default); the queries counted are those of
every connection.

PostgreSQL only (DATABASE_URL); it creates and drops its own database.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
# The user cache as in production with Redis (the test settings turn it off for tests).
os.environ.setdefault("AUTH_USER_CACHE", "1")
# The public pages' per-client limit (120/min) would answer most rounds with a cheap 429:
# the bench measures the pages, not the limiter.
os.environ.setdefault("PUBLIC_PAGE_THROTTLE", "1000000/min")
# The throttle still runs on every call, but the rounds must not reach its limit (a 429
# would be measured instead of the list).
os.environ.setdefault("API_USER_THROTTLE", "100000/min")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.base.base import BaseDatabaseWrapper  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
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
ORDER BY c.id DESC LIMIT 50
"""


COMPLAINT_SQL = """
SELECT c.number, t.code AS topic, cm.channel, cm.external_ticket, cm.origin, cm.status,
       r.code AS region, i.uscc AS institution,
       COALESCE(i.name, cm.institution_text) AS institution_name, cm.finding, cm.outcome,
       cm.rating, cm.received_at, cm.replied_at
FROM complaints_complaint cm
JOIN cases_case c ON c.id = cm.case_id
JOIN org_region r ON r.id = c.region_id
JOIN complaints_topic t ON t.id = cm.topic_id
LEFT JOIN institutions_institution i ON i.id = c.institution_id
WHERE c.county_code = %s
ORDER BY cm.id DESC LIMIT 50
"""
#: `tasks/mine` for a county department's officer: its open tasks, assigned to it or
#: unassigned in its department, of its county (the department's own tasks, the rows the
#: task scope shows it: `Task._view_q`), in the API's order and page size, with the
#: columns `TaskSerializer` writes.
MY_TASK_SQL = """
SELECT t.id, c.number AS case, c.title AS case_title, t.department_id AS department,
       d.name AS department_name, t.assignee_id AS assignee,
       CASE WHEN t.assignee_id IS NULL THEN NULL
            ELSE COALESCE(NULLIF(u.full_name, ''), u.username) END AS assignee_name,
       t.role, t.step, t.duty, t.due_date, t.status, t.completion_note, t.return_reason,
       t.escalation_level, t.overdue_since, t.overdue_since IS NOT NULL AS is_overdue,
       t.completed_at, t.created_at
FROM cases_task t
JOIN cases_case c ON c.id = t.case_id
JOIN org_department d ON d.id = t.department_id
LEFT JOIN org_user u ON u.id = t.assignee_id
WHERE t.status = 'open' AND t.county_code = %s
  AND (t.assignee_id = %s OR (t.assignee_id IS NULL AND t.department_id = %s))
ORDER BY t.due_date, t.id LIMIT 50
"""
#: The office complaints page: its count (the paginator's) and its first page of rows in
#: the page's order, with the overdue flag it shows.
COMPLAINT_PAGE_COUNT_SQL = """
SELECT COUNT(*) FROM complaints_complaint cm JOIN cases_case c ON c.id = cm.case_id
WHERE c.county_code = %s
"""
COMPLAINT_PAGE_SQL = """
SELECT c.number, c.title, t.name AS topic, cm.channel, cm.status, cm.complainant_name,
       cm.complainant_phone, r.name AS region_name,
       COALESCE(i.name, cm.institution_text) AS institution_name, cm.received_at,
       EXISTS (SELECT 1 FROM cases_task k WHERE k.case_id = c.id AND k.status = 'open'
               AND k.overdue_since IS NOT NULL) AS open_overdue
FROM complaints_complaint cm
JOIN cases_case c ON c.id = cm.case_id
JOIN org_region r ON r.id = c.region_id
JOIN complaints_topic t ON t.id = cm.topic_id
LEFT JOIN institutions_institution i ON i.id = c.institution_id
WHERE c.county_code = %s
ORDER BY cm.received_at DESC, cm.id DESC LIMIT 50
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


def raw(sql: str, param: object, count_sql: str = "") -> Callable[[], bytes]:
    """The same rows in raw SQL, as JSON; with `count_sql`, the count first (a page).
    `param` is the query's one parameter, or a list of them."""
    params = param if isinstance(param, list) else [param]

    def run() -> bytes:
        with connection.cursor() as cursor:
            count = None
            if count_sql:
                cursor.execute(count_sql, params)
                count = cursor.fetchone()[0]
            cursor.execute(sql, params)
            cols = [c.name for c in cursor.description]
            return orjson.dumps({"count": count,
                                 "results": [dict(zip(cols, row, strict=True))
                                             for row in cursor.fetchall()]})
    return run


def wsgi(client: Client, path: str) -> Callable[[], bytes]:
    """The same GET as `client.get(path)`, through a plain `WSGIHandler` call with the
    client's session cookie, as gunicorn makes it: without the test Client's own work
    (its request factory, signal receivers, response decoration), and with what the test
    Client leaves out (the request_started/finished signals: the connection's age and
    health checks)."""
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in client.cookies.items())

    def run() -> bytes:
        status: list[str] = []
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
                   "SERVER_NAME": "testserver", "SERVER_PORT": "80",
                   "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_COOKIE": cookie, "SERVER_PROTOCOL": "HTTP/1.1",
                   "wsgi.input": BytesIO(b""), "wsgi.url_scheme": "http",
                   "wsgi.errors": sys.stderr}
        response = handler(environ, lambda s, headers: status.append(s))
        try:
            body = b"".join(response)
        finally:
            response.close()  # as a WSGI server does: request_finished
        assert status[0].startswith("200"), (path, status, body[:200])
        return body
    return run


@contextmanager
def no_emails(jobs: list[int]) -> Iterator[None]:
    """The scan's e-mail jobs recorded, not run: Celery workers send them after the
    scan's commits (the test settings would run them eagerly, inside the measurement)."""
    from cases.tasks import send_notification_emails

    with mock.patch.object(send_notification_emails, "delay",
                           side_effect=lambda ids: jobs.append(len(ids))):
        yield


@contextmanager
def every_query() -> Iterator[list[int]]:
    """[n]: the queries run meanwhile on this thread's connection and on every connection
    opened meanwhile (the deadline scan's worker threads open their own)."""
    count = [0]
    lock = threading.Lock()

    def counted(execute: Callable[..., object], sql: str, params: object, many: bool,
                context: dict[str, object]) -> object:
        with lock:
            count[0] += 1
        return execute(sql, params, many, context)

    def attach(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
        connection.execute_wrappers.append(counted)

    connection_created.connect(attach)
    connection.execute_wrappers.append(counted)
    try:
        yield count
    finally:
        connection_created.disconnect(attach)
        connection.execute_wrappers.remove(counted)


def deadline_scan() -> tuple[int, float, dict[str, int]]:
    """The open tasks the scan walks, the seconds one scan takes, and what it did."""
    from cases.models import CaseState, Task, TaskStatus
    from cases.services import deadline_scan as scan

    open_tasks = Task.objects.filter(status=TaskStatus.OPEN, case__state__in=[
        CaseState.OPEN, CaseState.IN_PROGRESS]).count()
    start = time.perf_counter()
    with no_emails([]):
        stats = scan()
    return open_tasks, time.perf_counter() - start, stats


BACKLOG_SQL = """
WITH live AS (
    SELECT t.id, row_number() OVER (ORDER BY t.id) AS n
    FROM cases_task t JOIN cases_case c ON c.id = t.case_id
    WHERE t.status = 'open' AND c.state IN ('open', 'in_progress'))
UPDATE cases_task t
SET due_date = d.due, remind_on = d.due - 2, overdue_since = NULL, reminded_at = NULL,
    escalation_level = 0
FROM (SELECT id, n, CASE WHEN n %% %(every)s = 0 THEN %(today)s::date - (1 + n %% 20)::int
                         ELSE %(today)s::date + (n %% 30)::int END AS due
      FROM live WHERE n <= %(backlog)s) d
WHERE t.id = d.id
"""
#: The open tasks beyond the backlog are done: the backlog is exactly --backlog open tasks.
SURPLUS_SQL = """
WITH live AS (
    SELECT t.id, row_number() OVER (ORDER BY t.id) AS n
    FROM cases_task t JOIN cases_case c ON c.id = t.case_id
    WHERE t.status = 'open' AND c.state IN ('open', 'in_progress'))
UPDATE cases_task t SET status = 'done', completed_at = now()
FROM live WHERE t.id = live.id AND live.n > %(backlog)s
"""


def backlog(args: argparse.Namespace) -> None:
    """The deadline scan's first run over a backlog of open tasks, and its second run."""
    from django.utils import timezone

    from cases.models import CaseState, Escalation, Notification, Task, TaskStatus
    from cases.services import deadline_scan as scan
    from cases.services import deadline_scan_candidates

    call_command("seed_calendar", verbosity=0)
    call_command("load_demo", verbosity=0)
    scan()  # the demo's own tasks, so that the measured runs meet only the backlog
    start = time.monotonic()
    # seed_scale opens 40% of its cases, with 70% of their tasks open.
    call_command("seed_scale", institutions=min(args.backlog // 10, 20_000),
                 cases=int(args.backlog / 0.84 * 1.15) + 1000, tasks_per_case=3, complaints=0,
                 entries=0, stdout=open(os.devnull, "w"))
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(SURPLUS_SQL, {"backlog": args.backlog})
        cursor.execute(BACKLOG_SQL, {"every": max(args.backlog // max(args.overdue, 1), 1),
                                     "today": today, "backlog": args.backlog})
        cursor.execute("ANALYZE")
    seeded = time.monotonic() - start
    live = Task.objects.filter(status=TaskStatus.OPEN,
                               case__state__in=[CaseState.OPEN, CaseState.IN_PROGRESS])
    n_open = live.count()
    n_overdue = live.filter(due_date__lt=today).count()
    departments = live.values("department").distinct().count()
    runs = []
    for run in range(2):
        jobs: list[int] = []
        profile = cProfile.Profile() if args.profile and run == 0 else None
        begin = time.perf_counter()
        with every_query() as count, no_emails(jobs):
            if profile:
                profile.enable()
            stats = scan(batch_size=args.batch, workers=args.workers)
            if profile:
                profile.disable()
        runs.append((time.perf_counter() - begin, count[0], stats, jobs))
        if profile:
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    print(f"# bench/scale.py --backlog — {time.strftime('%Y-%m-%d')} on {platform.node()} "
          f"({os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}); "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"backlog: {n_open} open tasks of live cases in {departments} departments, "
          f"{n_overdue} overdue, none reminded, marked or escalated; seeded in "
          f"{seeded:.0f} s; batches of {args.batch} task ids on "
          f"{args.workers or settings.DEADLINE_SCAN_WORKERS} connections at once\n")
    print("deadline scan (cases.services.deadline_scan), goal: 1M open tasks in < 60 s")
    for label, (seconds, n_queries, stats, jobs) in zip(("first run", "second run"), runs,
                                                        strict=True):
        worked = sum(stats.values())
        per_task = seconds * 1000 / worked if worked else 0.0
        print(f"{label:<12}{seconds:>8.2f} s {n_queries:>6} queries  {stats}; "
              f"{len(jobs)} e-mail jobs for {sum(jobs)} notifications")
        print(f"{'':<12}{seconds * 1000 / n_open:>8.3f} ms per open task → "
              f"{seconds / n_open * 1_000_000:>6.1f} s per 1M open tasks (same share overdue)"
              + (f"; {per_task:.3f} ms per step done" if worked else ""))
    print(f"rows written: {Escalation.objects.count()} escalations, "
          f"{Notification.objects.filter(task__isnull=False).count()} task notifications")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would, after the first run's writes
    print("\nEXPLAIN ANALYZE of the scan's candidate queries (after the runs "
          "and an ANALYZE)")
    for step, qs in deadline_scan_candidates(today=today).items():
        sql, params = qs.order_by().values_list("pk", flat=True).query.sql_with_params()
        print(f"-- {step}")
        for line in explain_analyze(sql, list(params))[:14]:
            print("   " + line)


def explain_analyze(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def explain(sql: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def build_probes() -> tuple[dict[str, Callable[[], object]], dict[str, object]]:
    """The requests the bench times, on the demo world of the current database (an
    empty county and its admin added), and what they were built from."""
    from org.models import Region, RegionLevel, User

    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    assert county is not None, "the demo world has counties"
    empty = Region.objects.create(code="539999", name="空县", level=RegionLevel.COUNTY,
                                  parent=county.parent)
    admin = User.objects.filter(role="county_admin", region=county).first()
    officer = User.objects.filter(role="officer", department__region=county).first()
    # A department whose cases are a third of the county's and none of its newest (the
    # complaints seed_scale writes last): its list merges its rule's alternatives.
    culture = User.objects.filter(role="officer", department__region=county,
                                  department__type="culture_tourism").first()
    city_admin = User.objects.filter(role="city_admin").first()
    empty_admin = User.objects.create(username="empty_admin", role="county_admin",
                                      region=empty)
    clients = {}
    for key, user in (("admin", admin), ("officer", officer), ("city", city_admin),
                      ("empty", empty_admin), ("culture", culture)):
        clients[key] = Client()
        clients[key].force_login(user)
    anonymous = Client()
    path = county.path
    probes: dict[str, Callable[[], object]] = {
        "api institutions (county)": lambda: clients["admin"].get("/api/v1/institutions/"),
        "raw institutions (county)": raw(INSTITUTION_SQL, path + "%"),
        "wsgi institutions (county)": wsgi(clients["admin"], "/api/v1/institutions/"),
        "api cases (county)": lambda: clients["admin"].get("/api/v1/cases/"),
        "wsgi cases (county)": wsgi(clients["admin"], "/api/v1/cases/"),
        "raw cases (county)": raw(CASE_SQL, path + "%"),
        "api complaints (county)": lambda: clients["admin"].get("/api/v1/complaints/"),
        "wsgi complaints (county)": wsgi(clients["admin"], "/api/v1/complaints/"),
        "raw complaints (county)": raw(COMPLAINT_SQL, county.code),
        "api tasks/mine (officer)": lambda: clients["officer"].get("/api/v1/tasks/mine/"),
        "raw tasks/mine (officer)": raw(MY_TASK_SQL, [county.code, officer.pk,
                                                      officer.department_id]),
        "api institutions (city)": lambda: clients["city"].get("/api/v1/institutions/"),
        "api institutions (empty county)":
            lambda: clients["empty"].get("/api/v1/institutions/"),
        "page look-up /?q=": lambda: anonymous.get("/?q=培训"),
        # Session 7: a longer term, a term no name holds, one character, and a term
        # that every seeded name holds (规模机构…) besides the demo's.
        "page look-up /?q=培训学校": lambda: anonymous.get("/?q=培训学校"),
        "page look-up /?q=一个不常见的词": lambda: anonymous.get("/?q=一个不常见的词"),
        "page look-up /?q=培": lambda: anonymous.get("/?q=培"),
        "page look-up /?q=机构": lambda: anonymous.get("/?q=机构"),
        "page /whitelist/": lambda: anonymous.get("/whitelist/"),
        "page office cases": lambda: clients["admin"].get("/office/cases/"),
        "api cases (culture officer)": lambda: clients["culture"].get("/api/v1/cases/"),
        "page office cases (culture officer)":
            lambda: clients["culture"].get("/office/cases/"),
        "page office institutions": lambda: clients["admin"].get("/office/institutions/"),
        "page department tasks":
            lambda: clients["officer"].get("/office/tasks/department/"),
        "page county overview": lambda: clients["admin"].get("/office/tasks/overview/"),
        "page office complaints": lambda: clients["admin"].get("/office/complaints/"),
        "raw office complaints page": raw(COMPLAINT_PAGE_SQL, county.code,
                                          COMPLAINT_PAGE_COUNT_SQL),
    }
    return probes, {"county": county, "admin": admin, "officer": officer, "clients": clients}


def serve_demo() -> None:
    """`--serve-demo`: the demo world on a database of its own, answering the parent's
    requests one at a time (`Paired`): a probe's name on stdin, its time in ms on stdout."""
    settings_dict = connection.settings_dict
    settings_dict.setdefault("TEST", {})
    settings_dict["TEST"]["NAME"] = f"test_{settings_dict['NAME']}_paired_demo"
    from contextlib import redirect_stdout

    answer = sys.stdout
    setup_test_environment()
    old_name = settings_dict["NAME"]
    with redirect_stdout(sys.stderr):  # stdout carries the answers only
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with redirect_stdout(sys.stderr):
            call_command("seed_calendar", verbosity=0)
            call_command("load_demo", verbosity=0)
            probes, _world = build_probes()
            for call in probes.values():
                call()
            gc.collect()
            gc.freeze()  # as the parent does
        print("ready", file=answer, flush=True)
        for line in sys.stdin:
            name = line.strip()
            if name == "quit":
                break
            with redirect_stdout(sys.stderr):
                start = time.perf_counter()
                probes[name]()
                elapsed = (time.perf_counter() - start) * 1000
            print(f"{elapsed:.4f}", file=answer, flush=True)
    finally:
        with redirect_stdout(sys.stderr):
            connection.creation.destroy_test_db(old_name, verbosity=0)


class Paired:
    """The demo world in a second process on its own database (`serve_demo`), so that
    each request at scale is timed right after the same request at demo size: the two
    phases of one process ran minutes apart, and a drift of the machine between them
    moved every page's ratio (session 9: the same code read 0.77–1.04 in one run and
    1.08–1.59 in the next)."""

    def __init__(self) -> None:
        import subprocess

        # Its own cache keys: the user cache's generation, the profile's stamp and the
        # throttles would otherwise be shared with this process's database.
        env = {**os.environ,
               "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "") + "_paired_demo"}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-demo"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line == "ready", f"the demo process did not start: {line!r}"

    def time(self, name: str) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None and self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
        self.process.wait(timeout=120)

    def interleaved(self, calls: dict[str, Callable[[], object]], rounds: int
                    ) -> tuple[dict[str, float], dict[str, float]]:
        """Medians (demo, scale) of `rounds` rounds; in each, every request at demo size
        then at scale, one after the other."""
        for name, call in calls.items():
            self.time(name)
            call()
        demo: dict[str, list[float]] = {name: [] for name in calls}
        scale: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(rounds):
            for name, call in calls.items():
                demo[name].append(self.time(name))
                start = time.perf_counter()
                call()
                scale[name].append((time.perf_counter() - start) * 1000)
        return ({n: statistics.median(v) for n, v in demo.items()},
                {n: statistics.median(v) for n, v in scale.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backlog", type=int, default=0,
                        help="measure only the deadline scan over this many open tasks")
    parser.add_argument("--overdue", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None,
                        help="the deadline scan's connections at once "
                             "(default: DEADLINE_SCAN_WORKERS)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the first run of --backlog")
    parser.add_argument("--no-paired", dest="paired", action="store_false",
                        help="skip the paired demo/scale rounds (a second process)")
    parser.add_argument("--serve-demo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_demo:
        serve_demo()
        return
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    paired: Paired | None = None
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    if args.backlog:
        try:
            backlog(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        return
    try:
        call_command("seed_calendar", verbosity=0)
        call_command("load_demo", verbosity=0)
        probes, world = build_probes()
        gc.collect()
        gc.freeze()  # as after seeding below: the set-up's leftovers out of the collector's way
        county, admin, officer, clients = (world[k] for k in ("county", "admin", "officer", "clients"))
        demo = interleaved(probes, args.rounds)
        demo_q = {name: queries(call) for name, call in probes.items()
                  if not name.startswith("raw")}
        # The demo's own open tasks are scanned once here, so that the scan at scale
        # meets only the rows seed_scale adds.
        demo_scan = deadline_scan()
        # The paired demo process builds its database while this one seeds the city.
        paired = Paired() if args.paired else None
        start = time.monotonic()
        call_command("seed_scale", institutions=args.institutions, cases=args.cases,
                     complaints=args.complaints, entries=args.entries,
                     stdout=sys.stderr)  # its time per phase, beside the report
        seeded = time.monotonic() - start
        # What seeding left alive is not the app's: out of the collector's way, so that a
        # collection at scale walks what a web process would hold (a demo process does
        # not hold it either).
        gc.collect()
        gc.freeze()
        if paired is not None:
            paired.wait_ready()  # its set-up must not run beside the rounds below
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
        # The raw probe of tasks/mine reads the rows the API returns.
        api_ids = [t["id"] for t in clients["officer"].get("/api/v1/tasks/mine/").json()[
            "results"]]
        raw_ids = [t["id"] for t in orjson.loads(probes["raw tasks/mine (officer)"]())[
            "results"]]
        assert api_ids == raw_ids, "raw tasks/mine reads other rows than the API"
        scale = interleaved(probes, args.rounds)
        scale_q = {name: queries(call) for name, call in probes.items()
                   if not name.startswith("raw")}
        pairs: tuple[dict[str, float], dict[str, float]] | None = None
        if paired is not None:
            pairs = paired.interleaved({name: call for name, call in probes.items()
                                        if name in demo and not name.startswith("raw")},
                                       args.rounds)
            paired.close()
            paired = None
        # Last: the scan changes the rows (marks, escalations, notifications).
        first_scan = deadline_scan()
        second_scan = deadline_scan()  # nothing left to do: the cost of looking

        print(f"# bench/scale.py — {time.strftime('%Y-%m-%d')} on {platform.node()} "
              f"({os.cpu_count()} cores, Python {platform.python_version()})")
        print(f"seed_scale: {args.institutions} institutions, {args.cases} cases, "
              f"{args.complaints} complaints, {args.entries} ledger entries in "
              f"{seeded:.0f} s; load average {os.getloadavg()[0]:.1f}; "
              f"{args.rounds} interleaved rounds, medians\n")
        print(f"{'request':<34}{'demo ms':>9}{'scale ms':>10}{'scale/demo':>11}"
              f"{'queries':>12}")
        for name in probes:
            if name.startswith("raw") or name not in demo:
                continue
            print(f"{name:<34}{demo[name]:>9.1f}{scale[name]:>10.1f}"
                  f"{scale[name] / demo[name]:>11.2f}{demo_q[name]:>6} → {scale_q[name]:<4}")
        if pairs is not None:
            print("\npaired: each request at demo size (a second process on a demo "
                  "database) then at scale, in turn, the same rounds")
            print(f"{'request':<34}{'demo ms':>9}{'scale ms':>10}{'scale/demo':>11}")
            for name, demo_ms in pairs[0].items():
                print(f"{name:<34}{demo_ms:>9.1f}{pairs[1][name]:>10.1f}"
                      f"{pairs[1][name] / demo_ms:>11.2f}")
        print("\nthe app against raw psycopg + orjson, same rows, same scope, at scale "
              "(api: through the test Client; wsgi: a plain WSGIHandler call)")
        for api, rawname in (("api institutions (county)", "raw institutions (county)"),
                             ("wsgi institutions (county)", "raw institutions (county)"),
                             ("api cases (county)", "raw cases (county)"),
                             ("wsgi cases (county)", "raw cases (county)"),
                             ("api complaints (county)", "raw complaints (county)"),
                             ("wsgi complaints (county)", "raw complaints (county)"),
                             ("api tasks/mine (officer)", "raw tasks/mine (officer)"),
                             ("page office complaints", "raw office complaints page")):
            print(f"{api:<34}{scale[api]:>9.1f} vs {scale[rawname]:>6.1f}  "
                  f"ratio {scale[api] / scale[rawname]:.1f}×")
        print(f"\nscoped (county) vs unscoped (city) institutions: "
              f"{scale['api institutions (county)'] / scale['api institutions (city)']:.2f}")
        print(f"empty county vs county institutions: "
              f"{scale['api institutions (empty county)'] / scale['api institutions (county)']:.2f}")
        print(f"deepest page ({hops} hops) vs first: "
              f"{scale['api institutions deepest page'] / scale['api institutions first page']:.2f}")
        print("\ndeadline scan (cases.services.deadline_scan), goal: 1M open tasks in < 60 s")
        for label, (n_open, seconds, stats) in (("demo", demo_scan),
                                                ("scale, first run", first_scan),
                                                ("scale, second run", second_scan)):
            per_million = seconds / n_open * 1_000_000 if n_open else 0.0
            print(f"{label:<20}{n_open:>9} open tasks {seconds:>8.1f} s"
                  f"  → {per_million:>8.0f} s per 1M   {stats}")
        print("\nEXPLAIN of the hot queries at scale")
        from cases.selectors import case_list_qs, county_overview, department_tasks, my_tasks
        from complaints.selectors import office_list as complaint_list
        from institutions.selectors import office_qs, public_search

        with CaptureQueriesContext(connection) as overview:
            county_overview(admin)
        hot = [(label, *qs.query.sql_with_params()) for label, qs in (
            ("case list (county admin)", case_list_qs(admin)[:50]),
            ("institution list (county admin)", office_qs(admin).order_by("-id")[:50]),
            ("complaint list (county admin)", complaint_list(admin)[:50]),
            ("department tasks (officer)", department_tasks(officer).filter(status="open")
             .order_by("due_date", "id")[:51]),
            ("tasks/mine (officer)", my_tasks(officer).order_by("due_date", "id")[:51]),
            ("public look-up ?q=培训", public_search(None, q="培训")[:21]),
            ("public look-up ?q=机构", public_search(None, q="机构")[:21]))]
        hot.append(("county overview counts (county admin)",
                    overview.captured_queries[-1]["sql"], ()))
        for label, sql, params in hot:
            print(f"-- {label}")
            for line in explain(sql, list(params))[:12]:
                print("   " + line)
    finally:
        if paired is not None:
            paired.process.kill()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
