"""The REST API shell (issue 3 §6): per-client tokens with scopes, regions and throttles;
session users; the scope gateway behind every endpoint; cursor pagination and filters;
one error format (400 with field errors, 404 for missing and forbidden alike, 409 for a
wrong state); the policy profile, regions, departments and notifications endpoints."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case, Notification, Task, TaskStatus
from core.vocab import Category, DepartmentType, Phase
from org.models import ApiClient, Region
from policy.models import MatrixCell, PolicyProfile
from tests.factories import World, make_case, make_task

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
MY_TASKS = "/api/v1/tasks/mine/"
NOTIFICATIONS = "/api/v1/notifications/"
MARK_READ = "/api/v1/notifications/mark-read/"
PROFILE = "/api/v1/policy/profile/"
REGIONS = "/api/v1/regions/"
DEPARTMENTS = "/api/v1/departments/"

#: Keys of every error body (portal/api/errors.py); "errors" only with field errors.
ERROR_KEYS = {"detail", "code"}


# -- helpers --------------------------------------------------------------------------------

def issue_client(*, name: str = "erp", scopes: list[str], regions: Sequence[Region] = (),
                 throttle_rate: str = "120/min", is_active: bool = True) -> tuple[ApiClient,
                                                                                  str]:
    client = ApiClient(name=name, scopes=scopes, throttle_rate=throttle_rate,
                       is_active=is_active)
    token = client.issue_token()
    client.save()
    client.regions.set(regions)
    return client, token


def token_get(token: str, url: str, **params: Any) -> Any:
    return Client().get(url, params, HTTP_AUTHORIZATION=f"Token {token}")


def user_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def assert_error_body(response: Any, status: int, code: str | None = None) -> dict:
    """One error format: {"detail", "code"} plus "errors" for field errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def two_counties(world: World) -> dict[str, Case]:
    """One arts / daily-supervision case with an education-sports task in each county."""
    out = {}
    for key in ("a", "b"):
        county = world.county(key)
        case = make_case(county, title=f"{key}-巡查")
        make_task(county, case)
        out[key] = case
    return out


# -- token clients ------------------------------------------------------------------------

def test_token_client_lists_only_cases_in_its_regions(world, two_counties):
    """§6: an ApiClient reads cases only in its own regions (scope gateway)."""
    _client, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    assert numbers(token_get(token, CASES)) == {two_counties["a"].number}
    detail = token_get(token, f"{CASES}{two_counties['a'].number}/")
    assert detail.status_code == 200
    assert detail.json()["number"] == two_counties["a"].number
    assert [t["department_name"] for t in detail.json()["tasks"]] == \
        [world.a.depts[DepartmentType.EDUCATION_SPORTS].name]


def test_token_client_gets_404_for_a_case_of_another_region(world, two_counties):
    """§6 and DESIGN.md "Scope": forbidden and missing answer alike, 404."""
    _client, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    forbidden = token_get(token, f"{CASES}{two_counties['b'].number}/")
    missing = token_get(token, f"{CASES}DB-000000-2000-000000/")
    assert_error_body(forbidden, 404, "not_found")
    assert forbidden.json() == missing.json()


def test_token_client_with_a_region_subtree_sees_the_towns_below(world):
    """A client of the city sees the cases of every county and town below it."""
    case_a = make_case(world.a, region=world.a.town)
    case_b = make_case(world.b)
    _client, token = issue_client(scopes=["cases:read"], regions=[world.city])
    assert numbers(token_get(token, CASES)) == {case_a.number, case_b.number}


def test_token_client_without_the_scope_gets_403(world, two_counties):
    """§6: a client needs the view's required scope."""
    _client, token = issue_client(scopes=["regions:read"], regions=[world.a.region])
    assert_error_body(token_get(token, CASES), 403)
    assert_error_body(token_get(token, f"{CASES}{two_counties['a'].number}/"), 403)
    assert_error_body(token_get(token, PROFILE), 403)
    assert token_get(token, REGIONS).status_code == 200
    assert token_get(token, DEPARTMENTS).status_code == 200


