"""The inspection pages: the on-site form with photos, the institution's evidence and the
re-check, the round's buttons offered exactly to who may use them, and the public entry."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import translation

from core.errors import DomainError
from core.vocab import DepartmentType
from inspections import services
from inspections.models import DailyState, OrderState, RectificationOrder, RoundState
from inspections.tests.helpers import DAILY_OK, make_daily, make_order, make_round, today
from institutions.tests.helpers import staff_of
from tests.factories import COUNTY_ROLES, World
from tests.samplefiles import png

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_on_site_form_with_photo_and_position_orders_a_rectification(world: World):
    inspection = make_daily(world, mode="night")
    client = login(world.a.users["officer"])
    url = f"/office/inspections/daily/{inspection.pk}/"
    page = client.get(url).content.decode()
    assert 'name="item_hours"' in page and 'name="photos"' in page and "table" not in page
    data = {**{f"item_{k}": v for k, v in DAILY_OK.items()}, "item_hours": "problem",
            "notes": "21:05 仍在上课", "latitude": "25.04", "longitude": "102.71",
            "rectify": "on"}
    bad = client.post(url, {**data, "photos": SimpleUploadedFile("x.png", b"plain text")})
    assert bad.status_code == 400 and "不支持该文件类型" in bad.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == DailyState.PLANNED  # nothing half-way
    response = client.post(url, {**data, "photos": SimpleUploadedFile("p.png", png())})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == DailyState.DONE and inspection.case.attachments.count() == 1
    order = RectificationOrder.objects.get(daily=inspection)
    assert str(inspection.latitude) == "25.040000"
    done = client.get(url).content.decode()
    assert f"/office/inspections/orders/{order.pk}/" in done


def test_the_institution_submits_evidence_and_the_officer_closes_the_order(world: World):
    order = make_order(world)
    staff = login(staff_of(world, order.institution))
    url = f"/office/inspections/orders/{order.pk}/"
    page = staff.get(url).content.decode()
    assert "/evidence/" in page and "/recheck/" not in page
    assert staff.get("/office/inspections/orders/").status_code == 200
    response = staff.post(url + "evidence/", {"evidence": "已整改",
                                              "files": SimpleUploadedFile("e.png", png())})
    assert response.status_code == 302
    officer = login(world.a.users["officer"])
    assert "/recheck/" in officer.get(url).content.decode()
    assert officer.post(url + "recheck/", {"passed": "yes", "note": ""}).status_code == 400
    assert officer.post(url + "recheck/", {"passed": "yes", "note": "复查合格"}).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED
    assert "/recheck/" not in officer.get(url).content.decode()


def test_rectification_evidence_takes_a_pdf_receipt_checked_by_its_content(
        world: World, settings):
    """A user-facing review: evidence took JPEG or PNG only, and a receipt is a PDF.
    A PDF that parses is stored; a "收据.pdf" that is not one, a PDF with an archive
    appended (a polyglot) and a Word file are refused by name, and a file over the limit
    by its size; nothing is stored then."""
    import io
    import zipfile

    from tests import samplefiles

    appended = io.BytesIO()
    with zipfile.ZipFile(appended, "w") as archive:
        archive.writestr("setup.exe", b"MZ" + b"\0" * 100)
    order = make_order(world)
    staff = login(staff_of(world, order.institution))
    url = f"/office/inspections/orders/{order.pk}/"
    page = staff.get(url).content.decode()
    assert 'accept="application/pdf,image/jpeg,image/png"' in page
    assert "可上传 PDF、JPEG 或 PNG 文件，每个不超过 10 MB" in page
    for name, content in (("收据.pdf", b"%PDF-1.4 not really a document"),
                          ("收据.pdf", samplefiles.pdf() + appended.getvalue()),
                          ("整改报告.docx", samplefiles.docx())):
        refused = staff.post(url + "evidence/", {
            "evidence": "已退费", "files": SimpleUploadedFile(name, content)})
        assert refused.status_code == 400, name
        assert f"“{name}”不是 PDF、JPEG 或 PNG 文件" in refused.content.decode(), name
    settings.ATTACHMENT_MAX_BYTES = 1024
    too_big = staff.post(url + "evidence/", {
        "evidence": "已退费", "files": SimpleUploadedFile("收据.pdf", samplefiles.pdf(2000))})
    assert too_big.status_code == 400 and "文件大小超过" in too_big.content.decode()
    assert not order.case.attachments.exists()
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    response = staff.post(url + "evidence/", {
        "evidence": "已退还超期收费", "files": SimpleUploadedFile("收据.pdf", samplefiles.pdf())})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.SUBMITTED
    assert list(order.case.attachments.values_list("original_name", "content_type")) == [
        ("收据.pdf", "application/pdf")]
    with translation.override("en"):
        error = str(pytest.raises(DomainError, services.order_submit_evidence,
                                  actor=staff_of(world, order.institution), order=order,
                                  evidence="x", files=[SimpleUploadedFile("a.pdf", b"no")])
                    .value.message)
    assert error.startswith("“a.pdf” is not a PDF, JPEG or PNG file"), error


def _accepts(call) -> bool:
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            call()
            raise Rollback
    except Rollback:
        return True
    except DomainError:
        return False


@pytest.mark.parametrize("key", COUNTY_ROLES)
def test_round_page_offers_what_the_services_accept(world: World, key: str):
    """DESIGN.md "Abilities": no page offers what its service refuses, and back."""
    rnd = make_round(world)
    user = world.a.users[key]
    response = login(user).get(f"/office/inspections/rounds/{rnd.pk}/")
    page = response.content.decode() if response.status_code == 200 else ""
    offered = {verb: f"/office/inspections/rounds/{rnd.pk}/{verb}/" in page
               for verb in ("balance", "publish")}
    services.group_save(actor=None, round=rnd, name="一组",
                        members=[world.a.users["officer"]])
    accepted = {"balance": _accepts(lambda: services.round_balance(actor=user, round=rnd)),
                "publish": _accepts(lambda: services.round_publish(actor=user, round=rnd))}
    assert offered == accepted


def test_round_new_form_and_detail(world: World):
    client = login(world.a.users["head"])
    response = client.post("/office/inspections/rounds/new/", {
        "county": world.a.region.pk, "category": "sports", "year": 2026, "plan": "方案",
        "starts_on": today().isoformat(), "ends_on": today().isoformat()})
    assert response.status_code == 302
    again = client.post("/office/inspections/rounds/new/", {
        "county": world.a.region.pk, "category": "sports", "year": 2026, "plan": "方案",
        "starts_on": today().isoformat(), "ends_on": today().isoformat()})
    assert again.status_code == 400 and "已有年检批次" in again.content.decode()
    assert login(world.b.users["head"]).get(response["Location"]).status_code == 404
    assert login(world.a.users["institution"]).get(
        "/office/inspections/rounds/new/").status_code == 404


def test_publish_through_the_page(world: World):
    rnd = make_round(world)
    response = login(world.a.users["head"]).post(
        f"/office/inspections/rounds/{rnd.pk}/publish/")
    assert response.status_code == 302
    rnd.refresh_from_db()
    assert rnd.state == RoundState.PUBLISHED


def test_daily_new_for_a_site_without_an_institution(world: World):
    client = login(world.a.users["officer"])
    edu = world.a.users["officer"].department
    response = client.post("/office/inspections/daily/new/", {
        "mode": "covert", "region": world.a.town.pk, "site_type": "hotel",
        "site_address": "如家酒店305", "planned_on": today().isoformat(),
        "departments": [edu.pk], "lead": edu.pk})
    assert response.status_code == 302
    missing = client.post("/office/inspections/daily/new/", {
        "mode": "patrol", "planned_on": today().isoformat(), "departments": [edu.pk]})
    assert missing.status_code == 400


def test_public_results_entry_and_office_entries_in_the_menu(world: World):
    assert "/inspections/results/" in Client().get("/").content.decode()
    page = login(world.a.users["officer"]).get("/office/").content.decode()
    assert "/office/inspections/rounds/" in page and "/office/inspections/daily/" in page
    staff = login(world.a.users["institution"]).get("/office/").content.decode()
    assert "/office/inspections/daily/" not in staff


def test_the_staff_read_their_inspection_without_a_link_to_the_offices_list(world: World):
    """The walk of 2 December: an institution's staff member reading an inspection of
    their institution was offered the breadcrumb to the office's list of daily
    inspections, which answers them 404."""
    inspection = make_daily(world)
    url = f"/office/inspections/daily/{inspection.pk}/"
    link = 'href="/office/inspections/daily/"'
    staff = login(staff_of(world, inspection.institution))
    assert staff.get("/office/inspections/daily/").status_code == 404
    page = staff.get(url)
    assert page.status_code == 200 and link not in page.content.decode()
    assert link in login(world.a.users["officer"]).get(url).content.decode()


def test_appeal_through_the_pages(world: World):
    from inspections.models import AppealState, BlacklistEntry
    from institutions.tests.helpers import licensed_with_gate
    from tests.factories import UserFactory

    inst = licensed_with_gate(world)
    admin = login(world.a.users["county_admin"])
    response = admin.post("/office/inspections/blacklist/new/",
                          {"institution": inst.uscc, "reason": "违规开展学科类培训"})
    assert response.status_code == 302
    entry = BlacklistEntry.objects.get()
    staff = login(staff_of(world, inst))
    url = f"/office/inspections/blacklist/{entry.pk}/"
    assert "/appeal/" in staff.get(url).content.decode()
    assert staff.post(url + "appeal/", {"text": "我方开展的是书法培训"}).status_code == 302
    head = login(UserFactory(username="a_culture_head", role="department_head",
                             department=world.a.users["culture"].department))
    assert "/decide/" in head.get(url).content.decode()
    assert head.post(url + "decide/", {"grant": "no", "reason": "证据确凿"}).status_code == 302
    entry.refresh_from_db()
    assert entry.appeal_state == AppealState.UPHELD


def test_the_checklist_answers_are_bootstrap_radios_not_text_boxes(world: World):
    """On a phone a radio styled as form-control was a thin bar whose checked state did
    not show: each answer is a form-check radio with its own label."""
    import re

    inspection = make_daily(world)
    page = login(world.a.users["officer"]).get(
        f"/office/inspections/daily/{inspection.pk}/").content.decode()
    radios = re.findall(r'<input type="radio" name="item_hours"[^>]*>', page)
    assert len(radios) == 3
    assert all('class="form-check-input"' in r for r in radios), radios
    assert 'class="form-check-label" for="id_item_hours_1"' in page


def test_the_round_page_names_each_institutions_town(world: World):
    """The round groups its institutions by town; the page shows the town's name, not its
    division code."""
    from org.models import Region

    rnd = make_round(world, institutions=2)
    codes = set(rnd.inspections.values_list("town_code", flat=True))
    assert codes and "" not in codes
    page = login(world.a.users["county_admin"]).get(
        f"/office/inspections/rounds/{rnd.pk}/").content.decode()
    with translation.override("zh-hans"):  # the page's language: its town column's label
        town = f'data-label="{translation.gettext("Town")}"'
    for code in codes:
        assert f"<td {town}>{code}</td>" not in page
        assert f"<td {town}>{Region.objects.get(code=code).name}</td>" in page


def test_the_inspection_pages_cite_documents_not_seed_codes(world: World):
    """Issue 14 C10: the public results, the zombie list and the planner name their
    sources by document, as the rest of the site does."""
    from policy.sources import cite

    admin = login(world.a.users["county_admin"])
    for client, url, codes in (
            (Client(), "/inspections/results/", ["000 §3"]),
            (admin, "/office/inspections/zombies/", ["000 §4(3)"]),
            (admin, "/office/inspections/planner/", ["004 §4(2)", "002 §2(2)"])):
        body = client.get(url).content.decode()
        for code in codes:
            assert code not in body and cite(code) in body, (url, code)


# -- walk findings (issue 9) ----------------------------------------------------------------

def test_an_empty_annual_form_shows_errors_and_records_nothing(world: World):
    """A walk found an untouched annual form recorded a fail with score 0: every item must
    be answered, met or not."""
    from inspections.models import AnnualResult, RectificationOrder
    from inspections.tests.helpers import ALL_PASS, first_inspection, make_round

    rnd = make_round(world)
    inspection = first_inspection(rnd)
    client = login(world.a.users["officer"])
    url = f"/office/inspections/annual/{inspection.pk}/"
    response = client.post(url, {"inspected_on": today().isoformat()})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {f"item_{k}" for k in ALL_PASS}
    inspection.refresh_from_db()
    assert inspection.result == AnnualResult.PENDING and inspection.score is None
    assert not RectificationOrder.objects.filter(annual=inspection).exists()
    answers = {f"item_{k}": "yes" for k in ALL_PASS}
    assert client.post(url, {"inspected_on": today().isoformat(), **answers,
                             "item_fees": "maybe"}).status_code == 400
    response = client.post(url, {"inspected_on": today().isoformat(), **answers,
                                 "item_training_quality": "no"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.result == AnnualResult.FAIL and inspection.score == 80


def test_the_lead_of_a_joint_check_is_chosen_not_the_list_order(world: World):
    """A walk found "the first department leads" followed the list's order, not the
    user's pick: the lead is its own field."""
    from cases.models import Task, TaskRole
    from inspections.models import DailyInspection
    from institutions.tests.helpers import licensed_with_gate

    inst = licensed_with_gate(world, "a", 61, name="联检机构")
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    market = world.a.depts[DepartmentType.MARKET_REGULATION]
    client = login(world.a.users["county_admin"])
    data = {"mode": "joint", "institution": inst.uscc, "planned_on": today().isoformat(),
            "departments": [edu.pk, market.pk]}
    page = client.get("/office/inspections/daily/new/").content.decode()
    assert 'name="lead"' in page
    response = client.post("/office/inspections/daily/new/", data)
    assert response.status_code == 400 and "lead" in response.context["form"].errors
    health = world.a.depts[DepartmentType.HEALTH]
    response = client.post("/office/inspections/daily/new/", {**data, "lead": health.pk})
    assert response.status_code == 400 and "lead" in response.context["form"].errors
    assert not DailyInspection.objects.filter(institution=inst).exists()
    for lead, other in ((market, edu), (edu, market)):
        response = client.post("/office/inspections/daily/new/", {**data, "lead": lead.pk})
        assert response.status_code == 302
        inspection = DailyInspection.objects.filter(institution=inst).latest("pk")
        roles = dict(Task.objects.filter(case=inspection.case).values_list(
            "department_id", "role"))
        assert roles == {lead.pk: TaskRole.LEAD, other.pk: TaskRole.ASSIST}


