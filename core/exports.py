"""Excel export of any list (openpyxl, write-only mode so memory stays flat)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def guard_text(value: str) -> str:
    """Text is never a formula (CSV/Excel injection), and control characters go. The one
    guard of every .xlsx and .csv the project writes."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return guard_text(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) \
            else value
    if value is None or isinstance(value, int | float | dt.date | str):
        return value
    return str(value)


def _number(sheet: WriteOnlyWorksheet, value: Decimal) -> WriteOnlyCell:
    """Money and other decimals are numbers a reader can sum in Excel, shown with their
    own places (yuan to the fen: 0.00), not text."""
    cell = WriteOnlyCell(sheet, value=value)
    places = -value.as_tuple().exponent if isinstance(value.as_tuple().exponent, int) else 0
    if places > 0:
        cell.number_format = "0." + "0" * min(places, 10)
    return cell


def _workbook(title: Any, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Workbook:
    """Every .xlsx the project writes goes through here: each cell through `_cell`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append([_cell(str(label)) for label in header])
    for row in rows:
        sheet.append([_number(sheet, value) if isinstance(value, Decimal) and value.is_finite()
                      else _cell(value) for value in row])
    return workbook


def xlsx_bytes(title: Any, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """A workbook as bytes (templates, error reports), guarded as every export is."""
    out = io.BytesIO()
    _workbook(title, header, rows).save(out)
    return out.getvalue()


def xlsx_response(title: str, columns: list[tuple[Any, Callable[[Any], Any]]],
                  rows: Iterable[Any]) -> HttpResponse:
    records = rows.iterator(chunk_size=500) if hasattr(rows, "iterator") else rows
    workbook = _workbook(title, [label for label, _getter in columns],
                         ([getter(row) for _label, getter in columns] for row in records))
    response = HttpResponse(content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{title}-{stamp}.xlsx")
    workbook.save(response)
    return response