def test_token_client_with_policy_scope_reads_the_profile(world):
    _client, token = issue_client(scopes=["policy:read"])
    response = token_get(token, PROFILE)
    assert response.status_code == 200
    assert response.json()["code"] == "kunming"


def test_an_invalid_token_gets_401(world, two_counties):
    """§6: a wrong token is refused, with a WWW-Authenticate challenge."""
    issue_client(scopes=["cases:read"], regions=[world.a.region])
    for header in ("Token not-a-real-token", "Token", "Token a b"):
        response = Client().get(CASES, HTTP_AUTHORIZATION=header)
        assert_error_body(response, 401)
        assert response["WWW-Authenticate"] == "Token"


def test_an_inactive_client_gets_401(world, two_counties):
    """An ApiClient switched off in the admin can no longer call."""
    client, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    assert token_get(token, CASES).status_code == 200
    client.is_active = False
    client.save()
    assert_error_body(token_get(token, CASES), 401)


@pytest.mark.parametrize("url", [CASES, MY_TASKS, NOTIFICATIONS, REGIONS, DEPARTMENTS,
                                 PROFILE])
def test_anonymous_callers_get_401(world, url):
    assert_error_body(Client().get(url), 401, "not_authenticated")


@pytest.mark.parametrize(("method", "url"), [
    ("post", CASES), ("delete", REGIONS), ("put", PROFILE), ("get", MARK_READ),
    ("patch", NOTIFICATIONS),
])
def test_wrong_methods_get_405_in_the_error_format(world, method, url):
    api = user_client(world.a.users["county_admin"])
    response = getattr(api, method)(url, "{}", content_type="application/json") \
        if method != "get" else api.get(url)
    assert_error_body(response, 405, "method_not_allowed")


@pytest.mark.parametrize("url", [MY_TASKS, NOTIFICATIONS])
def test_token_clients_cannot_use_user_only_endpoints(world, url):
    """§6: my tasks and notifications belong to a person; a client gets 403 whatever its
    scopes."""
    _client, token = issue_client(scopes=[s.value for s in ApiClient.Scopes],
                                  regions=[world.city])
    assert_error_body(token_get(token, url), 403)
    mark = Client().post(MARK_READ, "{}", content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}")
    assert_error_body(mark, 403)


def test_token_is_stored_hashed(world):
    """§6: an ApiClient keeps a hash of its token, never the token itself."""
    client, token = issue_client(scopes=["cases:read"])
    client.refresh_from_db()
    assert client.token_hash != token
    assert token not in client.token_hash
    assert client.token_hash == ApiClient.hash_token(token)
    assert client.token_prefix == token[:8]
    # Issuing again replaces the old token.
    new_token = client.issue_token()
    client.save()
    assert token_get(token, CASES).status_code == 401
    assert token_get(new_token, CASES).status_code == 200


def test_token_use_is_recorded(world):
    client, token = issue_client(scopes=["regions:read"])
    assert client.last_used_at is None
    token_get(token, REGIONS)
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_token_use_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    """Issue 13: an UPDATE of `last_used_at` on every call is a row lock on the hottest
    path; within a minute a call writes nothing, after it the time moves on."""
    import time_machine

    client, token = issue_client(scopes=["regions:read"])
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        token_get(token, REGIONS)
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, 30, tzinfo=dt.UTC), tick=False):
        token_get(token, REGIONS)
        client.refresh_from_db()
        assert client.last_used_at == dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 1, 5, tzinfo=dt.UTC), tick=False):
        token_get(token, REGIONS)
        client.refresh_from_db()
        assert client.last_used_at == dt.datetime(2026, 11, 2, 9, 1, 5, tzinfo=dt.UTC)


