"""Issue 13: a department's case list read as the merge of its rule's alternatives
(`Case.scope_parts`, `org.scope.ScopedQuerySet._merged`). Whatever the page, the order,
the filter or the direction, the merged page is the page the rule alone gives, and it
never shows a case the rule does not."""

from __future__ import annotations

import functools
import operator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import selectors, services
from cases.models import Case, Task
from cases.tests.test_task_scope import _mixed
from core.api import listcache
from core.paging import keyset_page
from core.vocab import Category, Phase
from institutions.tests.helpers import register
from org.models import DepartmentType
from org.scope import MERGED_PARTS, Action, ScopedQuerySet, forget_built, scope_of
from tests.factories import COUNTY_ROLES, World, make_case, make_task

pytestmark = pytest.mark.django_db
merges = pytest.mark.skipif(not connection.features.supports_slicing_ordering_in_compound,
                            reason="the database reads no ORDER BY/LIMIT inside a UNION")
DEPARTMENT_KEYS = ["officer", "head", "culture", "market", "health"]


def _department_users(world: World) -> list[Any]:
    """The principals of county departments: their rules are split."""
    return [c.users[k] for c in (world.a, world.b) for k in DEPARTMENT_KEYS]


def _plain(qs: Any) -> list[int]:
    """The rows in order as Django reads them unsliced: the rule alone, never merged (read
    from a copy: a slice of a queryset already read is cut from its rows, not merged)."""
    return [row.pk for row in qs.all()]


@pytest.fixture
def many(world: World) -> World:
    """The mixed world of the task-scope tests, and enough cases besides that each
    department's list runs to several pages of two: cases of every pair in and out of the
    matrix, a department's task on a case outside its pairs, interleaved."""
    _mixed(world)
    pairs = [(Category.ARTS, Phase.DAILY_SUPERVISION), (Category.TECH, Phase.LICENSING),
             (Category.SPORTS, Phase.ANNUAL_INSPECTION), ("", "")]
    for i in range(12):
        county = world.a if i % 3 else world.b
        category, phase = pairs[i % len(pairs)]
        case = make_case(county, title=f"合并{i}", category=category, phase=phase)
        if i % 4 == 3:
            make_task(county, case, dept=DepartmentType.CULTURE_TOURISM)
        if i % 5 == 0:
            make_task(county, case, dept=DepartmentType.HEALTH)
    return world


def test_the_alternatives_are_the_rule(many: World) -> None:
    """The union of a principal's alternatives is its rule, grants aside (they are
    alternatives of their own); principals whose rule is one test have none."""
    users = [*(c.users[r] for c in (many.a, many.b) for r in COUNTY_ROLES),
             many.city_admin, many.city_officer]
    split, seen = set(), 0
    for user in users:
        scope = scope_of(user)
        parts = Case.scope_parts(scope, Action.VIEW)
        if parts is None:
            assert not scope.at_county or user.role == "institution_staff", user.username
            continue
        split.add(user.username)
        by_rule = set(Case.objects.filter(Case.scope_q(scope, Action.VIEW))
                      .values_list("pk", flat=True))
        by_parts = set(Case.objects.filter(functools.reduce(operator.or_, parts))
                       .values_list("pk", flat=True))
        assert by_parts == by_rule, user.username
        seen += bool(by_rule)
        assert Case.scope_parts(scope, Action.CHANGE) is None
    assert split >= {u.username for u in _department_users(many)} | {
        many.a.users[k].username for k in ("county_admin", "joint", "discipline")}
    assert seen >= len(_department_users(many))


@merges
@pytest.mark.parametrize("filters", [{}, {"category": Category.ARTS}, {"state": "open"},
                                     # no pair of culture's: its task test alone
                                     {"category": Category.TECH},
                                     {"kind": "supervision", "state": "open"}])
