"""Excel import of the existing register (issue 4 "Excel": per-row errors, all-or-nothing
by default or the valid rows, a downloadable report, a background job with progress)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from core.errors import DomainError, PermissionDenied
from institutions import imports
from institutions.models import ImportJob, Institution, InstitutionStatus
from portal.demo import demo_uscc
from tests import samplefiles

pytestmark = pytest.mark.django_db


def workbook(rows):
    wb = Workbook()
    sheet = wb.active
    sheet.append([str(label) for _k, label in imports.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("register.xlsx", out.getvalue())


def good_row(world, n, licence=""):
    return [f"导入机构{n}", demo_uscc(world.a.region.code, 100 + n), "for_profit", "arts", "张三",
            "张三", "人民路1号", world.a.town.code, "0871-1", licence]


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


def test_pages_template_progress_and_report(world, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    template = client.get("/office/institutions/import/template.xlsx")
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert len(header) == len(imports.COLUMNS)
    bad = good_row(world, 6)
    bad[0] = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/office/institutions/import/",
                               {"file": workbook([bad]), "mode": "all"})
    assert response.status_code == 302
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert "progress" in page and "import-message" in page
    partial = client.get(job_url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div class="card" id="import-job"') or "import-job" in partial
    assert client.get(job_url, {"report": "xlsx"}).status_code == 200
    other = Client()
    other.force_login(world.b.users["county_admin"])
    assert other.get(job_url).status_code == 404
    response = client.post("/office/institutions/import/",
                           {"file": SimpleUploadedFile("a.xlsx", b"not excel"), "mode": "all"})
    assert response.status_code == 400
