"""Issue 14 D5: the public pages and every export are limited per client; a rotated
X-Forwarded-For is not a new client (no proxy is trusted by default)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(PAGE_RATES={"page": "3/min", "export": "1/min"})
def test_public_pages_and_exports_are_limited_per_client(world):
    client = Client()
    for n in range(3):
        assert client.get("/whitelist/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 200
    refused = client.get("/whitelist/", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请稍候" in refused.content.decode() or "wait" in refused.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get("/?q=机构&export=xlsx").status_code == 200
    assert other.get("/?q=机构&export=xlsx").status_code == 429  # exports: 1 a minute


@override_settings(PAGE_RATES={"page": "1/min", "export": "1/min"})
def test_officers_lists_limit_only_their_exports(world):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    for _ in range(3):
        assert client.get("/office/cases/").status_code == 200
    assert client.get("/office/cases/?export=xlsx").status_code == 200
    assert client.get("/office/cases/?export=xlsx").status_code == 429


def test_a_counted_request_is_one_cache_round_trip_and_the_window_expires(world):
    """Issue 13: the window's counter is counted and given its lifetime by one script
    call on Redis (was add, then incr's EXISTS and INCRBY)."""
    from unittest import mock

    import redis.client
    from django.core.cache import cache
    from django.test import RequestFactory

    from core import ratelimit

    request = RequestFactory().get("/whitelist/", REMOTE_ADDR="192.0.2.9")
    sent: list[str] = []
    execute = redis.client.Redis.execute_command

    def spy(self, *args, **kwargs):
        sent.append(str(args[0]))
        return execute(self, *args, **kwargs)

    with override_settings(PAGE_RATES={"page": "2/min", "export": "1/min"}), \
            mock.patch.object(redis.client.Redis, "execute_command", spy):
        results = [ratelimit.allow(request, "page")[0] for _ in range(3)]
    assert results == [True, True, False]
    assert sent in (["EVALSHA"] * 3, ["EVALSHA", "EVAL", "EVALSHA", "EVALSHA"])
    [key] = [k for k in cache._cache.get_client().keys("*ratelimit:page:ip-192.0.2.9:*")]
    assert 0 < cache._cache.get_client().ttl(key) <= 61
    assert cache.get(key.decode().split(":", 2)[2]) == 3  # Django reads the same count


@override_settings(PAGE_RATES={"page": "2/min", "export": "1/min"},
                   CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "ratelimit-test"}})
def test_without_redis_the_pages_are_limited_too(world):
    client = Client(REMOTE_ADDR="192.0.2.10")
    assert [client.get("/whitelist/").status_code for _ in range(3)] == [200, 200, 429]


@override_settings(PAGE_RATES={"page": "3/min", "export": "2/min"})
def test_a_limited_download_carries_its_rate_limit_reading(world):
    """Every API answer carries RateLimit-*; the open-data download, limited at the
    export rate, carried nothing until its 429."""
    client = Client(REMOTE_ADDR="192.0.2.11")
    readings = []
    for _ in range(3):
        response = client.get("/open-data/register.csv")
        readings.append((response.status_code, response["RateLimit-Limit"],
                         response["RateLimit-Remaining"]))
        assert 0 < int(response["RateLimit-Reset"]) <= 60
    assert readings == [(200, "2", "1"), (200, "2", "0"), (429, "2", "0")]
    assert response["Retry-After"] == response["RateLimit-Reset"]
