"""The API under an outside checker's probes: bodies, cursors, filters and parameters an
integrator would never send on purpose. Each answers 400 naming what is wrong, in the
request's language, and never a 500 or a silent 200 (issue 14 §A1, §A2, §A4)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from org.models import ApiClient
from tests.test_api import assert_error_body, issue_client, token_get, user_client

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/institutions/lookup/"
ALL_SCOPES = [s.value for s in ApiClient.Scopes]


@pytest.fixture
def token(world: Any) -> str:
    return issue_client(scopes=ALL_SCOPES, regions=[world.city])[1]


def post_raw(token: str, url: str, body: bytes, language: str = "zh-hans") -> Any:
    return Client().post(url, body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)


# -- bodies that are not JSON ---------------------------------------------------------------

@pytest.mark.parametrize("url", [LOOKUP, "/api/v1/funds/payments/",
                                 "/api/v1/complaints/12345/"])
def test_a_body_nested_too_deeply_is_a_400_not_a_500(world, token, url):
    """A JSON body nested 100,000 levels deep reached Python's recursion limit inside the
    parser: a 500."""
    body = assert_error_body(post_raw(token, url, b"[" * 100_000 + b"]" * 100_000), 400,
                             "parse_error")
    assert body["detail"] == "请求体不是有效的 JSON：嵌套层级过深。"


@pytest.mark.parametrize(("language", "detail"), [
    ("en", "The body is not valid JSON (line 1, column 2)."),
    ("zh-hans", "请求体不是有效的 JSON（第 1 行第 2 列）。"),
])
def test_a_parse_error_speaks_the_requests_language(world, token, language, detail):
    """DRF words it "JSON parse error - Expecting property name ..." in every language."""
    response = post_raw(token, LOOKUP, b"{", language)
    assert assert_error_body(response, 400, "parse_error")["detail"] == detail
    for body in (b'{"uscc": [NaN]}', b'{"uscc": ["\xff"]}', b'{"uscc": [' + b"9" * 5000 + b"]}"):
        response = post_raw(token, LOOKUP, body, language)
        assert assert_error_body(response, 400, "parse_error")["detail"] in (
            "The body is not valid JSON.", "请求体不是有效的 JSON。")


@pytest.mark.parametrize(("language", "message"), [
    ("en", "No data was sent: the body must be a JSON object."),
    ("zh-hans", "未发送任何数据：请求体须为 JSON 对象。"),
])
def test_a_body_of_json_null_is_refused_in_the_requests_language(world, token, language,
                                                                 message):
    """DRF's "No data provided" is not marked for translation."""
    response = post_raw(token, LOOKUP, b"null", language)
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        "non_field_errors": [message]}


# -- bulk fetch by credit codes -------------------------------------------------------------

def test_too_many_codes_are_refused_before_each_one_is_checked(world, token):
    """The length is the error: 201 bad codes answer one message, not 201 (a 5 MB body of
    bad codes took 26 s and answered 12 MB of errors)."""
    body = json.dumps({"uscc": ["I" * 18] * 201}).encode()
    errors = assert_error_body(post_raw(token, LOOKUP, body, "en"), 400, "invalid")["errors"]
    assert errors == {"uscc": ["Ensure this field has no more than 200 elements."]}


def test_more_ids_than_allowed_are_refused_before_each_one_is_checked(world):
    api = user_client(world.a.users["officer"])
    response = api.post("/api/v1/notifications/mark-read/", {"ids": ["x"] * 1001},
                        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        "ids": ["Ensure this field has no more than 1000 elements."]}


@pytest.mark.parametrize("code", [915301020000000018, True, 9.5])
def test_a_credit_code_given_as_a_number_is_refused(world, token, code):
    """A typed API refuses a number where text is documented (issue 14 D8): an 18-digit
    number was read as the code "915301020000000018" and answered 200."""
    body = json.dumps({"uscc": [code]}).encode()
    errors = assert_error_body(post_raw(token, LOOKUP, body, "en"), 400, "invalid")["errors"]
    assert errors == {"uscc": {"0": ["Not a valid string."]}}


# -- cursors --------------------------------------------------------------------------------

def b64(text: str) -> str:
    return base64.b64encode(text.encode("latin-1")).decode()


@pytest.mark.parametrize("cursor", [
    b64('{"p": 1}'), b64("[1, 2, 3]"), b64("12345"),  # base64 of JSON: read as page one
    "A" * 10240,                                      # 7,680 NUL bytes: page one too
    b64("o=" + "9" * 30 + "&p=1"),                    # an offset of 10^30: read as 1000
    b64("r=2&p=1"),                                   # read as backwards
])
@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/regions/",
                                 "/api/v1/public/whitelist/"])
