"""The bank statement import: CSV or .xlsx, a report per bad row, all or nothing, and
idempotent on the bank's transaction id."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.errors import DomainError, PermissionDenied
from funds import imports
from funds.models import Movement, Order, OrderState, StatementImport
from funds.tests.helpers import order, supervised
from institutions.tests.helpers import login

pytestmark = pytest.mark.django_db

HEADER = "交易流水号,订单号,金额,日期\n"


def _csv(lines):
    return SimpleUploadedFile("statement.csv", ("\ufeff" + HEADER + "\n".join(lines)).encode())


def _xlsx(rows):
    wb = Workbook()
    wb.active.append(["交易流水号", "订单号", "金额", "日期"])
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("statement.xlsx", out.getvalue())


@pytest.fixture
def orders(world):
    inst, course = supervised(world)
    return [order(world, inst, course, learner=f"学员{n}", phone=f"1390000000{n}")
            for n in range(3)]


def test_a_good_statement_records_every_payment_and_a_repeat_records_nothing(world, orders):
    officer = world.a.users["officer"]  # education-sports reads the county's funds
    lines = [f"T{n},{o.number},3000.00,2026-09-01" for n, o in enumerate(orders)]
    job = imports.statement_import(actor=officer, upload=_csv(lines))
    assert (job.applied_rows, job.repeated_rows, job.errors) == (3, 0, [])
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.PAID}
    again = imports.statement_import(actor=officer, upload=_csv(lines))
    assert (again.applied_rows, again.repeated_rows) == (0, 3)
    assert Movement.objects.count() == 3


def test_one_bad_row_records_nothing_and_is_reported(world, orders):
    rows = [["T1", orders[0].number, "3000.00", "2026-09-01"],
            ["T2", orders[1].number, "2999.99", "2026-09-01"],
            ["T3", "DDNOSUCH", "3000.00", "2026-09-01"],
            ["T1", orders[2].number, "3000.00", "2026-09-01"],
            ["T4", orders[2].number, "3000.00", "09/01/2026"]]
    job = imports.statement_import(actor=world.a.users["county_admin"], upload=_xlsx(rows))
    assert job.applied_rows == 0 and not Movement.objects.exists()
    assert [(e["row"], e["field"]) for e in job.errors] == [
        (3, "amount"), (4, "order_number"), (5, "transaction_id"), (6, "paid_on")]


def test_another_countys_orders_are_unknown_to_the_importer(world, orders):
    job = imports.statement_import(actor=world.b.users["county_admin"],
                                   upload=_csv([f"T1,{orders[0].number},3000.00,"]))
    assert job.errors[0]["field"] == "order_number" and not Movement.objects.exists()


def test_files_that_are_not_statements_are_refused(world):
    admin = world.a.users["county_admin"]
    for upload in (SimpleUploadedFile("x.csv", b""),
                   SimpleUploadedFile("x.csv", "流水".encode("gbk")),
                   SimpleUploadedFile("x.xlsx", b"PK\x03\x04broken"),
                   SimpleUploadedFile("x.csv", HEADER.encode())):
        with pytest.raises(DomainError):
            imports.statement_import(actor=admin, upload=upload)
    with pytest.raises(PermissionDenied):  # culture-tourism is no funds department
        imports.statement_import(actor=world.a.users["culture"], upload=_csv(["T1,DD1,1,"]))
    assert not StatementImport.objects.exists()


def test_the_import_page_reports_the_rows(world, orders):
    client = login(world.a.users["county_admin"])
    response = client.post("/office/funds/import/",
                           {"file": _csv([f"T9,{orders[0].number},1.00,"])})
    assert response.status_code == 400 and "import-report" in response.content.decode()
    response = client.post("/office/funds/import/",
                           {"file": _csv([f"T9,{orders[0].number},3000.00,"])})
    assert response.status_code == 200 and Movement.objects.count() == 1
    assert login(world.a.users["culture"]).get("/office/funds/import/").status_code == 404


def test_the_import_page_lists_the_columns_as_its_language_writes_a_list(world):
    """The walk of 2 December: the Chinese page read 「…缴费日期（YYYY-MM-DD）. 只有…」 and
    the English one joined the columns with 「、」."""
    client = login(world.a.users["county_admin"])
    zh = client.get("/office/funds/import/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "各列依次为：银行交易流水号、订单号、金额（元）、缴费日期（YYYY-MM-DD）。" in zh
    en = client.get("/office/funds/import/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("these columns in order: Bank transaction id, Order number, Amount (yuan), "
            "Paid on (YYYY-MM-DD).") in en
