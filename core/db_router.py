"""A read replica, when a deployment has one (issue 13, "past one machine").

Set `DATABASE_REPLICA_URL` and reads go to the replica: lists, exports, analytics and
every other read outside a transaction. Writes, and reads inside a transaction (every
service function is atomic, so it reads what it is about to change from the primary),
go to the primary. Read-your-writes: a request that writes, and the same browser's
requests for `REPLICA_LAG_SECONDS` after it, read the primary, so that a person never
sees the list from before the form they just sent. Without a replica all of this is
inert and everything reads the one database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_pinned: ContextVar[bool] = ContextVar("db_pinned_to_primary", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        if (not replica_configured() or _pinned.get()
                or connections["default"].in_atomic_block):
            return "default"
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


class PrimaryAfterWriteMiddleware:
    """Pins a writing request, and the browser's next few seconds, to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method not in SAFE_METHODS
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_LAG_SECONDS,
                                httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response
