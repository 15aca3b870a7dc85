"""Per-client limits for the public pages and for exports (issue 14 D5), counted in the
cache by fixed windows: a signed-in person by id, anyone else by the client IP that the
trusted proxies give (`core.request.client_ip_of`, never a forged X-Forwarded-For)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import NoScriptError

from core.request import client_ip_of

_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"60/min" -> (60, 60)."""
    count, _slash, unit = rate.partition("/")
    return int(count), _UNITS[unit]


def _ident(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"user-{user.pk}"
    return f"ip-{client_ip_of(request) or 'unknown'}"


def allow(request: HttpRequest, scope: str) -> tuple[bool, int]:
    """Count this request against `scope`'s rate (settings.PAGE_RATES); (allowed, seconds
    until the window ends)."""
    count, limit, reset = _counted(request, scope)
    return count <= limit, reset


def _counted(request: HttpRequest, scope: str) -> tuple[int, int, int]:
    """(the window's count with this request, the limit, seconds until the window ends)."""
    limit, window = parse_rate(settings.PAGE_RATES[scope])
    now = int(time.time())
    start = now - now % window
    key = f"ratelimit:{scope}:{_ident(request)}:{start}"
    return _count(key, window + 1), limit, start + window - now


#: Count a request in its window's counter, which lives as long as the window from the
#: first request on: atomic, one round trip.
WINDOW_LUA = """local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n"""
WINDOW_SHA = hashlib.sha1(WINDOW_LUA.encode(), usedforsecurity=False).hexdigest()


def _count(key: str, timeout: int) -> int:
    """The window's count after this request. On the portal's Redis cache one script call
    (issue 13: Django's add, then incr, were three round trips on each public page and the
    dashboard); on any other cache (`make run`'s local memory) add and incr."""
    from core.cache import RedisCache

    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        made = backend.make_and_validate_key(key)
        client = backend._cache.get_client(made, write=True)
        try:
            return int(client.evalsha(WINDOW_SHA, 1, made, timeout))
        except NoScriptError:  # a restarted or flushed server: EVAL loads it again
            return int(client.eval(WINDOW_LUA, 1, made, timeout))
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _limit(*, pages: bool, download: bool = False
           ) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scope = ("export" if download or request.GET.get("export") else
                     "page" if pages else None)
            if scope is None:
                return view(request, *args, **kwargs)
            count, limit, reset = _counted(request, scope)
            if count > limit:
                response = render(request, "429.html", {"retry": reset}, status=429)
                response["Retry-After"] = str(reset)
            else:
                response = view(request, *args, **kwargs)
            # The reading the API gives (core.api.views): a client of the open data sees
            # its budget before it runs out, not only the 429 when it has.
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(max(0, limit - count))
            response["RateLimit-Reset"] = str(reset)
            return response

        return wrapper

    return decorate


#: A public page: its views count against the page rate, its exports (`?export=`)
#: against the stricter export rate.
limited = _limit(pages=True)
#: An officers' list: only its exports are limited.
exports_limited = _limit(pages=False)
#: A download (the open data): every request counts against the export rate.
downloads_limited = _limit(pages=False, download=True)
