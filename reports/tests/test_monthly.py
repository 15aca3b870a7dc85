"""The monthly statutory report (004 §6(8), annex 2): every computed figure equals the
records behind it, for one county and for the city; the workflow (opened by the beat job
once, submitted by the 1st, forwarded by the 3rd, consolidated; overdue through the task
engine); the .xlsx and PDF in the form's layout; the pages, the 404 matrix, query counts."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client

from cases import services as case_services
from cases.models import TaskStatus
from core.errors import InvalidState, PermissionDenied
from governance.tests.helpers import OUTSIDERS, assert_out_of_reach_is_404, once
from reports import monthly, services
from reports.models import MonthlyReport, ReportStatus
from reports.tests.helpers import CULTURE, EDU, EXPECTED, JUNE, D, june, open_june, report
from tests.clock import on_day
from tests.factories import DepartmentFactory, World
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _records_total(client: Client, r: MonthlyReport, code: str, row: int | None = None) -> int:
    url = f"/office/reports/monthly/{r.pk}/records/{code}/" + (f"?row={row}" if row else "")
    page = client.get(url)
    assert page.status_code == 200
    return int(re.search(r'id="figure-total">(\d+)<', page.content.decode()).group(1))


def test_each_figure_of_a_county_report_equals_its_source_records(world: World):
    june(world)
    open_june()
    r = report(world)
    table = monthly.table(r)
    [line] = table.lines
    assert line.figures == EXPECTED
    admin = world.a.users["county_admin"]
    for figure in monthly.FIGURES:
        rows = monthly.records(admin, figure, JUNE, line.row.campaign_id, r.department_id)
        assert monthly.record_value(figure, rows) == line.figures[figure.code], figure.code
    # ... and the page's drill-down shows the same records.
    client = _client(admin)
    for code, value in EXPECTED.items():
        assert _records_total(client, r, code, line.row.pk) == value
    page = client.get(f"/office/reports/monthly/{r.pk}/records/11/?row={line.row.pk}")
    text = page.content.decode()
    assert "六月建议书一" in text and "六月建议书二" in text
    assert "五月建议书" not in text and "不属专项的建议书" not in text


def test_the_city_consolidation_sums_the_counties_and_opens_their_records(world: World):
    city_culture = _consolidated(world)
    city_edu = MonthlyReport.objects.get(region=world.city, department__type=EDU)
    # Before city culture forwards, city education sees no culture report.
    assert not monthly.table(city_edu).lines
    assert len(monthly.table(city_culture).lines) == 2
    services.monthly_submit(actor=world.city_admin, report=city_culture)
    table = monthly.table(city_edu)
    assert len(table.lines) == 2
    assert table.totals == {code: 2 * n for code, n in EXPECTED.items()}
    client = _client(world.city_admin)
    for code, value in table.totals.items():
        assert _records_total(client, city_edu, code) == value
    for line in table.lines:
        for figure in monthly.FIGURES:
            rows = monthly.records(world.city_admin, figure, JUNE, line.row.campaign_id,
                                   line.report.department_id)
            assert monthly.record_value(figure, rows) == line.figures[figure.code]
    services.monthly_submit(actor=world.city_admin, report=city_edu)
    city_edu.refresh_from_db()
    assert city_edu.status == ReportStatus.SUBMITTED


def test_the_beat_job_opens_each_report_and_task_once(world: World):
    june(world)
    opened = open_june()
    assert opened == MonthlyReport.objects.count() > 0
    assert open_june() == 0
    r = report(world)
    task = r.case.tasks.get()
    assert task.department == world.a.depts[CULTURE]
    assert task.due_date <= D(2026, 7, 1)  # 004 annex 2 note 1: 每月1日前
    city = MonthlyReport.objects.get(region=world.city, department__type=EDU)
    assert city.case.tasks.get().due_date > D(2026, 7, 3)  # consolidation after the 3rd
    # Overdue marks and escalation through the task engine.
    with on_day(D(2026, 7, 3)):
        case_services.deadline_scan(today=D(2026, 7, 3))
    task.refresh_from_db()
    assert task.overdue_since is not None
    services.monthly_submit(actor=world.a.users["culture"], report=r)
    task.refresh_from_db()
    r.refresh_from_db()
    assert task.status == TaskStatus.DONE and r.case.state == "closed"
    with pytest.raises(InvalidState):
        services.monthly_submit(actor=world.a.users["culture"], report=r)


def test_only_the_department_or_the_admins_submit(world: World):
    june(world)
    open_june()
    r = report(world)
    for role in ("market", "discipline", "joint", "officer"):
        with pytest.raises((PermissionDenied, MonthlyReport.DoesNotExist)):
            services.monthly_submit(actor=world.a.users[role], report=r)
    with pytest.raises((PermissionDenied, MonthlyReport.DoesNotExist)):
        services.monthly_submit(actor=world.b.users["county_admin"], report=r)
    city_edu = MonthlyReport.objects.get(region=world.city, department__type=EDU)
    with pytest.raises(InvalidState):  # nothing to consolidate yet
        services.monthly_submit(actor=world.city_admin, report=city_edu)


def test_manual_fields_through_the_page(world: World):
    june(world)
    open_june()
    r = report(world)
    row = r.rows.get()
    client = _client(world.a.users["culture"])
    page = client.get(f"/office/reports/monthly/{r.pk}/").content.decode()
    assert "manual" in page or "手填" in page
    base = {"post": "科长", "contact": "0595-1234567", "typical_batches": "1",
            "typical_cases": "2", "results_batches": "1", "results_projects": "3"}
    rowdata = {f"row{row.pk}-systems": "-1", f"row{row.pk}-published_batches": "0",
               f"row{row.pk}-published_projects": "0"}
    bad = client.post(f"/office/reports/monthly/{r.pk}/save/", {**base, **rowdata})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    r.refresh_from_db()
    assert r.post == ""
    rowdata[f"row{row.pk}-systems"] = "2"
    rowdata[f"row{row.pk}-effects"] = "整治成效明显"
    assert client.post(f"/office/reports/monthly/{r.pk}/save/", {**base, **rowdata}
                       ).status_code == 302
    row.refresh_from_db()
    r.refresh_from_db()
    assert row.systems == 2 and row.effects == "整治成效明显" and r.typical_cases == 2
    assert client.post(f"/office/reports/monthly/{r.pk}/submit/").status_code == 302
    r.refresh_from_db()
    assert r.status == ReportStatus.SUBMITTED
    rowdata[f"row{row.pk}-systems"] = "9"
    assert client.post(f"/office/reports/monthly/{r.pk}/save/", {**base, **rowdata}
                       ).status_code == 302
    row.refresh_from_db()
    assert row.systems == 2  # a submitted report is fixed


def test_xlsx_has_the_forms_headings_in_place(world: World):
    from openpyxl import load_workbook

    june(world)
    open_june()
    r = report(world)
    response = _client(world.a.users["county_admin"]).get(
        f"/office/reports/monthly/{r.pk}/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "整治群众身边腐败和作风问题工作情况表"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A1:U1", "A3:A5", "C3:D3", "G3:R3", "O4:P4", "Q4:R4", "S3:S5"} <= merged
    assert ws["A3"].value == "序号" and ws["C4"].value == "牵头单位"
    assert ws["G4"].value == "5.查处腐败和作风问题数" and ws["O5"].value == "批次数"
    assert "手填" in ws["L4"].value  # column 10 is manual
    values = [ws.cell(row=6, column=c).value for c in range(7, 17)]
    assert values == [2, 2, 1, 2, 1, 0, 2, 1, 1, 3]
    assert ws["A7"].value == "合计"
    texts = [ws.cell(row=rr, column=1).value or "" for rr in range(8, 11)]
    assert any("填表单位" in t for t in texts) and any("职务" in t for t in texts)


def _headings(page: str) -> list[str]:
    """The table's column headings, without their "manual" badges."""
    head = page.split('id="monthly-form"', 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<span[^>]*>.*?</span>", "", th).strip()
            for th in re.findall(r"<th[^>]*>(.*?)</th>", head)]


