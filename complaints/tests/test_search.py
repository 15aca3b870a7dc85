"""The office searches through gram indexes (core.search, issue 13): the complaint list's
`q` (case number, institution's name, institution as described) and the case list's `q`
(number, title) find exactly what `icontains` found, and PostgreSQL can read the indexes."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cases.filters import CaseFilter
from cases.models import Case
from cases.selectors import case_list_qs
from complaints import selectors
from complaints.models import Complaint
from complaints.tests.helpers import submit
from core.search import contains_text
from institutions.tests.helpers import register
from institutions.tests.test_search import NAMES

pytestmark = pytest.mark.django_db

#: What complainants type for an institution the register does not know.
TEXTS = ["某培训点", "小区里的 ABC 英语", "abc 托管", "舞蹈工作室（二楼）", "100% 乐高", "a_b"]


def _complaints(world) -> list[str]:  # type: ignore[no-untyped-def]
    """Complaints about registered institutions (half of NAMES) and about described ones;
    returns their case numbers and titles."""
    for n, name in enumerate(NAMES[::2], start=2):
        submit(world, institution=register(world, n=n, name=name),
               complainant_phone=f"139000{n:05d}")
    for n, text in enumerate(TEXTS):
        submit(world, institution_text=text, complainant_phone=f"138000{n:05d}")
    cases = Case.objects.filter(county_code=world.a.region.code)
    return [*cases.values_list("number", flat=True), *cases.values_list("title", flat=True)]


def _terms(values: list[str]) -> list[str]:
    """Every part of up to four characters of every value, in three cases; whole values
    (case numbers) and their tails; terms nothing holds."""
    parts = {v[i:i + n] for v in values for n in range(1, 5) for i in range(len(v) - n + 1)}
    cased = {f(p) for p in {*parts, *values, *(v[-6:] for v in values)}
             for f in (str, str.upper, str.lower)}
    return sorted(cased | {"培训培", "一个不常见的词", "%", "_", "x"})


@pytest.mark.parametrize("bounds", [(2000, 200), (2, 1)], ids=["few", "common"])
def test_the_complaint_search_finds_exactly_what_icontains_finds(world, monkeypatch, bounds):
    """Both ways: the matches read by their indexes, and (past a bound: here past two
    complaints or one institution) the list's order walked, testing each row."""
    monkeypatch.setattr(selectors, "SEARCH_FEW", bounds[0])
    monkeypatch.setattr(selectors, "SEARCH_FEW_INSTITUTIONS", bounds[1])
    values = _complaints(world)
    admin = world.a.users["county_admin"]
    terms = _terms([*values, *NAMES, *TEXTS])
    assert len(terms) > 500
    for term in terms:
        expected = set(selectors.office_qs(admin).filter(
            Q(case__number__icontains=term) | Q(case__institution__name__icontains=term)
            | Q(institution_text__icontains=term)).values_list("id", flat=True))
        found = set(selectors.office_list(admin, q=term).values_list("id", flat=True))
        assert found == expected, term
    assert selectors.office_list(admin, q="培训").exists()


def test_the_case_search_finds_exactly_what_icontains_finds(world):
    values = _complaints(world)
    admin = world.a.users["county_admin"]
    for term in _terms(values):
        typed = term.strip()  # the form strips it; a blank term filters nothing
        expected = set(case_list_qs(admin).filter(
            Q(number__icontains=typed) | Q(title__icontains=typed)).values_list("id", flat=True))
        found = set(CaseFilter({"q": term}, queryset=case_list_qs(admin)).qs
                    .values_list("id", flat=True))
        assert found == expected, term


def _plan(sql: str, params: Any = None) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params or None)  # a captured query: no params
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_the_office_searches_can_read_their_gram_indexes(world):
    """With no other way left, the planner reads each searched column's gram index, for
    a term of two characters and of one: the complaint list's conditions on the case
    number and the institution as described (its look-up of institutions is the
    register's, institutions/tests/test_search.py), and the case list's query. (Which way a county's list takes at scale is
    tests/test_scale.py's.)"""
    _complaints(world)
    admin = world.a.users["county_admin"]
    for term in ("培训", "培"):
        with CaptureQueriesContext(connection) as looked_up:
            selectors.office_list(admin, q=term)
        assert len(looked_up) == 2
        assert "search_grams" in looked_up.captured_queries[0]["sql"]  # the register's look-up
        for field, index in (("case__number", "case_number_grams_idx"),
                             ("institution_text", "complaint_institution_text_grams_idx")):
            qs = Complaint.objects.filter(contains_text(field, term)).values("id")
            assert index in _plan(*qs.query.sql_with_params()), field
        # The case list's search condition as the filter writes it (the county's page
        # reads its ids first, where a small county's own index may be cheaper still).
        search = CaseFilter({"q": term}, queryset=Case.objects.all()).qs.values("id")
        plan = _plan(*search.query.sql_with_params())
        assert "case_number_grams_idx" in plan and "case_title_grams_idx" in plan, plan
