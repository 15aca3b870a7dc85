"""Keyset pagination for every list (STYLE.md §6), strict about its parameters (issue 14
§A1, §A4): a cursor we did not issue and a page size out of range are bad input (400
naming the parameter), never a silent fallback, a 404 or a 500.

A cursor is signed for the list that issued it (its path and order). DRF's own is plain
base64 of `o=&r=&p=`: any base64 without those keys (of `{}`, of `[1]`, of NUL bytes) read
as the first page, a cursor of another list as a position in this one, `r=2` as
backwards and an offset of 10^30 as 1000."""

from __future__ import annotations

from base64 import b64decode, b64encode
from typing import Any
from urllib import parse

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

#: Positions beyond a signed 64-bit integer address no row (PostgreSQL's bigint).
BIGINT_MAX = 2**63 - 1
SALT = "core.api.pagination"


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination (STYLE.md §6): stable under inserts, constant cost per page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
    cursor_query_description = gettext_lazy(
        "Opaque position of a page: the value of `next` or `previous` of an earlier answer. "
        "Omit it for the first page.")
    page_size_query_description = gettext_lazy("Number of results per page.")

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param or "")
        if raw is None:
            return self.page_size
        text = raw.strip()
        size = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0
        if not 1 <= size <= (self.max_page_size or self.page_size):
            raise ValidationError({self.page_size_query_param: [
                _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]})
        return size

    def _signer(self, request: Request) -> signing.Signer:
        ordering = (self.ordering,) if isinstance(self.ordering, str) else self.ordering
        return signing.Signer(salt=f"{SALT}:{request.path}:{','.join(ordering)}")

    def encode_cursor(self, cursor: Cursor) -> str:
        """DRF's `o=&r=&p=`, signed (the module's docstring says why)."""
        tokens: dict[str, Any] = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        signer = self._signer(self.request)  # type: ignore[attr-defined]
        signed = signer.sign(parse.urlencode(tokens, doseq=True))
        encoded = b64encode(signed.encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url or "", self.cursor_query_param, encoded)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            signed = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(self._signer(request).unsign(signed),
                                    keep_blank_values=True)
            offset = min(int(tokens.get("o", ["0"])[0]), self.offset_cutoff)
            reverse = tokens.get("r", ["0"])[0] == "1"
            position = tokens.get("p", [None])[0]
        except (signing.BadSignature, ValueError):  # not base64, not ASCII, not ours
            raise self._invalid_cursor() from None
        return Cursor(offset=offset, reverse=reverse, position=position)  # type: ignore[arg-type]

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [
            _("This cursor was not issued by this list. Follow `next` or `previous` of an "
              "earlier answer, or omit it.")]})

    def paginate_queryset(self, queryset: QuerySet, request: Request,
                          view: Any = None) -> list | None:
        cursor = self.decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(queryset, cursor.position,
                                 self.get_ordering(request, queryset, view))
        return super().paginate_queryset(queryset, request, view)

    def _check_position(self, queryset: QuerySet, position: str,
                        ordering: tuple[str, ...] | list[str]) -> None:
        """The position is compared with the first ordering column: it must be a value of
        that column's type, or the database would fail on it."""
        name = ordering[0].lstrip("-")
        try:
            field = queryset.model._meta.get_field(name)
            value = field.to_python(position)
        except (FieldDoesNotExist, DjangoValidationError, TypeError, ValueError):
            raise self._invalid_cursor() from None
        if value is None or (isinstance(value, int) and abs(value) > BIGINT_MAX):
            raise self._invalid_cursor()

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": str(self.cursor_query_description),
             "schema": {"type": "string", "minLength": 1}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": str(self.page_size_query_description),
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size,
                        "default": self.page_size}},
        ]


class DueDateCursorPagination(CreatedCursorPagination):
    ordering = ("due_date", "id")


class PathCursorPagination(CreatedCursorPagination):
    ordering = ("id",)
