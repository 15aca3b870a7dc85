"""The open-data download of the public register (issue 13): every institution the public
look-up shows, as CSV, JSON or .xlsx, with the time of its last change. Read through the
gateway's PUBLIC action, as the look-up reads; no personal data (the public fields only).

`Last-Modified` is the newest `updated_at` of the register, computed before any row is
read, so a client that already has this version gets 304 for one cheap query (an empty
register has no date, and If-Unmodified-Since is ignored then: core.conditional); the rows
are streamed (CSV, JSON) or written in openpyxl's write-only mode (.xlsx)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.conditional import condition
from core.exports import guard_text, xlsx_response
from core.ratelimit import downloads_limited
from institutions import selectors

FIELDS = ["uscc", "name", "category", "nature", "status", "licence_number",
          "licence_valid_until", "list_status", "region", "region_name",
          "supervising_department", "updated_at"]
FORMATS = ("csv", "json", "xlsx")


def _register() -> Any:
    """The public register as seen by anyone (no one's scope widens it)."""
    return selectors.public_qs(AnonymousUser()).order_by("uscc")


def _last_modified(request: HttpRequest, fmt: str) -> dt.datetime | None:
    return _register().aggregate(at=Max("updated_at"))["at"]


def _rows() -> Iterator[dict[str, Any]]:
    values = _register().values_list(
        "uscc", "name", "category", "nature", "status", "licence_number",
        "licence_valid_until", "list_status", "region__code", "region__name",
        "supervising_department__name", "updated_at")
    for row in values.iterator(chunk_size=2000):
        record = dict(zip(FIELDS, row, strict=True))
        if record["licence_valid_until"]:
            record["licence_valid_until"] = record["licence_valid_until"].isoformat()
        record["updated_at"] = timezone.localtime(record["updated_at"]).isoformat()
        yield record


def _csv() -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text only with a BOM
    writer.writerow(FIELDS)
    for record in _rows():
        writer.writerow([guard_text(v) if isinstance(v, str) else
                         ("" if v is None else v) for v in record.values()])
        if out.tell() > 64_000:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _json(updated: dt.datetime | None) -> Iterator[str]:
    stamp = timezone.localtime(updated).isoformat() if updated else None
    yield f'{{"updated_at": {json.dumps(stamp)}, "fields": {json.dumps(FIELDS)}, "institutions": ['

    first = True
    for record in _rows():
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "]}\n"


@require_safe
@downloads_limited
@condition(last_modified_func=_last_modified)
def register_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    updated = _last_modified(request, fmt)
    name = f"public-register-{timezone.localtime(updated).strftime('%Y%m%d-%H%M') if updated else 'empty'}"
    if fmt == "xlsx":
        return xlsx_response(str(gettext_lazy("Public register")), [
            (field, (lambda r, f=field: r[f])) for field in FIELDS], _rows())
    if fmt == "csv":
        response = StreamingHttpResponse(_csv(), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json(updated),
                                         content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.{fmt}")
    return response
