"""The throttle's check in one Redis round trip (issue 13: the API's fixed cost) keeps
DRF's sliding-log semantics: the same calls let through, the same `Retry-After` (DRF's
`wait()`) and the same `RateLimit-*` reading as DRF's GET-and-SET path, call by call."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from core.api.throttling import RATELIMIT_ATTR, RedisSlidingLogThrottle, ReportingMixin
from core.cache import RedisCache

pytestmark = pytest.mark.skipif(not isinstance(caches["default"], RedisCache),
                                reason="the one-round-trip path needs the Redis cache")

#: call times in seconds: a burst, calls at the window's edge (DRF drops a time exactly
#: `duration` old), a long pause, and a second burst
TIMES = [0.0, 0.5, 1.0, 1.5, 30.0, 59.9, 60.0, 60.5, 61.0, 61.2, 119.0, 125.0, 125.1,
         125.2, 125.3, 300.0]


class _DrfThrottle(ReportingMixin, SimpleRateThrottle):
    rate = "3/min"
    cache = LocMemCache("throttle-semantics", {})

    def get_cache_key(self, request: Any, view: Any) -> str:
        return "throttle-semantics"


class _RedisThrottle(ReportingMixin, RedisSlidingLogThrottle):
    rate = "3/min"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return "throttle-semantics"


def _call(throttle_class: type, now: float) -> tuple[bool, float | None, Any]:
    throttle = throttle_class()
    throttle.timer = lambda: now
    request = SimpleNamespace(_request=SimpleNamespace())
    allowed = throttle.allow_request(request, None)
    return allowed, throttle.wait(), getattr(request._request, RATELIMIT_ATTR, None)


@pytest.fixture
def clean_cache() -> Any:
    caches["default"].clear()
    _DrfThrottle.cache.clear()
    yield
    caches["default"].clear()


def test_the_redis_log_answers_as_drfs_sliding_log_call_by_call(clean_cache: Any) -> None:
    drf = [_call(_DrfThrottle, now) for now in TIMES]
    lua = [_call(_RedisThrottle, now) for now in TIMES]
    assert [a for a, _w, _r in drf] == [True, True, True, False, False, False, True, True,
                                        True, False, False, True, True, True, False, True]
    assert lua == drf


def test_a_check_is_one_redis_round_trip(clean_cache: Any) -> None:
    _call(_RedisThrottle, 0.0)  # loads the script
    with mock.patch.object(redis.Redis, "execute_command",
                           autospec=True, side_effect=redis.Redis.execute_command) as sent:
        assert _call(_RedisThrottle, 1.0)[0]
    assert sent.call_count == 1


def test_the_log_expires_with_the_window(clean_cache: Any) -> None:
    """As DRF's `cache.set(key, history, duration)`: the log lives one window after the
    last call it let through."""
    _call(_RedisThrottle, 0.0)
    cache = caches["default"]
    key = cache.make_key("throttle-semantics:log")
    ttl = cache._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 60


def test_a_server_that_lost_the_script_is_given_it_again(clean_cache: Any) -> None:
    """EVALSHA of a script the server does not hold (restarted, SCRIPT FLUSH) falls back
    to EVAL, which loads it; the call is counted as any other."""
    cache = caches["default"]
    cache._cache.get_client(write=True).script_flush()
    assert _call(_RedisThrottle, 0.0)[0]
    assert _call(_RedisThrottle, 1.0)[2] == (3, 1, 59)
