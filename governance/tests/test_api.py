"""The governance API (issue 12, governance part A) through the generic URL test case:
lists and details of meetings, campaigns and screened entities, read through the scope
gateway (county A never sees county B's rows; B's detail answers 404), refused to
anonymous callers, with constant query counts; bad query parameters answer 400."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from governance.models import ScreeningEntity
from governance.screening import screening_import, screening_outcome_record
from governance.tests.helpers import campaign, drafted_meeting, issued_meeting, problem
from governance.tests.test_screening import xlsx
from portal.demo import demo_uscc
from tests.factories import World
from tests.generic import URLTests
from tests.test_api import issue_client, token_get

pytestmark = pytest.mark.django_db

READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}


class TestMeetingURLs(URLTests):
    api_list = "/api/v1/governance/meetings/"
    viewers = READERS
    api_budget = 10
    budget_small, budget_large = 2, 8

    def build(self, world: World, key: str) -> Any:
        return issued_meeting(world, key)

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/governance/meetings/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for i in range(start, stop):
            if i % 2:
                issued_meeting(world, today=dt.date(2026, 6, 1))
            else:
                drafted_meeting(world, title=f"会议{i}")


class TestCampaignURLs(URLTests):
    api_list = "/api/v1/governance/campaigns/"
    viewers = READERS
    api_budget = 9
    budget_small, budget_large = 2, 10

    def build(self, world: World, key: str) -> Any:
        return problem(world, key).campaign

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/governance/campaigns/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for i in range(start, stop):
            problem(world, c=campaign(world, title=f"专项{i}"))


class TestScreeningURLs(URLTests):
    api_list = "/api/v1/governance/screening/"
    viewers = READERS
    api_budget = 9
    budget_small, budget_large = 2, 10

    def build(self, world: World, key: str) -> Any:
        county = world.county(key).region
        code = demo_uscc(county.code, 90)
        screening_import(actor=world.city_admin, upload=xlsx([(code, "某教育咨询公司",
                                                               county.code, "")]))
        return ScreeningEntity.objects.get(credit_code=code)

    def api_detail(self, obj: Any) -> str:
        return f"/api/v1/governance/screening/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        screening_import(actor=world.city_admin, upload=xlsx(
            [(demo_uscc("530191", 200 + i), f"公司{i}", "530191", "") for i in
             range(start, stop)]))
        for i, entity in enumerate(ScreeningEntity.objects.filter(outcome__isnull=True)):
            if i % 2:
                screening_outcome_record(actor=world.a.users["county_admin"], entity=entity,
                                         kind="licensed_elsewhere", other_reference=f"R{i}")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_meeting_shows_decisions_and_task_status(world: World):
    meeting = issued_meeting(world)
    body = _client(world.a.users["culture"]).get(
        f"/api/v1/governance/meetings/{meeting.pk}/").json()
    decision = body["decisions"][0]
    assert decision["number"].startswith("LX-")
    assert {t["status"] for t in decision["tasks"]} == {"open"}
    assert {t["role"] for t in decision["tasks"]} == {"lead", "assist"}


def test_campaign_counts_and_screening_outcomes(world: World):
    p = problem(world)
    problem(world, c=p.campaign)
    row = _client(world.a.users["joint"]).get(
        f"/api/v1/governance/campaigns/{p.campaign_id}/").json()
    assert (row["problems_open"], row["problems_pending"], row["problems_closed"]) == (2, 0, 0)
    assert [ph["phase"] for ph in row["phases"]] == ["mobilise", "rectify", "accept"]
    entity = TestScreeningURLs().build(world, "a")
    screening_outcome_record(actor=world.a.users["county_admin"], entity=entity,
                             kind="not_training", note="咨询")
    client = _client(world.a.users["county_admin"])
    listed = client.get("/api/v1/governance/screening/?outcome=not_training").json()
    assert [r["credit_code"] for r in listed["results"]] == [entity.credit_code]
    assert listed["results"][0]["outcome"]["kind"] == "not_training"
    assert client.get("/api/v1/governance/screening/?outcome=licensed_elsewhere"
                      ).json()["results"] == []


def test_bad_parameters_answer_400(world: World):
    client = _client(world.a.users["county_admin"])
    for url, field in [("/api/v1/governance/screening/?outcome=maybe", "outcome"),
                       ("/api/v1/governance/meetings/?status=done", "status"),
                       ("/api/v1/governance/campaigns/?uscc=1", "uscc"),
                       ("/api/v1/governance/campaigns/?cursor=zzz", "cursor"),
                       ("/api/v1/governance/meetings/?page_size=0", "page_size")]:
        response = client.get(url)
        assert response.status_code == 400 and field in response.json()["errors"], url
    assert client.post("/api/v1/governance/campaigns/", {}).status_code in (403, 405)


# -- token clients -------------------------------------------------------------------------

GOVERNANCE_API = {"meetings": TestMeetingURLs, "campaigns": TestCampaignURLs,
                  "screening": TestScreeningURLs}


@pytest.mark.parametrize("name", sorted(GOVERNANCE_API))
def test_a_token_client_reads_its_regions_rows_and_nothing_of_another(world: World, name):
    """A region-scoped API client with the scope `cases:read` reads its region's meetings,
    campaigns and screened entities; another county's row answers 404, alike a missing
    one; without the scope it is refused; the discipline records stay with users."""
    case = GOVERNANCE_API[name]()
    own, other = case.build(world, "a"), case.build(world, "b")
    _api_client, token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    listed = token_get(token, case.api_list)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [own.pk]
    assert token_get(token, case.api_detail(own)).json()["id"] == own.pk
    forbidden = token_get(token, case.api_detail(other))
    missing = token_get(token, f"{case.api_list}999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()
    _city_client, city_token = issue_client(name="city", scopes=["cases:read"],
                                            regions=[world.city])
    assert {r["id"] for r in token_get(city_token, case.api_list).json()["results"]} >= {
        own.pk, other.pk}
    _bare, bare_token = issue_client(name="bare", scopes=["regions:read"],
                                     regions=[world.a.region])
    assert token_get(bare_token, case.api_list).status_code == 403


def test_a_token_client_reads_no_discipline_or_evaluation_records(world: World):
    """Only what the governance API publishes is open to clients (governance_scope_q):
    the discipline and evaluation records, the roster, stay with signed-in users."""
    from governance.models import Campaign, EvaluationRecord, MemberUnit, SupervisionProposal
    from org.auth import ClientPrincipal
    from org.scope import NOTHING, Action, scope_of

    api_client, _token = issue_client(scopes=["cases:read"], regions=[world.a.region])
    scope = scope_of(ClientPrincipal(api_client))
    assert Campaign.scope_q(scope, Action.VIEW) != NOTHING
    assert Campaign.scope_q(scope, Action.CHANGE) == NOTHING
    for model in (EvaluationRecord, SupervisionProposal, MemberUnit):
        assert model.scope_q(scope, Action.VIEW) == NOTHING, model
