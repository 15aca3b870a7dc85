"""Query-count budgets (STYLE.md §6; issue 3 "Done when": a constant query count on every
list page and endpoint at 10 and at 200 rows).

Each page is measured with 10 rows and again with 200: the two counts must be equal (no
query per row) and within the page's fixed budget (no query creeping in unnoticed). API
endpoints are asked for `page_size=200`, so every row is serialised; HTML pages show 50
rows a page, so an N+1 still shows as 10 against 50 extra queries. The Excel exports write
every row, so they are measured the same way and must also load in openpyxl.

The list of one model (cases, my tasks, notifications, regions, departments,
institutions) is measured where the model declares its URLs, in `<app>/tests/test_urls.py`
(the generic URL test case of tests/generic.py); this file keeps the other pages.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from core.vocab import DepartmentType
from org.models import ApiClient
from tests.budget import LARGE, SMALL, assert_same_count, measure
from tests.factories import DepartmentFactory, World
from tests.growth import (
    TASKS_PER_CASE,
    grow_cases,
    grow_counties,
    grow_county_tasks,
    grow_my_tasks,
)

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def _own_cache(query_budget):  # type: ignore[no-untyped-def]
    """Every measurement here runs with the budget helper's process-local cache."""


# -- the pages --------------------------------------------------------------------------

def html_rows(response: Any) -> int:
    """The rows a page's list holds: its paginator's count, or for a keyset page (issue
    13: nothing is counted) the rows of every page, followed by `after`."""
    page = response.context["page"]
    if not getattr(page, "keyset", False):
        return page.paginator.count
    url = response.request["PATH_INFO"]
    total = len(page.object_list)
    while page.has_next:
        page = response.client.get(url, {"after": page.next_token}).context["page"]
        total += len(page.object_list)
    return total


def api_rows(response: Any) -> int:
    return len(response.json()["results"])


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    user: str | None  # a county-A role, "token" for an API client, None for the public
    grow: Callable[[World, int, int], None]
    #: How many of the page's rows the growth made visible (a sanity check that the
    #: measurement saw what it was meant to).
    rows: Callable[[Any], int]
    #: Rows the page already shows before growing (the test world's own).
    base: int = 0


PAGES = [
    # HTML (STYLE.md §6; issue 3 §7).
    Page("html department tasks (head, with bulk form)", "/office/tasks/department/", "head",
         grow_my_tasks, html_rows),
    Page("html task overview", "/office/tasks/overview/", "county_admin", grow_county_tasks,
         html_rows),
    Page("html dashboard (officer)", "/office/", "officer", grow_my_tasks,
         lambda r: r.context["counts"]["open"]),
    Page("html dashboard (county admin)", "/office/", "county_admin", grow_county_tasks,
         lambda r: sum(row["open"] for row in r.context["overview"]["by_department"])),
    Page("html public home", "/", None, grow_counties,
         lambda r: len(r.context["counties"]), base=2),
    Page("html public duty counties", "/duties/", None, grow_counties,
         lambda r: len(r.context["counties"]), base=2),
    # API (issue 3 §6).
    Page("api cases (token client)", "/api/v1/cases/?page_size=200", "token", grow_cases,
         api_rows),
]


#: The measured query count of each page and export, whatever the row count. A session
#: user's request spends one of them before the page's own reads: the session, saved again
#: as the idle timeout refreshes it (read from its copy in the cache, issue 13; an API
#: read does not save it). The user, with its department and regions for the scope, is
#: read once and then cached between requests (org.auth.PortalModelBackend, issue 13).
#: HTML pages add the navigation bar's unread count. A token client spends 2: its token and its regions
#: (`last_used_at` is written at most once a minute).
BUDGETS = {
    # +1 for the department choices of the task filter; keyset pages count nothing.
    "html department tasks (head, with bulk form)": 7,
    "html task overview": 10,  # + the regions to filter by (issue 12)
    "html dashboard (officer)": 8,  # + what was escalated to the reader
    "html dashboard (county admin)": 13,  # + the area figures and escalations, and the
    # overview chart: the reader's counties and its tasks by department (issue 12); the
    # calendar years it must hold (policy.calendar.years_missing)
    "html public home": 1,
    "html public duty counties": 1,
    "html duty page": 2,
    "api cases (token client)": 3,
    "xlsx my tasks": 4,
    "xlsx department tasks": 4,
    "xlsx task overview": 4,
    "xlsx case list": 4,
}