def test_the_page_reads_in_english_and_in_the_forms_own_chinese(world: World):
    """An English reader understands the monthly report page: its headings, total line,
    note and signature lines are English, and the form's Chinese title (004 annex 2) keeps
    an English gloss after it. The Chinese page is the official form word for word: its
    headings are the exports' (monthly_export.HEADINGS), its note and signature lines the
    exports' too."""
    from django.utils import translation

    from reports import monthly_export

    june(world)
    open_june()
    r = report(world)
    url = f"/office/reports/monthly/{r.pk}/"
    chinese = _client(world.a.users["culture"])
    page = chinese.get(url).content.decode()
    official = [text.removesuffix(monthly_export.MANUAL) for _r, _c, text, _rs, _cs in
                sorted(monthly_export.HEADINGS, key=lambda h: (h[0], h[1]))]
    assert _headings(page) == official
    with translation.override("zh-hans"):
        table = monthly.table(r)
    assert monthly_export.note_text(table) in page
    assert all(line in page for line in monthly_export.footer(table))
    assert f"{monthly_export.TITLE} <small" in page and ">合计</td>" in page

    english = _client(world.a.users["culture"])
    english.cookies["django_language"] = "en"
    page = english.get(url).content.decode()
    headings = _headings(page)
    assert headings[:3] == ["No.", "1. Rectification item", "2. Responsible units"]
    assert "5. Corruption and work-style problems investigated" in headings
    assert headings[-4:] == ["Number of batches", "Number of cases", "Number of batches",
                             "Number of projects"]
    assert not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings), headings
    assert f"{monthly_export.TITLE} (Work on rectifying corruption" in page
    assert ">Total</td>" in page and "Reporting unit: " in page
    assert "Note: in the targeted rectification" in page and "注：" not in page
    assert "Mobilise and deploy" in page and "；" not in page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_cell_is_labelled_with_its_columns_whole_heading(world: World, language: str):
    """On a phone the page's three heading rows are hidden and each line is a card (issue
    14 C6): every cell of a line and of the total line carries its column's whole heading
    in the page's words, a sub-column's after its column's, the manual columns marked."""
    from django.utils import translation

    from reports import monthly_export

    june(world)
    open_june()
    client = _client(world.a.users["county_admin"])
    client.cookies["django_language"] = language
    page = client.get(f"/office/reports/monthly/{report(world).pk}/").content.decode()
    with translation.override(language):
        labels = monthly_export.column_labels()
        marked = translation.gettext("%(heading)s (manual)") % {"heading": "|"}
    assert list(labels) == list(monthly_export.COLUMN_CODES)
    assert {f.code for f in monthly.FIGURES} | {c for c, _f in monthly.MANUAL_ROW_FIELDS} \
        <= set(labels)
    # each label is made of the page's own headings
    headings = set(_headings(page))
    before, after = marked.split("|")
    for code, label in labels.items():
        parts = label.removeprefix(before).removesuffix(after).split(" · ")
        assert set(parts) <= headings, (code, label)
    manual = {"3", "10", "14a", "14b", "15", "16", "remarks"}
    assert {c for c, label in labels.items() if label.endswith(after)} == manual
    if language == "zh-hans":
        assert labels["13a"] == "13.通报曝光 · 批次数"
        assert labels["14b"] == "14.公布成果 · 项目数（手填）"
    else:
        assert labels["2a"] == "2. Responsible units · Lead unit"
        assert labels["10"] == "10. Systems set up or improved (manual)"
    line = page.split('class="monthly-line"')[1].split("</tr>")[0]
    assert re.findall(r'data-label="([^"]*)"', line) == list(labels.values())
    total = page.split('id="monthly-total"')[1].split("</tr>")[0]
    assert re.findall(r'data-label="([^"]*)"', total) == \
        [labels[c] for c in monthly_export.COLUMN_CODES[6:18]]  # columns 5 to 14


