"""The context of the current request: the client IP for the audit trail, and a request id
that every response carries (`X-Request-ID`) and every log line names (issue 14 §A2)."""

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core import prefetch

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming id is kept (so a proxy's or a client's id threads through) only when it is
#: short and plain: it lands in log lines and response headers.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


def current_request_id() -> str | None:
    return _request_id.get()


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


def request_id_of(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _WELL_FORMED_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record: the record's own request (Django logs 4xx and
    5xx answers with it), else the request being handled, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = (getattr(request, "request_id", None) or current_request_id()
                             or "-")
        return True


def _error(request: HttpRequest, message: str, code: str,
           fields: list[str] | tuple[str, ...] = ("non_field_errors",)) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": code,
                             "errors": {name: [message] for name in fields}}, status=400)
    return HttpResponseBadRequest(message)


def _with_nul(request: HttpRequest) -> list[str]:
    """The parts of the request that hold a NUL character: "path", or query parameters."""
    where = ["path"] if "\x00" in request.path else []
    return where + [name for name, values in request.GET.lists()
                    if "\x00" in name or any("\x00" in v for v in values)]


class RequestContextMiddleware:
    """Outermost: sets the request id and the client IP, and refuses a query string that
    cannot be read safely before any other code reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset after the response: the server writes its access line for this
        # request after the application returned, in the same context. The next request
        # sets its own id first.
        _request_id.set(request_id)
        response = self._handle(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def _handle(self, request: HttpRequest) -> HttpResponse:
        try:
            with_nul = _with_nul(request)
        except TooManyFieldsSent:
            return _error(request, _("The request has too many fields."), "too_many_fields")
        if with_nul:
            # PostgreSQL refuses NUL in text: answer 400 instead of failing later, in the
            # API's error format under /api/.
            return _error(request, _("The request contains a NUL character."), "invalid",
                          with_nul)
        token = _client_ip.set(client_ip_of(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
            prefetch.forget()  # what this request's session load read (core.prefetch)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except that an API read does not save the session.

    `SESSION_SAVE_EVERY_REQUEST` refreshes the idle timeout on every page a person opens;
    an API GET (a list polled by a page or a script) would write the session row on every
    call, which was 2.1 ms of a 16 ms list call (issue 13). Pages and writes keep
    refreshing it; a read that changed the session still saves it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if (session is not None and not session.modified
                and request.method in ("GET", "HEAD", "OPTIONS")
                and request.path_info.startswith("/api/")):
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)
