"""Self-inspection reports (自查自纠), 平安消费 spot checks (004 §4(4)), invoices per order
(002 §2(4)), the risk deposit's guarantee file, the ledger under a risk deposit, and the
coverage selector for the dashboards (004 §2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import DomainError, PermissionDenied
from funds import selectors, services
from funds.models import (
    Account,
    Arrangement,
    Entry,
    Invoice,
    Mode,
    SelfInspection,
    SpotCheck,
    SpotResult,
)
from funds.tests.helpers import consume, guarantee, order, paid_order, supervised
from institutions.tests.helpers import login, register, staff_of
from tests import samplefiles

pytestmark = pytest.mark.django_db


def _report_data(**over):
    today = timezone.localdate()
    data = {"period_start": (today - dt.timedelta(days=30)).isoformat(),
            "period_end": today.isoformat(), "prepaid_collected": "12000.00",
            "collected_outside": "500.00", "fee_loans": 1, "findings": "一笔学费进入个人账户",
            "corrections": "已退回专用账户"}
    data.update(over)
    return data


def test_the_institution_submits_a_self_inspection_with_its_file(world):
    inst, _course = supervised(world)
    staff = login(staff_of(world, inst))
    url = f"/office/funds/{inst.uscc}/self-inspections/"
    assert 'enctype="multipart/form-data"' in staff.get(url).content.decode()
    bad = staff.post(url, _report_data(collected_outside="13000.00"))
    assert bad.status_code == 400 and not SelfInspection.objects.exists()
    assert "is-invalid" in bad.content.decode()
    backwards = staff.post(url, _report_data(period_start="2099-01-01"))
    assert backwards.status_code == 400
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" * 100)
    refused = staff.post(url, {**_report_data(), "upload": exe})
    assert refused.status_code == 400 and not SelfInspection.objects.exists()
    good = SimpleUploadedFile("自查报告.pdf", samplefiles.pdf())
    assert staff.post(url, {**_report_data(), "upload": good}).status_code == 302
    report = SelfInspection.objects.get()
    assert report.collected_outside == Decimal("500.00") and report.file_type == "application/pdf"
    page = staff.get(url).content.decode()
    assert "12000.00" in page
    file_url = f"/office/funds/{inst.uscc}/self-inspections/{report.pk}/file/"
    assert staff.get(file_url).status_code == 200
    assert login(world.b.users["county_admin"]).get(file_url).status_code == 404
    assert login(world.b.users["county_admin"]).get(url).status_code == 404
    # An officer reads but does not submit for the institution.
    assert login(world.a.users["culture"]).post(url, _report_data()).status_code == 404


def test_the_supervising_department_records_a_spot_check(world):
    inst, _course = supervised(world)
    culture = login(world.a.users["culture"])
    url = f"/office/funds/{inst.uscc}/spot-checks/"
    today = timezone.localdate().isoformat()
    contradiction = culture.post(url, {"checked_on": today, "result": "compliant",
                                       "collected_outside": "100", "fee_loans": 0,
                                       "findings": "x"})
    assert contradiction.status_code == 400 and not SpotCheck.objects.exists()
    blank = culture.post(url, {"checked_on": today, "result": "problems", "fee_loans": 0,
                               "findings": ""})
    assert blank.status_code == 400
    assert culture.post(url, {"checked_on": today, "result": "problems",
                              "collected_outside": "100.00", "fee_loans": 2,
                              "findings": "平安消费抽查：两笔培训费贷款"}).status_code == 302
    check = SpotCheck.objects.get()
    assert check.department == world.a.users["culture"].department and check.fee_loans == 2
    assert login(staff_of(world, inst)).post(url, {
        "checked_on": today, "result": "compliant", "fee_loans": 0,
        "findings": "自己查自己"}).status_code == 404
    assert login(world.b.users["county_admin"]).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.spot_check_record(actor=world.b.users["county_admin"], institution=inst,
                                   checked_on=timezone.localdate(),
                                   result=SpotResult.COMPLIANT, findings="x")


def test_the_report_lists_keep_their_query_count(world, query_budget):
    inst, _course = supervised(world)
    admin = world.a.users["county_admin"]
    today = timezone.localdate()

    def reports(start, stop):
        for _n in range(start, stop):
            services.self_inspection_submit(actor=admin, institution=inst, period_start=today,
                                            period_end=today, prepaid_collected="10.00")

    def checks(start, stop):
        for _n in range(start, stop):
            services.spot_check_record(actor=admin, institution=inst, checked_on=today,
                                       result=SpotResult.COMPLIANT, findings="无问题")

    client = login(admin)
    query_budget(client, f"/office/funds/{inst.uscc}/self-inspections/", reports, small=3,
                 large=23, budget=12, name="self-inspections")
    query_budget(client, f"/office/funds/{inst.uscc}/spot-checks/", checks, small=3,
                 large=23, budget=12, name="spot checks")


def test_invoices_are_recorded_per_order_up_to_what_was_paid(world):
    inst, course = supervised(world)
    o = paid_order(world, inst, course, amount="3000.00")
    staff = login(staff_of(world, inst))
    url = f"/office/funds/orders/{o.number}/"
    today = timezone.localdate().isoformat()
    first = {"verb": "invoice", "invoice-kind": "electronic", "invoice-number": "E001",
             "invoice-amount": "2000.00", "invoice-issued_on": today}
    assert staff.post(url, first).status_code == 302
    repeated = staff.post(url, {**first, "invoice-amount": "100.00"})
    assert repeated.status_code == 400 and "is-invalid" in repeated.content.decode()
    over = staff.post(url, {**first, "invoice-number": "E002", "invoice-amount": "1000.01"})
    assert over.status_code == 400
    assert staff.post(url, {**first, "invoice-number": "P001", "invoice-kind": "paper",
                            "invoice-amount": "1000.00"}).status_code == 302
    assert list(Invoice.objects.order_by("number").values_list("number", flat=True)) == [
        "E001", "P001"]
    assert "E001" in staff.get(url).content.decode()
    pending = order(world, inst, course, learner="未付", phone="13811112222")
    with pytest.raises(DomainError):
        services.invoice_record(actor=world.a.users["county_admin"], order=pending,
                                kind="paper", number="P9", amount="1.00",
                                issued_on=timezone.localdate())
    assert login(world.b.users["county_admin"]).post(
        url, {**first, "invoice-number": "B1"}).status_code == 404


def test_a_risk_deposit_needs_its_guarantee_file_checked_by_content(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    values = {"actor": admin, "institution": inst, "mode": Mode.RISK_DEPOSIT,
              "deposit_amount": "100000", "deposit_bank": "建行", "guarantee_document": "保函1"}
    with pytest.raises(DomainError) as missing:
        services.arrangement_record(**values)
    assert missing.value.field == "guarantee_upload"
    fake = SimpleUploadedFile("保函.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(DomainError) as typed:
        services.arrangement_record(**values, guarantee_upload=fake)
    assert typed.value.field == "guarantee_upload"
    big = SimpleUploadedFile("保函.pdf", samplefiles.pdf(padding=11 * 1024 * 1024))
    with pytest.raises(DomainError) as sized:
        services.arrangement_record(**values, guarantee_upload=big)
    assert sized.value.field == "guarantee_upload"
    assert not Arrangement.objects.exists()
    services.arrangement_record(**values, guarantee_upload=guarantee("scan.png.pdf"))
    arrangement = Arrangement.objects.get()
    assert arrangement.guarantee_file_type == "application/pdf"
    # Recorded again without a file, the one on record stays.
    services.arrangement_record(**{**values, "guarantee_document": "保函2"})
    arrangement.refresh_from_db()
    assert arrangement.guarantee_file and arrangement.guarantee_document == "保函2"
    url = f"/office/funds/{inst.uscc}/guarantee/"
    assert login(admin).get(url).status_code == 200
    assert login(world.b.users["county_admin"]).get(url).status_code == 404


def test_the_arrangement_form_takes_the_guarantee_upload(world):
    inst = register(world)
    client = login(world.a.users["county_admin"])
    url = f"/office/funds/{inst.uscc}/arrangement/"
    data = {"mode": "risk_deposit", "deposit_amount": "100000", "deposit_bank": "建行",
            "guarantee_document": "保函1"}
    without = client.post(url, data)
    assert without.status_code == 400 and "is-invalid" in without.content.decode()
    with_file = client.post(url, {**data, "guarantee_upload": SimpleUploadedFile(
        "保函.pdf", samplefiles.pdf())})
    assert with_file.status_code == 302 and Arrangement.objects.get().guarantee_file


def test_under_a_risk_deposit_payments_never_post_to_custody(world):
    """004 §4(4): the fees sit in the dedicated account, answered for by the deposit;
    002 §2(3)'s loop runs on it the same, and the reconciliation reads it."""
    inst, course = supervised(world, mode=Mode.RISK_DEPOSIT)
    admin = world.a.users["county_admin"]
    o = paid_order(world, inst, course, amount="3000.00", hours=40)
    assert o.held_in == Account.DEDICATED and o.held == Decimal("3000.00")
    consume(world, o, 10)
    services.order_refund(actor=admin, order=o, reason="转学")
    assert not Entry.objects.filter(account=Account.CUSTODY).exists()
    balances = selectors.balances(order=o)
    assert balances[Account.DEDICATED] == 0 and balances[Account.CONSUMED] == Decimal("750.00")
    assert balances[Account.REFUNDED] == Decimal("2250.00")
    assert sum(balances.values()) == 0
    assert services.ledger_balance(institution=inst, day=timezone.localdate()) == Decimal(
        "750.00")
    page = login(admin).get(f"/office/funds/{inst.uscc}/").content.decode()
    assert 'id="balance-dedicated"' not in page  # all of it refunded or consumed
    fresh = paid_order(world, inst, course, learner="小红", phone="13800000002")
    page = login(admin).get(f"/office/funds/orders/{fresh.number}/").content.decode()
    assert 'id="balance-dedicated"' in page
    custody_inst, custody_course = supervised(world, "a", 2)
    c = paid_order(world, custody_inst, custody_course)
    assert c.held_in == Account.CUSTODY and Entry.objects.filter(
        order=c, account=Account.CUSTODY).exists()


