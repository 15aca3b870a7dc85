"""The office lists and details of rounds, daily inspections and rectification orders,
HTML and API, through the generic URL test case (tests/generic.py), and the permission
matrix of their forms: county A's roles against county A's and county B's objects."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.vocab import DepartmentType
from inspections import services
from inspections.tests.helpers import (
    ALL_PASS,
    DAILY_OK,
    first_inspection,
    make_daily,
    make_order,
    make_round,
    today,
)
from institutions.tests.helpers import licensed_with_gate
from tests.factories import World
from tests.generic import URLTests
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

#: Kunming arts daily supervision: education-sports leads, culture-tourism and market
#: regulation assist (000 §3(1)3); health has no part.
ARTS_DAILY = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}


class TestRoundURLs(URLTests):
    """A sports round: education-sports leads it with no assist (000 §3(3)2)."""

    html_list = "/office/inspections/rounds/"
    api_list = "/api/v1/inspections/rounds/"
    viewers = {"officer", "head", "county_admin", "joint", "discipline"}
    #: the page adds the region filter's options and the footer's sum (issue 12)
    html_budget, api_budget = 11, 8
    budget_small, budget_large = 2, 12

    def build(self, world: World, key: str) -> Any:
        return make_round(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/rounds/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/rounds/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            services.round_create(actor=world.a.users["county_admin"], county=world.a.region,
                                  year=2000 + n, category="sports", plan="方案",
                                  starts_on=today(), ends_on=today())


class TestDailyURLs(URLTests):
    html_list = "/office/inspections/daily/"
    api_list = "/api/v1/inspections/daily/"
    viewers = ARTS_DAILY
    html_budget, api_budget = 10, 8
    budget_small, budget_large = 2, 12

    def build(self, world: World, key: str) -> Any:
        return make_daily(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/daily/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/daily/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            make_daily(world, "a", site_address=f"幸福小区{n}栋", site_type="flat")


@pytest.mark.parametrize("kind", ["rounds", "daily"])
def test_filtered_list_query_count_is_constant(world: World, query_budget, kind):
    """The filters the dashboards link with (issue 12: county, year or month, state) add
    no query per row; the round list's footer sums the rounds' assignments in one query."""
    code = world.a.region.code
    if kind == "rounds":
        url = f"/office/inspections/rounds/?region={code}&category=sports&state=planning"
        grow = TestRoundURLs().grow
    else:
        url = (f"/office/inspections/daily/?region={code}&month={today():%Y-%m}"
               "&state=planned&mode=patrol")
        grow = TestDailyURLs().grow
    client = Client()
    client.force_login(world.a.users["county_admin"])
    few, many = query_budget(client, url, lambda a, b: grow(world, a, b), small=2,
                             large=12, budget=11)
    assert many.response.context["page"].paginator.count == 12


class TestOrderURLs(URLTests):
    html_list = "/office/inspections/orders/"
    api_list = "/api/v1/inspections/orders/"
    viewers = ARTS_DAILY
    html_budget, api_budget = 10, 8
    budget_small, budget_large = 2, 12

    def build(self, world: World, key: str) -> Any:
        return make_order(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/orders/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/orders/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        from institutions.models import Institution

        inst = Institution.objects.filter(name="整改增长机构").first() or \
            licensed_with_gate(world, "a", 90, name="整改增长机构")
        for n in range(start, stop):
            services.order_open(actor=None, department=world.a.depts[
                DepartmentType.EDUCATION_SPORTS], institution=inst, region=inst.region,
                findings=f"问题{n}")


def _round_objects(world: World, key: str) -> dict[str, Any]:
    rnd = make_round(world, key)
    county = world.county(key)
    group = services.group_save(actor=county.users["officer"], round=rnd, name="一组",
                                members=[county.users["officer"]])
    return {"round": rnd, "inspection": first_inspection(rnd), "group": group}


def test_round_forms_matrix(world: World):
    """Sports round (000 §3(3)2): education-sports plans, records and publishes (its
    head); the county admin plans; county B's round answers 404 to everyone."""
    planners = {"officer", "head", "county_admin"}
    endpoints = [
        Endpoint("annual form", lambda o: f"/office/inspections/annual/{o['inspection'].pk}/",
                 {"officer", "head", "county_admin", "joint", "discipline"}),
        Endpoint("record", lambda o: f"/office/inspections/annual/{o['inspection'].pk}/",
                 {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: {"inspected_on": today().isoformat(),
                                 **{f"item_{k}": "yes" for k in ALL_PASS}}),
        Endpoint("group", lambda o: f"/office/inspections/rounds/{o['round'].pk}/groups/",
                 planners, method="post", ok=(302,),
                 data=lambda o: {"name": "二组", "members": [o["group"].members.first().pk]}),
        Endpoint("balance", lambda o: f"/office/inspections/rounds/{o['round'].pk}/balance/",
                 planners, method="post", ok=(302,)),
        Endpoint("move", lambda o: f"/office/inspections/annual/{o['inspection'].pk}/move/",
                 planners, method="post", ok=(302,), data=lambda o: {"group": o["group"].pk}),
        Endpoint("publish", lambda o: f"/office/inspections/rounds/{o['round'].pk}/publish/",
                 {"head"}, method="post", ok=(302,)),
    ]
    assert_matrix(world, endpoints, _round_objects)


def _daily_objects(world: World, key: str) -> dict[str, Any]:
    order = make_order(world, key)
    return {"daily": make_daily(world, key), "order": order}


def test_daily_and_order_forms_matrix(world: World):
    """The inspection form by the department on the inspection; the re-check by the
    order's department; county B's answer 404 to everyone."""
    endpoints = [
        Endpoint("inspect", lambda o: f"/office/inspections/daily/{o['daily'].pk}/",
                 {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: {f"item_{k}": v for k, v in DAILY_OK.items()},
                 denied=(403, 404)),
        Endpoint("recheck", lambda o: f"/office/inspections/orders/{o['order'].pk}/recheck/",
                 {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: {"passed": "yes", "note": "复查合格"}),
        Endpoint("evidence", lambda o: f"/office/inspections/orders/{o['order'].pk}/evidence/",
                 set(), method="post", ok=(302,), data=lambda o: {"evidence": "已整改"}),
    ]
    assert_matrix(world, endpoints, _daily_objects)


def test_public_results_page_and_api(world: World):
    """000 §3: the lead department publishes the results; anyone reads them. Before
    publication nothing shows."""
    rnd = make_round(world, institutions=2)
    a, b = list(rnd.inspections.order_by("pk"))
    services.result_record(actor=world.a.users["officer"], inspection=a, answers=ALL_PASS)
    anonymous = Client()
    api = f"/api/v1/public/inspection-results/?year={rnd.year}"
    assert anonymous.get(api).json()["results"] == []
    assert a.institution.name not in anonymous.get("/inspections/results/").content.decode()
    services.round_publish(actor=world.a.users["head"], round=rnd)
    rows = anonymous.get(api).json()["results"]
    assert {(r["uscc"], r["result"]) for r in rows} == {(a.institution.uscc, "pass"),
                                                        (b.institution.uscc, "absent")}
    page = anonymous.get(f"/inspections/results/{rnd.year}/").content.decode()
    assert a.institution.name in page and b.institution.name in page
    assert anonymous.get("/api/v1/public/inspection-results/").status_code == 400  # no year
    assert anonymous.get(api + "&yaer=1").status_code == 400


def test_public_results_query_count_is_constant(world: World, query_budget: Any):
    rnd = make_round(world, institutions=1)
    services.round_publish(actor=world.a.users["head"], round=rnd)

    def grow(start: int, stop: int) -> None:
        from inspections.models import AnnualInspection

        for n in range(start, stop):
            inst = licensed_with_gate(world, "a", 200 + n, category="sports",
                                      name=f"公示机构{n}")
            AnnualInspection.objects.create(round=rnd, institution=inst, result="pass")

    query_budget(Client(), f"/inspections/results/{rnd.year}/", grow, small=2, large=8,
                 budget=8, name="public results page")


def test_public_results_api_query_count_is_constant(world: World, query_budget: Any):
    rnd = make_round(world, institutions=1)
    services.round_publish(actor=world.a.users["head"], round=rnd)

    def grow(start: int, stop: int) -> None:
        from inspections.models import AnnualInspection

        for n in range(start, stop):
            inst = licensed_with_gate(world, "a", 200 + n, category="sports",
                                      name=f"公示机构{n}")
            AnnualInspection.objects.create(round=rnd, institution=inst, result="pass")

    query_budget(Client(), f"/api/v1/public/inspection-results/?year={rnd.year}&page_size=50",
                 grow, small=2, large=8, budget=8, name="public results API")


def _zombie(world: World, key: str, n: int = 95) -> Any:
    from inspections.models import InspectionYear

    inst = licensed_with_gate(world, key, n, name=f"僵尸机构{key}{n}")
    year = today().year
    for y in (year - 2, year - 1):
        InspectionYear.objects.create(institution=inst, year=y, inspected=False)
    flags = services.zombie_flags(years={year - 2: False, year - 1: False}, min_years=2,
                                  active=False, unreachable=False)
    return services._zombie_open(inst, flags, "any", today())


class TestZombieURLs(URLTests):
    """A cleanup of an arts institution: its case is seen as arts annual-inspection work
    (culture-tourism leads, education-sports assists, 000 §3(1)2) or through its tasks
    (the supervising department; market regulation for deregistration)."""

    html_list = "/office/inspections/zombies/"
    viewers = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}
    api_list = "/api/v1/inspections/zombies/"
    html_budget, api_budget = 10, 8
    budget_small, budget_large = 2, 6

    def build(self, world: World, key: str) -> Any:
        return _zombie(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/zombies/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/zombies/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            _zombie(world, "a", 300 + n)


def _enforcement(world: World, key: str, n: int = 97) -> Any:
    from inspections.models import ViolationType

    inst = licensed_with_gate(world, key, n, name=f"执法机构{key}{n}")
    return services.enforcement_open(actor=None, violation=ViolationType.objects.get(
        code="hours"), region=inst.region, institution=inst, findings="超时培训")


class TestEnforcementURLs(URLTests):
    html_list = "/office/inspections/enforcement/"
    viewers = ARTS_DAILY
    api_list = "/api/v1/inspections/enforcement/"
    html_budget, api_budget = 10, 8
    budget_small, budget_large = 2, 12

    def build(self, world: World, key: str) -> Any:
        return _enforcement(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/enforcement/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/enforcement/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        from inspections.models import ViolationType
        from institutions.models import Institution

        inst = Institution.objects.filter(name="执法增长机构").first() or \
            licensed_with_gate(world, "a", 91, name="执法增长机构")
        for n in range(start, stop):
            services.enforcement_open(actor=None, violation=ViolationType.objects.get(
                code="advertising"), region=inst.region, institution=inst, findings=f"广告{n}")


def test_penalty_form_matrix(world: World):
    """The head of the competent department decides; county B's case answers 404."""
    from tests.samplefiles import pdf

    def data(o: dict[str, Any]) -> dict[str, Any]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {"penalty": "warning", "legal_basis": "《规定》",
                "document": SimpleUploadedFile("d.pdf", pdf())}

    endpoints = [Endpoint("decide", lambda o: f"/office/inspections/enforcement/{o['e'].pk}/",
                          {"head"}, method="post", ok=(302,), data=data, files=True)]
    assert_matrix(world, endpoints, lambda w, key: {"e": _enforcement(w, key)})


def _entry(world: World, key: str, n: int = 98) -> Any:
    inst = licensed_with_gate(world, key, n, name=f"黑名单机构{key}{n}")
    return services.blacklist_enter(actor=world.county(key).users["county_admin"],
                                    institution=inst, reason="违规培训")


class TestBlacklistURLs(URLTests):
    """An arts institution's entry: culture-tourism supervises it (000 §3(1))."""

    html_list = "/office/inspections/blacklist/"
    viewers = ARTS_DAILY
    api_list = "/api/v1/inspections/blacklist/"
    html_budget, api_budget = 10, 8
    budget_small, budget_large = 2, 6

    def build(self, world: World, key: str) -> Any:
        return _entry(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/blacklist/{obj.pk}/"

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/inspections/blacklist/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            _entry(world, "a", 400 + n)


def test_blacklist_forms_matrix(world: World):
    """Appeals come from the institution's staff (here: none is attached, so nobody); the
    decision from the listing department's head (culture-tourism: none in the world's
    roles); county B's entry answers 404 to everyone."""
    endpoints = [
        Endpoint("appeal", lambda o: f"/office/inspections/blacklist/{o['e'].pk}/appeal/",
                 set(), method="post", ok=(302,), data=lambda o: {"text": "申诉"}),
        Endpoint("decide", lambda o: f"/office/inspections/blacklist/{o['e'].pk}/decide/",
                 set(), method="post", ok=(302,),
                 data=lambda o: {"grant": "yes", "reason": "理由"}),
    ]
    assert_matrix(world, endpoints, lambda w, key: {"e": _entry(w, key)})


@pytest.mark.parametrize("url", [
    "/api/v1/inspections/zombies/?outcome=maybe",
    "/api/v1/inspections/zombies/?outcom=open",
    "/api/v1/inspections/enforcement/?penalty=jail",
    "/api/v1/inspections/enforcement/?mode=x",
    "/api/v1/inspections/blacklist/?state=gone",
    "/api/v1/inspections/blacklist/?appeal_state=x",
    "/api/v1/inspections/blacklist/?cursor=bogus",
])
def test_new_lists_answer_400_to_bad_filters(world: World, url: str):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert response.json()


def test_new_list_filters_select_rows(world: World):
    """The filters of the zombie, enforcement and black-list endpoints pick the rows."""
    zombie, case, entry = _zombie(world, "a"), _enforcement(world, "a"), _entry(world, "a")
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def ids(url: str) -> set[int]:
        response = client.get(url)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("/api/v1/inspections/zombies/?outcome=open") == {zombie.pk}
    assert ids("/api/v1/inspections/zombies/?outcome=deregistered") == set()
    assert ids("/api/v1/inspections/enforcement/?penalty=none&violation=hours") == {case.pk}
    # violation codes are data: an unknown code finds nothing (not a 400 the schema can't say)
    assert ids("/api/v1/inspections/enforcement/?violation=nosuch") == set()
    assert ids("/api/v1/inspections/enforcement/?penalty=fine") == set()
    assert ids("/api/v1/inspections/blacklist/?state=listed") == {entry.pk}
    assert ids("/api/v1/inspections/blacklist/?appeal_state=pending") == set()
    row = client.get(f"/api/v1/inspections/enforcement/{case.pk}/").json()
    assert row["violation"] == "hours" and row["penalty"] == ""
