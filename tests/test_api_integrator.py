"""The API from an integrator's side (issue 14 §A): no input reaches a 500, every answer
under /api/ speaks the one error format and carries a request id, the schema tells the
truth, the public throttle holds against a forged X-Forwarded-For, and an incremental
pull by `updated_since` sees task progress."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from org.models import ApiClient
from tests.factories import make_case, make_task
from tests.test_api import assert_error_body, issue_client, user_client

pytestmark = pytest.mark.django_db

FORGED_CURSOR = "cD1hYmM="  # base64 of "p=abc": well formed, but no position of ours
LISTS = ["/api/v1/cases/", "/api/v1/institutions/", "/api/v1/regions/",
         "/api/v1/departments/", "/api/v1/notifications/", "/api/v1/tasks/mine/"]
ALL_SCOPES = [s.value for s in ApiClient.Scopes]


@pytest.fixture
def token(world: Any) -> str:
    return issue_client(scopes=ALL_SCOPES, regions=[world.city])[1]


# -- §A1: four ways to a 500 ----------------------------------------------------------------

@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("cursor", [FORGED_CURSOR, "garbage", "cD0=", "bz0xJnA9eA=="])
def test_a_forged_cursor_gets_400_in_the_error_format(world, url, cursor):
    """§A1, §A2: a cursor we did not issue is bad input (400), not a missing page (404)
    nor a crash (500)."""
    api = user_client(world.a.users["officer"])
    body = assert_error_body(api.get(url, {"cursor": cursor}), 400, "invalid")
    assert set(body["errors"]) == {"cursor"}


TOKEN_URLS = ["/api/v1/cases/", "/api/v1/institutions/", "/api/v1/regions/",
              "/api/v1/departments/", "/api/v1/policy/profile/", "/api/v1/tasks/mine/",
              "/api/v1/notifications/", "/api/v1/public/institutions/91530102MA0000001R/",
              "/api/v1/", "/api/v1/cases/XK-000000-2000-000000/"]


@pytest.mark.parametrize("url", TOKEN_URLS)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_a_token_client_asking_for_html_gets_no_500(world, token, url, how):
    """§A1: a token request that asks for HTML (the browsable API) renders or is refused,
    never a 500: the navigation context processor and the browsable API's template see a
    system principal with no department."""
    if how == "accept":
        response = Client().get(url, HTTP_AUTHORIZATION=f"Token {token}",
                                HTTP_ACCEPT="text/html")
    else:
        response = Client().get(url, {"format": "api"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code < 500, response.content[:2000]


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/institutions/"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_updated_since_out_of_range_after_utc_conversion_gets_400(world, token, url, value):
    """§A1: a datetime that parses but overflows once converted to UTC is bad input."""
    response = Client().get(url, {"updated_since": value}, HTTP_AUTHORIZATION=f"Token {token}")
    body = assert_error_body(response, 400, "invalid")
    assert set(body["errors"]) == {"updated_since"}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", ["/api/v1/tasks/mine/1/complete", "/api/v1/notifications/mark-read",
                                 "/api/v1/cases"])
def test_a_post_without_the_trailing_slash_answers_in_the_api_format(world, debug, url):
    """§A1: APPEND_SLASH cannot redirect a POST; under /api/ that is a 404 in the error
    format, with DEBUG on too (never Django's debug page)."""
    api = user_client(world.a.users["officer"])
    with override_settings(DEBUG=debug):
        response = api.post(url, "{}", content_type="application/json")
    assert response.status_code in (404, 405), response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert_error_body(response, response.status_code)


# -- §A2: one error format, a request id on every answer ----------------------------------

@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/v2/cases/", "/api/", "/api/v1/cases/x/y/z/"])
def test_unknown_routes_under_api_get_404_in_the_error_format(world, debug, url):
    with override_settings(DEBUG=debug):
        response = user_client(world.a.users["officer"]).get(url)
    assert response["Content-Type"].startswith("application/json")
    assert_error_body(response, 404, "not_found")


@pytest.mark.parametrize("debug", [False, True])
def test_too_many_query_fields_get_400_in_the_error_format(world, debug):
    """§A2: DATA_UPLOAD_MAX_NUMBER_FIELDS exceeded is a 400 in the format (Django would
    answer its own page)."""
    query = "&".join(f"f{i}=1" for i in range(1100))
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_NUMBER_FIELDS=1000):
        response = user_client(world.a.users["officer"]).get(f"/api/v1/cases/?{query}")
    assert_error_body(response, 400, "too_many_fields")


