"""Carries the client IP of the current request to the audit trail."""

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


def client_ip_of(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For hop that the
    outermost trusted proxy appended. Hops left of it are whatever the client sent, so
    they are never trusted: the audit trail records this address."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if proxies > 0 and len(hops) >= proxies and _is_ip(hops[-proxies]):
        return hops[-proxies]
    remote = request.META.get("REMOTE_ADDR") or ""
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in v for vs in request.GET.lists()
                                            for v in vs[1]):
            # PostgreSQL refuses NUL in text: answer 400 instead of failing later, in the
            # API's error format under /api/.
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            return HttpResponseBadRequest(message)
        token = _client_ip.set(client_ip_of(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
