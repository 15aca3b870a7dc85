"""Conditional GETs (issue 13): Django's ConditionalGetMiddleware, with the rule of RFC 9110
that it breaks kept."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware

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
