"""institutions.imports: Excel import of the existing register (issue 4 "Excel": per-row
errors, all-or-nothing by default or the valid rows, a downloadable report, a background
job with progress), and against hostile and awkward files (issue 14 D1, E2–E4): bounded
memory and time, dates validated per row, the template's own example importable, and
every written cell guarded against formulas."""

import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cases.models import AuditEvent
from core.errors import DomainError, PermissionDenied
from institutions import imports
from institutions.models import ImportJob, Institution, InstitutionStatus
from institutions.tests.helpers import good_row, workbook, workbook_bytes
from portal.demo import demo_uscc
from tests import samplefiles

pytestmark = pytest.mark.django_db


def start(world, rows, mode="all", capture=None):
    with capture(execute=True):
        job = imports.import_start(actor=world.a.users["county_admin"], upload=workbook(rows),
                                   mode=mode)
    job.refresh_from_db()
    return job


def test_all_valid_rows_are_imported_in_the_background(world, django_capture_on_commit_callbacks):
    job = start(world, [good_row(world, 1), good_row(world, 2, licence="文旅民1号")],
                capture=django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.DONE and job.imported_rows == 2
    assert job.processed_rows == job.total_rows == 2
    licensed = Institution.objects.get(name="导入机构2")
    assert licensed.status == InstitutionStatus.LICENSED
    assert licensed.supervising_department.type == "culture_tourism"


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(world,
                                                         django_capture_on_commit_callbacks):
    bad_code = good_row(world, 3)
    bad_code[1] = bad_code[1][:-1] + ("0" if bad_code[1][-1] != "0" else "1")
    unknown_region = good_row(world, 4)
    unknown_region[7] = "999999"
    duplicate = good_row(world, 1)
    job = start(world, [good_row(world, 1), bad_code, unknown_region, duplicate],
                capture=django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.REFUSED and job.imported_rows == 0
    assert not Institution.objects.exists()
    assert [e["row"] for e in job.errors] == [3, 4, 5]
    assert "nothing" in job.message.lower() or "未导入" in job.message or "0" in job.message
    report = load_workbook(io.BytesIO(imports.error_report(job))).active
    rows = list(report.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][0] == 3


def test_valid_rows_mode_takes_the_good_rows_and_says_so(world,
                                                          django_capture_on_commit_callbacks):
    bad = good_row(world, 5)
    bad[3] = "painting"
    job = start(world, [good_row(world, 1), bad, good_row(world, 2)], mode="valid",
                capture=django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.DONE and job.imported_rows == 2
    assert len(job.errors) == 1 and job.errors[0]["row"] == 3
    assert Institution.objects.count() == 2


def test_the_upload_is_checked_by_type_and_size(world):
    admin = world.a.users["county_admin"]
    with pytest.raises(DomainError):
        imports.import_start(actor=admin, upload=SimpleUploadedFile("x.xlsx", samplefiles.pdf()),
                             mode="all")
    with pytest.raises(DomainError):
        imports.import_start(actor=admin, upload=SimpleUploadedFile("x.xlsx", b""), mode="all")
    with pytest.raises(PermissionDenied):
        imports.import_start(actor=world.a.users["institution"], upload=workbook([]),
                             mode="all")
    assert not ImportJob.objects.exists()


def test_import_edge_cases_end_clearly(world, django_capture_on_commit_callbacks):
    admin = world.a.users["county_admin"]

    def start(upload, actor=admin):
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.import_start(actor=actor, upload=upload, mode="all")
        job.refresh_from_db()
        return job

    assert start(workbook([])).state == ImportJob.State.REFUSED  # header only
    with pytest.raises(DomainError):  # a cut-off file is not an .xlsx at all
        start(SimpleUploadedFile("b.xlsx", workbook([good_row(world, 1)]).read()[:900]))
    # A real .xlsx package whose sheet XML is broken: the job fails with a message.
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook([good_row(world, 1)]).read()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    job = start(SimpleUploadedFile("c.xlsx", out.getvalue()))
    assert job.state in (ImportJob.State.FAILED, ImportJob.State.REFUSED) and job.message
    officer = world.a.users["culture"]
    job = start(workbook([good_row(world, 2, licence="文旅民1号")]), actor=officer)
    assert job.state == ImportJob.State.REFUSED and "licence" in job.errors[0]["field"].lower() \
        or "许可" in job.errors[0]["field"]
    long = good_row(world, 3, licence="号" * 61)
    assert start(workbook([long])).state == ImportJob.State.REFUSED

def _rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with its first sheet's XML changed."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode()).encode()
            dst.writestr(item, body)
    return out.getvalue()


def _row(world, n, **dates):
    return [f"导入机构{n}", demo_uscc(world.a.region.code, 300 + n), "for_profit", "arts",
            "张三", "张三", "人民路1号", world.a.town.code, "0871-1", dates.get("licence", ""),
            dates.get("established", ""), dates.get("valid_from", ""), dates.get("valid_until", "")]


def test_a_cell_that_unpacks_to_tens_of_megabytes_is_refused_before_reading():
    """A 1 MB file holding 1 GB of text took 2 GB of worker memory: the declared sizes of
    the zip's members are bounded first (Python's reader never inflates past them)."""
    data = _rewrite_sheet(workbook_bytes([["炸弹"]]), lambda xml: xml.replace(
        ">炸弹<", ">" + "a" * (imports.MAX_UNPACKED + 1024) + "<"))
    assert len(data) < 1024 * 1024  # small on the wire
    with pytest.raises(imports.ImportFileError, match="MB"):
        imports.read_rows(data)


def test_a_declared_dimension_of_the_whole_sheet_costs_nothing():
    """`A1:XFD1048576` took 40 s of CPU: only the template's columns are read, and the
    declared dimension pads no rows."""
    data = _rewrite_sheet(workbook_bytes([["机构", "x"]]), lambda xml: re.sub(
        r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', xml))
    started = time.process_time()
    assert [r.values["name"] for r in imports.read_rows(data)] == ["机构"]
    assert time.process_time() - started < 5


def test_a_row_a_million_rows_down_stops_the_reading_at_the_cap():
    """The row cap applies while reading, to blank rows too, not after the sheet is read."""
    data = _rewrite_sheet(workbook_bytes([["机构"]]), lambda xml: xml.replace(
        '<row r="2"', '<row r="1000000"').replace('r="A2"', 'r="A1000000"'))
    started = time.process_time()
    with pytest.raises(imports.ImportFileError, match=str(imports.MAX_ROWS)):
        imports.read_rows(data)
    assert time.process_time() - started < 5


def test_the_template_s_example_row_imports_as_it_is(world):
    """E3: the example's credit code has the right check character (…01R)."""
    rows = imports.read_rows(imports.template_workbook())
    example = rows[0].values
    assert example["uscc"] == "91530102MA0000001R"
    example["region"] = world.a.town.code
    imports._apply(rows[0], world.a.users["county_admin"])
    assert Institution.objects.get(uscc="91530102MA0000001R").established_on.isoformat() == \
        "2019-03-01"


def test_dates_are_read_and_a_bad_date_is_a_row_error(world):
    """E2: established, licence from and until; Excel dates and text alike."""
    import datetime as dt

    admin = world.a.users["county_admin"]
    good = imports.read_rows(workbook_bytes([_row(world, 1, licence="文旅民1号",
                                         established=dt.datetime(2018, 5, 2),
                                         valid_from="2024-01-01", valid_until="2029-12-31")]))
    inst = imports._apply(good[0], admin)
    inst.refresh_from_db()
    assert (inst.established_on, inst.licence_valid_from, inst.licence_valid_until) == (
        dt.date(2018, 5, 2), dt.date(2024, 1, 1), dt.date(2029, 12, 31))
    for dates, field in (({"established": "2018-13-01"}, "established_on"),
                         ({"licence": "文旅民2号", "valid_from": "2025-01-01",
                           "valid_until": "2024-01-01"}, "licence_valid_until"),
                         ({"valid_from": "2025-01-01"}, "licence_number"),
                         ({"established": "2999-01-01"}, "established_on")):
        row = imports.read_rows(workbook_bytes([_row(world, 2, **dates)]))[0]
        with pytest.raises(DomainError) as exc:
            imports._apply(row, admin)
        assert exc.value.field == field


def test_the_error_report_writes_no_formula(world):
    """E4: every .xlsx the project writes goes through the one guard."""
    job = ImportJob.objects.create(created_by=world.a.users["county_admin"], mode="all",
                                   errors=[{"row": 2, "field": "=名称",
                                            "message": "=HYPERLINK(\"http://x\")"}])
    sheet = load_workbook(io.BytesIO(imports.error_report(job))).active
    values = [c.value for c in sheet[2]]
    assert values[1] == "'=名称" and values[2].startswith("'=")


def test_imports_are_limited_per_person_and_audited(world):
    """D1: an upload is an audit event, and a person starts at most IMPORTS_PER_HOUR."""
    admin = world.a.users["county_admin"]

    def upload():
        return imports.import_start(actor=admin, mode="all", upload=SimpleUploadedFile(
            "register.xlsx", workbook_bytes([_row(world, 5)])))

    for _ in range(imports.IMPORTS_PER_HOUR):
        upload()
    assert AuditEvent.objects.filter(action="import.upload").count() == imports.IMPORTS_PER_HOUR
    with pytest.raises(DomainError) as exc:
        upload()
    assert exc.value.field == "file"
    assert ImportJob.objects.count() == imports.IMPORTS_PER_HOUR


def test_a_workbook_that_unpacks_to_tens_of_megabytes_is_refused_before_it_is_stored(world):
    """A ZIP bomb disguised as .xlsx was stored and queued, and only the job refused it:
    the upload is refused with the reason, and nothing is saved."""
    data = _rewrite_sheet(workbook_bytes([["炸弹"]]), lambda xml: xml.replace(
        ">炸弹<", ">" + "a" * (imports.MAX_UNPACKED + 1024) + "<"))
    with pytest.raises(DomainError) as exc:
        imports.import_start(actor=world.a.users["county_admin"], mode="all",
                             upload=SimpleUploadedFile("炸弹.xlsx", data))
    assert exc.value.field == "file" and "30 MB" in str(exc.value.message)
    assert not ImportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="import.upload").exists()
