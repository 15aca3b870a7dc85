"""institutions.imports: Excel import of the existing register (issue 4 "Excel": per-row
errors, all-or-nothing by default or the valid rows, a downloadable report, a background
job with progress)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.errors import DomainError, PermissionDenied
from institutions import imports
from institutions.models import ImportJob, Institution, InstitutionStatus
from institutions.tests.helpers import good_row, workbook
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
