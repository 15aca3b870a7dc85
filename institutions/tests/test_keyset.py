"""Issue 13: the public look-up, the white list and the office register page by keyset
(core.paging): every row once in order forward and back, no COUNT(*), the same queries on
the deepest page as on the first; a forged position reads as the first page; the cached
white list follows a change at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from institutions.models import Institution, InstitutionStatus, ListStatus
from institutions.services import blacklist_add
from institutions.tests.helpers import licensed_with_gate, register
from institutions.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def _published(world, n):
    for i in range(n):
        register(world, n=100 + i, name=f"机构{i:03d}")
    Institution.objects.update(status=InstitutionStatus.LICENSED, licence_number="教民001号")
    return list(Institution.objects.order_by("name", "id").values_list("name", flat=True))


def _links(body, rel):
    found = re.search(rf'href="([^"]+)" rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_lookup_walks_every_row_once_forward_and_back_without_counting(client, world):
    names = _published(world, PAGE_SIZE * 2 + 5)
    seen, url, pages = [], "/?q=机构", []
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        pages.append((url, len(queries.captured_queries)))
        seen += [n for n in names if f">{n}<" in body]
        url = _links(body, "next")
        url = f"/{url}" if url and url.startswith("?") else url
    assert seen == names and len(pages) == 3
    assert len({count for _url, count in pages}) == 1  # the deepest page costs the first's
    back = client.get(pages[-1][0]).content.decode()
    previous = _links(back, "prev")
    body = client.get(f"/{previous}").content.decode()
    assert [n for n in names if f">{n}<" in body] == names[PAGE_SIZE:PAGE_SIZE * 2]


def test_a_forged_or_foreign_position_reads_as_the_first_page(client, world):
    names = _published(world, 55)
    for forged in ("x", "W1siaGkiXV0:1abc:zzz", "a" * 5000):
        body = client.get("/", {"q": "机构", "after": forged}).content.decode()
        assert f">{names[0]}<" in body and f">{names[-1]}<" not in body
    office = Client()
    office.force_login(world.a.users["county_admin"])
    token = _links(office.get("/office/institutions/").content.decode(), "next")
    after = re.search(r"after=([^&]+)", token).group(1)
    body = client.get("/", {"q": "机构", "after": after}).content.decode()
    assert names[0] in body  # the office list's token is not the look-up's


def test_the_cached_white_list_follows_a_change_at_once(client, world):
    inst = licensed_with_gate(world)
    assert inst.name in client.get("/whitelist/").content.decode()
    blacklist_add(actor=world.a.users["county_admin"], institution=inst, reason="违规收费")
    assert Institution.objects.get(pk=inst.pk).list_status == ListStatus.BLACK
    body = client.get("/whitelist/").content.decode()
    assert "违规收费" in body and body.count(inst.name) == 1  # in the black list only


def test_the_cached_white_list_is_read_once_per_version(client, world):
    licensed_with_gate(world)
    client.get("/whitelist/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/whitelist/")
    assert not any("institutions_institution" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("backwards", [False, True])
def test_a_row_value_position_finds_the_rows_the_disjunction_finds(world, backwards):
    """Issue 13: where every key of the order runs one way, the position is a row-value
    comparison `(name, id) > (x, y)` (one index seek); it must pick exactly the rows the
    spelled-out disjunction picks, ties on the name and dates as token text included."""
    from core.paging import _after, _disjunction, _plain, _RowCompare

    for i in range(12):
        register(world, n=300 + i, name=f"机构{i // 3}")  # names tie in threes
    for keys in (["name", "id"], ["-name", "-id"], ["-created_at", "-id"]):
        qs = Institution.objects.order_by(*keys)
        rows = list(qs)
        for row in rows:
            values = [_plain(getattr(row, k.lstrip("-"))) for k in keys]
            position = _after(keys, values, backwards=backwards)
            assert isinstance(position, _RowCompare)
            spelled = _disjunction(keys, values, backwards=backwards)
            assert list(qs.filter(position)) == list(qs.filter(spelled)), (keys, row.pk)
