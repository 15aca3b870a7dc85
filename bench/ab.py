"""The task pages at demo size and at scale, measured in one process that alternates two
existing databases round by round, so that a busy machine loads both alike (bench/README.md
"Session 7"). Run it from a checkout of each version of the code to compare them on the
same data.

    python bench/ab.py --demo h_demo --scale h_big [--rounds 10]

The databases: `migrate`, `seed_calendar` and `load_demo` in both, then in the second
`seed_scale --institutions 100000 --cases 200000 --complaints 100000` and VACUUM ANALYZE.
They are read, never written (but for the sessions of the logins).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from scale import MY_TASK_SQL, raw  # noqa: E402


def use(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name


def probes() -> dict[str, Callable[[], object]]:
    """The requests, logged in on the database in use."""
    from org.models import Region, RegionLevel, User

    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    assert county is not None, "the demo world has counties"
    admin = User.objects.filter(role="county_admin", region=county).first()
    officer = User.objects.filter(role="officer", department__region=county).first()
    assert admin is not None and officer is not None
    by_admin, by_officer = Client(), Client()
    by_admin.force_login(admin)
    by_officer.force_login(officer)
    return {
        "page department tasks": lambda: by_officer.get("/office/tasks/department/"),
        "page county overview": lambda: by_admin.get("/office/tasks/overview/"),
        "page office complaints": lambda: by_admin.get("/office/complaints/"),
        "api tasks/mine (officer)": lambda: by_officer.get("/api/v1/tasks/mine/"),
        "raw tasks/mine (officer)": raw(MY_TASK_SQL, [county.code, officer.pk,
                                                      officer.department_id]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", required=True)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    setup_test_environment()
    calls = {}
    for name in (args.demo, args.scale):
        use(name)
        calls[name] = probes()
    samples: dict[str, dict[str, list[float]]] = {
        name: {label: [] for label in p} for name, p in calls.items()}
    for _ in range(args.rounds):
        for name, p in calls.items():
            use(name)
            for call in p.values():  # warm the new connection
                call()
            for _ in range(2):
                for label, call in p.items():
                    start = time.perf_counter()
                    call()
                    samples[name][label].append((time.perf_counter() - start) * 1000)
    demo = {k: statistics.median(v) for k, v in samples[args.demo].items()}
    scale = {k: statistics.median(v) for k, v in samples[args.scale].items()}
    print(f"{'request':<28}{'demo ms':>9}{'scale ms':>10}{'ratio':>7}   "
          f"load {os.getloadavg()[0]:.1f}")
    for label in demo:
        print(f"{label:<28}{demo[label]:>9.1f}{scale[label]:>10.1f}"
              f"{scale[label] / demo[label]:>7.2f}")
    api, rawname = "api tasks/mine (officer)", "raw tasks/mine (officer)"
    print(f"tasks/mine at scale, the API against raw: {scale[api]:.1f} vs "
          f"{scale[rawname]:.1f} ms, {scale[api] / scale[rawname]:.1f}×")


if __name__ == "__main__":
    main()
