"""Walking a keyset list (core.paging, issue 13) the way a reader does: follow the page's
"Next" link to the end, then "Previous" back to the start. Used by the keyset tests of
every app whose HTML lists page by keyset."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

NAV_BADGE = '"cases_notification"."read_at" IS NULL'


@dataclass
class Walk:
    forward: list[int]  # the pks shown, page after page
    backward: list[int]  # the pks shown walking back from the last page, in list order
    queries: list[int]  # the queries of each page going forward
    pages: int


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def _get(client: Client, path: str, query: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{path}{query}")
    assert response.status_code == 200, (path, query)
    # A keyset page counts nothing; the navigation bar's unread badge is a figure of its own.
    counted = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"].upper()
               and NAV_BADGE not in q["sql"]]
    assert not counted, counted
    return response, len(captured.captured_queries)


def walk(client: Client, url: str) -> Walk:
    """Every page of the list at `url` through its rendered links. Each link keeps the
    query of `url` (the filter and order) and names one position."""
    path, _sep, query = url.partition("?")
    query = f"?{query}" if query else ""
    forward: list[int] = []
    counts: list[int] = []
    pages: list[list[int]] = []
    while True:
        response, n = _get(client, path, query)
        page = response.context["page"]
        assert getattr(page, "keyset", False), url
        rows = [row.pk for row in page.object_list]
        pages.append(rows)
        forward += rows
        counts.append(n)
        nxt = _link(response.content.decode(), "next")
        assert bool(nxt) == page.has_next, url
        if not nxt:
            break
        query = nxt
    backward: list[int] = list(pages[-1])
    while True:
        prev = _link(response.content.decode(), "prev")
        if not prev:
            break
        response, _n = _get(client, path, prev)
        backward = [row.pk for row in response.context["page"].object_list] + backward
    return Walk(forward, backward, counts, len(pages))


def assert_walks_every_row_once(client: Client, url: str, expected: list[int]) -> Walk:
    """Issue 13: every row once, in the list's order, forward and back; the deepest page
    costs the queries of the first."""
    done = walk(client, url)
    assert done.pages >= 3, (url, done.pages)
    assert done.forward == expected, url
    assert done.backward == expected, url
    assert len(set(done.queries)) == 1, (url, done.queries)
    return done


def first_token(client: Client, url: str) -> str:
    """The position token of the first page's "Next" link."""
    response = client.get(url)
    return response.context["page"].next_token
