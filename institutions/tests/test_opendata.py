"""Issue 13: the open-data download of the public register in CSV, JSON and .xlsx, with
its update time, 304 for a client that has this version, and no non-public field."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.utils.http import http_date
from openpyxl import load_workbook

from institutions.tests.helpers import licensed_with_gate, register

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_register_downloads_in_three_formats_with_the_public_fields(world):
    inst = licensed_with_gate(world, "a", 1, name="=HYPERLINK(\"x\")艺术培训")
    register(world, "b", 2)
    client = Client()
    as_json = client.get("/open-data/register.json")
    assert as_json.status_code == 200 and as_json["Last-Modified"]
    data = json.loads(body(as_json))
    assert data["updated_at"] and {r["uscc"] for r in data["institutions"]} >= {inst.uscc}
    assert "legal_representative" not in data["fields"] and "address" not in data["fields"]
    as_csv = client.get("/open-data/register.csv")
    rows = list(csv.reader(io.StringIO(body(as_csv).decode("utf-8-sig"))))
    assert rows[0][:2] == ["uscc", "name"]
    # The one guard: a name that looks like a formula stays text.
    assert any(r[1].startswith("'=HYPERLINK") for r in rows[1:])
    as_xlsx = client.get("/open-data/register.xlsx")
    sheet = load_workbook(io.BytesIO(body(as_xlsx)), read_only=True).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["uscc", "name"]
    assert as_xlsx["Content-Disposition"].startswith("attachment")


def test_a_client_that_has_this_version_gets_304(world):
    licensed_with_gate(world, "a", 1)
    first = Client().get("/open-data/register.csv")
    again = Client().get("/open-data/register.csv",
                         HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    old = Client().get("/open-data/register.csv", HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert old.status_code == 200


def test_an_unknown_format_is_404_and_downloads_are_rate_limited(world, settings):
    assert Client().get("/open-data/register.pdf").status_code == 404
    settings.PAGE_RATES = {**settings.PAGE_RATES, "export": "2/min"}
    from django.core.cache import cache

    cache.clear()
    answers = [Client().get("/open-data/register.json", REMOTE_ADDR="198.51.100.4")
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2]["Retry-After"]) > 0


def test_the_download_costs_the_same_queries_for_one_row_and_many(
        world, django_assert_max_num_queries):
    licensed_with_gate(world, "a", 1)
    with django_assert_max_num_queries(4):
        body(Client().get("/open-data/register.json"))
    for n in range(2, 12):
        licensed_with_gate(world, "a", n)
    with django_assert_max_num_queries(4):
        body(Client().get("/open-data/register.json"))


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_head_request_gets_the_headers_of_the_download(world, fmt):
    """A client checking the update time or the size before downloading asks HEAD: it
    was a 405."""
    licensed_with_gate(world, "a", 1)
    client = Client()
    get, head = client.get(f"/open-data/register.{fmt}"), client.head(f"/open-data/register.{fmt}")
    assert head.status_code == 200 and body(head) == b""
    for header in ("Content-Type", "Content-Disposition", "Last-Modified"):
        assert head[header] == get[header]
    assert client.head(f"/open-data/register.{fmt}",
                       HTTP_IF_MODIFIED_SINCE=get["Last-Modified"]).status_code == 304
    assert client.post(f"/open-data/register.{fmt}").status_code == 405


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_the_download_speaks_cors_to_the_named_origins_as_the_public_api_does(world,
                                                                            settings, fmt):
    """A page of a named origin (a government service portal) could read the public
    status API but not the open-data download of the same register: no CORS headers. The
    download now answers the origins of CORS_ALLOWED_ORIGINS, reads only, and lets the
    page read its update time, file name and rate-limit reading."""
    settings.CORS_ALLOWED_ORIGINS = ["https://zwfw.example.gov.cn"]
    licensed_with_gate(world, "a", 1)
    url = f"/open-data/register.{fmt}"
    preflight = Client().options(url, HTTP_ORIGIN="https://zwfw.example.gov.cn",
                                 HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                                 HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-modified-since")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://zwfw.example.gov.cn"
    methods = {m.strip() for m in preflight["Access-Control-Allow-Methods"].split(",")}
    assert "GET" in methods and "POST" not in methods
    assert "if-modified-since" in preflight["Access-Control-Allow-Headers"]
    get = Client().get(url, HTTP_ORIGIN="https://zwfw.example.gov.cn")
    assert get.status_code == 200
    assert get["Access-Control-Allow-Origin"] == "https://zwfw.example.gov.cn"
    exposed = {h.strip().lower() for h in get["Access-Control-Expose-Headers"].split(",")}
    assert {"last-modified", "content-disposition", "ratelimit-remaining"} <= exposed
    assert "Access-Control-Allow-Credentials" not in get
    other = Client().get(url, HTTP_ORIGIN="https://evil.example")
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in Client().get(
        url, HTTP_ORIGIN="https://zwfw.example.gov.cn")


def test_if_unmodified_since_is_ignored_while_the_register_has_no_date(world):
    """RFC 9110 §13.1.4, as core.conditional.ConditionalGetMiddleware keeps it for lists:
    an empty register has no Last-Modified, and a client sending If-Unmodified-Since got
    412 (Django's `condition` compared the date with none). With a date the comparison
    stands: 412 when the register changed after the client's date."""
    since = http_date(1_700_000_000)
    empty = Client().get("/open-data/register.json", HTTP_IF_UNMODIFIED_SINCE=since)
    assert empty.status_code == 200 and not empty.has_header("Last-Modified")
    assert json.loads(body(empty))["institutions"] == []
    licensed_with_gate(world, "a", 1)
    changed = Client().get("/open-data/register.csv", HTTP_IF_UNMODIFIED_SINCE=since)
    assert changed.status_code == 412
    current = Client().get("/open-data/register.csv")
    unchanged = Client().get("/open-data/register.csv",
                             HTTP_IF_UNMODIFIED_SINCE=current["Last-Modified"])
    assert unchanged.status_code == 200