def test_the_exports_stay_in_the_forms_chinese_for_an_english_reader(world: World):
    """The .xlsx and PDF are the form as filed with the government (004 annex 2): an
    English reader downloads them in Chinese, the schedule's phases included."""
    from openpyxl import load_workbook

    june(world)
    open_june()
    r = report(world)
    client = _client(world.a.users["county_admin"])
    client.cookies["django_language"] = "en"
    ws = load_workbook(io.BytesIO(client.get(
        f"/office/reports/monthly/{r.pk}/export.xlsx").content)).active
    assert ws["A1"].value == "整治群众身边腐败和作风问题工作情况表" and ws["A3"].value == "序号"
    assert ws["F6"].value.startswith("动员部署") and "；" in ws["F6"].value, ws["F6"].value
    assert "Mobilise" not in ws["F6"].value and ws["A7"].value == "合计"
    assert client.get(f"/office/reports/monthly/{r.pk}/export.pdf").status_code == 200


def _consolidated(world: World) -> MonthlyReport:
    """The city culture bureau's June report, relaying counties A and B's."""
    june(world, "a")
    june(world, "b")
    DepartmentFactory(region=world.city, type=CULTURE, name="市文旅局")
    open_june()
    for key in ("a", "b"):
        services.monthly_submit(actor=world.county(key).users["county_admin"],
                                report=report(world, key))
    return MonthlyReport.objects.get(region=world.city, department__type=CULTURE)


