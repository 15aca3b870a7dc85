"""Issue 13, the integrator's pull over HTTP: conditional GETs answer 304, every answer
carries its rate-limit reading, and the public endpoints speak CORS to the origins a
deployment names (and only those, and only them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases import services
from tests.factories import make_case, make_task
from tests.test_api import issue_client, token_get, user_client
from tests.test_api_integrator import PUBLIC, local_cache  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_a_case_detail_answers_304_to_its_etag_and_to_its_last_modified(world):
    case = make_case(world.a)
    task = make_task(world.a, case)
    api = user_client(world.a.users["county_admin"])
    url = f"/api/v1/cases/{case.number}/"
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    # Task progress changes the detail: the old validators no longer match.
    import time

    time.sleep(1.1)  # Last-Modified has a resolution of one second
    services.task_complete(actor=world.a.users["officer"], task=task, note="已核查")
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_lists_answer_304_to_their_etag_and_200_when_a_row_changes(world):
    client, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    make_case(world.a)
    first = token_get(token, "/api/v1/cases/")
    assert first.status_code == 200
    again = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}",
                         HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    make_case(world.a, title="新的事项")
    changed = Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}",
                           HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_every_answer_carries_its_rate_limit_reading(world, local_cache):  # noqa: F811
    answers = [Client().get(PUBLIC, REMOTE_ADDR="203.0.113.7") for _ in range(4)]
    assert [a["RateLimit-Limit"] for a in answers] == ["3"] * 4
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[3].status_code == 429 and int(answers[3]["Retry-After"]) > 0
    assert 0 < int(answers[0]["RateLimit-Reset"]) <= 60


def test_cors_answers_only_the_named_origins_on_the_public_endpoints(world, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://zwfw.example.gov.cn"]
    ok = Client().get(PUBLIC, HTTP_ORIGIN="https://zwfw.example.gov.cn")
    assert ok["Access-Control-Allow-Origin"] == "https://zwfw.example.gov.cn"
    assert "RateLimit-Remaining" in ok["Access-Control-Expose-Headers"]
    other = Client().get(PUBLIC, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    preflight = Client().options(PUBLIC, HTTP_ORIGIN="https://zwfw.example.gov.cn",
                                 HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    # Office endpoints never answer CORS, whatever the origin list says.
    office = user_client(world.a.users["officer"]).get(
        "/api/v1/cases/", HTTP_ORIGIN="https://zwfw.example.gov.cn")
    assert "Access-Control-Allow-Origin" not in office


def test_by_default_no_origin_is_allowed(world: Any):
    answer = Client().get(PUBLIC, HTTP_ORIGIN="https://zwfw.example.gov.cn")
    assert "Access-Control-Allow-Origin" not in answer


WHITE_LIST = "/api/v1/public/whitelist/"


def test_a_preflight_allows_the_conditional_headers_the_exposed_validators_feed(world,
                                                                               settings):
    """The public endpoints expose ETag and Last-Modified to a page of a named origin; a
    page sending them back (If-None-Match, If-Modified-Since) was refused by its browser,
    the preflight not allowing those headers."""
    settings.CORS_ALLOWED_ORIGINS = ["https://zwfw.example.gov.cn"]
    preflight = Client().options(
        PUBLIC, HTTP_ORIGIN="https://zwfw.example.gov.cn",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since")
    allowed = {h.strip() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since"} <= allowed
    first = Client().get(WHITE_LIST, HTTP_ORIGIN="https://zwfw.example.gov.cn")
    again = Client().get(WHITE_LIST, HTTP_ORIGIN="https://zwfw.example.gov.cn",
                         HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "https://zwfw.example.gov.cn"


def test_if_unmodified_since_is_ignored_where_there_is_no_date_to_compare(world):
    """RFC 9110 §13.1.4: a server must ignore If-Unmodified-Since when the resource has no
    modification date. Django compared the date with the missing Last-Modified of every
    list and answered a GET 412. A list (an ETag, no date) and a detail without a date
    answer 200; a detail with Last-Modified (a case) keeps the comparison: 200 when the
    record has not changed since the date, 412 when it has."""
    from django.utils.http import http_date, parse_http_date

    client, token = issue_client(scopes=["cases:read", "regions:read"],
                                 regions=[world.a.region])
    case = make_case(world.a)

    def get(url: str, since: str) -> Any:
        return Client().get(url, HTTP_AUTHORIZATION=f"Token {token}",
                            HTTP_IF_UNMODIFIED_SINCE=since)

    for since in (http_date(86_400), http_date(4_000_000_000)):
        for url in ("/api/v1/cases/", "/api/v1/regions/",
                    f"/api/v1/regions/{world.a.region.code}/"):
            response = get(url, since)
            assert response.status_code == 200, (url, since, response.status_code)
            assert "Last-Modified" not in response
    url = f"/api/v1/cases/{case.number}/"
    modified = token_get(token, url)["Last-Modified"]
    assert get(url, modified).status_code == 200
    assert get(url, http_date(parse_http_date(modified) + 3600)).status_code == 200
    assert get(url, http_date(parse_http_date(modified) - 3600)).status_code == 412
    # If-Match still holds a list to its ETag.
    listed = token_get(token, "/api/v1/cases/")
    assert Client().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token}",
                        HTTP_IF_MATCH=listed["ETag"]).status_code == 200
