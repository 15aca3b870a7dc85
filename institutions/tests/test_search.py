"""The register's name search (core.search, issue 13): the gram index in front of
`icontains` finds exactly what `icontains` finds, and PostgreSQL can read the index."""

import pytest
from django.db import connection
from django.db.models import Q

from core.search import contains_text
from institutions import selectors
from institutions.models import Institution, InstitutionStatus
from institutions.uscc import ALPHABET, check_character

pytestmark = pytest.mark.django_db

#: Names of one, two, three and more characters; Chinese, Latin in both cases, mixed,
#: punctuation, LIKE's own wildcards, repeated pairs, and one that holds the pairs of
#: 培训培 without holding 培训培 (the index's candidates are rechecked).
NAMES = ["培", "培训", "舞蹈", "一二三", "春苗培训学校", "训培·培训", "ABC English 培训中心",
         "abc english", "Math+ 数学", "100% 乐高", "a_b 编程", "艺术（少儿）中心", "培训培训",
         "Ωmega 合唱团", "街舞 Hip-Hop", "书法、国画", "英语 ABCD"]


def _uscc(n: int) -> str:
    first17 = "91530102" + "".join(ALPHABET[(n * 7 + i) % 31] for i in range(9))
    return first17 + check_character(first17)


def _register(world) -> list[Institution]:  # type: ignore[no-untyped-def]
    region = world.a.region
    rows = [Institution(name=name, uscc=_uscc(n), nature="for_profit", category="arts",
                        legal_representative="张三", safety_person="张三", address="人民路1号",
                        region=region, county_code=region.code,
                        status=InstitutionStatus.LICENSED, licence_number=f"教民{n}号")
            for n, name in enumerate(NAMES)]
    return Institution.objects.bulk_create(rows)


def _terms(names: list[str]) -> list[str]:
    """Every part of every name up to four characters, each in three cases, and terms no
    name holds."""
    parts = {name[i:i + n] for name in names for n in range(1, 5)
             for i in range(len(name) - n + 1)}
    cased = {f(p) for p in parts for f in (str, str.upper, str.lower)}
    return sorted(cased | {"培训培", "训培训", "一个不常见的词", "学校培训", "%", "_", "\\", "x"})


def test_the_gram_search_finds_exactly_what_icontains_finds(world):
    _register(world)
    # 训培·培训 holds the pairs of 培训培 but not 培训培: the recheck drops it.
    assert {i.name for i in Institution.objects.filter(contains_text("name", "培训培"))} \
        == {"培训培训"}
    terms = _terms(NAMES)
    assert len(terms) > 300
    for term in terms:
        expected = set(Institution.objects.filter(name__icontains=term).values_list("id", flat=True))
        found = set(Institution.objects.filter(contains_text("name", term))
                    .values_list("id", flat=True))
        assert found == expected, term


def test_the_look_up_answers_as_name_icontains_or_the_credit_code(world):
    """The public look-up's answer is today's: a name holding the term (case aside), or
    the credit code, typed in either case."""
    made = _register(world)
    for term in [*_terms(NAMES[:8]), made[3].uscc, made[3].uscc.lower(), made[3].uscc[:10]]:
        code = term.strip().upper()
        expected = list(selectors.public_qs(None).filter(
            Q(name__icontains=term) | Q(uscc__iexact=code)).order_by("name", "id"))
        assert list(selectors.public_search(None, q=term)) == expected, term


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_the_name_search_can_read_the_gram_index(world):
    """The query's expression is the index's (`search_grams(upper(name))`): with no other
    way left, the planner reads `institution_name_grams_idx`, for a term of two and of one
    character."""
    _register(world)
    for term in ("培训", "培", "ab"):
        sql, params = selectors.public_search(None, q=term).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "institution_name_grams_idx" in plan, plan
