from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from core.principals import is_system


class PrincipalRateThrottle(SimpleRateThrottle):
    """Users by id; API clients by their own configured rate; anonymous by IP."""

    scope = "user"

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
