"""Cache keys a request reads anyway, read with its session in one round trip (issue 13).

An app registers a small key every request that needs it would read (`read_with_session`:
the policy profile's stamp); the session store (`org.sessions`) asks for those keys in
the MGET that reads the session, and `get` serves them from that read for the rest of
the request. A key the request writes or drops is forgotten first (`forget`), so a
request that changes what a key names reads the cache again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache

_keys: dict[str, Callable[[], str]] = {}
#: {key: value or _MISSING} of the keys the session load asked for, this request only.
_values: ContextVar[dict[str, Any] | None] = ContextVar("prefetched_keys", default=None)
_MISSING = object()


def read_with_session(name: str, key: Callable[[], str]) -> None:
    """Have `key()` read with each request's session (registered once, by name)."""
    _keys[name] = key


def session_keys() -> list[str]:
    return [key() for key in _keys.values()]


def offer(asked: Iterable[str], found: dict[str, Any]) -> None:
    """What the session load read of `asked` (those absent from `found` were missing)."""
    _values.set({key: found.get(key, _MISSING) for key in asked})


def get(key: str) -> Any:
    """The key's value as this request's session load read it, else from the cache."""
    values = _values.get()
    if values is not None and key in values:
        value = values[key]
        return None if value is _MISSING else value
    return cache.get(key)


def forget(keys: Iterable[str] | None = None) -> None:
    """Drop what was read for these keys (all, at the end of a request)."""
    values = _values.get()
    if values is None:
        return
    if keys is None:
        _values.set(None)
        return
    for key in keys:
        values.pop(key, None)
