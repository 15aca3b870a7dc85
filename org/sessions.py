"""The session and the signed-in user in one cache round trip (issue 13).

Django's `cached_db` session store reads the session from the cache; the user backend
(`org.auth.PortalModelBackend`) then read the cache generation and the cached user in a
second round trip, and an API call's throttle is a third: three of an API list call's
four network round trips were the cache. This store reads the session, the user cache's
generation and the session's cached user with one MGET, and hands the last two to the
backend (`take_prefetched`), which checks them exactly as it checks its own read: the
entry serves only under the current generation, so any change to a user, a department or
a region (a new generation) is seen on the next request as before. The keys apps read
on every request (`core.prefetch`: the policy profile's stamp) come in the same MGET.

The user is cached per session (`session_user_key`): the key is known before the session
is read. The session itself is Django's `cached_db`: the database stays its record.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from core import prefetch

#: (user id as the session holds it, the cache key of the session's user, what the
#: load read: {key: value} of the generation and the user entry, those found), set by
#: the session load of this request and taken once by the user backend.
_prefetched: ContextVar[tuple[str, str, dict[str, Any]] | None] = ContextVar(
    "session_user", default=None)


def session_user_key(session_key: str) -> str:
    return f"auth-user:session:{session_key}"


def take_prefetched(user_id: Any) -> tuple[str, dict[str, Any]] | None:
    """The key of the session's cached user and what the session load read (the
    generation and that entry, where found) for `user_id`, once; None when this request
    loaded no session of that user."""
    found = _prefetched.get()
    _prefetched.set(None)
    if found is None or found[0] != str(user_id):
        return None
    return found[1], found[2]


def forget_prefetched(**kwargs: Any) -> None:
    """At the end of each request (`request_finished`): nothing read for one request is
    offered to the next one in the same thread."""
    _prefetched.set(None)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        from org.auth import USER_CACHE_GENERATION

        _prefetched.set(None)
        if not (settings.AUTH_USER_CACHE and self.session_key):
            return super().load()
        user_key = session_user_key(self.session_key)
        shared = prefetch.session_keys() if settings.SESSION_CACHE_ALIAS == "default" else []
        try:
            got = self._cache.get_many([self.cache_key, USER_CACHE_GENERATION, user_key,
                                        *shared])
        except Exception:  # as cached_db: an unreadable key resets the session
            got = {}
        prefetch.offer(shared, got)
        data = got.get(self.cache_key)
        if data is None:
            data = super().load()  # the database, and the cache filled again
        user_id = data.get(SESSION_KEY)
        if user_id is not None:
            _prefetched.set((str(user_id), user_key,
                             {k: v for k, v in got.items() if k != self.cache_key}))
        return data
