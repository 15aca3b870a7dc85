"""One error format for the whole API (issue 3 §6, issue 14 §A2; STYLE.md §5):

- 400 `{"detail": ..., "code": ..., "errors": {field: [messages]}}` for bad input;
- 404 for missing and forbidden alike;
- 409 for a wrong state.

DRF's answers are shaped by `exception_handler`; whatever Django answers itself under
`/api/` (an unknown route, a request too large to read, a 500) by `ApiErrorFormatMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core.errors import DomainError
from core.i18n import readable

#: DRF's messages that DRF does not mark for translation, by their English words: the
#: answer to a body of JSON `null` was English under zh-hans.
UNTRANSLATED = {"No data provided": gettext_lazy("No data was sent: the body must be a JSON "
                                                 "object.")}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(UNTRANSLATED.get(v, v)) if not isinstance(v, dict | list) else _flatten(v)
                for v in detail]
    return [str(UNTRANSLATED.get(detail, detail))]


API_PREFIX = "/api/"


class ErrorSerializer(serializers.Serializer):
    """The one error body, as the schema documents it for every error response."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in the request's language."))
    code = serializers.CharField(help_text=gettext_lazy("A stable machine-readable code."))
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text=gettext_lazy("For bad input: the messages for each field or query parameter."))


def _status_body(status_code: int) -> dict[str, Any]:
    """The body for an error that Django, not the API, answered."""
    known: dict[int, tuple[str, Any]] = {
        400: ("invalid", _("Invalid input.")),
        403: ("permission_denied", _("You do not have permission to perform this action.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("Method not allowed.")),
        # ConditionalGetMiddleware's answer to If-Match or If-Unmodified-Since
        412: ("precondition_failed", _("The condition in If-Match or If-Unmodified-Since "
                                       "does not hold.")),
        413: ("too_large", _("The request is too large.")),
        500: ("server_error", _("A server error occurred.")),
    }
    code, detail = known.get(status_code, ("error", HTTPStatus(status_code).phrase))
    return {"detail": str(detail), "code": code}


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Every path under /api/ that no route takes. Routing it here (rather than to
    Django's 404) also keeps APPEND_SLASH from redirecting a POST, which loses its body,
    or failing with a debug page when DEBUG is on."""
    body = _status_body(404)
    if not request.path.endswith("/"):
        try:
            resolve(request.path + "/")
        except Resolver404:
            pass
        else:
            body["detail"] = _("Not found. Paths under /api/ end with a slash: %(path)s") % {
                "path": request.path + "/"}
    return JsonResponse(body, status=404)


class ApiErrorFormatMiddleware:
    """Under /api/, rewrites an error answer that did not come from DRF (Django's 400,
    403, 404 and 500 pages, debug pages included) into the one error format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code >= 400 and request.path.startswith(API_PREFIX)
                and not hasattr(response, "accepted_renderer")
                and not response.get("Content-Type", "").startswith("application/json")):
            replaced = JsonResponse(_status_body(response.status_code),
                                    status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": _("The request has too many fields."),
                         "code": "too_many_fields"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(_status_body(413), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        message = readable(exc.message)
        body: dict[str, Any] = {"detail": message, "code": exc.code}
        if exc.field:
            body["errors"] = {exc.field: [message]}
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