def test_a_cursor_the_list_did_not_issue_is_refused(world, token, url, cursor):
    """README (API): a cursor the list did not issue is a 400 naming it, never a silent
    first page."""
    body = assert_error_body(token_get(token, url, cursor=cursor), 400, "invalid")
    assert set(body["errors"]) == {"cursor"}


def test_a_cursor_of_another_list_is_refused_and_its_own_is_followed(world, token):
    """Regions and departments both page by id: a region cursor read as a department
    position answered a page of departments."""
    first = token_get(token, "/api/v1/regions/", page_size=1).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    following = token_get(token, "/api/v1/regions/", page_size=1, cursor=cursor)
    assert following.status_code == 200
    assert following.json()["results"] != first["results"]
    body = assert_error_body(token_get(token, "/api/v1/departments/", cursor=cursor), 400)
    assert set(body["errors"]) == {"cursor"}


# -- filters --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["yes", "maybe", "2"])
def test_overdue_takes_true_or_false_and_refuses_anything_else(world, value):
    """`?overdue=yes` read as "no filter" and answered every task, overdue or not."""
    api = user_client(world.a.users["officer"])
    response = api.get("/api/v1/tasks/mine/", {"overdue": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        "overdue": ["Give true or false."]}
    for value in ("true", "false", "1", "0", "True"):
        assert api.get("/api/v1/tasks/mine/", {"overdue": value}).status_code == 200


@pytest.mark.parametrize("county", ["zzz", "999999", "5301"])
def test_the_profile_of_a_code_of_no_county_is_not_found(world, token, county):
    """`?county=` with a typo answered the city's split of duties as the county's, with
    200; so did a city's code (5301 is the test world's city, not a county). It is a 404,
    as the county's duty page is (a 400 would refuse a value the schema allows)."""
    response = Client().get("/api/v1/policy/profile/", {"county": county},
                            HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert assert_error_body(response, 404, "not_found")["detail"] == "没有该代码的县（区）。"
    assert token_get(token, "/api/v1/policy/profile/", county=world.a.region.code
                     ).status_code == 200


# -- conditional requests -------------------------------------------------------------------

@pytest.mark.parametrize(("language", "detail"), [
    ("en", "The condition in If-Match or If-Unmodified-Since does not hold."),
    ("zh-hans", "If-Match 或 If-Unmodified-Since 中的条件不成立。"),
])
def test_a_failed_precondition_answers_in_the_requests_language(world, token, language,
                                                                detail):
    """Django's 412 was rewritten into the error format as "Precondition Failed", English
    under zh-hans."""
    response = Client().get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}",
                            HTTP_IF_MATCH='"not-this-one"', HTTP_ACCEPT_LANGUAGE=language)
    body = assert_error_body(response, 412, "precondition_failed")
    assert body["detail"] == detail