def test_too_many_form_fields_in_a_body_get_400_in_the_error_format(world):
    body = "&".join(f"ids={i}" for i in range(1, 1100))
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=1000):
        response = user_client(world.a.users["officer"]).post(
            "/api/v1/notifications/mark-read/", body,
            content_type="application/x-www-form-urlencoded")
    assert_error_body(response, 400, "too_many_fields")


def test_the_nul_refusal_names_where_the_nul_is(world):
    """§A2: the NUL-byte refusal carries `errors`, naming the parameter or the path."""
    api = user_client(world.a.users["officer"])
    body = assert_error_body(api.get("/api/v1/cases/", {"q": "a\x00", "state": "open"}),
                             400, "invalid")
    assert body["errors"] == {"q": [body["detail"]]}
    assert set(assert_error_body(api.get("/api/v1/tasks/mine/%00/"), 400)["errors"]) == {
        "path"}


@pytest.mark.parametrize("debug", [False, True])
def test_an_unhandled_error_under_api_is_a_500_in_the_error_format(world, debug, monkeypatch):
    """§A2: a bug answers 500 in the error format under /api/, with no traceback."""
    from cases.api import CaseViewSet

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(CaseViewSet, "list", boom)
    api = user_client(world.a.users["officer"])
    api.raise_request_exception = False
    with override_settings(DEBUG=debug):
        response = api.get("/api/v1/cases/")
    assert_error_body(response, 500, "server_error")
    assert b"secret internals" not in response.content
    assert response["X-Request-ID"]


def test_every_answer_carries_a_request_id(world, token):
    """§A2: generated when the caller sends none or a malformed one; kept when well formed."""
    answers = [Client().get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}"),
               Client().get("/api/v1/regions/"), Client().get("/api/v1/nope/"),
               Client().get("/api/v1/cases/", {"q": "\x00"}), Client().get("/")]
    ids = [r["X-Request-ID"] for r in answers]
    assert all(len(i) >= 16 for i in ids) and len(set(ids)) == len(ids)
    kept = Client().get("/api/v1/regions/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c2e-0001"
    for bad in ("x", "a" * 200, "abc def ghi", "évènement-123", "id\r\nSet-Cookie: a=b"):
        replaced = Client().get("/api/v1/regions/", HTTP_X_REQUEST_ID=bad)
        assert replaced["X-Request-ID"] != bad and len(replaced["X-Request-ID"]) == 32


def test_the_request_id_is_on_the_log_line(world):
    """§A2: the server's log line for an answer names the same request id (the
    RequestIdFilter and the formatters of settings.LOGGING)."""
    import io
    import logging

    from core.request import RequestIdFilter

    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, RequestIdFilter) for f in h.filters)]
    assert handlers, "the root logger's console handler carries the request-id filter"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = Client().get("/api/v1/cases/")  # 401: Django logs a warning line
    finally:
        handler.setStream(old)
    assert response.status_code == 401
    lines = [line for line in stream.getvalue().splitlines() if "/api/v1/cases/" in line]
    assert lines and f"request_id={response['X-Request-ID']}" in lines[-1], stream.getvalue()


# -- §A5: the public throttle counts the client, not a header it sends ----------------------

PUBLIC = "/api/v1/public/institutions/91530102MA0000001R/"


@pytest.fixture
def local_cache(settings: Any, monkeypatch: Any) -> None:
    """A process-local cache and a public rate of 3/min."""
    from core.api.throttling import ClientIpScopedRateThrottle

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "public-throttle-test"}}
    monkeypatch.setattr(ClientIpScopedRateThrottle, "THROTTLE_RATES", {"public": "3/min"})
    from django.core.cache import cache

    cache.clear()


