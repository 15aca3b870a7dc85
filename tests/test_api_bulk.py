"""Issue 13: bulk fetch by credit codes, and the published white and black lists as public
endpoints with filters."""

from __future__ import annotations

import pytest
from django.test import Client

from institutions import services
from institutions.tests.helpers import licensed_with_gate, register
from portal.demo import demo_uscc
from tests.test_api import assert_error_body, issue_client

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/institutions/lookup/"
WHITE = "/api/v1/public/whitelist/"
BLACK = "/api/v1/public/blacklist/"


def post(token: str, body) -> object:
    return Client().post(LOOKUP, body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}")


def test_bulk_lookup_returns_the_callers_institutions_and_names_the_rest(world):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    mine = [register(world, "a", n) for n in (1, 2)]
    theirs = register(world, "b", 3)
    unknown = demo_uscc(world.a.region.code, 99)
    answer = post(token, {"uscc": [mine[1].uscc, theirs.uscc, mine[0].uscc, unknown,
                                   mine[0].uscc]})
    assert answer.status_code == 200
    body = answer.json()
    assert [r["uscc"] for r in body["results"]] == [mine[1].uscc, mine[0].uscc]
    assert body["missing"] == [theirs.uscc, unknown]  # forbidden and missing alike


def test_bulk_lookup_takes_codes_as_the_public_look_up_does(world):
    """A code in lower case, or with spaces around it, was refused (400) while the public
    status endpoint found it: both normalise it with `institutions.uscc.normalise`. The
    answer names each code as normalised."""
    _, token = issue_client(scopes=["institutions:read"], regions=[world.city])
    inst = licensed_with_gate(world)
    unknown = demo_uscc(world.a.region.code, 99)
    assert Client().get(f"/api/v1/public/institutions/ {inst.uscc.lower()} /"
                        ).status_code == 200
    answer = post(token, {"uscc": [inst.uscc.lower(), f" {inst.uscc} ", unknown.lower()]})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [r["uscc"] for r in body["results"]] == [inst.uscc]
    assert body["missing"] == [unknown]


@pytest.mark.parametrize("body", [{}, {"uscc": []}, {"uscc": "91530102MA0000001R"},
                                  {"uscc": ["short"]}, {"uscc": [1] * 3},
                                  {"uscc": ["91530102MA0000001R"] * 201}])
def test_bulk_lookup_refuses_bad_input_with_field_errors(world, body):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    errors = assert_error_body(post(token, body), 400)["errors"]
    assert "uscc" in errors


def test_bulk_lookup_takes_json_only(world):
    _, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    answer = Client().post(LOOKUP, {"uscc": ["91530102MA0000001R"] * 300},
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 415


def test_bulk_lookup_needs_the_institutions_scope(world):
    _, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    assert post(token, {"uscc": ["91530102MA0000001R"]}).status_code == 403


def test_public_lists_filter_by_county_category_and_relicensing(world):
    white_a = licensed_with_gate(world, "a", 1)
    white_b = licensed_with_gate(world, "b", 2)
    black = register(world, "a", 3)
    services.blacklist_add(actor=world.a.users["county_admin"], institution=black,
                           reason="无证办学")
    everyone = Client()
    codes = {r["uscc"] for r in everyone.get(WHITE).json()["results"]}
    assert {white_a.uscc, white_b.uscc} <= codes and black.uscc not in codes
    only_a = everyone.get(WHITE, {"county": world.a.region.code}).json()["results"]
    assert [r["uscc"] for r in only_a] == [white_a.uscc]
    assert everyone.get(WHITE, {"category": "sports"}).json()["results"] == []
    assert everyone.get(WHITE, {"county": "999999"}).json()["results"] == []
    assert everyone.get(WHITE, {"relicensed": "true"}).json()["results"] == []
    blacks = everyone.get(BLACK).json()["results"]
    assert [r["uscc"] for r in blacks] == [black.uscc] and blacks[0]["list_reason"] == "无证办学"


@pytest.mark.parametrize("params", [{"county": "abc"}, {"county": "1" * 21},
                                    {"category": "cooking"}, {"relicensed": "maybe"},
                                    {"uscc": "x"}])
def test_public_lists_refuse_bad_filters(world, params):
    assert_error_body(Client().get(WHITE, params), 400)


def test_public_lists_cost_the_same_queries_for_one_row_and_many(
        world, django_assert_max_num_queries):
    licensed_with_gate(world, "a", 1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        Client().get(WHITE)
    for n in range(2, 10):
        licensed_with_gate(world, "a", n)
    with django_assert_max_num_queries(len(one)):
        assert len(Client().get(WHITE).json()["results"]) == 9
