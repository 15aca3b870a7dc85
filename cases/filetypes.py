"""Real file types of uploads, decided by content, never by the name's extension."""

from __future__ import annotations

import zipfile
from pathlib import Path

import filetype
from django.core.files.uploadedfile import UploadedFile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx"}


def _office_type(upload: UploadedFile) -> str | None:
    """DOCX and XLSX are ZIP packages: look inside for the part that defines them."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect(upload: UploadedFile) -> str | None:
    """The allow-listed MIME type of the upload's content, or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in (PDF, JPEG, PNG):
        return mime
    if mime in ("application/zip", DOCX, XLSX) or head[:4] == b"PK\x03\x04":
        return _office_type(upload)
    return None


def display_name(original: str, content_type: str) -> str:
    """The uploaded name with an extension that matches the real type (photo.exe that
    is a PNG is kept as photo.png)."""
    path = Path(original)
    suffix = path.suffix.lower()
    if suffix == ALLOWED[content_type] or (content_type == JPEG and suffix == ".jpeg"):
        return original
    return (path.stem or "file")[:190] + ALLOWED[content_type]


def safe_name(original: str, content_type: str) -> str:
    """A storage name with the extension of the detected type (the stored path itself
    is random, see cases.models.attachment_path)."""
    return Path(original).stem[:50] + ALLOWED[content_type]
