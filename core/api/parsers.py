"""The API's JSON and multipart parsers (issue 14 §A1, §A2: no input reaches a 500; errors
in the request's language). DRF's JSON parser lets a body nested a few thousand levels
deep reach Python's recursion limit (a 500), and both word every parse error in English
("JSON parse error - ...") whatever the language asked for."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            cause = exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                raise ParseError(_("The body is not valid JSON (line %(line)d, column "
                                   "%(column)d).") % {"line": cause.lineno,
                                                       "column": cause.colno}) from None
            raise ParseError(_("The body is not valid JSON.")) from None
        except RecursionError:
            raise ParseError(_("The body is not valid JSON: it is nested too deeply.")) \
                from None


class MultiPartParser(parsers.MultiPartParser):
    """DRF's, with its parse error in the request's language ("Multipart form parse
    error - Invalid boundary in multipart: None" under zh-hans too)."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The body is not a valid multipart form.")) from None
