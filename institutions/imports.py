"""Excel import of the existing register of institutions (issue 4 "Excel").

A template to download; an upload checked by size and real type; a background job
(Celery) that first checks every row, reporting progress, and then writes: in
all-or-nothing mode only when every row is valid, otherwise just the valid rows. Each bad
row is reported with its reason, and the report downloads as .xlsx.

A workbook is a zip: before anything is unpacked, the members' declared sizes are bounded
(Python's zip reader never inflates past them), and rows are read one by one up to the
cap, over the template's columns only, so that a small hostile file cannot take the
worker's memory or minutes of CPU.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from cases.audit import audit_record
from core.abilities import may
from core.exports import xlsx_bytes
from core.vocab import Category, Nature
from institutions import services
from institutions.models import ImportJob, Institution, InstitutionStatus
from org.models import Region, User

COLUMNS: list[tuple[str, Any]] = [
    ("name", gettext_lazy("Name")),
    ("uscc", gettext_lazy("Unified social credit code")),
    ("nature", gettext_lazy("Nature (for_profit / non_profit)")),
    ("category", gettext_lazy("Category (arts / tech / sports / academic)")),
    ("legal_representative", gettext_lazy("Legal representative")),
    ("safety_person", gettext_lazy("Safety responsible person")),
    ("address", gettext_lazy("Address")),
    ("region", gettext_lazy("Region code (county, town or grid)")),
    ("phone", gettext_lazy("Phone")),
    ("licence_number", gettext_lazy("Licence number (empty: not licensed yet)")),
    ("established_on", gettext_lazy("Established on (YYYY-MM-DD)")),
    ("licence_valid_from", gettext_lazy("Licence valid from (YYYY-MM-DD)")),
    ("licence_valid_until", gettext_lazy("Licence valid until (YYYY-MM-DD)")),
]
DATE_COLUMNS = ("established_on", "licence_valid_from", "licence_valid_until")
MAX_ROWS = 5000
#: Rows read at most, blank ones included, before the file is refused.
MAX_SCANNED_ROWS = MAX_ROWS + 1000
#: What the members of a workbook may unpack to, together: 5,000 rows of the template
#: take about 3 MB of XML.
MAX_UNPACKED = 30 * 1024 * 1024
#: Imports a person may start in an hour.
IMPORTS_PER_HOUR = 10


class ImportFileError(ValueError):
    pass


def _example_uscc() -> str:
    from institutions.uscc import check_character

    first17 = "91530102MA0000001"
    return first17 + check_character(first17)


def template_workbook() -> bytes:
    """The register's template, with one example row that imports as it is."""
    example = ["示例美术培训中心", _example_uscc(), "for_profit", "arts", "张三", "张三",
               "人民路1号", "530102001", "0871-0000000", "", "2019-03-01", "", ""]
    return xlsx_bytes(_("Institutions"), [label for _key, label in COLUMNS], [example])


@dataclass
class Row:
    number: int
    values: dict[str, str]


