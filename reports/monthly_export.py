"""The monthly report in its form's own layout (004 annex 2): an .xlsx with the merged
headings, the units, the county total line and the signature footer, and a PDF for
printing (reportlab's built-in CID font STSong-Light, so no font file is needed).

Manual columns carry "（手填）" in their heading and the legend says so: a reader of the
printed form tells what the system computed from what a department typed in.

The exports stay in Chinese whatever the reader's language: they are the form as it is
filed with the government (004 §6(8), annex 2), in its own words. Only the page
(reports/monthly.html) reads in the reader's language, its zh-hans wording the form's; the
views build the exported table under zh-hans (`reports.views._official_table`), as the
schedule's phases are translated labels."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from core.exports import guard_text
from core.i18n import parenthesized
from reports.monthly import Line, Table

#: The form's title, in Chinese on every page and export (an English page adds a gloss).
TITLE = "整治群众身边腐败和作风问题工作情况表"
MANUAL = "（手填）"
NCOLS = 21  # 序号, 1, 2×2, 3, 4, 5–12, 13×2, 14×2, 15, 16, 备注

#: (row, col, text, rowspan, colspan) of the heading block, rows 1..3 of the heading
#: (as in annex 2: three heading rows).
HEADINGS: tuple[tuple[int, int, str, int, int], ...] = (
    (0, 0, "序号", 3, 1),
    (0, 1, "1.整治项目名称", 3, 1),
    (0, 2, "2.责任单位", 1, 2),
    (1, 2, "牵头单位", 2, 1),
    (1, 3, "参加单位", 2, 1),
    (0, 4, "3.整治的重点问题" + MANUAL, 3, 1),
    (0, 5, "4.整治时间及进度安排", 3, 1),
    (0, 6, "有关数据", 1, 12),
    (1, 6, "5.查处腐败和作风问题数", 2, 1),
    (1, 7, "6.批评教育帮助和处理人数", 2, 1),
    (1, 8, "7.党纪政务处分人数", 2, 1),
    (1, 9, "8.发现职能部门问题数", 2, 1),
    (1, 10, "9.推动整改问题数", 2, 1),
    (1, 11, "10.推动建立和完善制度数" + MANUAL, 2, 1),
    (1, 12, "11.制发纪检监察建议书数", 2, 1),
    (1, 13, "12.追踪完成整改建议书份数", 2, 1),
    (1, 14, "13.通报曝光", 1, 2),
    (2, 14, "批次数", 1, 1),
    (2, 15, "案件数", 1, 1),
    (1, 16, "14.公布成果" + MANUAL, 1, 2),
    (2, 16, "批次数", 1, 1),
    (2, 17, "项目数", 1, 1),
    (0, 18, "15.工作成效" + MANUAL, 3, 1),
    (0, 19, "16.整治工作存在问题" + MANUAL, 3, 1),
    (0, 20, "备注" + MANUAL, 3, 1),
)

#: The columns by code, in the form's order: the figures' codes of monthly.FIGURES and
#: the manual fields' of monthly.MANUAL_ROW_FIELDS.
COLUMN_CODES: tuple[str, ...] = (
    "no", "1", "2a", "2b", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13a", "13b",
    "14a", "14b", "15", "16", "remarks")


def column_labels() -> dict[str, str]:
    """Each column's whole heading on the page, by code, in the reader's language: a
    sub-column's after its column's ("13. Public notices · Number of batches"), a manual
    column marked. It labels a line's cells where the page's three heading rows are
    hidden (each line a card on a phone, issue 14 C6); its words are the page's headings
    (reports/monthly.html), whose zh-hans wording is the form's."""
    units, notices, published = (_("2. Responsible units"), _("13. Public notices"),
                                 _("14. Results published"))

    def manual(heading: str) -> str:
        return _("%(heading)s (manual)") % {"heading": heading}

    def under(column: str, sub: str) -> str:
        return f"{column} · {sub}"

    labels = (
        _("No."), _("1. Rectification item"), under(units, _("Lead unit")),
        under(units, _("Participating units")), manual(_("3. Key problems addressed")),
        _("4. Timing and schedule"), _("5. Corruption and work-style problems investigated"),
        _("6. Persons criticised, educated or handled"),
        _("7. Persons given party or government sanctions"),
        _("8. Problems of functional departments found"),
        _("9. Problems whose rectification was driven"),
        manual(_("10. Systems set up or improved")), _("11. Supervision proposals issued"),
        _("12. Proposals followed up to completed rectification"),
        under(notices, _("Number of batches")), under(notices, _("Number of cases")),
        manual(under(published, _("Number of batches"))),
        manual(under(published, _("Number of projects"))),
        manual(_("15. Effects of the work")), manual(_("16. Problems in the work")),
        manual(_("Remarks")))
    return dict(zip(COLUMN_CODES, labels, strict=True))