def test_coverage_per_county_for_the_dashboards(world, django_assert_max_num_queries):
    """004 §2: every licensed institution on the platform under supervision, 100 % of
    prepaid funds supervised."""
    admin = world.a.users["county_admin"]
    inst, course = supervised(world, "a", 1)
    paid_order(world, inst, course, amount="3000.00")
    register(world, "a", 2)  # applying: not counted as licensed
    deposit, course_2 = supervised(world, "a", 3, mode=Mode.RISK_DEPOSIT)
    paid_order(world, deposit, course_2, amount="1000.00")
    services.spot_check_record(actor=admin, institution=inst, checked_on=timezone.localdate(),
                               result=SpotResult.PROBLEMS, findings="个人账户收费",
                               collected_outside="1000.00")
    supervised(world, "b", 4)
    with django_assert_max_num_queries(8):
        rows = selectors.coverage(world.city_admin, region=world.city)
    assert {r.region_code for r in rows} == {world.a.region.code, world.b.region.code}
    mine = {r.region_code: r for r in selectors.coverage(admin)}
    assert list(mine) == [world.a.region.code]  # county A's admin sees county A only
    a = mine[world.a.region.code]
    assert (a.licensed, a.arranged, a.arranged_percent) == (2, 2, Decimal("100.0"))
    assert (a.on_platform, a.on_platform_percent) == (2, Decimal("100.0"))
    assert a.prepaid_supervised == Decimal("4000.00") and a.prepaid_received == Decimal(
        "5000.00")
    assert a.supervised_percent == Decimal("80.0")
    assert selectors.coverage(world.b.users["county_admin"])[0].prepaid_received == 0
    assert selectors.coverage(world.b.users["county_admin"])[0].supervised_percent is None
