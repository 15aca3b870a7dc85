"""Every .xlsx goes through core.exports: text guarded, money as numbers."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from core.exports import xlsx_bytes


def _sheet(rows):
    return load_workbook(io.BytesIO(xlsx_bytes("表", ["金额", "说明"], rows))).active


def test_money_is_a_number_with_two_places_not_text():
    sheet = _sheet([[Decimal("1000.00"), "甲"], [Decimal("0.5"), "乙"], [Decimal("3"), "丙"]])
    cells = [row[0] for row in list(sheet.iter_rows())[1:]]
    assert [c.data_type for c in cells] == ["n", "n", "n"]
    assert [c.value for c in cells] == [1000, 0.5, 3]
    assert [c.number_format for c in cells] == ["0.00", "0.0", "General"]


def test_text_cannot_become_a_formula_and_odd_values_stay_readable():
    sheet = _sheet([["=HYPERLINK(\"x\")", Decimal("NaN")], ["-1+1", dt.date(2026, 11, 30)]])
    values = [[c.value for c in row] for row in list(sheet.iter_rows())[1:]]
    assert values[0] == ["'=HYPERLINK(\"x\")", "NaN"]
    assert values[1][0] == "'-1+1" and values[1][1].date() == dt.date(2026, 11, 30)