def _check_archive(data: bytes) -> None:
    """Refuse a workbook whose members would unpack to more than MAX_UNPACKED."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(_("The file is not a readable Excel workbook.")) from exc
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise ImportFileError(_("The workbook unpacks to more than %(mb)s MB: keep only the "
                                "register's sheet, in the template's columns.")
                              % {"mb": MAX_UNPACKED // 1048576})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_rows(data: bytes) -> list[Row]:
    _check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportFileError(_("The file is not a readable Excel workbook.")) from exc
    rows = []
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a declared A1:XFD1048576 pads nothing
        for number, cells in enumerate(sheet.iter_rows(max_col=len(COLUMNS),
                                                       values_only=True), start=1):
            if number > MAX_SCANNED_ROWS:
                raise ImportFileError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
            if number == 1:
                continue
            values = {key: _text(v) for (key, _label), v in
                      zip(COLUMNS, (*cells, *[None] * len(COLUMNS)), strict=False)}
            if any(values.values()):
                rows.append(Row(number, values))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_("The file is not a readable Excel workbook.")) from exc
    finally:
        workbook.close()
    return rows


def _date(row: Row, key: str) -> dt.date | None:
    value = row.values[key]
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise services.DomainError(_("%(v)s is not a date (YYYY-MM-DD).") % {"v": value[:40]},
                                   field=key) from None


class _Rollback(Exception):
    pass


def _apply(row: Row, actor: User) -> Institution:
    v = row.values
    if v["nature"] not in Nature.values:
        raise services.DomainError(_("Unknown nature %(v)s.") % {"v": v["nature"]},
                                   field="nature")
    if v["category"] not in Category.values:
        raise services.DomainError(_("Unknown category %(v)s.") % {"v": v["category"]},
                                   field="category")
    region = Region.objects.filter(code=v["region"]).first()
    if region is None:
        raise services.DomainError(_("Unknown region code %(v)s.") % {"v": v["region"]},
                                   field="region")
    for key in ("name", "legal_representative", "safety_person", "address"):
        if not v[key]:
            raise services.DomainError(_("This field is required."), field=key)
    established, valid_from, valid_until = (_date(row, key) for key in DATE_COLUMNS)
    if established and established > timezone.localdate():
        raise services.DomainError(_("The date lies in the future."), field="established_on")
    if valid_from and valid_until and valid_until < valid_from:
        raise services.DomainError(_("The licence must end after it starts."),
                                   field="licence_valid_until")
    if (valid_from or valid_until) and not v["licence_number"]:
        raise services.DomainError(_("Licence dates need the licence number."),
                                   field="licence_number")
    institution = services.institution_register(
        actor=actor, name=v["name"], uscc=v["uscc"], nature=v["nature"], category=v["category"],
        legal_representative=v["legal_representative"], safety_person=v["safety_person"],
        address=v["address"], region=region, phone=v["phone"], established_on=established)
    if v["licence_number"]:
        if not may(actor, "institutions.import_licensed"):
            raise services.DomainError(_("Only admins and department heads import licensed "
                                         "institutions."), field="licence_number")
        if len(v["licence_number"]) > 60:
            raise services.DomainError(_("At most 60 characters."), field="licence_number")
        services.institution_set_status(actor=actor, institution=institution,
                                        status=InstitutionStatus.LICENSED,
                                        reason=_("Imported from the existing register"),
                                        licence_number=v["licence_number"],
                                        issuer=institution.supervising_department,
                                        valid_from=valid_from, valid_until=valid_until)
    return institution


def _error(row: Row, exc: services.DomainError) -> dict[str, Any]:
    labels = dict(COLUMNS)
    return {"row": row.number, "field": str(labels.get(exc.field or "", exc.field or "")),
            "message": str(exc.message)}


def run(job_id: int) -> ImportJob:
    """Run a job; any unexpected failure ends it as FAILED with a message, so that the
    progress page never waits forever."""
    try:
        return _run(job_id)
    except Exception as exc:  # reported to the user and logged, never left hanging
        import logging

        logging.getLogger(__name__).exception("import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED,
            message=_("The import failed: %(error)s. Nothing was written.") % {
                "error": exc.__class__.__name__})
        return ImportJob.objects.get(pk=job_id)


class _Refused(Exception):
    pass


def _run(job_id: int) -> ImportJob:
    """Check every row (progress saved as it goes), then write what the mode allows."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.state not in (ImportJob.State.PENDING, ImportJob.State.CHECKING):
        return job  # already ran: the task is idempotent
    actor = job.created_by
    try:
        with job.file.open("rb") as handle:
            rows = read_rows(handle.read())
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED,
                                                   message=str(exc))
        return ImportJob.objects.get(pk=job.pk)
    if not rows:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.REFUSED,
            message=_("The file has no rows below the header: nothing to import."))
        return ImportJob.objects.get(pk=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.CHECKING,
                                               total_rows=len(rows), processed_rows=0)
    errors: list[dict[str, Any]] = []
    valid: list[Row] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        code = row.values["uscc"].upper()
        try:
            if code in seen:
                raise services.DomainError(_("This code appears twice in the file."),
                                           field="uscc")
            with transaction.atomic():
                _apply(row, actor)
                raise _Rollback  # checking only: nothing is kept
        except _Rollback:
            valid.append(row)
        except services.DomainError as exc:
            errors.append(_error(row, exc))
        seen.add(code)
        if n % 10 == 0 or n == len(rows):
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=n)
    if errors and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.REFUSED, errors=errors, imported_rows=0,
            message=_("%(bad)s of %(total)s rows have errors, so nothing was imported "
                      "(all-or-nothing). Correct them and upload again.")
            % {"bad": len(errors), "total": len(rows)})
        return ImportJob.objects.get(pk=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.WRITING)
    imported = 0
    try:
        with transaction.atomic():
            for row in valid:
                try:
                    with transaction.atomic():
                        _apply(row, actor)
                    imported += 1
                except services.DomainError as exc:  # changed since the check
                    errors.append(_error(row, exc))
                    if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
                        raise _Refused from exc
    except _Refused:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.REFUSED, errors=errors, imported_rows=0,
            message=_("A row became invalid while writing, so nothing was imported "
                      "(all-or-nothing)."))
        return ImportJob.objects.get(pk=job.pk)
    message = (_("All %(n)s rows imported.") % {"n": imported} if not errors else
               _("%(n)s valid rows imported; %(bad)s rows with errors were skipped.")
               % {"n": imported, "bad": len(errors)})
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE, errors=errors,
                                               imported_rows=imported, message=message)
    return ImportJob.objects.get(pk=job.pk)


