"""The fixed cost of an authenticated API call before and after bench/README.md
"Session 8" (issue 13), alternated in one process on an existing demo database, so that a
busy machine loads both alike.

    DATABASE_URL=postgres://…/h_demo REDIS_URL=redis://…/N python bench/session8.py [--rounds 60]

The database: `migrate`, `seed_calendar`, `load_demo`; it is read, never written (but for
the session of the login). Each call is a plain `WSGIHandler` call with a logged-in
session cookie, as gunicorn makes it (`scale.wsgi`): with the request_started/finished
signals, so the connection's health check runs before each request's first query.

- before: sessions from the database (`backends.db`) and the health check's `SELECT 1`
  on every request (Django's `is_usable()`, which `core.postgresql` falls back to);
- sessions only: sessions cached in Redis (`backends.cached_db`), `SELECT 1` as before;
- after: the settings of this branch: sessions cached in Redis and `core.postgresql`'s
  local check.

Besides the medians: the queries of each call (Django's cursor) and the health checks'
round trips (`SELECT 1` on psycopg's own cursor, which Django does not count).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("AUTH_USER_CACHE", "1")
os.environ.setdefault("API_USER_THROTTLE", "100000/min")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.backends.postgresql import base as django_postgresql  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from scale import CASE_SQL, INSTITUTION_SQL, median_ms, raw, wsgi  # noqa: E402

from core.postgresql import base as portal_postgresql  # noqa: E402

#: "before" or "after": which health check the connection runs
MODE = {"now": "after"}
SELECT_ONES = {"count": 0}

_looks_usable = portal_postgresql.DatabaseWrapper._looks_usable
_django_is_usable = django_postgresql.DatabaseWrapper.is_usable


def looks_usable(self: portal_postgresql.DatabaseWrapper) -> bool:
    return MODE["now"] == "after" and _looks_usable(self)


def django_is_usable(self: django_postgresql.DatabaseWrapper) -> bool:
    SELECT_ONES["count"] += 1
    return _django_is_usable(self)


def arm(mode: str, call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        MODE["now"] = mode
        return call()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    assert isinstance(connections["default"], portal_postgresql.DatabaseWrapper), \
        "PostgreSQL (DATABASE_URL), with core.postgresql"
    assert settings.SESSION_ENGINE.endswith("cached_db"), "REDIS_URL must be set"
    setup_test_environment()
    portal_postgresql.DatabaseWrapper._looks_usable = looks_usable  # type: ignore[method-assign]
    django_postgresql.DatabaseWrapper.is_usable = django_is_usable  # type: ignore[method-assign]
    from org.models import Region, RegionLevel, User

    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    assert county is not None, "the demo world has counties"
    admin = User.objects.filter(role="county_admin", region=county).first()
    assert admin is not None
    client = Client()
    client.force_login(admin)
    probes: dict[str, Callable[[], object]] = {}
    for path, label in (("/api/v1/institutions/", "institutions"), ("/api/v1/cases/", "cases")):
        # A handler reads SESSION_ENGINE when it builds its middleware.
        with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.db"):
            probes[f"before {label}"] = arm("before", wsgi(client, path))
        probes[f"sessions only {label}"] = arm("before", wsgi(client, path))
        probes[f"after {label}"] = arm("after", wsgi(client, path))
    # The same rows in raw SQL, on the connection as it is (its health check: the local one).
    probes["raw institutions"] = arm("after", raw(INSTITUTION_SQL, county.path + "%"))
    probes["raw cases"] = arm("after", raw(CASE_SQL, county.path + "%"))

    for call in probes.values():
        call()
    samples: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(args.rounds):
        for name, call in probes.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1000)
    medians = {name: statistics.median(values) for name, values in samples.items()}

    counted: dict[str, tuple[int, int]] = {}
    for name, call in probes.items():
        SELECT_ONES["count"] = 0
        with CaptureQueriesContext(connection) as ctx:
            call()
        counted[name] = (len(ctx), SELECT_ONES["count"])

    wrapper = connections["default"]
    wrapper.ensure_connection()
    MODE["now"] = "after"
    checks = {"SELECT 1": lambda: _django_is_usable(wrapper), "local": wrapper.is_usable}
    check_us = {name: median_ms(check, 2000) * 1000 for name, check in checks.items()}
    assert all(check() for check in checks.values())

    print(f"# bench/session8.py — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
          f"({os.cpu_count()} cores, Python {platform.python_version()}); load average "
          f"{os.getloadavg()[0]:.1f}; {args.rounds} interleaved rounds, medians")
    print(f"{'call':<28}{'ms':>7}{'queries':>9}{'SELECT 1':>10}{'× raw':>8}")
    for name, ms in medians.items():
        queries, select_ones = counted[name]
        ratio = ms / medians["raw " + name.split()[-1]]
        print(f"{name:<28}{ms:>7.2f}{queries:>9}{select_ones:>10}{ratio:>8.2f}")
    print("health check alone (median of 2000): " + ", ".join(
        f"{name} {us:.0f} µs" for name, us in check_us.items()))


if __name__ == "__main__":
    main()
