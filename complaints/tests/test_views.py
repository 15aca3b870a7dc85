"""The complaint pages and API: the public form (field errors, rate limit, anonymous),
tracking and rating with the private code, the office pages, the 12345 endpoint, the
cross-county 404 matrix and the query counts of the lists."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from complaints import services
from complaints.models import Channel, Complaint, ComplaintStatus, Finding, Outcome
from complaints.tests.helpers import submit, topic
from core.vocab import Category
from institutions.tests.helpers import licensed_with_gate, login, register, staff_of
from org.models import ApiClient
from tests.factories import World
from tests.permmatrix import Endpoint, assert_matrix
from tests.test_api import issue_client

pytestmark = pytest.mark.django_db


def _post_form(client, **extra):
    data = {"topic": topic("refund").pk, "institution_name": "无名托管班",
            "region": extra.pop("region"), "description": "交了五千元学费，机构停课后不退费。",
            "complainant_name": "李先生", "complainant_phone": "13800001234"}
    data.update(extra)
    return client.post("/complaints/new/", data)


def test_public_form_files_anonymously_and_gives_code(world: World):
    client = Client()
    page = client.get("/complaints/new/")
    assert page.status_code == 200 and "投诉举报" in page.content.decode()
    response = _post_form(client, region=world.a.town.pk, anonymous="on")
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.complainant_name == "" and complaint.complainant_phone == ""
    code = response.context["code"]
    assert complaint.code_matches(code)
    assert complaint.case.region == world.a.town and complaint.channel == Channel.WEB


def test_public_form_field_errors(world: World):
    response = Client().post("/complaints/new/", {"topic": topic().pk, "description": "短"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"description", "institution_name", "region"} <= set(errors)
    assert not Complaint.objects.exists()


@override_settings(PAGE_RATES={"page": "100/min", "export": "10/min", "complaint": "2/hour",
                               "complaint_track": "30/hour"})
def test_public_form_is_rate_limited_per_client(world: World):
    client = Client()
    for _i in range(2):
        assert _post_form(client, region=world.a.town.pk).status_code == 200
    response = _post_form(client, region=world.a.town.pk)
    assert response.status_code == 429 and response["Retry-After"]
    assert Complaint.objects.count() == 2
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert _post_form(other, region=world.a.town.pk).status_code == 200


def test_prefilled_from_the_institution_page(world: World):
    inst = licensed_with_gate(world)
    detail = Client().get(f"/institutions/{inst.uscc}/").content.decode()
    assert f"/complaints/new/?uscc={inst.uscc}" in detail
    form = Client().get(f"/complaints/new/?uscc={inst.uscc}").context["form"]
    assert form.initial["institution_name"] == inst.name
    response = Client().post("/complaints/new/", {
        "topic": topic("advertising").pk, "uscc": inst.uscc, "institution_name": inst.name,
        "description": "在小区电梯里张贴招生广告。"})
    assert response.status_code == 200
    assert Complaint.objects.get().case.institution == inst


def test_public_form_names_the_topics_in_the_readers_language(world: World):
    """The walk of 2 December: the English form listed the topics in Chinese (退费, 收费...)
    though each topic has its English name."""
    english = Client()
    english.cookies["django_language"] = "en"
    body = english.get("/complaints/new/").content.decode()
    assert "Refunds" in body and "Teacher conduct" in body and "退费" not in body
    body = Client().get("/complaints/new/").content.decode()
    assert "退费" in body and "Refunds" not in body


def test_hotlines_page_has_tap_to_call_links(world: World):
    with override_settings(POLICY_PROFILE="quanzhou"):
        body = Client().get("/complaints/hotlines/").content.decode()
    assert 'href="tel:059522783859"' in body and "mkg@qzedu.cn" in body
    assert 'href="tel:12345"' in body
    body = Client().get("/complaints/hotlines/").content.decode()  # Kunming
    assert "0595" not in body and 'href="tel:12345"' in body


@pytest.mark.parametrize("code", ["kunming", "quanzhou", "beichen", "tongzhou"])
def test_each_published_hotline_cites_its_own_citys_document(world: World, code):
    """A deployment's hotlines cite its own city's document where that document gives the
    number (Quanzhou 004 §6(2)1 and annex 1, Beichen 001 §5(3)), and never another
    city's: no seed gives Kunming's (or Tongzhou's) 12345, which reads as the city's own
    published number (the Kunming page cited Quanzhou's 004 §6(2)1)."""
    from django.utils import translation

    from complaints.views import hotlines_for_profile
    from policy.loader import effective_data
    from policy.sources import cite
    from tests.hotlines import citation_problem

    own = effective_data(code)["source"]
    with override_settings(POLICY_PROFILE=code):
        rows = hotlines_for_profile()
        problems = [citation_problem(own, h.phone, h.source) for h in rows if h.phone]
        assert [p for p in problems if p] == []
        assert [h.phone for h in rows].count("12345") == 1
        body = Client().get("/complaints/hotlines/").content.decode()
        with translation.override("zh-hans"):
            shown = cite(next(h.source for h in rows if h.phone == "12345"))
    assert 'href="tel:12345"' in body and f"依据：{shown}" in body
    # No citation reads as a seed code ("004 附件1" was shown as written on Quanzhou's).
    assert not re.search(r"\b\d{3} (?:§|annex|附件)", body), code
    if code in ("kunming", "tongzhou"):
        assert shown == "本市自行公布的号码（非文件规定）"
        english = Client()
        english.cookies["django_language"] = "en"
        with override_settings(POLICY_PROFILE=code):
            page = english.get("/complaints/hotlines/").content.decode()
        # in words a parent reads, not the project's "seed" (the walk of 2 December)
        assert "Source: the city&#x27;s own published number, not from a policy document" in page
        assert "seed" not in page


def test_track_and_rate_with_the_private_code(world: World):
    inst = register(world)
    complaint, code, _ = submit(world, institution=inst)
    officer = world.a.users["officer"]
    services.complaint_verify(actor=officer, complaint=complaint,
                              finding=Finding.SUBSTANTIATED, evidence="属实")
    services.complaint_handle(actor=officer, complaint=complaint,
                              outcome=Outcome.NOTHING_FURTHER, note="机构已自行退费")
    services.complaint_reply(actor=officer, complaint=complaint, text="已为您调解退费。")
    client = Client()
    wrong = client.post("/complaints/track/", {"number": complaint.case.number, "code": "NOPE"})
    assert wrong.status_code == 400 and "已为您调解退费" not in wrong.content.decode()
    page = client.post("/complaints/track/", {"number": complaint.case.number, "code": code})
    assert page.status_code == 200 and "已为您调解退费" in page.content.decode()
    assert "rate-form" in page.content.decode()
    rated = client.post("/complaints/track/rate/", {"number": complaint.case.number,
                                                    "code": code, "rating": "satisfied"})
    assert rated.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.rating == "satisfied"


def test_officer_works_the_steps_on_the_complaint_page(world: World):
    inst = register(world)
    complaint, _code, _ = submit(world, institution=inst)
    client = Client()
    client.force_login(world.a.users["officer"])
    url = f"/office/complaints/{complaint.case.number}/"
    page = client.get(url).content.decode()
    assert "form-verify" in page and "13900001111" in page
    assert client.post(url + "verify/", {"finding": "substantiated"}).status_code == 400
    assert client.post(url + "verify/", {"finding": "substantiated",
                                         "evidence": "现场核查"}).status_code == 302
    assert client.post(url + "handle/", {"outcome": "rectification",
                                         "note": "已下达整改通知"}).status_code == 302
    template = complaint_reply_template()
    assert client.post(url + "reply/", {"template": template.pk}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.AWAITING_RATING
    assert complaint.reply == template.body
    # a step form the page does not offer is not taken either
    assert client.post(url + "verify/", {"finding": "substantiated",
                                         "evidence": "再次"}).status_code == 404


def complaint_reply_template():
    from complaints.models import ReplyTemplate

    return ReplyTemplate.objects.first()


def test_staff_entry_of_a_12345_call(world: World):
    client = Client()
    client.force_login(world.a.users["joint"])
    data = {"channel": "hotline_12345", "topic": topic("hours").pk,
            "institution_name": "某补习班", "region": world.a.town.pk,
            "description": "晚上十点还在上课，影响休息。"}
    assert client.post("/office/complaints/new/", data).status_code == 400  # no ticket
    response = client.post("/office/complaints/new/", {**data, "external_ticket": "GD-77"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.HOTLINE_12345 and complaint.external_ticket == "GD-77"


def test_identity_masked_in_lists_for_the_discipline_staff(world: World):
    import io

    from openpyxl import load_workbook

    inst = register(world)
    submit(world, institution=inst)
    client = Client()
    client.force_login(world.a.users["discipline"])
    body = client.get("/office/complaints/").content.decode()
    assert "139******11" in body and "13900001111" not in body
    export = client.get("/office/complaints/?export=xlsx")
    cells = [c for row in load_workbook(io.BytesIO(export.content)).active.values
             for c in row]
    assert "139******11" in cells and "13900001111" not in cells
    client.force_login(world.a.users["officer"])
    assert "13900001111" in client.get("/office/complaints/").content.decode()


def test_analytics_page(world: World):
    inst = register(world)
    submit(world, institution=inst)
    submit(world, institution=inst)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get("/office/complaints/analytics/")
    assert response.status_code == 200 and response.context["data"]["total"] == 2
    body = response.content.decode()
    assert 'data-chart="chart-topic"' in body and 'id="chart-topic"' in body
    export = client.get("/office/complaints/analytics/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    api = client.get("/api/v1/complaints/analytics/").json()
    assert api["total"] == 2 and api["repeats"] == [{"label": inst.name, "n": 2}]
    assert api["repeat_complainants"] == [{"label": "139******11", "n": 2}]
    client.force_login(world.a.users["officer"])
    assert client.get("/office/complaints/analytics/").status_code == 404
    assert client.get("/api/v1/complaints/analytics/").status_code == 404


# -- the 12345 endpoint ----------------------------------------------------------------

def _ticket(world, **extra):
    return {"ticket": "12345-0001", "topic": "fees", "description": "收费超过三个月课时。",
            "institution_name": "某艺术培训点", "region": world.a.town.code, **extra}


def test_12345_endpoint_is_idempotent(world: World):
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    first = client.post("/api/v1/complaints/12345/", _ticket(world),
                        content_type="application/json", **headers)
    assert first.status_code == 200, first.content
    again = client.post("/api/v1/complaints/12345/", _ticket(world, description="再次推送同一工单，内容略有不同。"),
                        content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    assert Complaint.objects.count() == 1
    read = client.get(f"/api/v1/complaints/{first.json()['number']}/", **headers)
    assert read.status_code == 200 and read.json()["external_ticket"] == "12345-0001"
    assert "complainant_phone" not in read.json()


def test_12345_endpoint_refuses_bad_input_and_other_regions(world: World):
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    bad = Client().post("/api/v1/complaints/12345/", {"ticket": "", "topic": "nope"},
                        content_type="application/json", **headers)
    assert bad.status_code == 400
    assert {"ticket", "description", "institution_name"} <= set(bad.json()["errors"])
    other = Client().post("/api/v1/complaints/12345/", _ticket(world, region=world.b.town.code),
                          content_type="application/json", **headers)
    assert other.status_code == 403
    _c2, weak = issue_client(name="reader", scopes=[ApiClient.Scopes.CASES],
                             regions=[world.a.region])
    denied = Client().post("/api/v1/complaints/12345/", _ticket(world),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {weak}")
    assert denied.status_code == 403


# -- permission matrix and query counts ----------------------------------------------------

def build(world: World, key: str) -> dict:
    inst = register(world, key, category=Category.ARTS)
    complaint, _code, _ = submit(world, key, institution=inst)
    # the institution's staff are asked to explain (they then see it, in their own pages)
    staff_of(world, inst, key)
    services.complaint_ask_explanation(actor=world.county(key).users["officer"],
                                       complaint=complaint, question="请说明情况")
    return {"complaint": complaint, "number": complaint.case.number,
            "file": None}


ENTRY_ROLES = {"county_admin", "joint", "officer", "head", "culture", "market", "health"}
VIEWERS = {"county_admin", "joint", "discipline", "officer", "head", "culture"}


def test_permission_matrix_county_a_vs_b(world: World):
    endpoints = [
        Endpoint("complaint page", lambda o: f"/office/complaints/{o['number']}/", VIEWERS),
        Endpoint("verify", lambda o: f"/office/complaints/{o['number']}/verify/",
                 {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: {"finding": "substantiated", "evidence": "核查"}),
        Endpoint("transfer", lambda o: f"/office/complaints/{o['number']}/transfer/",
                 {"county_admin", "joint"}, method="post", ok=(200, 302, 400),
                 data=lambda o: {"reason": "x"}),
        Endpoint("api detail", lambda o: f"/api/v1/complaints/{o['number']}/", VIEWERS,
                 api=True),
        Endpoint("ask the institution", lambda o: f"/office/complaints/{o['number']}/ask/",
                 {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: {"question": "请说明收费情况"}),
        Endpoint("institution's page",
                 lambda o: f"/office/complaints/about-us/{o['number']}/", {"institution"}),
        Endpoint("institution explains",
                 lambda o: f"/office/complaints/about-us/{o['number']}/", {"institution"},
                 method="post", ok=(302,), data=lambda o: {"text": "已整改"}),
    ]
    assert_matrix(world, endpoints, build)


def test_list_pages_do_not_leak_the_other_county(world: World):
    build(world, "b")
    for role in ("county_admin", "joint", "officer", "discipline"):
        client = Client()
        client.force_login(world.a.users[role])
        assert "TS-530192" not in client.get("/office/complaints/").content.decode()
        assert client.get("/api/v1/complaints/").json()["results"] == []


def _grow(world):
    inst = register(world, category=Category.ARTS, n=77)

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            submit(world, institution=inst if i % 2 else None,
                   complainant_phone=f"1390000{i:04d}")
    return grow


@pytest.mark.parametrize("role", ["county_admin", "officer", "discipline"])
def test_office_list_query_count_is_constant(world: World, query_budget, role):
    client = Client()
    client.force_login(world.a.users[role])
    query_budget(client, "/office/complaints/", _grow(world), small=2, large=12, budget=16)


def test_office_list_filtered_query_count_is_constant(world: World, query_budget):
    """The filters the dashboards link with (issue 12) add no query per row."""
    from django.utils import timezone

    client = Client()
    client.force_login(world.a.users["county_admin"])
    month = timezone.localdate().strftime("%Y-%m")
    few, many = query_budget(
        client, f"/office/complaints/?status=received&month={month}&region={world.a.region.code}",
        _grow(world), small=2, large=12, budget=16)
    assert len(many.response.context["page"].object_list) == 12


def test_api_list_query_count_is_constant(world: World, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    query_budget(client, "/api/v1/complaints/", _grow(world), small=2, large=12, budget=12)


def test_analytics_query_count_is_constant(world: World, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    query_budget(client, "/office/complaints/analytics/", _grow(world), small=2, large=12,
                 budget=25)




def test_12345_unknown_topic_and_district_are_filed_not_lost(world: World):
    """12345's classification is not ours: an unknown topic is filed as "other" and an
    unknown district as the client's own region, where the dispatcher places it."""
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    response = Client().post("/api/v1/complaints/12345/",
                             _ticket(world, topic="城市管理", region="000000"),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get()
    assert complaint.topic.code == "other" and complaint.case.region == world.a.region
    assert services.open_lead_task(complaint).step == "dispatch"


def test_api_analytics_query_count_is_constant(world: World, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    query_budget(client, "/api/v1/complaints/analytics/", _grow(world), small=2, large=12,
                 budget=25)


def test_office_export_query_count_is_constant(world: World, query_budget):
    client = Client()
    client.force_login(world.a.users["discipline"])
    query_budget(client, "/office/complaints/?export=xlsx", _grow(world), small=2,
                 large=12, budget=16)


def test_case_page_links_to_the_complaint(world: World):
    """The kind's panel on the generic case page (cases.kinds: a new kind needs no change
    in cases/)."""
    inst = register(world)
    complaint, _code, _ = submit(world, institution=inst)
    client = Client()
    client.force_login(world.a.users["officer"])
    body = client.get(complaint.case.get_absolute_url()).content.decode()
    assert f"/office/complaints/{complaint.case.number}/" in body


def test_12345_ticket_is_filed_even_without_the_fallback_topic(world: World):
    from complaints.models import Topic

    Topic.objects.filter(code="other").delete()
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    response = Client().post("/api/v1/complaints/12345/", _ticket(world, topic="未知"),
                             content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["topic"] == "other"


def test_routing_rule_and_hotline_source_read_as_documents_not_seed_codes(world: World):
    """Issue 14 C10: users read a document's number or title, not "004 §6(2)1"."""
    from policy.sources import cite

    complaint, _code, _ = submit(world, institution=register(world))
    assert complaint.route_source
    client = Client()
    client.force_login(world.a.users["officer"])
    page = client.get(f"/office/complaints/{complaint.case.number}/").content.decode()
    assert cite(complaint.route_source) in page
    assert f">{complaint.route_source}<" not in page
    with override_settings(POLICY_PROFILE="quanzhou"):
        body = Client().get("/complaints/new/").content.decode()
        assert "004 §6(2)1" not in body and cite("004 §6(2)1") in body
    client.force_login(world.a.users["county_admin"])
    body = client.get("/office/complaints/analytics/").content.decode()
    assert "004 §6(2)1" not in body and cite("004 §6(2)1") in body


def test_the_receipt_leads_to_the_tracking_page_with_the_number_filled_in(world):
    """After filing, "follow a complaint" carries the tracking number (not the code)."""
    from django.test import Client

    page = Client().get("/complaints/track/", {"number": "TS-530191-2026-000001"})
    assert page.status_code == 200
    assert 'value="TS-530191-2026-000001"' in page.content.decode()


def test_12345_names_only_institutions_of_its_regions(world: World):
    """The ticket's institution is read through the scope gateway: one of the client's
    regions is linked; another county's is not (the ticket is filed by its region)."""
    from institutions.tests.helpers import register

    mine, theirs = register(world, "a", 1), register(world, "b", 2)
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    linked = Client().post("/api/v1/complaints/12345/",
                           _ticket(world, ticket="T-1", institution_uscc=mine.uscc),
                           content_type="application/json", **headers)
    assert linked.status_code == 200, linked.content
    assert Complaint.objects.get(external_ticket="T-1").case.institution == mine
    other = Client().post("/api/v1/complaints/12345/",
                          _ticket(world, ticket="T-2", institution_uscc=theirs.uscc),
                          content_type="application/json", **headers)
    assert other.status_code == 200, other.content
    assert Complaint.objects.get(external_ticket="T-2").case.institution is None


def test_office_list_names_topics_in_the_readers_language(world: World, query_budget):
    """The browser audit of 2 December: the office list's topic filter and column printed
    the Chinese name on English pages; the English name is read with the row (no query
    per row)."""
    submit(world, topic_code="refund")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    client.cookies["django_language"] = "en"
    page = client.get("/office/complaints/").content.decode()
    assert ">Refunds<" in page and "退费" not in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/office/complaints/").content.decode()
    assert ">退费<" in page and "Refunds" not in page
    english = Client()
    english.force_login(world.a.users["county_admin"])
    english.cookies["django_language"] = "en"
    query_budget(english, "/office/complaints/", _grow(world), small=2, large=12, budget=16)


def test_the_institution_complained_about_is_not_offered_the_officers_messages(
        world: World):
    """The walk of 2 December: on a complaint's case page the officer was offered
    "Message to the applicant" and "Share with the applicant"; ticked, the institution
    complained about was told of a message on a case that answers its staff 404. The
    institution reads no complaint case, so nothing is offered and the service refuses."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import services as case_services
    from cases.models import Notification
    from core.errors import DomainError
    from tests import samplefiles

    inst = register(world)
    staff = staff_of(world, inst)
    complaint = submit(world, institution=inst)[0]
    services.open_lead_task(complaint)
    case, officer = complaint.case, world.a.users["officer"]
    assert login(staff).get(case.get_absolute_url()).status_code == 404
    client = login(officer)
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200 and 'name="body"' in page.content.decode()
    assert 'name="to_applicant"' not in page.content.decode()
    with pytest.raises(DomainError):
        case_services.comment_add(actor=officer, case=case, body="请说明", to_applicant=True)
    with pytest.raises(DomainError):
        case_services.attachment_add(actor=officer, case=case, to_applicant=True,
                                     upload=SimpleUploadedFile("a.pdf", samplefiles.pdf()))
    client.post(f"{case.get_absolute_url()}comments/", {"body": "请说明", "to_applicant": "on"})
    assert not Notification.objects.filter(recipient=staff).exists()


def test_the_hand_offs_name_each_step_with_its_status(world: World):
    """The walk of 2 December: the hand-offs' "Step" column (on a phone, the head of each
    card) showed only the task's status, 「环节 待办理」, never which step it was."""
    complaint, _code, _created = submit(world, topic_code="other")
    joint = world.a.users["joint"]
    services.complaint_dispatch(actor=joint, complaint=complaint,
                                department=world.a.depts["culture_tourism"], reason="文艺类")
    page = login(joint).get(f"/office/complaints/{complaint.case.number}/",
                            HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    chain = page.split('id="chain"', 1)[1].split("</table>", 1)[0]
    assert "分派 · 已办结" in chain and "核实 · 待办理" in chain
