"""Throttles. Anonymous callers are counted by `core.request.client_ip_of`, which trusts
X-Forwarded-For only from TRUSTED_PROXY_COUNT proxies (0 by default): DRF's own
`get_ident` reads the whole header when NUM_PROXIES is unset, so a caller rotating the
header got a fresh budget with every request (issue 14 §A5)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from redis.exceptions import NoScriptError
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from core.principals import is_system
from core.request import client_ip_of


def _client_ident(request: Request) -> str:
    return client_ip_of(request._request) or "unknown"


#: where a throttle leaves its reading for the response headers (core.api.views)
RATELIMIT_ATTR = "_ratelimit"

#: DRF's sliding log (`SimpleRateThrottle.allow_request`) run inside Redis, so that a check
#: is one round trip instead of a GET and a SET (issue 13: the API's fixed cost). The log
#: is a list of call times, newest first: times at or before `now - duration` are dropped
#: from the old end; below the limit the call is pushed and the list lives `duration`
#: seconds more (DRF's `cache.set(key, history, duration)`). Returns whether the call was
#: let through, the log's length after it, and its oldest time (as text: Lua would
#: truncate a number returned to Redis to an integer).
SLIDING_LOG_LUA = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
while true do
  local oldest = redis.call('LINDEX', key, -1)
  if not oldest or tonumber(oldest) > now - duration then break end
  redis.call('RPOP', key)
end
local count = redis.call('LLEN', key)
local allowed = 0
if count < limit then
  redis.call('LPUSH', key, ARGV[1])
  redis.call('EXPIRE', key, duration)
  count = count + 1
  allowed = 1
end
return {allowed, count, redis.call('LINDEX', key, -1) or false}
"""


SLIDING_LOG_SHA = hashlib.sha1(SLIDING_LOG_LUA.encode(), usedforsecurity=False).hexdigest()


class LogSummary:
    """What DRF's throttle and `ReportingMixin` read of a history (its length and its
    oldest time, `history[-1]`), as the Redis script reports it."""

    __slots__ = ("count", "oldest")

    def __init__(self, count: int, oldest: float | None) -> None:
        self.count, self.oldest = count, oldest

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> float:
        if index not in (-1, self.count - 1) or self.oldest is None:
            raise IndexError(index)
        return self.oldest


def _backend(cache: Any) -> Any:
    """The cache behind DRF's `default_cache`, a proxy that `isinstance` sees through."""
    if isinstance(cache, ConnectionProxy):
        return caches[cache._alias]
    return cache


class RedisSlidingLogThrottle(SimpleRateThrottle):
    """DRF's `SimpleRateThrottle.allow_request`, in one Redis round trip where the
    throttle's cache is the portal's Redis cache (`core.cache.RedisCache`); any other
    cache (the tests' local memory) keeps DRF's own GET and SET. The log is kept under its
    own key (`…:log`), so that a history pickled by DRF's path is never read as a list."""

    num_requests: Any  # set by parse_rate, as DRF does
    duration: Any

    def allow_request(self, request: Request, view: Any) -> bool:
        from core.cache import RedisCache

        cache = _backend(self.cache)
        if not isinstance(cache, RedisCache) or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        key = cache.make_key(f"{self.key}:log")
        client = cache._cache.get_client(key, write=True)
        args = (key, repr(self.now), self.duration, self.num_requests)
        reply: Any
        try:
            reply = client.evalsha(SLIDING_LOG_SHA, 1, *args)
        except NoScriptError:  # a restarted or flushed server: EVAL loads it again
            reply = client.eval(SLIDING_LOG_LUA, 1, *args)
        allowed, count, oldest = reply
        self.history = LogSummary(  # type: ignore[assignment]
            int(count), float(oldest) if oldest else None)
        return bool(allowed)


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


class PrincipalRateThrottle(ReportingMixin, RedisSlidingLogThrottle):
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


class ClientIpScopedRateThrottle(ReportingMixin, ScopedRateThrottle, RedisSlidingLogThrottle):
    """The view's `throttle_scope` rate, per client IP (public endpoints)."""

    def get_ident(self, request: Request) -> str:
        return _client_ident(request)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
