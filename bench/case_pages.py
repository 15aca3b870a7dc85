"""A case list's first page per reader and filter, read as the merge of the reader's rule's
alternatives (`Case.scope_parts`, `org.scope.ScopedQuerySet._merged`) against the rule read
alone (issue 13: a sparse department's case list at 2M cases); and the office complaint
list's first page per reader, read from the complaints its department's tasks lie on
(`complaints.selectors.handled_ids`) against the rule alone (`--complaints`).

It reads a database that is already seeded (`load_demo` then `seed_scale`, the demo's
users), does not change it, and prints for each reader, filter and way the buffers
PostgreSQL read for the page (`EXPLAIN (ANALYZE, BUFFERS)`, shared hits and reads: the
pages of table and index the plan touched, which do not move with the machine's load) and
the execution time, with the ratio of the two ways' buffers. Each query runs once before
it is measured, so both ways read from a warm cache.

    DATABASE_URL=postgres://…/seeded python bench/case_pages.py \
        [--who wuhua_culture wuhua_officer …] [--filter kind=supervision …] [--complaints]

PostgreSQL only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from cases import selectors  # noqa: E402
from org.models import DEPARTMENT_ROLES, User  # noqa: E402
from org.scope import ScopedQuerySet  # noqa: E402

#: Who reads, by role: a county's department officers and admin (the first county by
#: code, as bench/scale.py picks it), the city admin and a city-level officer.
DEPARTMENT_TYPES = ["culture_tourism", "science_technology", "education_sports",
                    "public_security", "market_regulation"]
FILTERS = ["", "kind=supervision", "state=open", "category=arts"]


def measured(qs: Any) -> tuple[int, float]:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    pages = sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", plan[1]))
    return pages, float(re.search(r"([\d.]+) ms", plan[-1]).group(1))  # type: ignore[union-attr]


def page(user: Any, filters: str, merged: bool) -> tuple[int, float]:
    qs = selectors.case_list_qs(user)
    if filters:
        name, value = filters.split("=", 1)
        qs = qs.filter(**{name: value})
    qs = qs.values("id", "number", "opened_at", "open_tasks")
    sliced = qs[:51] if merged else super(ScopedQuerySet, qs).__getitem__(slice(0, 51))
    measured(sliced)
    return measured(sliced)


def readers() -> list[str]:
    """The demo's users of each kind of reader, whatever the demo's city is called."""
    from org.models import Region, RegionLevel

    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    names = [u.username for t in DEPARTMENT_TYPES for u in User.objects.filter(
        role="officer", department__region=county, department__type=t)[:1]]
    names += [u.username for role, region in (("county_admin", county),
                                              ("city_admin", None))
              for u in User.objects.filter(role=role, **(
                  {"region": region} if region else {}))[:1]]
    names += [u.username for u in User.objects.filter(
        role="officer", department__region__level=RegionLevel.CITY)[:1]]
    return names


def complaint_page(user: Any, narrowed: bool) -> tuple[int, float]:
    """The office complaint list's first page (its columns and order) and the read of the
    department's complaint cases before it, or the rule alone. A list the read leaves
    empty runs no query: 0 pages."""
    from django.core.exceptions import EmptyResultSet

    from complaints import selectors as complaints
    from complaints.views import LIST_ROW_FIELDS

    pages, ms = 0, 0.0
    if narrowed and user.role in DEPARTMENT_ROLES and user.department_id:
        from cases.models import Task
        from complaints.models import KIND

        read = (Task.objects.restrict(user, own=True).filter(case_kind=KIND).order_by()
                .values_list("case_id", flat=True).distinct()[:complaints.HANDLED_FEW + 1])
        measured(read)
        pages, ms = measured(read)
    if narrowed:
        qs = complaints.office_list(user)
    else:
        with mock.patch.object(complaints, "handled_ids", lambda user: None):
            qs = complaints.office_list(user)
    qs = qs.only(*LIST_ROW_FIELDS)[:51]
    try:
        measured(qs)
        more, more_ms = measured(qs)
    except EmptyResultSet:
        more, more_ms = 0, 0.0
    return pages + more, ms + more_ms


def complaints_table(names: list[str]) -> None:
    print(f"{'reader':<16}{'narrowed pages':>15}{'ms':>8}{'rule pages':>12}{'ms':>8}"
          f"{'pages ratio':>13}")
    for name in names:
        user = User.objects.get(username=name)
        user._grant_labels = frozenset()
        n_pages, n_ms = complaint_page(user, narrowed=True)
        r_pages, r_ms = complaint_page(user, narrowed=False)
        print(f"{name:<16}{n_pages:>15}{n_ms:>8.1f}{r_pages:>12}{r_ms:>8.1f}"
              f"{n_pages / max(r_pages, 1):>13.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--who", nargs="*", default=None,
                        help="usernames (default: a county's officers and admin, the city's)")
    parser.add_argument("--filter", nargs="*", default=FILTERS)
    parser.add_argument("--complaints", action="store_true",
                        help="the office complaint list instead of the case list")
    args = parser.parse_args()
    if args.complaints:
        complaints_table(args.who or readers())
        return
    print(f"{'reader':<16}{'filter':<20}{'merged pages':>13}{'ms':>8}"
          f"{'rule pages':>12}{'ms':>8}{'pages ratio':>13}")
    for name in args.who or readers():
        user = User.objects.get(username=name)
        user._grant_labels = frozenset()  # as signed in without a grant (org.auth)
        for filters in args.filter:
            m_pages, m_ms = page(user, filters, merged=True)
            r_pages, r_ms = page(user, filters, merged=False)
            print(f"{name:<16}{filters or '-':<20}{m_pages:>13}{m_ms:>8.1f}"
                  f"{r_pages:>12}{r_ms:>8.1f}{m_pages / max(r_pages, 1):>13.3f}", flush=True)


if __name__ == "__main__":
    main()
