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


#: The parts an Office package holds (ECMA-376 part names), by type; anything else inside
#: (an .exe, a script, a second document) makes it a polyglot, not a DOCX or XLSX.
OFFICE_PARTS = {
    DOCX: ("[Content_Types].xml", "_rels/", "docProps/", "customXml/", "word/"),
    XLSX: ("[Content_Types].xml", "_rels/", "docProps/", "customXml/", "xl/"),
}
#: An Office package may unpack to this many times the attachment size limit, no more.
UNPACK_FACTOR = 10
#: Markup that a browser would sniff as a page at the start of a "PDF" (a PDF/HTML
#: polyglot).
HTML_MARKERS = (b"<html", b"<script", b"<!doctype", b"<body", b"<svg", b"<iframe")


def _office_type(upload: UploadedFile) -> str | None:
    """DOCX and XLSX are ZIP packages: the part that defines them must be there, and
    every part must be one of theirs."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    kind = DOCX if "word/document.xml" in names else XLSX if "xl/workbook.xml" in names \
        else None
    if kind is None or any(not name.startswith(OFFICE_PARTS[kind]) for name in names):
        return None
    return kind


def _holds_archive(upload: UploadedFile) -> bool:
    """A ZIP directory at the end of a PDF or an image (a PDF/ZIP polyglot): the file
    opens as an archive too, and hands out whatever the archive holds."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def unpacked_size(upload: UploadedFile) -> int:
    """What an Office package (a ZIP) says its parts unpack to."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return sum(info.file_size for info in archive.infolist())
    finally:
        upload.seek(0)


def _is_pdf(upload: UploadedFile, head: bytes) -> bool:
    """A PDF that parses, with at least one page, and no page markup up front."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if any(marker in head[:4096].lower() for marker in HTML_MARKERS):
        return False
    try:
        return len(PdfReader(upload, strict=False).pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False
    finally:
        upload.seek(0)


def detect(upload: UploadedFile) -> str | None:
    """The allow-listed MIME type of the upload's content, or None."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == PDF:
        return PDF if _is_pdf(upload, head) and not _holds_archive(upload) else None
    if mime in (JPEG, PNG):
        return None if _holds_archive(upload) else mime
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
