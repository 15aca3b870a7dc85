"""Conditional GETs (issue 13): Django's ConditionalGetMiddleware, with the rule of RFC 9110
that it breaks kept."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.views.decorators.http import condition as django_condition

UNMODIFIED_SINCE = "HTTP_IF_UNMODIFIED_SINCE"


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """An ETag on every GET and 304 on If-None-Match / If-Modified-Since, as Django's.

    RFC 9110 §13.1.4: "A recipient MUST ignore the If-Unmodified-Since header field if the
    resource does not have a modification date available." Django compares the date with
    a missing Last-Modified as a failure, so every list (an ETag, no date) answered a GET
    carrying the header 412. An answer without Last-Modified is evaluated as if the header
    were absent; one with it (a case detail, core.api.views) keeps the comparison: 412
    when the record changed after the date. If-Match is evaluated as before."""

    def process_response(self, request: HttpRequest,
                         response: HttpResponseBase) -> HttpResponseBase:
        if request.method != "GET" or UNMODIFIED_SINCE not in request.META \
                or response.has_header("Last-Modified"):
            return super().process_response(request, response)
        since = request.META.pop(UNMODIFIED_SINCE)
        try:
            return super().process_response(request, response)
        finally:
            request.META[UNMODIFIED_SINCE] = since


def condition(*, last_modified_func: Callable[..., Any],
              etag_func: Callable[..., Any] | None = None) -> Callable[[Any], Any]:
    """Django's `condition` decorator, with the same rule of RFC 9110 §13.1.4 kept: where
    `last_modified_func` finds no date (the open-data register while it is empty),
    If-Unmodified-Since is ignored. Django compared the date with the missing one as a
    failure, and a client that sent it got 412 for an empty register."""

    def decorator(view: Any) -> Any:
        ignored = "_unmodified_since_ignored"

        def dated(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            at = last_modified_func(request, *args, **kwargs)
            if at is None and UNMODIFIED_SINCE in request.META:
                setattr(request, ignored, request.META.pop(UNMODIFIED_SINCE))
            return at

        conditional = django_condition(etag_func=etag_func, last_modified_func=dated)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                return conditional(request, *args, **kwargs)
            finally:
                if hasattr(request, ignored):  # the header is the request's, as it came
                    request.META[UNMODIFIED_SINCE] = getattr(request, ignored)
                    delattr(request, ignored)

        return wrapped

    return decorator