def _item_name(table: Table, line: Line, *, official: bool) -> str:
    """The campaign, and on a consolidated report the county report it comes from: in
    the form's （ ） on the exports (official), in the reader's language's brackets on the
    page (issue 14 C11)."""
    if table.report.pk == line.report.pk:
        return line.row.campaign.title
    source = f"{line.report.region.name}·{line.report.department.name}"
    if official:
        return f"{line.row.campaign.title}（{source}）"
    return f"{line.row.campaign.title}{parenthesized(source)}"


def cells(table: Table, line: Line, number: int, *, official: bool = True) -> list[Any]:
    """A line's cells: the form's words on the exports (official), the reader's language
    on the page, as `note_text`."""
    f, r = line.figures, line.row
    return [number, _item_name(table, line, official=official), line.lead, line.participants,
            r.key_problems,
            line.schedule, f["5"], f["6"], f["7"], f["8"], f["9"], r.systems, f["11"], f["12"],
            f["13a"], f["13b"], r.published_batches, r.published_projects, r.effects,
            r.shortcomings, r.remarks]


def total_cells(table: Table) -> list[Any]:
    t = table.totals
    lines = table.lines
    return ["合计", "", "", "", "", "", t["5"], t["6"], t["7"], t["8"], t["9"],
            sum(ln.row.systems for ln in lines), t["11"], t["12"], t["13a"], t["13b"],
            sum(ln.row.published_batches for ln in lines),
            sum(ln.row.published_projects for ln in lines), "", "", ""]


def note_text(table: Table, *, official: bool = True) -> str:
    """The note under the table: the form's words on the exports (official), the reader's
    language on the page, whose zh-hans translation is those words."""
    tb, tc, rb, rp = table.typical
    if not official:
        return _("Note: in the targeted rectification, %(tb)s batches of %(tc)s typical "
                 "cases were publicised and %(rb)s batches of %(rp)s projects' results "
                 "published, not counted in items 1-16 of the table (manual). The "
                 "form is submitted before the 1st of each month; the city science and "
                 "technology, culture and tourism, and sports bureaus submit theirs to the "
                 "city education bureau before the 3rd for consolidation.") % {
            "tb": tb, "tc": tc, "rb": rb, "rp": rp}
    return (f"注：围绕“点题整治”，通报曝光 {tb} 批 {tc} 起典型案例，公布成果 {rb} 批 {rp} 个项目，"
            f"不计入表中1-16项目的数据{MANUAL}。本表于每月1日前报送，市科技局、市文旅局、"
            f"市体育局于每月3日前报送市教育局汇总。")


def footer(table: Table, *, official: bool = True) -> tuple[str, str, str, str]:
    """The signature lines, as `note_text`: the form's words, or the reader's language."""
    report = table.report
    when = timezone.localtime(report.submitted_at).strftime("%Y-%m-%d") \
        if report.submitted_at else ""
    if not official:
        return (_("Reporting unit: %(unit)s") % {"unit": report.department.name},
                _("Date filled in: %(date)s") % {"date": when},
                _("Post: %(post)s") % {"post": report.post},
                _("Contact: %(contact)s") % {"contact": report.contact})
    return (f"填表单位：{report.department.name}", f"填表时间：{when}",
            f"职务：{report.post}", f"联系方式：{report.contact}")


