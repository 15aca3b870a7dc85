"""The custodian bank's statement, uploaded as CSV or .xlsx (issue 11 "Money flows").

Each row is a payment: the bank's transaction id, the order number, the amount and the
day. Every row is checked first and each bad one reported; only when all are good is
anything recorded, in one transaction (all or nothing). A transaction already recorded
(by an earlier statement or the bank's API call) is counted as such and recorded nothing
twice. Hardened like the register import (institutions/imports.py): the size and the real
type are checked before reading, a workbook's unpacked size is bounded, and rows are
read one by one up to the cap.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.audit import audit_record
from core.abilities import require
from core.errors import DomainError
from funds import services
from funds.models import Movement, MovementKind, Order, OrderState, StatementImport

COLUMNS = [("transaction_id", gettext_lazy("Bank transaction id")),
           ("order_number", gettext_lazy("Order number")),
           ("amount", gettext_lazy("Amount (yuan)")),
           ("paid_on", gettext_lazy("Paid on (YYYY-MM-DD)"))]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_UNPACKED = 20 * 1024 * 1024
IMPORTS_PER_HOUR = 10


@dataclass
class Row:
    number: int
    values: dict[str, str]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):  # a number cell: keep its decimal text, never float math
        return repr(value)
    return str(value).strip()


def _rows_from(cells: Any) -> list[Row]:
    rows: list[Row] = []
    for number, values in enumerate(cells, start=1):
        if number == 1:
            continue  # the header
        texts = [_cell(v) for v in list(values)[:len(COLUMNS)]]
        if not any(texts):
            continue
        if len(rows) >= MAX_ROWS:
            raise DomainError(_("A statement holds at most %(n)s rows.") % {"n": MAX_ROWS},
                              field="file")
        texts += [""] * (len(COLUMNS) - len(texts))
        rows.append(Row(number, dict(zip([k for k, _l in COLUMNS], texts, strict=True))))
    return rows


def read_rows(upload: Any) -> list[Row]:
    from cases import filetypes

    if not upload or not upload.size:
        raise DomainError(_("The file is empty."), field="file")
    if upload.size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 1048576},
                          field="file")
    if filetypes.detect(upload) == filetypes.XLSX:
        return _xlsx_rows(upload.read())
    upload.seek(0)
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("Upload the statement as UTF-8 CSV or as an Excel .xlsx file."),
                          field="file") from None
    if "\x00" in text:
        raise DomainError(_("Upload the statement as UTF-8 CSV or as an Excel .xlsx file."),
                          field="file")
    try:
        return _rows_from(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise DomainError(_("The CSV file cannot be read."), field="file") from None


def _xlsx_rows(data: bytes) -> list[Row]:
    from openpyxl import load_workbook

    unreadable = DomainError(_("The file is not a readable Excel workbook."), field="file")
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise unreadable from None
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise DomainError(_("The workbook unpacks to more than %(mb)s MB.")
                          % {"mb": MAX_UNPACKED // 1048576}, field="file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        return _rows_from(sheet.iter_rows(max_col=len(COLUMNS), max_row=MAX_ROWS + 500,
                                          values_only=True))
    except DomainError:
        raise
    except Exception:  # openpyxl raises many types for a broken file
        raise unreadable from None


def _check(rows: list[Row], actor: Any
           ) -> tuple[list[dict[str, Any]], list[Row], dict[str, Order], int]:
    """Every bad row with its reason, the rows to record, and how many were recorded
    before."""
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    numbers = {r.values["order_number"] for r in rows}
    orders = {o.number: o for o in Order.objects.restrict(actor).filter(number__in=numbers)}
    earlier = {m.bank_transaction_id: m for m in Movement.objects.filter(
        bank_transaction_id__in={r.values["transaction_id"] for r in rows})}
    todo: list[Row] = []
    repeated = 0

    def bad(row: Row, field: str, message: str) -> None:
        errors.append({"row": row.number, "field": field, "message": message})

    for row in rows:
        v = row.values
        try:
            txn = services._clean_transaction_id(v["transaction_id"])
            amount = services.yuan(v["amount"])
        except DomainError as exc:
            bad(row, exc.field or "", str(exc.message))
            continue
        if txn in seen:
            bad(row, "transaction_id", _("This transaction id is repeated in the file."))
            continue
        seen.add(txn)
        order = orders.get(v["order_number"])
        if order is None:
            bad(row, "order_number", _("No such order."))
            continue
        if v["paid_on"]:
            try:
                dt.date.fromisoformat(v["paid_on"])
            except ValueError:
                bad(row, "paid_on", _("Give the date as YYYY-MM-DD."))
                continue
        if txn in earlier:
            m = earlier[txn]
            if m.order_id != order.pk or m.amount != amount or m.kind != MovementKind.PAYMENT:
                bad(row, "transaction_id",
                    _("This bank transaction id was recorded for another payment."))
            else:
                repeated += 1
            continue
        if order.state != OrderState.PENDING:
            bad(row, "order_number", _("The order is not awaiting payment."))
        elif amount != order.amount:
            bad(row, "amount", _("The payment must equal the order's amount of %(amount)s "
                                 "yuan.") % {"amount": order.amount})
        else:
            todo.append(row)
    return errors, todo, orders, repeated


@transaction.atomic
def statement_import(*, actor: Any, upload: Any) -> StatementImport:
    """Check the statement and, when every row is good, record its payments."""
    require(actor, "funds.import_statement")
    since = timezone.now() - dt.timedelta(hours=1)
    if StatementImport.objects.filter(created_by=actor, created_at__gte=since).count() >= \
            IMPORTS_PER_HOUR:
        raise DomainError(_("You imported %(n)s statements in the last hour: wait a while "
                            "before the next.") % {"n": IMPORTS_PER_HOUR}, field="file")
    rows = read_rows(upload)
    if not rows:
        raise DomainError(_("The statement holds no payment rows."), field="file")
    errors, todo, orders, repeated = _check(rows, actor)
    job = StatementImport(created_by=actor, original_name=(upload.name or "")[:200],
                          total_rows=len(rows), repeated_rows=repeated, errors=errors)
    if not errors:
        for row in todo:
            services.payment_apply(actor=actor, order=orders[row.values["order_number"]],
                                   amount=row.values["amount"],
                                   transaction_id=row.values["transaction_id"])
        job.applied_rows = len(todo)
    job.save()
    audit_record(actor=actor, action="funds.statement", obj=job,
                 after={"rows": len(rows), "applied": job.applied_rows,
                        "repeated": repeated, "errors": len(errors)})
    return job