def principal_client(world: World, who: str | None) -> tuple[Client, dict[str, str]]:
    client = Client()
    if who == "token":
        api_client = ApiClient(name="measure", scopes=["cases:read", "regions:read"])
        token = api_client.issue_token()
        api_client.save()
        api_client.regions.set([world.a.region])
        return client, {"HTTP_AUTHORIZATION": f"Token {token}"}
    if who is not None:
        client.force_login(world.a.users[who])
    return client, {}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_constant_query_count_at_10_and_200_rows(world, page, query_budget):
    """STYLE.md §6: every list has a query-count test; no query per row."""
    client, headers = principal_client(world, page.user)
    small, large = query_budget(client, page.url, partial(page.grow, world), headers=headers,
                                budget=BUDGETS[page.name], name=page.name)
    assert page.rows(small.response) == page.base + SMALL
    expected = page.base + LARGE
    assert page.rows(large.response) == (min(expected, 200) if page.url.startswith("/api/")
                                         else expected)


def test_duty_page_query_count_does_not_grow_with_departments(world):
    """/duties/<county>/ lists one row per department type (unique per region), so it is
    measured from the world's 7 departments up to every type there is."""
    client = Client()
    url = f"/duties/{world.a.region.code}/"
    small = measure(client, url)
    small_rows = len(small.response.context["rows"])
    for t in DepartmentType.values:
        DepartmentFactory(region=world.a.region, type=t, name=f"甲区{t}")
    large = measure(client, url)
    assert len(large.response.context["rows"]) == len(DepartmentType.values) > small_rows
    assert_same_count(small, large, budget=BUDGETS["html duty page"], name=url)


# -- Excel exports ----------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    name: str
    url: str
    user: str
    grow: Callable[[World, int, int], None]
    columns: int


EXPORTS = [
    Export("xlsx my tasks", "/office/tasks/mine/?export=xlsx", "officer", grow_my_tasks, 9),
    Export("xlsx department tasks", "/office/tasks/department/?export=xlsx", "head",
           grow_my_tasks, 9),
    Export("xlsx task overview", "/office/tasks/overview/?export=xlsx", "county_admin",
           grow_county_tasks, 9),
    Export("xlsx case list", "/office/cases/?export=xlsx", "county_admin", grow_cases, 7),
]


def sheet_rows(response: Any) -> list[tuple]:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("export", EXPORTS, ids=lambda e: e.name)
def test_excel_export_has_every_row_with_constant_queries(world, export, query_budget):
    """DESIGN.md "Files": export of every list as .xlsx; a header row and one row per
    item, all rows of the filtered list (not one page), with no query per row."""
    client, headers = principal_client(world, export.user)
    small, large = query_budget(client, export.url, partial(export.grow, world),
                                headers=headers, budget=BUDGETS[export.name], name=export.name)
    rows = sheet_rows(small.response)
    assert len(rows) == 1 + SMALL
    assert all(h for h in rows[0]) and len(rows[0]) == export.columns
    rows = sheet_rows(large.response)
    assert len(rows) == 1 + LARGE
    assert len({row[0] for row in rows[1:]}) == (LARGE if "case" in export.name
                                                 else LARGE // TASKS_PER_CASE)


# -- stable order of paginated HTML lists -------------------------------------------------

HTML_LISTS = [("/office/tasks/mine/", "officer"), ("/office/tasks/department/", "head"),
              ("/office/tasks/overview/", "county_admin"), ("/office/cases/", "county_admin"),
              ("/office/notifications/", "officer")]


def test_html_lists_page_in_a_stable_order(world):
    """Offset pages over an unordered query may repeat or skip rows: every paginated HTML
    list is ordered, and walking its pages shows each row exactly once. (Django drops
    Meta.ordering from GROUP BY queries, which had left the annotated case list
    unordered.)"""
    grow_my_tasks(world, 0, 60)
    grow_cases(world, 0, 60)
    for url, who in HTML_LISTS:
        client, _headers = principal_client(world, who)
        seen: list[int] = []
        number, params = 1, {"page": 1}
        while True:
            response = client.get(url, params)
            assert response.status_code == 200
            page = response.context["page"]
            seen += [row.pk for row in page.object_list]
            if getattr(page, "keyset", False):  # keyset pages (issue 13): follow `after`
                if not page.has_next:
                    break
                params = {"after": page.next_token}
            else:
                assert page.paginator.object_list.ordered, url
                if not page.has_next():
                    break
                params = {"page": number + 1}
            number += 1
        assert number > 1, url
        total = page.paginator.count if not getattr(page, "keyset", False) else len(seen)
        assert len(seen) == len(set(seen)) == total, url
        if getattr(page, "keyset", False):  # and the rows are the list's, in its order
            qs = response.context["filter"].qs
            assert seen == list(qs.values_list("pk", flat=True)), url
