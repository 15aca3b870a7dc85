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


class PrincipalRateThrottle(SimpleRateThrottle):
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


class ClientIpScopedRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate, per client IP (public endpoints)."""

    def get_ident(self, request: Request) -> str:
        return _client_ident(request)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