def test_api_reads_do_not_save_the_session_but_pages_do(world):
    """Issue 13: the idle timeout is refreshed by pages and writes, not by API reads."""
    from django.contrib.sessions.models import Session

    browser = Client()
    browser.force_login(world.a.users["officer"])
    key = browser.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=5))
    assert browser.get(CASES).status_code == 200
    before = Session.objects.get(pk=key).expire_date
    assert before < timezone.now() + dt.timedelta(minutes=6)
    assert browser.get("/office/").status_code == 200
    assert Session.objects.get(pk=key).expire_date > before + dt.timedelta(minutes=20)


# -- session users: scope, filters, pagination ----------------------------------------

def test_session_user_lists_only_cases_in_scope(world, two_counties):
    """DESIGN.md "Scope": a county admin sees the county; an officer sees the cases
    their department has a part in; nobody sees another county's cases."""
    other = make_case(world.a, title="卫健事项")
    make_task(world.a, other, dept=DepartmentType.HEALTH)
    admin = user_client(world.a.users["county_admin"])
    assert numbers(admin.get(CASES)) == {two_counties["a"].number, other.number}
    # Health has no part in arts / daily supervision, except through its own task.
    health = user_client(world.a.users["health"])
    assert numbers(health.get(CASES)) == {other.number}
    assert health.get(f"{CASES}{two_counties['a'].number}/").status_code == 404
    assert admin.get(f"{CASES}{two_counties['b'].number}/").status_code == 404
    assert numbers(user_client(world.b.users["county_admin"]).get(CASES)) == {
        two_counties["b"].number}


def test_case_list_filters(world):
    """§6: django-filter filters on state, kind, region (subtree), q and updated_since."""
    admin = world.a.users["county_admin"]
    open_case = make_case(world.a, title="艺术类培训巡查")
    town_case = make_case(world.a, title="街道巡查", region=world.a.town)
    complaint = make_case(world.a, title="家长投诉", kind="licensing")
    closed = make_case(world.a, title="已办结事项")
    services.case_close(actor=admin, case=closed, reason="办结")
    api = user_client(admin)

    assert numbers(api.get(CASES, {"state": "closed"})) == {closed.number}
    assert numbers(api.get(CASES, {"state": ["open", "closed"]})) == {
        open_case.number, town_case.number, complaint.number, closed.number}
    assert numbers(api.get(CASES, {"kind": "licensing"})) == {complaint.number}
    assert numbers(api.get(CASES, {"region": world.a.town.code})) == {town_case.number}
    assert len(numbers(api.get(CASES, {"region": world.a.region.code}))) == 4
    assert numbers(api.get(CASES, {"region": world.b.region.code})) == set()
    assert numbers(api.get(CASES, {"q": "投诉"})) == {complaint.number}
    assert numbers(api.get(CASES, {"q": complaint.number.lower()})) == {complaint.number}

    long_ago = timezone.now() - dt.timedelta(days=30)
    Case.objects.exclude(pk=open_case.pk).update(updated_at=long_ago)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert numbers(api.get(CASES, {"updated_since": since})) == {open_case.number}


@pytest.mark.parametrize("params", [
    {"state": "bogus"},
    {"kind": "nope"},
    {"updated_since": "yesterday"},
    {"category": "academic-ish"},
])
def test_an_invalid_filter_value_gets_400_with_field_errors(world, params):
    """§6: one error format; a bad filter is a 400 naming the field."""
    response = user_client(world.a.users["county_admin"]).get(CASES, params)
    body = assert_error_body(response, 400, "invalid")
    assert isinstance(body["errors"], dict)
    assert list(body["errors"]) == list(params)
    assert all(isinstance(m, str) for m in body["errors"][next(iter(params))])


def test_task_and_region_filters_refuse_bad_values(world):
    api = user_client(world.a.users["officer"])
    assert "due_before" in assert_error_body(
        api.get(MY_TASKS, {"due_before": "2026-13-01"}), 400)["errors"]
    assert "level" in assert_error_body(api.get(REGIONS, {"level": "99"}), 400)["errors"]
    assert "type" in assert_error_body(api.get(DEPARTMENTS, {"type": "x"}), 400)["errors"]