def test_every_page_forward_and_back_is_the_rules_page(many: World, filters: dict) -> None:
    """The office page's keyset pages of two, forward to the end and back to the start,
    for every department's principal: the same cases in the same order as the rule read
    whole, and each page read as a merge."""
    for user in _department_users(many):
        qs = selectors.case_list_qs(user).filter(**filters)
        expected = _plain(qs)
        seen: list[int] = []
        params: dict[str, str] = {}
        with CaptureQueriesContext(connection) as queries:
            while True:
                page = keyset_page(qs, params, size=2, name="cases")
                seen += [c.pk for c in page]
                if not page.has_next:
                    break
                params = {"after": page.next_token}
        assert seen == expected, user.username
        back = [c.pk for c in page]
        while page.has_previous:
            page = keyset_page(qs, {"before": page.previous_token}, size=2, name="cases")
            back = [c.pk for c in page] + back
        assert back == expected, user.username
        assert all("UNION" in q["sql"] for q in queries.captured_queries
                   if '"cases_case"' in q["sql"]), user.username
    assert len(_plain(selectors.case_list_qs(many.a.users["culture"]))) > 4


@merges
def test_the_api_walks_the_same_pages_merged_compiled_and_reused(many: World,
                                                                  settings: Any) -> None:
    """The API's cursor pages for a department's officer, whose page names the cursor's
    position once per alternative: Django's path, then the compiled list (kept for the
    pages after the first, each of which moves every use of the position)."""
    client = Client()
    client.force_login(many.a.users["culture"])

    def walk() -> list[str]:
        numbers, url = [], "/api/v1/cases/?page_size=2"
        while url:
            body = client.get(url).json()
            numbers += [row["number"] for row in body["results"]]
            url = body["next"]
        return numbers

    settings.LIST_QUERY_CACHE = False
    plain = walk()
    settings.LIST_QUERY_CACHE = True
    assert walk() == plain and walk() == plain
    assert plain == list(selectors.case_list_qs(many.a.users["culture"])
                         .values_list("number", flat=True).iterator())
    assert len(plain) > 4
    assert 1 <= listcache.size() <= 2  # the first page, and a page after a position
    kept = list(listcache._compiled.values())
    assert any(len(c.positions) > 2 for c in kept)


@merges
def test_an_alternative_wider_than_the_rule_shows_nothing_more(many: World,
                                                               monkeypatch: Any) -> None:
    """The alternatives only pick a page's candidates: the page keeps the whole rule, so
    an alternative wider than it (a bug of `scope_parts`) could crowd rows out of a page
    but never show one the rule does not."""
    user = many.a.users["culture"]
    expected = _plain(selectors.case_list_qs(user))
    real = Case.scope_parts.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(Case, "scope_parts", classmethod(
        lambda cls, scope, action: None if real(cls, scope, action) is None
        else [Q(pk__gt=0), *real(cls, scope, action)]))
    forget_built()
    page = keyset_page(selectors.case_list_qs(user), {}, size=len(expected) + 5,
                       name="cases")
    shown = [c.pk for c in page]
    assert shown and set(shown) <= set(expected)
    assert Case.objects.count() > len(expected) + 5


@pytest.mark.parametrize("who", ["city_officer", "city_admin"])
def test_a_city_level_rule_is_not_split(many: World, who: str) -> None:
    """A city-level region is a path prefix that no index of the alternatives leads
    with: each would walk the city's newest cases."""
    qs = selectors.case_list_qs(getattr(many, who))
    assert getattr(qs.query, MERGED_PARTS, None) is None
    with CaptureQueriesContext(connection) as queries:
        rows = list(qs[:2])
    sql = queries.captured_queries[-1]["sql"]
    assert "UNION" not in sql and sql.count("LIMIT 2") == 1, sql
    assert rows