def xlsx(table: Table) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{table.report.period:%Y-%m}"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(row=1, column=1, value=TITLE).font = Font(size=16, bold=True)
    ws.cell(row=1, column=1).alignment = center
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=NCOLS)
    ws.cell(row=2, column=1, value=guard_text(
        f"{table.report.region.name} {table.report.period:%Y年%m月}"))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=NCOLS)
    top = 3
    for r, c, text, rs, cs in HEADINGS:
        cell = ws.cell(row=top + r, column=c + 1, value=text)
        cell.font = Font(bold=True)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r + rs - 1,
                           end_column=c + cs)
    for row in ws.iter_rows(min_row=top, max_row=top + 2, max_col=NCOLS):
        for cell in row:
            cell.alignment = center
            cell.border = box
    at = top + 3
    for i, line in enumerate(table.lines, start=1):
        for c, value in enumerate(cells(table, line, i), start=1):
            cell = ws.cell(row=at, column=c, value=guard_text(value) if isinstance(value, str)
                           else value)
            cell.border = box
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        at += 1
    for c, value in enumerate(total_cells(table), start=1):
        cell = ws.cell(row=at, column=c, value=value)
        cell.border = box
        cell.font = Font(bold=True)
    at += 1
    ws.cell(row=at, column=1, value=note_text(table)).alignment = Alignment(wrap_text=True)
    ws.merge_cells(start_row=at, start_column=1, end_row=at, end_column=NCOLS)
    ws.row_dimensions[at].height = 32
    unit, when, post, contact = footer(table)
    ws.cell(row=at + 1, column=1, value=guard_text(unit))
    ws.merge_cells(start_row=at + 1, start_column=1, end_row=at + 1, end_column=10)
    ws.cell(row=at + 1, column=11, value=guard_text(when))
    ws.merge_cells(start_row=at + 1, start_column=11, end_row=at + 1, end_column=NCOLS)
    ws.cell(row=at + 2, column=1, value=guard_text(post))
    ws.merge_cells(start_row=at + 2, start_column=1, end_row=at + 2, end_column=10)
    ws.cell(row=at + 2, column=11, value=guard_text(contact))
    ws.merge_cells(start_row=at + 2, start_column=11, end_row=at + 2, end_column=NCOLS)
    widths = {1: 5, 2: 22, 3: 12, 4: 16, 5: 20, 6: 22, 19: 24, 20: 24, 21: 12}
    for c in range(1, NCOLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 9)
    ws.page_setup.orientation = "landscape"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(table: Table) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A3, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    small = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")

    def para(value: Any) -> Any:
        return Paragraph(escape("" if value is None else str(value)), small)

    grid: list[list[Any]] = [["" for _c in range(NCOLS)] for _r in range(3)]
    spans = []
    for r, c, text, rs, cs in HEADINGS:
        grid[r][c] = para(text)
        if rs > 1 or cs > 1:
            spans.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
    for i, line in enumerate(table.lines, start=1):
        grid.append([para(v) for v in cells(table, line, i)])
    grid.append([para(v) for v in total_cells(table)])
    widths = [8, 34, 18, 24, 30, 32] + [13] * 12 + [34, 34, 16]
    pdf_table = PdfTable(grid, colWidths=[w * mm for w in widths], repeatRows=3)
    pdf_table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans])
    unit, when, post, contact = footer(table)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A3), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=TITLE)
    doc.build([
        Paragraph(TITLE, title),
        Paragraph(escape(f"{table.report.region.name} {table.report.period:%Y年%m月}"), body),
        Spacer(1, 4 * mm), pdf_table, Spacer(1, 3 * mm),
        Paragraph(escape(note_text(table)), body),
        Paragraph(escape(f"{unit}　　　　{when}"), body),
        Paragraph(escape(f"{post}　　　　{contact}"), body),
    ])
    return out.getvalue()
