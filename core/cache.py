"""Django's Redis cache, with one Redis client per connection pool instead of one per
operation.

`django.core.cache.backends.redis.RedisCacheClient.get_client` builds a new `redis.Redis`
around the (shared) pool on every get and set; building it (its response callbacks, about
80 dictionary entries) cost more than the round trip on the API's hot path, which reads
and writes the throttle's history on every call (issue 13). A `redis.Redis` holds no
connection of its own and is safe to share between threads; Django's cache handler keeps
one backend per thread anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
