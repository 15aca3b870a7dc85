"""One error format for the whole API (issue 3 §6; STYLE.md §5):

- 400 `{"detail": ..., "code": ..., "errors": {field: [messages]}}` for bad input;
- 404 for missing and forbidden alike;
- 409 for a wrong state.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core.errors import DomainError


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(v) if not isinstance(v, dict | list) else _flatten(v) for v in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": str(exc.message), "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [str(exc.message)]}
        return Response(body, status=exc.http_status)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound(_("Not found."))
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors":
                                                                       exc.messages}
        return Response({"detail": _("Invalid input."), "code": "invalid", "errors": errors},
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _("Invalid input."), "code": "invalid",
                         "errors": _flatten(errors)}
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        response.data = {"detail": str(detail), "code": getattr(detail, "code", exc.default_code)}
    return response