def test_cursor_pagination_visits_every_row_exactly_once(world):
    """STYLE.md §6: lists page by cursor; following `next` visits each row once."""
    made = {make_case(world.a, title=f"事项{i}").number for i in range(7)}
    api = user_client(world.a.users["county_admin"])
    seen: list[str] = []
    url: str | None = f"{CASES}?page_size=2"
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert len(body["results"]) <= 2
        assert "cursor=" in (body["next"] or "cursor=")
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
        pages += 1
        assert pages < 10
    assert pages == 4
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == made
    # And back again through `previous`.
    assert response.json()["previous"]
    back = api.get(response.json()["previous"]).json()
    assert [row["number"] for row in back["results"]] == seen[4:6]


def test_a_bad_cursor_gets_400_in_the_error_format(world):
    """Issue 14 §A2: a cursor we did not issue is bad input, not a missing page."""
    response = user_client(world.a.users["county_admin"]).get(CASES, {"cursor": "garbage"})
    assert set(assert_error_body(response, 400, "invalid")["errors"]) == {"cursor"}


def test_my_tasks_pages_by_due_date(world):
    officer = world.a.users["officer"]
    case = make_case(world.a)
    tasks = [make_task(world.a, case, workdays=n) for n in (9, 3, 6, 1, 12)]
    api = user_client(officer)
    seen, url = [], f"{MY_TASKS}?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [t.pk for t in sorted(tasks, key=lambda t: (t.due_date, t.pk))]


# -- one error format -----------------------------------------------------------------------

@pytest.fixture
def task_a(world: World) -> Task:
    return make_task(world.a, make_case(world.a))


def complete_url(task_id: Any) -> str:
    return f"{MY_TASKS}{task_id}/complete/"


def test_complete_with_an_empty_note_gets_400_with_field_errors(world, task_a):
    """§6: 400 {"detail", "code", "errors": {field: [messages]}}."""
    api = user_client(world.a.users["officer"])
    for note in ("", "   "):
        body = assert_error_body(post_json(api, complete_url(task_a.pk), {"note": note}),
                                 400, "invalid")
        assert set(body["errors"]) == {"note"}
        assert isinstance(body["errors"]["note"], list) and body["errors"]["note"]
    body = assert_error_body(post_json(api, complete_url(task_a.pk), {}), 400, "invalid")
    assert set(body["errors"]) == {"note"}
    task_a.refresh_from_db()
    assert task_a.status == TaskStatus.OPEN