def _public_get(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().get(PUBLIC, **extra)


def test_rotating_x_forwarded_for_does_not_bypass_the_public_throttle(world, local_cache,
                                                                     settings):
    """§A5: with no trusted proxy (the default), the header is ignored."""
    settings.TRUSTED_PROXY_COUNT = 0
    answers = [_public_get("203.0.113.9", f"198.51.100.{i}") for i in range(4)]
    assert [a.status_code for a in answers[:3]] == [404, 404, 404]
    assert_error_body(answers[3], 429, "throttled")
    assert _public_get("203.0.113.10").status_code == 404  # another client


def test_behind_a_trusted_proxy_the_public_throttle_counts_the_forwarded_client(
        world, local_cache, settings):
    """§A5: behind TRUSTED_PROXY_COUNT=1, the hop the proxy appended is the client; what
    the client itself put left of it is not."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    answers = [_public_get(proxy, f"198.51.100.{i}, 203.0.113.9") for i in range(4)]
    assert [a.status_code for a in answers[:3]] == [404, 404, 404]
    assert_error_body(answers[3], 429, "throttled")
    assert _public_get(proxy, "203.0.113.10").status_code == 404


def test_the_navigation_offers_nothing_to_a_token_client(world, token):
    """§A1: the navigation context processor, which every HTML page of the site runs,
    reads no department or inbox of a system principal."""
    from django.test import RequestFactory

    from org.auth import ClientPrincipal
    from portal.context_processors import navigation

    request = RequestFactory().get("/api/v1/cases/", HTTP_ACCEPT="text/html")
    request.user = ClientPrincipal(ApiClient.objects.get())
    assert set(navigation(request)) <= {"nav_public_entries"}  # public links read nothing
    # And the browsable API renders for it, with the data it asked for.
    page = Client().get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token}",
                        HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert world.a.region.code in page.content.decode()


# -- §A3: every field of every answer, for the unassigned, empty and missing cases --------

def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, refs kept."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_jsonschema(v) for k, v in node.items()
           if k not in ("nullable", "readOnly", "writeOnly")}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _validator(schema: dict, component: str) -> Any:
    import jsonschema

    root = {"components": {"schemas": _openapi_to_jsonschema(schema["components"]["schemas"])},
            "$ref": f"#/components/schemas/{component}"}
    return jsonschema.Draft7Validator(root)


NO_REPR = ("object at 0x", "method-wrapper", "bound method", "<built-in", "None")


def _walk(value: Any, where: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _walk(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _walk(v, f"{where}[{i}]")]
    return [(where, value)]


def test_every_field_of_every_answer_keeps_to_the_schema_when_things_are_missing(world):
    """§A3: an unassigned task (no assignee, blank step), a case with no institution,
    category or phase, a region with no parent, an institution with no supervising
    department or licence, a notification with no case: each field is a value the
    schema declares (null only where nullable), never a Python repr."""
    from cases.models import Notification
    from institutions.tests.helpers import register

    officer = world.a.users["officer"]
    bare = make_case(world.a, title="无机构事项", category="", phase="")
    make_task(world.a, bare)  # unassigned, no step
    inst = register(world, n=7, name="无主管机构")
    inst.supervising_department = None
    inst.save()
    with_inst = make_case(world.a, title="有机构事项")
    with_inst.institution = inst
    with_inst.save()
    make_task(world.a, with_inst, assignee=officer)
    Notification.objects.create(recipient=officer, kind=Notification.Kind.CASE, title="无事项")

    api = user_client(world.a.users["county_admin"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    token = issue_client(scopes=ALL_SCOPES, regions=[world.city])[1]
    tok = {"HTTP_AUTHORIZATION": f"Token {token}"}
    answers = {
        "PaginatedCaseList": api.get("/api/v1/cases/"),
        "CaseDetail": api.get(f"/api/v1/cases/{bare.number}/"),
        "PaginatedTaskList": user_client(officer).get("/api/v1/tasks/mine/"),
        "PaginatedNotificationList": user_client(officer).get("/api/v1/notifications/"),
        "PaginatedRegionList": api.get("/api/v1/regions/"),
        "Region": api.get("/api/v1/regions/53/"),
        "PaginatedDepartmentList": api.get("/api/v1/departments/"),
        "PaginatedInstitutionListList": Client().get("/api/v1/institutions/", **tok),
        "Institution": Client().get(f"/api/v1/institutions/{inst.uscc}/", **tok),
    }
    seen_null: set[str] = set()
    for component, response in answers.items():
        assert response.status_code == 200, (component, response.content)
        body = response.json()
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in _validator(schema, component).iter_errors(body)]
        assert errors == [], (component, errors)
        for where, value in _walk(body):
            if value is None:
                seen_null.add(where.split(".")[-1])
            assert not (isinstance(value, str) and any(r in value for r in NO_REPR)), \
                (component, where, value)
    # The missing cases were reached: each of these fields answered null somewhere.
    assert {"assignee", "assignee_name", "institution", "parent", "case",
            "supervising_department", "licence_valid_until"} <= seen_null, seen_null


def test_assignee_name_is_null_when_nobody_is_assigned(world):
    """§A3: it showed `<method-wrapper '__str__' of NoneType object at 0x…>`."""
    officer = world.a.users["officer"]
    case = make_case(world.a)
    unassigned = make_task(world.a, case)
    assigned = make_task(world.a, case, assignee=officer)
    rows = {r["id"]: r for r in user_client(officer).get("/api/v1/tasks/mine/").json()[
        "results"]}
    assert rows[unassigned.pk]["assignee_name"] is None
    assert rows[assigned.pk]["assignee_name"] == str(officer)


# -- §A6: task progress reaches an incremental pull; cases carry their institution --------

def test_task_progress_touches_the_case_for_an_incremental_pull(world, token):
    """§A6: assigning, reassigning, completing and returning a task each move its case's
    `updated_at`, so `?updated_since=` after the last pull finds the case again."""
    import datetime as dt

    from django.utils import timezone

    from cases import services
    from cases.models import Case

    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    case = make_case(world.a)

    def pulled_after(step: Any) -> set[str]:
        long_ago = timezone.now() - dt.timedelta(days=3)
        Case.objects.filter(pk=case.pk).update(updated_at=long_ago)
        since = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
        step()
        response = Client().get("/api/v1/cases/", {"updated_since": since},
                                HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200, response.content
        return {row["number"] for row in response.json()["results"]}

    holder: dict[str, Any] = {}
    assert pulled_after(lambda: holder.setdefault("t", make_task(world.a, case))) == {
        case.number}
    assert pulled_after(lambda: services.task_reassign(
        actor=admin, task=holder["t"], assignee=officer)) == {case.number}
    assert pulled_after(lambda: services.task_complete(
        actor=officer, task=holder["t"], note="办结")) == {case.number}
    other = make_task(world.a, case)
    assert pulled_after(lambda: services.task_return(
        actor=officer, task=other, reason="非本部门职责")) == {case.number}
    assert pulled_after(lambda: None) == set()


def test_cases_carry_their_institution_and_filter_by_its_code(world, token):
    """§A6: `institution` is {uscc, name} or null; `?institution=<uscc>` filters."""
    from institutions.tests.helpers import register

    inst = register(world, n=8, name="事项机构")
    about = make_case(world.a, title="关于机构")
    about.institution = inst
    about.save()
    plain = make_case(world.a, title="无机构")
    get = lambda **p: Client().get("/api/v1/cases/", p,  # noqa: E731
                                   HTTP_AUTHORIZATION=f"Token {token}")
    rows = {r["number"]: r for r in get().json()["results"]}
    assert rows[about.number]["institution"] == {"uscc": inst.uscc, "name": "事项机构"}
    assert rows[plain.number]["institution"] is None
    only = get(institution=inst.uscc.lower()).json()["results"]
    assert [r["number"] for r in only] == [about.number]
    assert get(institution="91530102MA0000001R").json()["results"] == []


# -- §A4: the schema tells the truth; bad filter values are refused -----------------------

@pytest.fixture
def schema(world: Any) -> dict:
    return user_client(world.a.users["officer"]).get("/api/schema/", {"format": "json"}).json()


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, ops in schema["paths"].items()
            for method, op in ops.items()]


def test_each_operation_lists_its_error_answers_in_the_error_format(schema):
    """§A4: 400 everywhere (unknown or empty parameters), 401 and 403 unless public, 404
    where the path names a record, 409 for a state transition, 429 where throttled."""
    ops = {(m, p): op for m, p, op in _operations(schema)}
    for (method, path), op in ops.items():
        codes = set(op["responses"])
        expected = {"200", "400", "429"}
        if not path.startswith("/api/v1/public/"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        assert expected <= codes, (method, path, codes)
        for code in codes - {"200"}:
            body = op["responses"][code]
            if code.startswith("2"):  # another success (201 Created): described, not an error
                assert body["description"], (path, code)
                continue
            assert body["description"], (path, code)
            assert body["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}, (path, code)
    assert "409" in ops[("post", "/api/v1/tasks/mine/{id}/complete/")]["responses"]
    assert "409" not in ops[("get", "/api/v1/cases/")]["responses"]
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}


def test_user_only_operations_do_not_offer_the_token_scheme(schema):
    """§A4: my tasks and notifications refuse every token (403), so the schema offers
    only the session there."""
    for method, path, op in _operations(schema):
        schemes = {name for requirement in op.get("security", []) for name in requirement}
        if path.startswith(("/api/v1/tasks/mine/", "/api/v1/notifications/",
                            "/api/v1/complaints/analytics/")):
            assert schemes == {"cookieAuth"}, (method, path)
        elif not path.startswith("/api/v1/public/"):
            assert "clientToken" in schemes, (method, path)


def test_pagination_and_nullable_fields_are_documented(schema):
    """§A4: the cursor and page_size's bounds; nullable fields are nullable."""
    params = {p["name"]: p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert params["page_size"]["schema"] == {"type": "integer", "minimum": 1,
                                             "maximum": 200, "default": 50}
    assert params["cursor"]["description"] and params["cursor"]["schema"]["type"] == "string"
    components = schema["components"]["schemas"]
    assert components["Region"]["properties"]["parent"]["nullable"] is True
    assert components["Task"]["properties"]["assignee_name"]["nullable"] is True
    assert components["Case"]["properties"]["institution"]["nullable"] is True
    assert {"$ref": "#/components/schemas/BlankEnum"} in \
        components["Case"]["properties"]["category"]["oneOf"]


@pytest.mark.parametrize(("url", "params", "named"), [
    ("/api/v1/cases/", {"updated_since": ""}, "updated_since"),
    ("/api/v1/cases/", {"state": ""}, "state"),
    ("/api/v1/cases/", {"page_size": "-5"}, "page_size"),
    ("/api/v1/cases/", {"page_size": "abc"}, "page_size"),
    ("/api/v1/cases/", {"page_size": "0"}, "page_size"),
    ("/api/v1/cases/", {"page_size": "201"}, "page_size"),
    ("/api/v1/cases/", {"page_size": "٣"}, "page_size"),
    ("/api/v1/cases/", {"cursor": ""}, "cursor"),
    ("/api/v1/institutions/", {"uscc": "91530102MA0000001R"}, "uscc"),
    ("/api/v1/institutions/", {"updated_since": " "}, "updated_since"),
    ("/api/v1/regions/", {"levle": "3"}, "levle"),
    ("/api/v1/cases/XK-000000-2000-000000/", {"expand": "tasks"}, "expand"),
    ("/api/v1/policy/profile/", {"countyy": "530102"}, "countyy"),
    ("/api/v1/policy/profile/", {"county": ""}, "county"),
])
def test_bad_or_unknown_query_parameters_get_400_naming_them(world, token, url, params,
                                                             named):
    """§A4: no silent fallback: a typo such as `?uscc=` used to return the whole list."""
    response = Client().get(url, params, HTTP_AUTHORIZATION=f"Token {token}")
    body = assert_error_body(response, 400, "invalid")
    assert set(body["errors"]) == {named}, body


def test_the_public_endpoint_refuses_unknown_parameters_too(world):
    body = assert_error_body(Client().get(PUBLIC, {"name": "x"}), 400, "invalid")
    assert set(body["errors"]) == {"name"}


def test_documented_parameters_and_format_are_accepted(world, token):
    ok = Client().get("/api/v1/cases/", {"page_size": "200", "format": "json",
                                         "institution": "91530102MA0000001R"},
                      HTTP_AUTHORIZATION=f"Token {token}")
    assert ok.status_code == 200, ok.content


@pytest.mark.parametrize("method", ["trace", "put", "delete"])
def test_an_undeclared_method_gets_405_even_with_query_parameters(world, token, method):
    """Found by schemathesis: the query check ran first and answered 400."""
    response = getattr(Client(), method)("/api/v1/cases/?state=open&page_size=5",
                                         HTTP_AUTHORIZATION=f"Token {token}")
    assert_error_body(response, 405, "method_not_allowed")


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/institutions/"])
@pytest.mark.parametrize("value", ["0413-09-21T19:33:57-16:44", "2026-11-30T08:00:00+15:59"])
def test_updated_since_with_an_offset_postgresql_refuses_is_compared_in_utc(world, token,
                                                                           url, value):
    """Found by the fuzzer: PostgreSQL refuses an offset beyond ±15:59 (a 500); the filter
    compares in UTC, so any offset that parses is answered."""
    response = Client().get(url, {"updated_since": value}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content