@pytest.mark.parametrize("who", ["county_admin", "joint", "discipline"])
def test_a_county_rule_of_one_test_reads_the_page_s_ids_first(many: World, who: str
                                                              ) -> None:
    """One alternative, no union: the page's ids from the county's index, then the rows;
    the same pages forward and back as the rule read whole, with a filter too."""
    user = many.a.users[who]
    user._grant_labels = frozenset()  # as signed in (org.auth) without any grant
    user._scope_cache = None
    for filters in ({}, {"kind": "supervision"}):
        qs = selectors.case_list_qs(user).filter(**filters)
        expected = _plain(qs)
        page = keyset_page(qs, {}, size=2, name="cases")
        seen = [c.pk for c in page]
        with CaptureQueriesContext(connection) as queries:
            while page.has_next:
                page = keyset_page(qs, {"after": page.next_token}, size=2, name="cases")
                seen += [c.pk for c in page]
        assert seen == expected and len(expected) > 2, who
        sql = queries.captured_queries[-1]["sql"]
        assert "UNION" not in sql and sql.count("LIMIT 3") == 2, sql


def test_a_slice_without_an_end_or_a_count_is_django_s(many: World) -> None:
    """Counting, testing for rows and reading a whole list go through the rule alone."""
    qs = selectors.case_list_qs(many.a.users["culture"])
    assert getattr(qs.query, MERGED_PARTS, None) is not None
    rows = _plain(qs)
    assert qs.count() == len(rows)
    assert [c.pk for c in qs[1:]] == rows[1:]
    assert qs.first() is not None and qs.first().pk == rows[0]
    assert isinstance(qs, ScopedQuerySet)


@merges
def test_each_alternative_reads_its_own_index_order(many: World) -> None:
    """The page's SQL reads each alternative ordered and limited on its own, with the
    page's filters and position inside it, and the rule outside."""
    user = many.a.users["culture"]
    qs = selectors.case_list_qs(user).filter(state="open")
    page = keyset_page(qs, {}, size=2, name="cases")
    with CaptureQueriesContext(connection) as queries:
        keyset_page(qs, {"after": page.next_token}, size=2, name="cases")
    sql = queries.captured_queries[-1]["sql"]
    parts, _rule = getattr(qs.query, MERGED_PARTS)
    # Each alternative with the filter and the position, and the page besides.
    assert "UNION" in sql and sql.endswith("LIMIT 3")
    assert sql.count("\"state\" = 'open'") >= len(parts) + 1
    assert sql.count("< (") >= len(parts) + 1
    assert Task.objects.exists()


@merges
def test_an_alternative_walks_its_ids_without_the_list_s_joins(many: World) -> None:
    """The API's rows join the region and the institution; the alternatives' id walks do
    not, unless a filter reads a joined table (then its join stays)."""
    user = many.a.users["culture"]
    rows = selectors.case_list_qs(user).values("id", "region__code", "institution__name")
    with CaptureQueriesContext(connection) as queries:
        got = [r["id"] for r in rows[:100]]
    assert got == [r["id"] for r in rows] and got  # unsliced: the rule alone
    sql = queries.captured_queries[-1]["sql"]
    assert sql.count('JOIN "org_region"') == 1 and "UNION" in sql, sql
    region = f"/{many.a.region.code}/"
    joined = rows.filter(region__path__contains=region)
    with CaptureQueriesContext(connection) as queries:
        got = [r["id"] for r in joined[:100]]
    assert got == [r["id"] for r in joined] and got
    sql = queries.captured_queries[-1]["sql"]
    assert sql.count('JOIN "org_region"') > 1, sql


@merges
def test_a_filter_on_a_joined_table_s_column_of_the_same_name_drops_no_pair(
        many: World) -> None:
    """`institution__category` is not the case's `category`: a pair of the case's
    category is not contradicted by it."""
    tech = register(many, "a", n=1, category=Category.TECH)
    for i in range(3):  # culture's pair (arts, daily supervision), at a tech institution
        services.case_open(actor=many.a.users["county_admin"], kind="supervision",
                           title=f"机构事项{i}", region=many.a.region,
                           category=Category.ARTS, phase=Phase.DAILY_SUPERVISION,
                           institution=tech)
    user = many.a.users["culture"]
    filtered = selectors.case_list_qs(user).filter(institution__category=Category.TECH)
    expected = _plain(filtered)
    with CaptureQueriesContext(connection) as queries:
        got = [c.pk for c in filtered[:100]]
    assert "UNION" in queries.captured_queries[-1]["sql"]
    assert got == expected and len(expected) == 3
