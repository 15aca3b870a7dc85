"""The Content-Security-Policy every page keeps (issue 14 D8): scripts only from our own
static files (no inline scripts or handlers, nothing from a CDN), no plugins, no framing.
Django's own admin is left to Django."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and not request.path.startswith("/admin/") and \
                "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