def error_report(job: ImportJob) -> bytes:
    return xlsx_bytes(_("Errors"), [_("Row"), _("Field"), _("Error")],
                      ([e["row"], e["field"], e["message"]] for e in job.errors))


MAX_BYTES = 5 * 1024 * 1024


@transaction.atomic
def import_start(*, actor: User, upload: Any, mode: str) -> ImportJob:
    """Accept an .xlsx (checked by size, real content and what it unpacks to) and queue
    the job on commit."""
    from django.db import transaction as tx

    from cases import filetypes
    from core.errors import DomainError, PermissionDenied
    from institutions.tasks import run_import
    if not may(actor, "institutions.import"):
        raise PermissionDenied()
    if mode not in ImportJob.Mode.values:
        raise DomainError(_("Choose how to import."), field="mode")
    if not upload or not upload.size:
        raise DomainError(_("The file is empty."), field="file")
    if upload.size > MAX_BYTES:
        raise DomainError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 1048576},
                          field="file")
    if filetypes.detect(upload) != filetypes.XLSX:
        raise DomainError(_("Upload an Excel .xlsx file (use the template)."), field="file")
    try:  # a ZIP bomb is refused here, not stored and then failed by the job
        _check_archive(upload.read())
    except ImportFileError as exc:
        raise DomainError(exc.args[0], field="file") from None
    finally:
        upload.seek(0)
    since = timezone.now() - dt.timedelta(hours=1)
    if ImportJob.objects.filter(created_by=actor, created_at__gte=since).count() >= \
            IMPORTS_PER_HOUR:
        raise DomainError(_("You started %(n)s imports in the last hour: wait a while before "
                            "the next.") % {"n": IMPORTS_PER_HOUR}, field="file")
    job = ImportJob(created_by=actor, mode=mode, original_name=(upload.name or "")[:200])
    job.file.save("upload.xlsx", upload, save=False)
    job.save()
    audit_record(actor=actor, action="import.upload", obj=job,
                 after={"file": job.original_name, "size": upload.size, "mode": mode})
    tx.on_commit(lambda: run_import.delay(job.pk))
    return job
