"""The shared permission-matrix helper (issue 3 §2; NetBox's API test mixins).

An app declares its URLs and endpoints once, as `Endpoint`s, with the roles that may use
them on an object of their own county. `run_matrix` then signs in as every role of county
A and calls each endpoint on county A's object and on county B's object:

- own county: a role in `allowed` gets one of `ok` codes; any other role gets 403 or 404
  (or a redirect to login for anonymous callers);
- other county: every role gets 404, in HTML and API alike, for reads and writes.

Each call runs in a savepoint that is rolled back, so writes by one role do not change
what the next role sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client

from tests.factories import COUNTY_ROLES, World

Objects = dict[str, Any]


@dataclass
class Endpoint:
    name: str
    url: Callable[[Objects], str]
    allowed: set[str]
    method: str = "get"
    api: bool = False
    data: Callable[[Objects], dict[str, Any]] | None = None
    ok: tuple[int, ...] = (200,)
    denied: tuple[int, ...] = (403, 404)
    files: bool = False
    #: What every role gets for the other county's object: 404, except for public facts
    #: such as regions and departments.
    other: tuple[int, ...] = (404,)


@dataclass
class MatrixResult:
    failures: list[str] = field(default_factory=list)
    calls: int = 0


class _Rollback(Exception):
    pass


def _call(client: Client, ep: Endpoint, objects: Objects) -> int:
    url = ep.url(objects)
    data = ep.data(objects) if ep.data else None
    kwargs: dict[str, Any] = {}
    if ep.api and ep.method != "get":
        kwargs["content_type"] = "application/json"
    status = 0
    try:
        with transaction.atomic():
            response = getattr(client, ep.method)(url, data or {}, **kwargs)
            status = response.status_code
            raise _Rollback
    except _Rollback:
        pass
    return status


def run_matrix(world: World, endpoints: list[Endpoint],
               build: Callable[[World, str], Objects],
               roles: list[str] | None = None) -> MatrixResult:
    """Check every endpoint for every county-A role against objects of A and of B."""
    result = MatrixResult()
    own = build(world, "a")
    other = build(world, "b")
    for role in roles or COUNTY_ROLES:
        client = Client()
        client.force_login(world.a.users[role])
        for ep in endpoints:
            status = _call(client, ep, own)
            result.calls += 1
            expected = ep.ok if role in ep.allowed else ep.denied
            if status not in expected:
                result.failures.append(f"{role} {ep.method.upper()} {ep.name} own county: "
                                       f"{status}, expected {expected}")
            status = _call(client, ep, other)
            result.calls += 1
            if status not in ep.other:
                result.failures.append(f"{role} {ep.method.upper()} {ep.name} other county: "
                                       f"{status}, expected {ep.other}")
    return result


def assert_matrix(world: World, endpoints: list[Endpoint],
                  build: Callable[[World, str], Objects],
                  roles: list[str] | None = None) -> None:
    result = run_matrix(world, endpoints, build, roles)
    assert result.calls, "the matrix made no call"
    assert not result.failures, "\n".join(result.failures)