def _form(page: str) -> str:
    return page.split('id="monthly-form"', 1)[1].split("</table>", 1)[0]


def test_the_consolidated_page_writes_english_in_english_and_the_exports_chinese(
        world: World):
    """On the city's consolidated report each item names its county report after the
    campaign. The English page wrote it in Chinese brackets, 甲区校外培训整治（甲区·文旅局）,
    and joined the units with 、 (issue 14 C11: English pages write English punctuation,
    as the county page does). The Chinese page and the exports keep the form's （ ） and 、
    whatever the reader's language (004 annex 2: filed with the government)."""
    from openpyxl import load_workbook

    city = _consolidated(world)
    url = f"/office/reports/monthly/{city.pk}/"
    lines = monthly.table(city).lines
    assert len(lines) == 2
    names = [(ln.row.campaign.title, ln.report.region.name, ln.report.department.name)
             for ln in lines]

    english = _client(world.city_admin)
    english.cookies["django_language"] = "en"
    form = _form(english.get(url).content.decode())
    for title, region, dept in names:
        assert f"{title} ({region}·{dept})" in form
    assert not re.search(r"[（）、；]", form), re.findall(r".{20}[（）、；].{20}", form)

    chinese = _client(world.city_admin)
    chinese.cookies["django_language"] = "zh-hans"
    form = _form(chinese.get(url).content.decode())
    for title, region, dept in names:
        assert f"{title}（{region}·{dept}）" in form
    assert "、" in form

    # ... and so do the records behind a figure.
    records = english.get(f"{url}records/6/").content.decode()
    texts = re.findall(r'class="list-group-item small record">(.*?)</li>', records)
    assert texts and not any(re.search(r"[（）：]", t) for t in texts), texts
    assert any(re.search(r"Accountability: 问责一 \(.+ 2\)<", t) for t in texts), texts
    records = chinese.get(f"{url}records/6/").content.decode()
    assert "问责：问责一（" in records

    ws = load_workbook(io.BytesIO(english.get(f"{url}export.xlsx").content)).active
    items = [ws.cell(row=6 + i, column=2).value for i in range(2)]
    assert items == [f"{title}（{region}·{dept}）" for title, region, dept in names]
    assert "、" in ws.cell(row=6, column=4).value


