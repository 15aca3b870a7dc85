"""The one query-budget helper (STYLE.md §6: every list has a query-count test).

A list is measured at a small and at a large number of rows: the two counts must be equal
(no query per row) and, when a budget is given, within it (no query creeping in
unnoticed)::

    small, large = assert_constant_queries(client, url, grow, small=10, large=200, budget=9)

`grow(start, stop)` adds the rows numbered start..stop-1, so the helper can grow the same
list twice. Each measurement follows a warm-up request (the session, the policy profile
cache), and both must answer 200. Use the `query_budget` fixture (conftest.py), which also
gives the test a process-local cache: a cache flushed by another test run at the wrong
moment would add the profile's queries to a measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

SMALL, LARGE = 10, 200

Grow = Callable[[int, int], Any]


@dataclass
class Measured:
    """One request: its number of queries, their SQL and the response."""

    count: int
    sql: list[str]
    response: Any


@contextmanager
def captured_queries() -> Iterator[CaptureQueriesContext]:
    """The statements run inside the block (`len(ctx)`, `ctx.captured_queries`)."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx


def measure(client: Client, url: str, headers: dict[str, str] | None = None) -> Measured:
    """Queries of one GET, after a warm-up GET of the same URL."""
    headers = headers or {}
    warm = client.get(url, **headers)
    assert warm.status_code == 200, (url, warm.status_code, warm.content[:500])
    with captured_queries() as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    return Measured(len(ctx), [q["sql"] for q in ctx.captured_queries], response)


def diff(small: list[str], large: list[str]) -> str:
    """The statements of the large measurement that the small one did not run."""
    extra = [sql for sql in large if sql not in small] or large
    return "\n".join(sql[:300] for sql in extra[:10])


def assert_same_count(small: Measured, large: Measured, *, budget: int | None = None,
                      name: str = "") -> None:
    assert small.count == large.count, (
        f"{name}: {small.count} queries with few rows, {large.count} with many:\n"
        f"{diff(small.sql, large.sql)}")
    if budget is not None:
        assert large.count <= budget, (
            f"{name}: {large.count} queries, budget {budget}:\n"
            + "\n".join(sql[:200] for sql in large.sql))


def assert_constant_queries(client: Client, url: str, grow: Grow, *, small: int = SMALL,
                            large: int = LARGE, budget: int | None = None,
                            headers: dict[str, str] | None = None,
                            name: str = "") -> tuple[Measured, Measured]:
    """Grow to `small` rows and measure, grow to `large` rows and measure again; the
    counts must be equal and within `budget`. Returns both measurements, so the caller
    can check that the page showed the rows it grew."""
    assert 0 < small < large
    grow(0, small)
    few = measure(client, url, headers)
    grow(small, large)
    many = measure(client, url, headers)
    assert_same_count(few, many, budget=budget, name=name or url)
    return few, many
