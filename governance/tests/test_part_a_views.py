"""Issue 12, governance part A, the pages: member units and campaigns created and edited
with field errors, screening outcomes, county plans, the rectification ledger,
discipline inspection's spot-checks and the member units' filings; the county A/B matrix
and the query counts of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from governance import services
from governance.models import (
    Campaign,
    CountyPlan,
    MemberUnit,
    ScreeningEntity,
    ScreeningOutcome,
    SpotCheck,
    UnitFiling,
)
from governance.tests.helpers import (
    CULTURE,
    EDU,
    assert_out_of_reach_is_404,
    campaign,
    case_links_by_role,
    once,
    problem,
    units,
)
from governance.tests.test_part_a_services import _city_campaign, _closed, _entities
from tests import samplefiles
from tests.factories import World
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}
COORDINATORS = {"county_admin", "joint"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _phases(**dates: str) -> dict[str, str]:
    return {f"{k}": v for k, v in dates.items()}


def test_member_units_are_added_and_edited_through_the_pages(world: World):
    joint = _client(world.a.users["joint"])
    assert "/office/governance/units/new/" in joint.get("/office/governance/units/").content.decode()
    bad = joint.post("/office/governance/units/new/", {"order": "x"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    health = world.a.depts["health"]
    assert joint.post("/office/governance/units/new/", {
        "department": health.pk, "order": 5}).status_code == 302
    unit = MemberUnit.objects.get(department=health)
    again = joint.post("/office/governance/units/new/", {"department": health.pk, "order": 5})
    assert again.status_code == 400 and MemberUnit.objects.filter(department=health).count() == 1
    url = f"/office/governance/units/{unit.pk}/edit/"
    assert joint.post(url, {"order": -1}).status_code == 400
    assert joint.post(url, {"order": 3, "is_convenor": "on"}).status_code == 302
    unit.refresh_from_db()
    assert (unit.order, unit.is_convenor) == (3, True)
    assert _client(world.a.users["discipline"]).get("/office/governance/units/new/"
                                                     ).status_code == 403
    assert _client(world.b.users["joint"]).get(url).status_code == 404


def test_campaigns_are_created_and_edited_with_phase_errors(world: World):
    joint = _client(world.a.users["joint"])
    assert "/office/governance/campaigns/new/" in joint.get(
        "/office/governance/campaigns/").content.decode()
    base = {"title": "暑期整治", "summary_due": "2026-11-25"}
    missing = joint.post("/office/governance/campaigns/new/", base)
    assert missing.status_code == 400 and "invalid-feedback" in missing.content.decode()
    half = joint.post("/office/governance/campaigns/new/",
                      {**base, "mobilise_start": "2026-05-01"})
    assert half.status_code == 400
    overlap = joint.post("/office/governance/campaigns/new/", {
        **base, "mobilise_start": "2026-05-01", "mobilise_end": "2026-05-31",
        "self_check_start": "2026-05-20", "self_check_end": "2026-06-30"})
    assert overlap.status_code == 400 and "invalid-feedback" in overlap.content.decode()
    assert not Campaign.objects.exists()
    ok = joint.post("/office/governance/campaigns/new/", {
        **base, "mobilise_start": "2026-05-01", "mobilise_end": "2026-05-31",
        "self_check_start": "2026-06-01", "self_check_end": "2026-06-30",
        "rectify_start": "2026-07-01", "rectify_end": "2026-09-30",
        "accept_start": "2026-10-01", "accept_end": "2026-10-31",
        "summarise_start": "2026-11-01", "summarise_end": "2026-11-25"})
    assert ok.status_code == 302
    c = Campaign.objects.get()
    assert list(c.phases.values_list("phase", flat=True)) == [
        "mobilise", "self_check", "rectify", "accept", "summarise"]
    url = f"/office/governance/campaigns/{c.pk}/edit/"
    page = joint.get(url).content.decode()
    assert 'value="2026-07-01"' in page
    assert joint.post(url, {"title": "", "summary_due": "2026-11-25"}).status_code == 400
    assert joint.post(url, {"title": "改名", "summary_due": "2026-11-20",
                            "rectify_start": "2026-07-01", "rectify_end": "2026-09-30"}
                      ).status_code == 302
    c.refresh_from_db()
    assert c.title == "改名" and list(c.phases.values_list("phase", flat=True)) == ["rectify"]
    assert _client(world.a.users["discipline"]).get(url).status_code == 403
    assert _client(world.b.users["joint"]).get(url).status_code == 404


def test_screening_outcome_through_the_entity_page(world: World):
    found = list(_entities(world).values())
    url = f"/office/governance/screening/{found[0].pk}/"
    officer = _client(world.a.users["officer"])
    bad = officer.post(url, {"kind": "licensed_elsewhere"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert not ScreeningOutcome.objects.exists()
    assert officer.post(url, {"kind": "licensed_elsewhere", "other_reference": "教民5301"}
                        ).status_code == 302
    assert "教民5301" in officer.get(url).content.decode()
    assert f'href="{url}"' in officer.get("/office/governance/screening/").content.decode()
    assert _client(world.a.users["culture"]).post(
        f"/office/governance/screening/{found[1].pk}/", {"kind": "not_training"}
    ).status_code == 403
    assert _client(world.b.users["county_admin"]).get(url).status_code == 404
    admin = _client(world.a.users["county_admin"])
    assert admin.post(f"/office/governance/screening/{found[2].pk}/", {
        "kind": "unlicensed", "note": "开展美术培训", "category": "arts",
        "legal_representative": "李四"}).status_code == 302
    page = admin.get(f"/office/governance/screening/{found[2].pk}/").content.decode()
    assert "ZF-" in page and "HM-" in page


def test_county_plans_through_the_pages(world: World):
    city = _city_campaign(world)
    city_client = _client(world.city_admin)
    url = f"/office/governance/campaigns/{city.pk}/"
    assert city_client.post(url + "plans/call/", {"due": ""}).status_code == 400
    due = timezone.localdate() + dt.timedelta(days=30)
    assert city_client.post(url + "plans/call/", {"due": due.isoformat()}).status_code == 302
    plan_a = CountyPlan.objects.get(county=world.a.region)
    plan_url = f"/office/governance/plans/{plan_a.pk}/"
    county = _client(world.a.users["county_admin"])
    listing = county.get("/office/governance/campaigns/").content.decode()
    assert f'href="{plan_url}"' in listing
    plan_b = CountyPlan.objects.get(county=world.b.region)
    assert f'/office/governance/plans/{plan_b.pk}/' not in listing
    assert county.post(plan_url, {"text": ""}).status_code == 400
    assert county.post(plan_url, {"text": "甲县方案", "file": SimpleUploadedFile(
        "p.pdf", samplefiles.pdf())}).status_code == 302
    assert county.get(plan_url + "document/").status_code == 200
    page = city_client.get(url).content.decode()
    assert page.count("badge text-bg-success\">") >= 1 and world.b.region.name in page
    assert _client(world.b.users["county_admin"]).get(plan_url).status_code == 404
    assert _client(world.b.users["county_admin"]).get(plan_url + "document/").status_code == 404
    assert _client(world.a.users["discipline"]).post(plan_url, {"text": "x"}).status_code == 403


def test_ledger_and_spot_checks_through_the_campaign_page(world: World):
    p = _closed(world)
    open_problem = problem(world, c=p.campaign)
    url = f"/office/governance/campaigns/{p.campaign_id}/"
    culture = _client(world.a.users["culture"])
    add = f"/office/governance/problems/{open_problem.pk}/measures/add/"
    assert culture.post(add, {"measure": "", "node": ""}).status_code == 400
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert culture.post(add, {"measure": "停止招生", "node": yesterday.isoformat()}
                        ).status_code == 302
    page = culture.get(url).content.decode()
    assert "停止招生" in page and "text-bg-danger" in page
    measure = open_problem.measures.get()
    assert _client(world.a.users["market"]).post(
        f"/office/governance/measures/{measure.pk}/done/").status_code == 403
    assert culture.post(f"/office/governance/measures/{measure.pk}/done/").status_code == 302
    measure.refresh_from_db()
    assert measure.done_on == timezone.localdate()

    discipline = _client(world.a.users["discipline"])
    assert "spotcheck-form" in discipline.get(url).content.decode()
    assert "spotcheck-form" not in _client(world.a.users["joint"]).get(url).content.decode()
    bad = discipline.post(url + "spotchecks/add/", {"checked_on": timezone.localdate(),
                                                    "sample": [p.pk], "result": "failed"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert discipline.post(url + "spotchecks/add/", {
        "checked_on": timezone.localdate(), "sample": [p.pk], "result": "passed",
        "remarks": "抽查属实"}).status_code == 302
    assert SpotCheck.objects.count() == 1
    assert "抽查属实" in _client(world.a.users["county_admin"]).get(url).content.decode()
    for role in ("joint", "county_admin", "culture"):
        assert _client(world.a.users[role]).post(url + "spotchecks/add/", {
            "checked_on": timezone.localdate(), "sample": [p.pk], "result": "passed"}
        ).status_code == 403
    # discipline writes nothing else through the pages
    for path, data in [(url + "problem/", {"description": "x"}),
                       (url + "summary/", {}),
                       (f"/office/governance/problems/{open_problem.pk}/closeout/",
                        {"evidence_note": "x"}),
                       (add, {"measure": "x", "node": "2026-12-01"}),
                       (url + "edit/", {"title": "x", "summary_due": "2026-11-25"}),
                       ("/office/governance/units/new/", {"order": 1}),
                       ("/office/governance/campaigns/new/", {"title": "x"})]:
        assert discipline.post(path, data).status_code == 403, path
    assert SpotCheck.objects.count() == 1 and open_problem.measures.count() == 1


def test_filings_through_the_page(world: World, query_budget):
    unit = units(world)
    culture = _client(world.a.users["culture"])
    page = culture.get("/office/governance/filings/")
    assert page.status_code == 200 and "filing-form" in page.content.decode()
    bad = culture.post("/office/governance/filings/", {"unit": unit[CULTURE].pk,
                                                       "kind": "supervision_plan",
                                                       "year": 2026, "text": ""})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    other = culture.post("/office/governance/filings/", {"unit": unit[EDU].pk,
                                                         "kind": "supervision_plan",
                                                         "year": 2026, "text": "x"})
    assert other.status_code == 400  # not a unit culture may file for
    assert culture.post("/office/governance/filings/", {
        "unit": unit[CULTURE].pk, "kind": "supervision_plan", "year": 2026,
        "text": "文旅局监管计划", "file": SimpleUploadedFile("p.pdf", samplefiles.pdf())}
    ).status_code == 302
    filing = UnitFiling.objects.get()
    joint = _client(world.a.users["joint"])
    listing = joint.get("/office/governance/filings/").content.decode()
    assert "文旅局监管计划" in listing
    coverage = listing[listing.index('id="filing-coverage"'):listing.index('id="filing-list"')]
    assert coverage.count("text-bg-success") == 1 and coverage.count("text-bg-warning") == 5
    assert joint.get(f"/office/governance/filings/{filing.pk}/document/").status_code == 200
    b = _client(world.b.users["joint"])
    assert "文旅局监管计划" not in b.get("/office/governance/filings/").content.decode()
    assert b.get(f"/office/governance/filings/{filing.pk}/document/").status_code == 404
    assert _client(world.a.users["discipline"]).post("/office/governance/filings/", {
        "unit": unit[CULTURE].pk, "kind": "working_group", "year": 2026, "text": "x"}
    ).status_code == 403

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            services.filing_submit(actor=world.a.users["joint"], unit=unit[i % 3 and EDU or CULTURE],
                                   kind="working_group", year=2026, text=f"名单{i}")
    query_budget(joint, "/office/governance/filings/", grow, small=2, large=8, budget=12)


def _build(world: World, key: str) -> dict:
    p = _closed(world, key)
    open_problem = problem(world, key, c=p.campaign)
    measure = services.measure_add(actor=world.county(key).users["joint"],
                                   problem=open_problem, measure="m",
                                   node=timezone.localdate())
    filing = services.filing_submit(actor=world.county(key).users["joint"],
                                    unit=units(world, key)[CULTURE], kind="working_group",
                                    year=2026, text="名单",
                                    upload=SimpleUploadedFile("p.pdf", samplefiles.pdf()))
    entity = ScreeningEntity.objects.filter(region=world.county(key).region).first()
    return {"problem": p, "open": open_problem, "campaign": p.campaign, "measure": measure,
            "unit": units(world, key)[CULTURE], "filing": filing, "entity": entity}


def test_permission_matrix_county_a_vs_b(world: World):
    _entities(world)
    c = lambda o: f"/office/governance/campaigns/{o['campaign'].pk}/"  # noqa: E731
    endpoints = [
        Endpoint("unit edit page", lambda o: f"/office/governance/units/{o['unit'].pk}/edit/",
                 COORDINATORS),
        Endpoint("campaign edit page", lambda o: c(o) + "edit/", COORDINATORS),
        Endpoint("entity page", lambda o: f"/office/governance/screening/{o['entity'].pk}/",
                 READERS),
        Endpoint("record outcome", lambda o: f"/office/governance/screening/{o['entity'].pk}/",
                 COORDINATORS | {"officer", "head", "market"}, method="post", ok=(302,),
                 data=lambda o: {"kind": "not_training"}),
        Endpoint("add measure", lambda o: f"/office/governance/problems/{o['open'].pk}/"
                 "measures/add/", COORDINATORS | {"culture"}, method="post", ok=(302,),
                 data=lambda o: {"measure": "m", "node": "2026-12-01"}),
        Endpoint("measure done", lambda o: f"/office/governance/measures/{o['measure'].pk}/done/",
                 COORDINATORS | {"culture"}, method="post", ok=(302,)),
        Endpoint("spot-check", lambda o: c(o) + "spotchecks/add/", {"discipline"},
                 method="post", ok=(302,),
                 data=lambda o: {"checked_on": timezone.localdate().isoformat(),
                                 "sample": [o["problem"].pk], "result": "passed"}),
        Endpoint("filing document",
                 lambda o: f"/office/governance/filings/{o['filing'].pk}/document/", READERS),
    ]
    built = once(_build)
    assert_matrix(world, endpoints, built)
    assert_out_of_reach_is_404(world, endpoints, built)


def test_plan_matrix_county_a_vs_b(world: World):
    city = _city_campaign(world)
    services.plan_call(actor=world.city_admin, campaign=city,
                       due=timezone.localdate() + dt.timedelta(days=30))

    def build(world: World, key: str) -> dict:
        return {"plan": CountyPlan.objects.get(county=world.county(key).region)}

    p = lambda o: f"/office/governance/plans/{o['plan'].pk}/"  # noqa: E731
    endpoints = [
        Endpoint("plan page", p, READERS),
        Endpoint("file plan", p, COORDINATORS, method="post", ok=(302,),
                 data=lambda o: {"text": "方案"}),
    ]
    built = once(build)
    assert_matrix(world, endpoints, built)
    assert_out_of_reach_is_404(world, endpoints, built)


def test_a_county_plan_links_its_case_only_for_those_who_may_open_it(world: World):
    """The plan's case (FA-…, the county's task to file it) is linked as a meeting's
    decisions are: each reader of the plan page, in the county and at the city, follows
    every case link to a page that opens; a reader who may not open the case reads its
    number without a link (the browser audit of 2 December: links answering 404)."""
    city = _city_campaign(world)
    services.plan_call(actor=world.city_admin, campaign=city,
                       due=timezone.localdate() + dt.timedelta(days=30))
    plan = CountyPlan.objects.select_related("case").get(county=world.a.region)
    readers = {role: world.a.users[role] for role in sorted(READERS)}
    readers["city_admin"] = world.city_admin
    linked = case_links_by_role(readers, f"/office/governance/plans/{plan.pk}/",
                                plan.case.number)
    assert set(linked) == set(readers), linked
    assert linked["county_admin"] and not all(linked.values()), linked


def test_campaign_page_query_count_with_ledger(world: World, query_budget):
    c = campaign(world)
    joint = world.a.users["joint"]
    client = _client(world.a.users["discipline"])

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            p = problem(world, c=c)
            services.measure_add(actor=joint, problem=p, measure=f"措施{i}",
                                 node=timezone.localdate())
            services.closeout_request(actor=joint, problem=p, evidence_note="已整改")
            services.closeout_decide(actor=joint, problem=p, approve=True)
            services.spotcheck_record(actor=world.a.users["discipline"], campaign=c,
                                      checked_on=timezone.localdate(), sample=[p],
                                      result="passed")
    query_budget(client, f"/office/governance/campaigns/{c.pk}/", grow, small=2, large=6,
                 budget=24)


def test_campaign_page_title_is_the_campaign_title_only(world: World):
    """The walk of 2 December: the part A section (county plans, spot-checks) was also
    rendered into the campaign page's <title>, so the browser tab read its markup."""
    city = _city_campaign(world)
    body = _client(world.city_admin).get(
        f"/office/governance/campaigns/{city.pk}/").content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("全市暑期专项治理") and "<" not in title, title
    assert body.count('id="county-plans"') == 1