def test_pdf_parses_and_carries_the_title(world: World):
    from pypdf import PdfReader

    june(world)
    open_june()
    r = report(world)
    response = _client(world.a.users["county_admin"]).get(
        f"/office/reports/monthly/{r.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "整治群众身边腐败和作风问题工作情况表" in text or \
        reader.metadata.title == "整治群众身边腐败和作风问题工作情况表"


def build(world: World, key: str) -> dict:
    june(world, key)
    open_june()
    r = report(world, key)
    return {"report": r, "row": r.rows.get()}


def test_permission_matrix_county_a_vs_b(world: World):
    u = lambda o: f"/office/reports/monthly/{o['report'].pk}/"  # noqa: E731
    readers = {"county_admin", "joint", "discipline", "officer", "head", "culture"}
    writers = {"county_admin", "culture"}
    endpoints = [
        Endpoint("report page", u, readers),
        Endpoint("records", lambda o: u(o) + f"records/8/?row={o['row'].pk}", readers),
        Endpoint("xlsx", lambda o: u(o) + "export.xlsx", readers),
        Endpoint("pdf", lambda o: u(o) + "export.pdf", readers),
        Endpoint("save", lambda o: u(o) + "save/", writers, method="post", ok=(400,),
                 data=lambda o: {"typical_batches": "-1"}),
        Endpoint("submit", lambda o: u(o) + "submit/", writers, method="post", ok=(302,)),
    ]
    built = once(build)
    assert_matrix(world, endpoints, built)
    # Another department's officers and the roles without reports find the report out of
    # reach in their own county: 404, never 403 (STYLE.md habit 3).
    assert_out_of_reach_is_404(world, endpoints, built,
                               roles=["market", "health", *OUTSIDERS])


def test_list_does_not_leak_the_other_county(world: World):
    june(world, "b")
    open_june()
    client = _client(world.a.users["county_admin"])
    page = client.get("/office/reports/monthly/").content.decode()
    assert world.b.region.name not in page and world.a.region.name in page
    assert _client(world.a.users["institution"]).get(
        "/office/reports/monthly/").status_code == 403


def test_query_counts_are_constant(world: World, query_budget):
    client = _client(world.a.users["county_admin"])

    def months(start: int, stop: int) -> None:
        for i in range(start, stop):
            period = D(2025, 1 + i, 1)
            with on_day(period.replace(day=20)):
                services.monthly_open(period=period, today=period.replace(day=20))

    query_budget(client, "/office/reports/monthly/", months, small=2, large=6, budget=12)

    june(world)
    open_june()
    r = report(world)
    from governance.tests.helpers import campaign

    def campaigns(start: int, stop: int) -> None:
        for i in range(start, stop):
            campaign(world, title=f"专项{i}")
        services._sync_rows(r)

    query_budget(client, f"/office/reports/monthly/{r.pk}/", campaigns, small=2, large=6,
                 budget=30)
    query_budget(client, f"/office/reports/monthly/{r.pk}/records/13a/", campaigns, small=8,
                 large=12, budget=30)


def test_the_reports_task_leads_to_the_report(world: World):
    from django.urls import reverse

    june(world)
    open_june()
    r = report(world)
    page = _client(world.a.users["culture"]).get(
        reverse("cases:case_detail", args=[r.case.number]))
    assert page.status_code == 200
    assert f"/office/reports/monthly/{r.pk}/" in page.content.decode()


def test_a_submitted_report_keeps_its_figures(world: World):
    from governance import discipline

    june(world)
    open_june()
    r = report(world)
    services.monthly_submit(actor=world.a.users["culture"], report=r)
    line = monthly.table(r).lines[0]
    with on_day(D(2026, 7, 5)):  # a proposal of June entered after the report was sent
        discipline.proposal_issue(
            actor=world.a.users["discipline"], region=world.a.region,
            department=world.a.depts[CULTURE], title="补录的六月建议书", content="内容",
            issued_on=D(2026, 6, 28), campaign=line.row.campaign)
    assert monthly.table(r).lines[0].figures == EXPECTED
    page = _client(world.a.users["county_admin"]).get(
        f"/office/reports/monthly/{r.pk}/records/11/?row={line.row.pk}").content.decode()
    assert "补录的六月建议书" in page and 'class="alert alert-warning small m-2 changed"' in page


def test_the_dates_and_the_forwarding_bureaus_come_from_the_profile(world: World, monkeypatch):
    """004 annex 2 note 1 through the profile's `monthly_report`: the county reports by
    `submit_day`, the city bureaus of `forwarding` forward by `forward_day`."""
    import dataclasses

    from policy.profile import active_profile
    from reports import models as report_models

    june(world)
    open_june()
    r = report(world)
    city_edu = MonthlyReport.objects.get(region=world.city, department__type=EDU)
    assert services._due(r) == D(2026, 7, 1) and services._due(city_edu) == D(2026, 7, 3)
    assert set(report_models.forwarding_types()) == {"science_technology", "culture_tourism",
                                                      "sports"}
    assert "market_regulation" in report_models.reporting_types()
    changed = dataclasses.replace(active_profile(), monthly_report={
        "submit_day": 5, "forward_day": 10, "forwarding": ["sports"], "source": "default",
        "reporting": ["education_sports", "sports"], "consolidating": ["education_sports"]})
    monkeypatch.setattr(services, "active_profile", lambda: changed)
    monkeypatch.setattr(report_models, "active_profile", lambda: changed)
    assert services._due(r) == D(2026, 7, 5) and services._due(city_edu) == D(2026, 7, 10)
    assert report_models.forwarding_types() == ["sports"]
    # the reporting departments (004 §6(8)) and who consolidates come from it too
    assert report_models.reporting_types() == ["education_sports", "sports"]
    assert report_models.education_types() == ["education_sports"]
