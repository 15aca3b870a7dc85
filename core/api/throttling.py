"""Throttles. Anonymous callers are counted by `core.request.client_ip_of`, which trusts
X-Forwarded-For only from TRUSTED_PROXY_COUNT proxies (0 by default): DRF's own
`get_ident` reads the whole header when NUM_PROXIES is unset, so a caller rotating the
header got a fresh budget with every request (issue 14 §A5)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from core.principals import is_system
from core.request import client_ip_of


def _client_ident(request: Request) -> str:
    return client_ip_of(request._request) or "unknown"


#: where a throttle leaves its reading for the response headers (core.api.views)
RATELIMIT_ATTR = "_ratelimit"


class ReportingMixin:
    """Leaves (limit, remaining, seconds to reset) on the request after each check, the
    tightest of the view's throttles winning, so that every API answer carries the
    `RateLimit-*` headers beside `Retry-After` (issue 13)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed = super().allow_request(request, view)  # type: ignore[misc]
        history = getattr(self, "history", None)
        if history is None or not getattr(self, "num_requests", None):
            return allowed
        limit, duration = self.num_requests, self.duration  # type: ignore[attr-defined]
        remaining = max(0, limit - len(history))
        # DRF keeps the newest call first: the budget grows back when the oldest expires.
        reset = int(max(0.0, duration - (self.now - history[-1]))) if history else 0  # type: ignore[attr-defined]
        raw = request._request
        current = getattr(raw, RATELIMIT_ATTR, None)
        if current is None or remaining < current[1]:
            setattr(raw, RATELIMIT_ATTR, (limit, remaining, reset))
        return allowed


class PrincipalRateThrottle(ReportingMixin, SimpleRateThrottle):
    """Users by id; API clients by their own configured rate; anonymous by IP."""

    scope = "user"

    def get_ident(self, request: Request) -> str:
        return _client_ident(request)

    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if is_system(user):
            self.scope = "client"
            self.rate = user.throttle_rate or self.get_rate()
        elif getattr(user, "is_authenticated", False):
            self.scope = "user"
            self.rate = self.get_rate()
        else:
            self.scope = "public"
            self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = request.user
        if is_system(user):
            ident = user.throttle_ident
        elif getattr(user, "is_authenticated", False):
            ident = f"user-{user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"


class ClientIpScopedRateThrottle(ReportingMixin, ScopedRateThrottle):
    """The view's `throttle_scope` rate, per client IP (public endpoints)."""

    def get_ident(self, request: Request) -> str:
        return _client_ident(request)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