def test_completing_a_done_task_gets_409_invalid_state(world, task_a):
    """§6: a wrong state is 409 with code invalid_state (core.errors.InvalidState)."""
    api = user_client(world.a.users["officer"])
    done = post_json(api, complete_url(task_a.pk), {"note": "已办结"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == TaskStatus.DONE
    again = post_json(api, complete_url(task_a.pk), {"note": "再次办结"})
    assert_error_body(again, 409, "invalid_state")
    task_a.refresh_from_db()
    assert task_a.completion_note == "已办结"


def test_unknown_and_foreign_tasks_get_the_same_404(world, task_a):
    """§6 and DESIGN.md "Scope": missing and forbidden answer alike."""
    foreign = make_task(world.b, make_case(world.b))
    api = user_client(world.a.users["officer"])
    missing = post_json(api, complete_url(999_999_999), {"note": "x"})
    forbidden = post_json(api, complete_url(foreign.pk), {"note": "x"})
    assert_error_body(missing, 404, "not_found")
    assert_error_body(forbidden, 404, "not_found")
    assert missing.json() == forbidden.json()
    assert api.get(f"{MY_TASKS}{foreign.pk}/").json() == missing.json()
    foreign.refresh_from_db()
    assert foreign.status == TaskStatus.OPEN


def test_a_visible_task_of_another_department_gets_403(world, task_a):
    """A culture-tourism officer sees the arts case (matrix assist) but may not work
    education-sports' task: PermissionDenied maps to 403 in the same format."""
    api = user_client(world.a.users["culture"])
    assert_error_body(post_json(api, complete_url(task_a.pk), {"note": "x"}), 403,
                      "permission_denied")


def test_mark_read_with_bad_ids_gets_400_with_field_errors(world):
    api = user_client(world.a.users["officer"])
    for ids in (["x"], "x", [0], [None]):
        body = assert_error_body(post_json(api, MARK_READ, {"ids": ids}), 400, "invalid")
        assert set(body["errors"]) == {"ids"}


MALFORMED = [
    pytest.param("{not json", "application/json", id="not-json"),
    pytest.param("[1, 2, 3]", "application/json", id="list-body"),
    pytest.param('"note"', "application/json", id="string-body"),
    pytest.param("null", "application/json", id="null-body"),
    pytest.param('{"note": ["a", "b"]}', "application/json", id="note-as-list"),
    pytest.param('{"note": {"a": 1}}', "application/json", id="note-as-object"),
    pytest.param('{"note": "' + "长" * 6000 + '"}', "application/json", id="note-too-long"),
    pytest.param('{"ids": [100000000000000000000000000000]}', "application/json",
                 id="huge-id"),
    pytest.param('{"ids": [9223372036854775808]}', "application/json", id="bigint-overflow"),
    pytest.param('{"ids": [1.5e300]}', "application/json", id="huge-float"),
    pytest.param('{"ids": ' + json.dumps(list(range(1, 2000))) + "}", "application/json",
                 id="too-many-ids"),
    pytest.param(b"\xff\xfe{", "application/json", id="bad-bytes"),
    pytest.param("note=x", "text/plain", id="wrong-media-type"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
@pytest.mark.parametrize("target", ["complete", "mark-read"])
def test_malformed_bodies_never_give_500(world, task_a, body, content_type, target):
    """§6 and STYLE.md §5: bad input is a 4xx in the one error format, never a
    traceback."""
    url = complete_url(task_a.pk) if target == "complete" else MARK_READ
    api = user_client(world.a.users["officer"])
    response = api.post(url, body, content_type=content_type)
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert_error_body(response, response.status_code)


@pytest.mark.parametrize("path", [
    "99999999999999999999999999/complete/", "-1/complete/", "abc/complete/",
    "99999999999999999999999999/",
])
def test_malformed_task_ids_get_404(world, path):
    api = user_client(world.a.users["officer"])
    response = post_json(api, f"{MY_TASKS}{path}", {"note": "x"}) if "complete" in path \
        else api.get(f"{MY_TASKS}{path}")
    assert_error_body(response, 404)


def test_a_nul_character_gets_400_in_the_error_format(world):
    """PostgreSQL refuses NUL in text; the middleware answers 400 before any query."""
    api = user_client(world.a.users["officer"])
    assert_error_body(api.get(f"{MY_TASKS}%00/"), 400)
    assert_error_body(api.get("/api/v1/cases/", {"q": "a\x00"}), 400)


@pytest.mark.parametrize("query", [
    {"department": "9" * 30}, {"page_size": "abc"}, {"page_size": "-5"},
    {"cursor": "%%%"}, {"overdue": "maybe"}, {"status": "\x00"},
])
def test_malformed_query_strings_never_give_500(world, task_a, query):
    response = user_client(world.a.users["officer"]).get(MY_TASKS, query)
    assert response.status_code < 500, response.content


# -- policy profile ----------------------------------------------------------------------

def test_policy_profile_endpoint_returns_the_kunming_matrix(world):
    """§3, §6: the active profile (Kunming, 000 §3): 3 categories × 3 phases."""
    response = user_client(world.a.users["officer"]).get(PROFILE)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "kunming"
    assert len(body["matrix"]) == 9
    assert {(c["category"], c["phase"]) for c in body["matrix"]} == {
        (cat, phase) for cat in (Category.ARTS, Category.TECH, Category.SPORTS)
        for phase in Phase.values}
    assert all(c["region_code"] == "" for c in body["matrix"])
    assert body["rules"] and all("source" in r for r in body["rules"])


def test_policy_profile_endpoint_applies_a_county_override(world):
    """000 §3: a county may agree its own split of duties; `?county=` shows it."""
    profile = PolicyProfile.objects.get(code="kunming")
    MatrixCell.objects.create(profile=profile, region_code=world.a.region.code,
                              category=Category.SPORTS, phase=Phase.DAILY_SUPERVISION,
                              lead_type=DepartmentType.CULTURE_TOURISM,
                              lead_duty="区内约定由文旅牵头", source="000 §3")
    api = user_client(world.a.users["officer"])

    def sports_daily(params: dict) -> dict:
        body = api.get(PROFILE, params).json()
        assert len(body["matrix"]) == 9
        return next(c for c in body["matrix"] if c["category"] == Category.SPORTS
                    and c["phase"] == Phase.DAILY_SUPERVISION)

    own = sports_daily({"county": world.a.region.code})
    assert own["region_code"] == world.a.region.code
    assert own["lead"]["department_type"] == DepartmentType.CULTURE_TOURISM
    for params in ({}, {"county": world.b.region.code}):
        city = sports_daily(params)
        assert city["region_code"] == ""
        assert city["lead"]["department_type"] == DepartmentType.EDUCATION_SPORTS


# -- regions and departments -------------------------------------------------------------

def region_codes(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_regions_endpoint_lists_and_filters(world):
    """§2, §6: the region tree; filters level, parent and within (subtree)."""
    api = user_client(world.a.users["officer"])
    a, b = world.a, world.b
    everything = {"53", "5301", a.region.code, a.town.code, a.grid.code, b.region.code,
                  b.town.code, b.grid.code}
    assert region_codes(api.get(REGIONS)) == everything
    assert region_codes(api.get(REGIONS, {"level": 3})) == {a.region.code, b.region.code}
    assert region_codes(api.get(REGIONS, {"parent": "5301"})) == {a.region.code,
                                                                   b.region.code}
    assert region_codes(api.get(REGIONS, {"within": a.region.code})) == {
        a.region.code, a.town.code, a.grid.code}
    assert region_codes(api.get(REGIONS, {"within": a.region.code, "level": 6})) == {
        a.grid.code}
    detail = api.get(f"{REGIONS}{a.town.code}/")
    assert detail.status_code == 200
    assert detail.json()["parent"] == a.region.code
    assert detail.json()["path"] == f"/53/5301/{a.region.code}/{a.town.code}/"
    assert_error_body(api.get(f"{REGIONS}000000/"), 404)


def test_departments_endpoint_lists_and_filters(world):
    """§2, §6: departments with their duty-publicity fields; filters type and region."""
    api = user_client(world.a.users["officer"])

    def ids(params: dict) -> set[int]:
        response = api.get(DEPARTMENTS, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    a_depts = {d.pk for d in world.a.depts.values()}
    assert a_depts | {d.pk for d in world.b.depts.values()} <= ids({})
    assert ids({"region": world.a.region.code}) == a_depts
    assert ids({"type": DepartmentType.HEALTH}) == {
        world.a.depts[DepartmentType.HEALTH].pk, world.b.depts[DepartmentType.HEALTH].pk}
    assert ids({"type": DepartmentType.HEALTH, "region": world.a.region.code}) == {
        world.a.depts[DepartmentType.HEALTH].pk}
    row = api.get(f"{DEPARTMENTS}{world.a.depts[DepartmentType.HEALTH].pk}/").json()
    assert {"responsible_office", "office_head", "consultation_address",
            "consultation_phone"} <= set(row)
    # Inactive departments are not listed.
    dept = world.a.depts[DepartmentType.HEALTH]
    dept.is_active = False
    dept.save()
    assert dept.pk not in ids({})


# -- throttling --------------------------------------------------------------------------

def test_a_client_is_throttled_at_its_own_rate(world, settings):
    """§6: each ApiClient has its own throttle rate; the 4th call in a minute at 3/min
    gets 429 in the error format."""
    # A process-local cache, so that another test run flushing the shared Redis cannot
    # reset the counts halfway.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "throttle-test"}}
    _client, token = issue_client(scopes=["regions:read"], throttle_rate="3/min")
    _other, other_token = issue_client(name="other", scopes=["regions:read"],
                                       throttle_rate="3/min")
    for _ in range(3):
        assert token_get(token, REGIONS).status_code == 200
    throttled = token_get(token, REGIONS)
    assert_error_body(throttled, 429, "throttled")
    assert "Retry-After" in throttled
    # Another client keeps its own budget.
    assert token_get(other_token, REGIONS).status_code == 200


# -- notifications -----------------------------------------------------------------------

def test_notifications_list_only_my_own(world, task_a):
    """Notification scope: everyone sees only their own inbox, whatever their role."""
    make_task(world.b, make_case(world.b))  # notifies county B's education-sports staff
    officer = world.a.users["officer"]
    mine = set(Notification.objects.filter(recipient=officer).values_list("pk", flat=True))
    assert mine
    response = user_client(officer).get(NOTIFICATIONS)
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == mine
    # Even the county admin and a superuser see only their own.
    for user in (world.a.users["county_admin"], world.system_admin):
        rows = user_client(user).get(NOTIFICATIONS).json()["results"]
        assert {r["id"] for r in rows} == set(
            Notification.objects.filter(recipient=user).values_list("pk", flat=True))


def test_mark_read_marks_only_my_notifications(world, task_a):
    make_task(world.a, make_case(world.a))
    officer, head = world.a.users["officer"], world.a.users["head"]
    mine = list(Notification.objects.filter(recipient=officer).order_by("pk"))
    heads = list(Notification.objects.filter(recipient=head).values_list("pk", flat=True))
    assert len(mine) == 2 and heads
    api = user_client(officer)

    response = post_json(api, MARK_READ, {"ids": [mine[0].pk, *heads]})
    assert response.status_code == 200 and response.json() == {"marked": 1}
    rows = {r["id"]: r for r in api.get(NOTIFICATIONS).json()["results"]}
    assert rows[mine[0].pk]["read_at"] is not None
    assert rows[mine[1].pk]["read_at"] is None
    assert not Notification.objects.filter(pk__in=heads, read_at__isnull=False).exists()

    assert post_json(api, MARK_READ, {}).json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert post_json(api, MARK_READ, {}).json() == {"marked": 0}
    assert Notification.objects.filter(recipient=head, read_at__isnull=True).count() == \
        len(heads)


# -- my tasks ---------------------------------------------------------------------------

def test_my_tasks_lists_open_tasks_assigned_to_me_or_my_department(world):
    officer = world.a.users["officer"]
    case = make_case(world.a)
    unassigned = make_task(world.a, case)
    assigned = make_task(world.a, case, assignee=officer)
    other_person = make_task(world.a, case, assignee=world.a.users["head"])
    other_dept = make_task(world.a, case, dept=DepartmentType.CULTURE_TOURISM)
    done = make_task(world.a, case)
    services.task_complete(actor=officer, task=done, note="办结")
    rows = user_client(officer).get(MY_TASKS).json()["results"]
    assert {r["id"] for r in rows} == {unassigned.pk, assigned.pk}
    assert other_person.pk not in {r["id"] for r in rows}
    assert other_dept.pk not in {r["id"] for r in rows}
    assert {r["case"] for r in rows} == {case.number}


def test_a_system_admin_marks_only_their_own_notifications_read(world, task_a):
    """An inbox is personal even for unrestricted principals: a system admin's "mark all
    as read" must not touch officers' inboxes (bug fixed in NotificationQuerySet)."""
    api = user_client(world.system_admin)
    assert api.get(NOTIFICATIONS).json()["results"] == []
    assert post_json(api, MARK_READ, {}).json() == {"marked": 0}
    assert Notification.objects.filter(recipient=world.a.users["officer"],
                                       read_at__isnull=True).exists()