def test_a_finding_reads_as_the_violation_not_the_items_wording(world: World):
    """A walk found a problem item reported with the item's wording ("无违规发布培训广告",
    which says the opposite): the finding is the violation of the taxonomy."""
    from inspections.tests.helpers import DAILY_OK, make_daily

    inspection = make_daily(world)
    client = login(world.a.users["officer"])
    data = {**{f"item_{k}": v for k, v in DAILY_OK.items()}, "item_advertising": "problem",
            "item_staff": "problem", "rectify": "on"}
    assert client.post(f"/office/inspections/daily/{inspection.pk}/", data).status_code == 302
    inspection.refresh_from_db()
    assert "违规发布校外培训广告" in inspection.findings
    assert "无违规发布培训广告" not in inspection.findings
    assert "从业人员经入职查询" in inspection.findings  # no violation: "not met" + wording
    order = inspection.orders.get()
    assert order.findings == inspection.findings
    page = client.get(f"/office/inspections/daily/{inspection.pk}/").content.decode()
    assert page.count("data-finding") == 2 and "违规发布校外培训广告" in page


def test_the_officer_addresses_the_institution_on_its_order_by_that_name(world: World):
    """The walk of 2 December: on a rectification order's case the officer was offered
    「发给申请人」 and 「与申请人共享」, though the institution applied for nothing; the
    offer names the institution, which reads its orders."""
    order = make_order(world)
    page = login(world.a.users["officer"]).get(order.case.get_absolute_url(),
                                               HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="to_applicant"' in page
    assert "发给机构" in page and "与机构共享" in page and "申请人" not in page


def test_the_order_page_lists_the_evidence_files_the_institution_sent(world: World):
    """A user-facing walk: after uploading a PDF receipt the institution's staff came back
    to the order page and saw their text but no file, with nothing to tell whether the
    upload was kept. The order page lists the files sent with the evidence, each a link
    to it, for the staff and the officer; a file an officer adds to the case is not
    evidence and stays out of the list."""
    from cases import services as case_services
    from tests import samplefiles

    order = make_order(world)
    staff = login(staff_of(world, order.institution))
    url = f"/office/inspections/orders/{order.pk}/"
    assert 'id="evidence-files"' not in staff.get(url).content.decode()
    staff.post(url + "evidence/", {"evidence": "已退还超期收费",
                                   "files": SimpleUploadedFile("收据.pdf", samplefiles.pdf())})
    case_services.attachment_add(actor=world.a.users["officer"], case=order.case,
                                 upload=SimpleUploadedFile("检查记录.png", png()))
    receipt = order.case.attachments.get(original_name="收据.pdf")
    link = f'href="/office/cases/{order.case.number}/attachments/{receipt.pk}/"'
    for client in (staff, login(world.a.users["officer"])):
        page = client.get(url).content.decode()
        files = page.split('id="evidence-files"')[1].split("</ul>")[0]
        assert "佐证材料" in page and link in files and "收据.pdf" in files
        assert "检查记录.png" not in files
    assert staff.get(link[6:-1]).status_code == 200