# -- sessions -------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "detail"), [
    ("en", "The CSRF check failed: a signed-in browser sends the value of the csrftoken "
           "cookie in the X-CSRFToken header, from a page of this site."),
    ("zh-hans", "CSRF 校验未通过：已登录的浏览器须在本站页面中，将 csrftoken Cookie 的值放在 "
                "X-CSRFToken 请求头中发送。"),
])
def test_a_session_post_without_its_csrf_token_is_refused_in_the_requests_language(
        world, language, detail):
    """DRF answered "CSRF Failed: CSRF token missing." under zh-hans too."""
    api = Client(enforce_csrf_checks=True)
    api.force_login(world.a.users["officer"])
    response = api.post("/api/v1/notifications/mark-read/", {"ids": [1]},
                        content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    assert assert_error_body(response, 403, "permission_denied")["detail"] == detail


# -- bodies whose fields are all optional ---------------------------------------------------

@pytest.mark.parametrize("body", [{"idz": [1]}, {"id": 1}, {"note": "x"}])
def test_mark_read_refuses_a_field_it_does_not_know(world, body):
    """`ids` is optional and `{}` marks every notification read: a typo (`idz`) did the
    same, with 200."""
    from cases.models import Notification
    from tests.factories import make_case, make_task

    make_task(world.a, make_case(world.a))
    officer = world.a.users["officer"]
    unread = Notification.objects.filter(recipient=officer, read_at__isnull=True).count()
    assert unread
    response = user_client(officer).post("/api/v1/notifications/mark-read/", body,
                                         content_type="application/json",
                                         HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        name: ["Unknown field."] for name in body}
    assert Notification.objects.filter(recipient=officer, read_at__isnull=True).count() == unread


#: Every operation that takes a body, by token (the task's completion, by a person, below).
TOKEN_BODIES = [LOOKUP, "/api/v1/funds/payments/", "/api/v1/funds/bank-balances/",
                "/api/v1/funds/consumptions/", "/api/v1/funds/refunds/",
                "/api/v1/complaints/12345/"]


@pytest.mark.parametrize("url", TOKEN_BODIES)
@pytest.mark.parametrize(("language", "message"), [("en", "Unknown field."),
                                                   ("zh-hans", "未知的字段。")])
def test_a_body_key_the_operation_does_not_take_is_a_400_naming_it(world, token, url,
                                                                    language, message):
    """Every body but mark-read's ignored a key it did not know, so a misspelt optional
    field lost what it carried with a 200. The key is named beside the fields' own
    errors, in the request's language."""
    response = Client().post(url, json.dumps({"colour": "red"}),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)
    errors = assert_error_body(response, 400, "invalid")["errors"]
    assert errors["colour"] == [message]
    assert len(errors) > 1  # ... and the fields it misses


def test_a_misspelt_optional_field_of_a_hotline_ticket_is_refused_not_dropped(world, token):
    """A 12345 ticket naming the institution by `institution_usc` was filed with no
    institution (the key ignored) and 200."""
    from complaints.models import Complaint

    ticket = {"ticket": "T-2026-0001", "topic": "fees", "description": "机构收费后拒绝退费，多次沟通无果",
              "institution_name": "某培训机构", "institution_usc": "91530102MA0000001R"}
    response = Client().post("/api/v1/complaints/12345/", json.dumps(ticket),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        "institution_usc": ["Unknown field."]}
    assert not Complaint.objects.exists()
    ticket["institution_uscc"] = ticket.pop("institution_usc")
    assert Client().post("/api/v1/complaints/12345/", json.dumps(ticket),
                         content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.parametrize("description", [
    " " * 10 + "退费难",                     # 13 characters, 3 once trimmed
    "退费难" + "\n" * 10,
    "\u3000" * 4 + "机构收费后拒不退费" + "\u3000",  # 9 once trimmed
    "机构收费后拒不退费。",                   # 10
    "  机构收费后 拒不退费  ",                # 10 once trimmed, a space inside counts
    "\t" + "机构收费后拒绝退费，多次沟通无果" + "\n",
])
def test_the_schema_of_a_hotline_description_admits_what_the_server_takes(world, token,
                                                                         description):
    """A 12345 description counts at least 10 characters once the whitespace around it is
    trimmed; the schema's `minLength: 10` counted the raw text, so 10 spaces and 3
    characters passed the schema and were refused. The pattern says what is counted."""
    import re

    from complaints.models import Complaint

    schema = user_client(world.a.users["officer"]).get("/api/schema/",
                                                       {"format": "json"}).json()
    body = schema["paths"]["/api/v1/complaints/12345/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    field = schema["components"]["schemas"][ref]["properties"]["description"]
    assert "not counting the whitespace around" in field["description"]
    ticket = {"ticket": "T-2026-0002", "topic": "fees", "description": description,
              "institution_name": "某培训机构"}
    response = Client().post("/api/v1/complaints/12345/", json.dumps(ticket),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    taken = response.status_code == 200
    if not taken:
        assert set(assert_error_body(response, 400, "invalid")["errors"]) == {"description"}
    assert bool(re.search(field["pattern"], description)) == taken, response.content
    assert len(description) >= field["minLength"]  # the raw length passed it every time
    assert Complaint.objects.exists() == taken


@pytest.mark.parametrize("as_form", [False, True])
def test_completing_a_task_refuses_a_key_it_does_not_take(world, as_form):
    """As JSON or as a form (the browsable API's CSRF token is no unknown key)."""
    from cases.models import TaskStatus
    from tests.factories import make_case, make_task

    task = make_task(world.a, make_case(world.a))
    officer = user_client(world.a.users["officer"])
    url = f"/api/v1/tasks/mine/{task.pk}/complete/"
    body = {"note": "已核查", "notes": "已核查"}
    response = (officer.post(url, body, HTTP_ACCEPT_LANGUAGE="en") if as_form else
                officer.post(url, body, content_type="application/json",
                             HTTP_ACCEPT_LANGUAGE="en"))
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        "notes": ["Unknown field."]}
    task.refresh_from_db()
    assert task.status != TaskStatus.DONE
    body = {"note": "已核查", "csrfmiddlewaretoken": "x"} if as_form else {"note": "已核查"}
    done = (officer.post(url, body) if as_form else
            officer.post(url, body, content_type="application/json"))
    assert done.status_code == 200, done.content


def test_the_schema_says_every_request_body_takes_only_its_fields(world):
    """`additionalProperties: false` on every request body, as the serializers refuse
    other keys (core.api.serializers.KnownFieldsMixin): a fuzzer sending one expects the
    400, and an integrator reads the rule in the schema."""
    schema = user_client(world.a.users["officer"]).get("/api/schema/",
                                                       {"format": "json"}).json()
    components = schema["components"]["schemas"]
    bodies = set()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for content in op.get("requestBody", {}).get("content", {}).values():
                bodies.add((f"{method.upper()} {path}", content["schema"]["$ref"]))
    assert len({op for op, _ref in bodies}) >= 8
    for op, ref in sorted(bodies):
        body = components[ref.rsplit("/", 1)[1]]
        assert body.get("additionalProperties") is False, op


@pytest.mark.parametrize(("language", "detail"), [
    ("en", "The body is not a valid multipart form."),
    ("zh-hans", "请求体不是有效的 multipart 表单。"),
])
def test_a_multipart_parse_error_speaks_the_requests_language(world, token, language, detail):
    """DRF words it "Multipart form parse error - Invalid boundary in multipart: None"."""
    response = Client().post("/api/v1/funds/consumptions/", b"garbage",
                             content_type="multipart/form-data",
                             HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=language)
    assert assert_error_body(response, 400, "parse_error")["detail"] == detail


# -- repeated parameters --------------------------------------------------------------------

@pytest.mark.parametrize(("url", "name", "values"), [
    ("/api/v1/institutions/", "category", ["arts", "tech"]),
    ("/api/v1/cases/", "kind", ["complaint", "licensing"]),
    ("/api/v1/public/whitelist/", "county", ["530191", "530192"]),
    ("/api/v1/changes/cases/", "limit", ["5", "500"]),
    ("/api/v1/regions/", "page_size", ["5", "50"]),
])
def test_a_parameter_given_twice_is_refused_unless_it_takes_several(world, token, url, name,
                                                                     values):
    """The last value won: `?category=arts&category=tech` answered tech alone, with 200."""
    response = Client().get(f"{url}?" + "&".join(f"{name}={v}" for v in values),
                            HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_error_body(response, 400, "invalid")["errors"] == {
        name: ["Give this parameter once."]}


def test_a_filter_that_takes_several_values_still_does(world, token):
    response = Client().get("/api/v1/cases/?state=open&state=closed",
                            HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


# -- the schema ------------------------------------------------------------------------------

def test_the_schema_offers_no_blank_query_parameter_the_views_refuse(world, token):
    """Schemathesis sent `?county=%C2%A0` (a no-break space), which the schema allowed
    (only NUL was ruled out) and the view refuses as empty."""
    import re

    schema = user_client(world.a.users["officer"]).get("/api/schema/",
                                                       {"format": "json"}).json()
    patterns = {}
    for path, ops in schema["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                items = p["schema"].get("items", p["schema"])
                if p["in"] == "query" and items.get("type") == "string" \
                        and "enum" not in items and "format" not in items:
                    patterns[(path, p["name"])] = items["pattern"]
    assert ("/api/v1/policy/profile/", "county") in patterns
    for where, pattern in patterns.items():
        regex = re.compile(pattern)  # Python's \s, like ECMA 262's, takes U+00A0
        assert not regex.search("\u00a0") and not regex.search(" \t"), where
    assert re.search(patterns[("/api/v1/policy/profile/", "county")], "530102")
    response = token_get(token, "/api/v1/policy/profile/", county="\u00a0")
    assert set(assert_error_body(response, 400, "invalid")["errors"]) == {"county"}


@pytest.mark.parametrize("value", ["2026-01", "2000-12", "2100-12", "0", "2026-13",
                                   "1999-12", "2101-01", "2026-1", "2026-001"])
def test_the_schema_of_an_analytics_month_admits_what_the_view_takes(world, value):
    """Schemathesis sent `?month_from=0`: a plain string in the schema, a 400 from the
    view. The pattern now says YYYY-MM, as the view reads it."""
    import re

    from complaints.selectors import _month

    api = user_client(world.a.users["county_admin"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    [param] = [p for p in schema["paths"]["/api/v1/complaints/analytics/"]["get"]["parameters"]
               if p["name"] == "month_from"]
    assert bool(re.search(param["schema"]["pattern"], value)) == (_month(value) is not None)


@pytest.mark.parametrize(("language", "message"), [
    ("en", "Null characters are not allowed."),
    ("zh-hans", "不允许包含空字符。"),
])
def test_a_nul_character_in_a_text_is_refused_in_the_requests_language(world, token,
                                                                       language, message):
    """Django's own Chinese for its NUL check read 不允许是用空字符串 ("empty strings are
    not allowed", and misspelt): the project's catalogue says what is refused."""
    body = json.dumps({"uscc": ["91530102MA0000\u0000001R"]}).encode()
    response = post_raw(token, LOOKUP, body, language)
    errors = assert_error_body(response, 400, "invalid")["errors"]
    assert errors["uscc"]["0"][0] == message  # then the code's pattern, also not met
    assert "空字符串" not in response.content.decode()
